"""The exports' own words exist in every language, and numbers follow the language's conventions."""

from __future__ import annotations

import re

import pytest

from exports.strings import STRINGS, format_number, text
from i18n import LANGUAGES

PLACEHOLDER = re.compile(r"{(\w+)}")


@pytest.mark.parametrize("key", sorted(STRINGS))
def test_every_string_exists_in_every_language_with_the_same_placeholders(key: str) -> None:
    assert set(STRINGS[key]) == set(LANGUAGES)
    placeholders = {language: set(PLACEHOLDER.findall(STRINGS[key][language])) for language in LANGUAGES}
    assert placeholders["fi"] == placeholders["sv"] == placeholders["en"]


@pytest.mark.parametrize(
    ("value", "language", "digits", "shown"),
    [
        # decimal comma and narrow no-break spaces in Finnish and Swedish
        (1234.56, "fi", 1, "1\u202f234,6"),
        (0.5, "sv", 2, "0,50"),
        (2400, "fi", 0, "2\u202f400"),
        # point and commas in English
        (1234.56, "en", 1, "1,234.6"),
        # the minus sign, not a hyphen, as the pages write it
        (-0.25, "en", 2, "\u22120.25"),
        (-1234.5, "fi", 1, "\u22121\u202f234,5"),
        # missing values
        (None, "fi", 1, "–"),
        (float("nan"), "en", 1, "–"),
    ],
)
def test_numbers_are_formatted_for_the_language(value: float | None, language: str, digits: int, shown: str) -> None:
    assert format_number(value, language, digits=digits) == shown


def test_placeholders_are_filled() -> None:
    assert text("data_date", "sv", date="2025-06-30") == "Uppgifter per 2025-06-30"
