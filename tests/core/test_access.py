"""Roles: the roles file, matching identities to roles, and what each role may see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.access import PUBLIC, AccessPolicy, identity_digest, load_rules, parse_rules, policy_for
from core.errors import InvalidInputError

ROLES_FILE = """
[[rule]]
email = "Johtaja@VARHA.fi"
role = "county"
regions = ["05"]

[[rule]]
claim = "groups"
value = "hva-pohjois-savo"
role = "county"
regions = ["13", "12"]

[[rule]]
domain = "thl.fi"
role = "analyst"
"""
RULES = parse_rules(ROLES_FILE)


@pytest.mark.parametrize(
    ("user", "role", "regions"),
    [
        # an exact e-mail, case-insensitive
        ({"is_logged_in": True, "email": "johtaja@varha.fi", "email_verified": True}, "county", frozenset({"05"})),
        # a claim that holds a list of groups
        (
            {"is_logged_in": True, "email": "a@pshyvinvointialue.fi", "groups": ["x", "hva-pohjois-savo"]},
            "county",
            frozenset({"13", "12"}),
        ),
        # every e-mail of a domain
        ({"is_logged_in": True, "email": "analyytikko@thl.fi", "email_verified": True}, "analyst", None),
        # a look-alike domain does not match
        ({"is_logged_in": True, "email": "someone@notthl.fi", "email_verified": True}, "public", frozenset()),
        # signed in but in no rule
        ({"is_logged_in": True, "email": "kuka@example.org", "email_verified": True}, "public", frozenset()),
        # not signed in
        ({"is_logged_in": False}, "public", frozenset()),
    ],
)
def test_identities_map_to_roles(user: dict[str, object], role: str, regions: frozenset[str] | None) -> None:
    policy = policy_for(user, RULES)
    assert (policy.role, policy.unit_regions) == (role, regions)


def test_the_first_matching_rule_wins() -> None:
    rules = parse_rules(
        '[[rule]]\ndomain = "thl.fi"\nrole = "public"\n\n[[rule]]\ndomain = "thl.fi"\nrole = "analyst"\n'
    )
    assert policy_for({"email": "x@thl.fi", "email_verified": True}, rules).role == "public"


TRUSTING = "email_verified_by_provider = true\n\n" + ROLES_FILE


@pytest.mark.parametrize(
    ("roles_file", "verified", "role"),
    [
        # the token says the address is not verified: no e-mail or domain rule matches, trusted provider or not
        (ROLES_FILE, False, "public"),
        (TRUSTING, False, "public"),
        (ROLES_FILE, "false", "public"),
        # no email_verified claim: unverified, unless the roles file trusts the provider
        (ROLES_FILE, None, "public"),
        (TRUSTING, None, "analyst"),
        # verified, as the boolean or as the string some providers send
        (ROLES_FILE, True, "analyst"),
        (ROLES_FILE, "true", "analyst"),
        (ROLES_FILE, "True", "analyst"),
    ],
)
def test_only_a_verified_email_claim_earns_a_role(roles_file: str, verified: object, role: str) -> None:
    user: dict[str, object] = {"is_logged_in": True, "email": "analyytikko@thl.fi"}
    if verified is not None:
        user["email_verified"] = verified
    assert policy_for(user, parse_rules(roles_file)).role == role


def test_an_unverified_email_exact_match_gets_no_county_role() -> None:
    user = {"is_logged_in": True, "email": "johtaja@varha.fi", "email_verified": False}
    assert (policy_for(user, RULES).role, policy_for(user, RULES).unit_regions) == ("public", frozenset())


def test_a_claim_rule_does_not_depend_on_the_email_being_verified() -> None:
    user = {"is_logged_in": True, "email": "a@b.fi", "email_verified": False, "groups": ["hva-pohjois-savo"]}
    assert policy_for(user, RULES).role == "county"


def test_the_trust_setting_must_be_a_boolean() -> None:
    with pytest.raises(InvalidInputError, match="email_verified_by_provider must be true or false"):
        parse_rules('email_verified_by_provider = "yes"\n' + ROLES_FILE)


def test_the_logged_identity_names_the_role_and_a_digest_never_the_email() -> None:
    user = {"is_logged_in": True, "email": "Johtaja@VARHA.fi", "email_verified": True}
    logged = policy_for(user, RULES).log_identity
    assert logged == f"county:{identity_digest('johtaja@varha.fi')}"
    assert "@" not in logged
    assert "johtaja" not in logged.lower()
    assert PUBLIC.log_identity == "public:anonymous"


@pytest.mark.parametrize(
    ("policy", "may_refresh", "import_regions"),
    [
        (PUBLIC, False, frozenset()),
        (AccessPolicy("county", frozenset({"05"})), False, frozenset({"05"})),
        (AccessPolicy("analyst", None), True, None),
    ],
)
def test_refreshes_need_every_county_and_imports_are_limited_to_the_roles_counties(
    policy: AccessPolicy, may_refresh: bool, import_regions: frozenset[str] | None
) -> None:
    assert policy.may_refresh is may_refresh
    assert policy.import_regions == import_regions


def test_without_sign_in_everyone_gets_the_configured_role() -> None:
    assert policy_for(None, RULES) == PUBLIC
    assert policy_for(None, RULES, without_sign_in="analyst").unit_regions is None


@pytest.mark.parametrize(
    ("policy", "region", "allowed"),
    [
        (AccessPolicy("public", frozenset()), "05", False),
        (AccessPolicy("county", frozenset({"05"})), "05", True),
        (AccessPolicy("county", frozenset({"05"})), "13", False),
        (AccessPolicy("analyst", None), "13", True),
    ],
)
def test_unit_level_detail_follows_the_role(policy: AccessPolicy, region: str, allowed: bool) -> None:
    assert policy.may_see_units(region) is allowed


def test_only_signed_in_roles_may_import() -> None:
    assert not PUBLIC.may_import
    assert AccessPolicy("county", frozenset({"05"})).may_import


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[rule]]\nemail = 'a@b.fi'\nrole = 'admin'\n", "rule 1: role must be one of public, county, analyst"),
        ("[[rule]]\nrole = 'analyst'\n", "rule 1: give exactly one of email, domain or claim"),
        ("[[rule]]\nemail = 'a@b.fi'\ndomain = 'b.fi'\nrole = 'analyst'\n", "give exactly one of"),
        ("[[rule]]\nclaim = 'groups'\nrole = 'analyst'\n", "rule 1: a claim rule needs a value"),
        ("[[rule]]\nemail = 'a@b.fi'\nrole = 'county'\n", "rule 1: a county role needs the counties"),
        ("[[rule]]\nemail = 'a@b.fi'\nrole = 'county'\nregions = '05'\n", "regions must be a list"),
        ("[roles]\nx = 1\n", "unknown section(s) ['roles']"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_a_bad_roles_file_names_the_rule_and_the_field(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        parse_rules(text)


def test_a_missing_roles_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"roles file .* cannot be read"):
        load_rules(tmp_path / "roles.toml")
    assert load_rules(None) == ()
