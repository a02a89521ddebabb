"""Who may see what: roles, the roles file, and the access policy the data-access layer enforces.

Roles:

* ``public``: published aggregates only (county and national cells, suppressed);
  the role of everyone when sign-in is off, unless configured otherwise.
* ``county``: unit-level (health-centre) detail for the listed counties only,
  county and national aggregates for all.
* ``analyst``: unit-level detail for every county.

The roles file (TOML) maps identities or claims to roles, first match wins::

    [[rule]]
    email = "johtaja@varha.fi"     # an exact e-mail (case-insensitive)
    role = "county"
    regions = ["05"]

    [[rule]]
    domain = "thl.fi"               # every e-mail in a domain
    role = "analyst"

    [[rule]]
    claim = "groups"                # any claim of the identity token, equal to or containing value
    value = "hva-pohjois-savo"
    role = "county"
    regions = ["13"]

A signed-in user who matches no rule is ``public``.

**Only verified e-mail addresses count.** An ``email`` or ``domain`` rule matches
only when the identity token says ``email_verified: true`` (the boolean, or the
string ``"true"`` some providers send): anyone can register an unverified address
at many providers. A token without the claim counts as unverified, unless the
roles file says the provider verifies every address it issues (an organisation's
own directory)::

    email_verified_by_provider = true   # a missing email_verified claim counts as verified

An explicit ``email_verified: false`` never matches. ``claim`` rules are not
affected: they trust the claim they name.

**Who is logged.** Refusals are logged (logger ``dashboard.access``) with
:attr:`AccessPolicy.log_identity`: the role and a short SHA-256 digest of the
signed-in identity (``county:3f2a9c1b7d4e``), never the e-mail itself; an
operator finds a person's lines by computing the digest of their address
(:func:`identity_digest`).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from core.errors import InvalidInputError

Role = Literal["public", "county", "analyst"]
ROLES: Final[tuple[Role, ...]] = ("public", "county", "analyst")
_MATCHERS: Final = ("email", "domain", "claim")
_TRUST_KEY: Final = "email_verified_by_provider"
ANONYMOUS: Final = "anonymous"


@dataclass(frozen=True)
class AccessPolicy:
    """One viewer's rights. ``unit_regions``: counties whose unit-level cells the viewer may see."""

    role: Role
    unit_regions: frozenset[str] | None  # None: every county
    identity: str = ANONYMOUS

    def may_see_units(self, region: str) -> bool:
        return self.unit_regions is None or region in self.unit_regions

    @property
    def may_import(self) -> bool:
        """Imports change the shared store: signed-in county staff (rows of their counties) and analysts."""
        return self.role != "public"

    @property
    def import_regions(self) -> frozenset[str] | None:
        """The counties whose rows this viewer may import (None: every county); checked on the rows."""
        return self.unit_regions

    @property
    def may_refresh(self) -> bool:
        """A refresh replaces national series of every county: only a role that covers every county."""
        return self.may_import and self.unit_regions is None

    @property
    def log_identity(self) -> str:
        """The viewer in a log line: the role and a digest of the identity, no e-mail address."""
        if self.identity == ANONYMOUS:
            return f"{self.role}:{ANONYMOUS}"
        return f"{self.role}:{identity_digest(self.identity)}"


def identity_digest(identity: str) -> str:
    """A short, stable, non-reversible name for a signed-in identity (case-insensitive)."""
    return hashlib.sha256(identity.strip().lower().encode("utf-8")).hexdigest()[:12]


PUBLIC: Final = AccessPolicy("public", frozenset())


def policy_for_role(role: Role, regions: Sequence[str] = (), identity: str = ANONYMOUS) -> AccessPolicy:
    if role == "analyst":
        return AccessPolicy("analyst", None, identity)
    if role == "county":
        return AccessPolicy("county", frozenset(regions), identity)
    return AccessPolicy("public", frozenset(), identity)


@dataclass(frozen=True)
class Rule:
    role: Role
    regions: tuple[str, ...]
    email: str | None = None
    domain: str | None = None
    claim: str | None = None
    value: str | None = None
    email_verified_by_provider: bool = False

    def matches(self, user: Mapping[str, Any]) -> bool:
        email = verified_email(user, trust_missing=self.email_verified_by_provider)
        if self.email is not None:
            return email == self.email.lower()
        if self.domain is not None:
            return email.endswith("@" + self.domain.lower().lstrip("@"))
        claimed = user.get(self.claim or "")
        if isinstance(claimed, list | tuple | set):
            return self.value in {str(item) for item in claimed}
        return claimed is not None and str(claimed) == self.value


def verified_email(user: Mapping[str, Any], *, trust_missing: bool = False) -> str:
    """The identity's e-mail in lower case when the token says it is verified, else ``""``.

    ``email_verified`` is true as the boolean or the string ``"true"``; a missing claim counts
    as verified only with ``trust_missing`` (the roles file's ``email_verified_by_provider``).
    """
    email = str(user.get("email") or "").strip().lower()
    if not email:
        return ""
    verified = user.get("email_verified")
    if verified is None:
        return email if trust_missing else ""
    return email if verified is True or (isinstance(verified, str) and verified.lower() == "true") else ""


def as_role(value: object, *, where: str = "role") -> Role:
    """``value`` checked to be one of :data:`ROLES`."""
    return _check_role(value, where)


def _check_role(value: object, where: str) -> Role:
    if value not in ROLES:
        raise InvalidInputError(f"{where}: role must be one of {', '.join(ROLES)}, got {value!r}")
    return value


def parse_rules(text: str, *, source: str = "roles file") -> tuple[Rule, ...]:
    """Read the roles file's rules; every mistake names the rule (1-based) and the field."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{source}: not valid TOML ({exc})") from exc
    unknown_tables = set(document) - {"rule", _TRUST_KEY}
    if unknown_tables:
        raise InvalidInputError(
            f"{source}: unknown section(s) {sorted(unknown_tables)}; only [[rule]] and {_TRUST_KEY} are allowed"
        )
    trusted = document.get(_TRUST_KEY, False)
    if not isinstance(trusted, bool):
        raise InvalidInputError(f"{source}: {_TRUST_KEY} must be true or false, got {trusted!r}")
    rules = []
    for number, entry in enumerate(document.get("rule", []), start=1):
        where = f"{source}, rule {number}"
        if not isinstance(entry, dict):
            raise InvalidInputError(f"{where}: must be a table")
        role = _check_role(entry.get("role"), where)
        matchers = [name for name in _MATCHERS if name in entry]
        if len(matchers) != 1:
            raise InvalidInputError(f"{where}: give exactly one of email, domain or claim (got {matchers or 'none'})")
        if "claim" in entry and "value" not in entry:
            raise InvalidInputError(f"{where}: a claim rule needs a value")
        regions = entry.get("regions", [])
        if not isinstance(regions, list) or not all(isinstance(code, str) for code in regions):
            raise InvalidInputError(f'{where}: regions must be a list of county codes such as ["05"]')
        if role == "county" and not regions:
            raise InvalidInputError(f"{where}: a county role needs the counties it may see (regions = [...])")
        rules.append(
            Rule(
                role=role,
                regions=tuple(regions),
                email=entry.get("email"),
                domain=entry.get("domain"),
                claim=entry.get("claim"),
                value=None if entry.get("value") is None else str(entry.get("value")),
                email_verified_by_provider=trusted,
            )
        )
    return tuple(rules)


def load_rules(path: Path | None) -> tuple[Rule, ...]:
    if path is None:
        return ()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"roles file {path} cannot be read: {exc.strerror or exc}") from exc
    return parse_rules(text, source=f"roles file {path.name}")


def policy_for(
    user: Mapping[str, Any] | None, rules: Sequence[Rule], *, without_sign_in: Role = "public"
) -> AccessPolicy:
    """The policy for a viewer: ``user`` is the signed-in identity's claims, None when sign-in is off."""
    if user is None:
        return policy_for_role(without_sign_in)
    if not user.get("is_logged_in", True):
        return PUBLIC
    identity = str(user.get("email") or user.get("sub") or "signed-in user")
    for rule in rules:
        if rule.matches(user):
            return policy_for_role(rule.role, rule.regions, identity)
    return AccessPolicy("public", frozenset(), identity)
