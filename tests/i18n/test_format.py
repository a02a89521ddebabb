"""Numbers and dates in the active language, the one formatter the charts, the views and the exports share."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import InvalidInputError
from i18n.format import MINUS, count, date_text, moment_text, number, percent, separators, signed


@pytest.mark.parametrize(
    ("value", "language", "digits", "expected"),
    [
        # decimal comma and narrow no-break spaces in Finnish and Swedish
        (1234.56, "fi", 1, "1\u202f234,6"),
        (1234.56, "sv", 1, "1\u202f234,6"),
        (0.5, "sv", 2, "0,50"),
        (2400, "fi", 0, "2\u202f400"),
        (1188553, "sv", 0, "1\u202f188\u202f553"),
        (0.0, "fi", 2, "0,00"),
        # point and commas in English
        (1234.56, "en", 1, "1,234.6"),
        (1188553, "en", 0, "1,188,553"),
        # the minus sign, never a hyphen
        (-1234.5, "fi", 1, "\u22121\u202f234,5"),
        (-0.25, "en", 2, "\u22120.25"),
        # missing values: None, and NaN as a spreadsheet or a polars mean gives it
        (None, "en", 1, "–"),
        (None, "fi", 1, "–"),
        (float("nan"), "en", 1, "–"),
    ],
)
def test_number_uses_the_languages_separators(value: float | None, language: str, digits: int, expected: str) -> None:
    assert number(value, language, digits=digits) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (1188553, "fi", "1\u202f188\u202f553"),  # narrow no-break space, as '11 100 000' elsewhere
        (1188553, "sv", "1\u202f188\u202f553"),
        (1188553, "en", "1,188,553"),
        (0, "en", "0"),
        (None, "fi", "–"),
    ],
)
def test_counts_are_grouped_as_the_language_groups_thousands(value: int | None, language: str, expected: str) -> None:
    assert count(value, language) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (dt.date(2011, 5, 1), "fi", "1.5.2011"),  # no leading zeros
        (dt.date(2011, 5, 1), "sv", "1.5.2011"),
        (dt.date(2011, 5, 1), "en", "1 May 2011"),
        ("2023-09-01", "sv", "1.9.2023"),  # ISO text from a table
        (None, "fi", "–"),
        ("not a date", "en", "–"),
    ],
)
def test_dates_are_written_as_the_language_writes_them(
    value: dt.date | str | None, language: str, expected: str
) -> None:
    assert date_text(value, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "23.11.2026 klo 18.46"),
        ("sv", "23.11.2026 kl. 18.46"),
        ("en", "23 Nov 2026, 18:46"),
    ],
)
def test_times_are_written_to_the_minute_in_the_languages_way(language: str, expected: str) -> None:
    assert moment_text(dt.datetime(2026, 11, 23, 18, 46, 34), language) == expected


@pytest.mark.parametrize(
    ("share", "language", "expected"),
    [
        (0.6361, "fi", "63,6 %"),
        (0.6361, "en", "63.6 %"),
        (None, "sv", "–"),
        (float("nan"), "fi", "–"),
    ],
)
def test_a_share_is_written_as_a_percentage(share: float | None, language: str, expected: str) -> None:
    assert percent(share, language) == expected


@pytest.mark.parametrize(
    ("value", "language", "digits", "expected"),
    [
        (4.0, "fi", 1, "+4,0"),
        (-4.7, "sv", 1, "\u22124,7"),
        (-0.04, "fi", 1, "±0,0"),  # rounds to zero as shown: never '−0,0'
        (0.004, "en", 2, "±0.00"),
        (-0.006, "en", 2, "\u22120.01"),
    ],
)
def test_a_change_carries_its_sign_as_shown(value: float, language: str, digits: int, expected: str) -> None:
    assert signed(value, language, digits=digits) == expected


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_negative_numbers_use_one_minus_sign(language: str) -> None:
    shown = [number(-3.2, language), signed(-5.0, language)]
    assert all(text.startswith(MINUS) and "-" not in text for text in shown)


@pytest.mark.parametrize(("language", "expected"), [("fi", ",\u202f"), ("sv", ",\u202f"), ("en", ".,")])
def test_plotly_separators_match_the_written_numbers(language: str, expected: str) -> None:
    decimal, thousands = expected
    assert separators(language) == expected
    assert number(1234.5, language) == f"1{thousands}234{decimal}5"


@pytest.mark.parametrize("write", [lambda: number(1.0, "de"), lambda: date_text("2024-01-01", "de")])
def test_an_unknown_language_is_a_clear_error(write: object) -> None:
    with pytest.raises(InvalidInputError, match="language must be one of fi, sv, en"):
        write()  # type: ignore[operator]
