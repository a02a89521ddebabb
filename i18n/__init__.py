"""Translations: every user-visible string comes from a catalogue (fi, sv, en).

Catalogues are TOML files beside this module, one per language, with the same
keys; a test fails when a key is missing in any language. County names come
from ``reference_data/regions.csv`` through :func:`region_name`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from core.codes import WHOLE_COUNTRY
from core.errors import InvalidInputError
from core.regions import region_by_code

LANGUAGES = ("fi", "sv", "en")
DEFAULT_LANGUAGE = "fi"
NATIONAL_CODE = WHOLE_COUNTRY
_FOLDER = Path(__file__).resolve().parent


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)
    return flat


@cache
def catalogue(language: str) -> Mapping[str, str]:
    """All strings of one language, keyed by dotted name."""
    check_language(language)
    with (_FOLDER / f"{language}.toml").open("rb") as handle:
        return _flatten(tomllib.load(handle))


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InvalidInputError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return language


def t(key: str, language: str, **values: object) -> str:
    """The string ``key`` in ``language``, with ``{placeholders}`` filled from ``values``."""
    strings = catalogue(language)
    if key not in strings:
        raise InvalidInputError(f"no translation for {key!r} in {language!r}")
    text = strings[key]
    return text.format(**values) if values else text


#: CLDR plural categories used by the catalogues' counted strings. Finnish, Swedish and English all have two
#: for whole numbers: "one" for exactly 1, "other" for everything else (0, 2, 1.5 …).
PLURAL_FORMS = ("one", "other")


def plural_form(count: float, language: str) -> str:
    """The CLDR plural category of ``count`` in ``language``: "one" only for the integer 1 (fi, sv and en alike)."""
    check_language(language)
    return "one" if count == 1 and float(count).is_integer() else "other"


def tn(key: str, count: float, language: str, **values: object) -> str:
    """The counted string ``key`` for ``count``: its ``one`` or ``other`` form, with ``{n}`` and ``values`` filled.

    A counted key is a TOML table with both forms (``[section.key]`` with ``one = …`` and ``other = …``);
    ``{n}`` in either is ``count`` as given, so the caller formats it (``n=count_text``) when it needs grouping.
    """
    values.setdefault("n", count)
    return t(f"{key}.{plural_form(count, language)}", language, **values)


def region_name(code: str, language: str, *, short: bool = False) -> str:
    """A county's name in ``language`` from regions.csv; ``short`` gives the everyday form ("Pohjois-Savo")."""
    if code == NATIONAL_CODE:
        return t("common.national", language)
    if short:
        return t(f"region_short.r{code}", language)
    return region_by_code(code).name(language)
