"""Roles: the roles file, matching identities to roles, and what each role may see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.access import PUBLIC, AccessPolicy, load_rules, parse_rules, policy_for
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
        ({"is_logged_in": True, "email": "johtaja@varha.fi"}, "county", frozenset({"05"})),
        # a claim that holds a list of groups
        (
            {"is_logged_in": True, "email": "a@pshyvinvointialue.fi", "groups": ["x", "hva-pohjois-savo"]},
            "county",
            frozenset({"13", "12"}),
        ),
        # every e-mail of a domain
        ({"is_logged_in": True, "email": "analyytikko@thl.fi"}, "analyst", None),
        # a look-alike domain does not match
        ({"is_logged_in": True, "email": "someone@notthl.fi"}, "public", frozenset()),
        # signed in but in no rule
        ({"is_logged_in": True, "email": "kuka@example.org"}, "public", frozenset()),
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
    assert policy_for({"email": "x@thl.fi"}, rules).role == "public"


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
