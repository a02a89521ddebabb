"""Slide titles fit one line: set smaller, or shortened in the middle with the county and period kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exports.pptx import TITLE_WIDTH
from exports.titles import ELLIPSIS, FittedTitle, fit_title, slide_title, text_width

LONG = "Kiireettömät käynnit 7 vrk:n kuluessa hoidon tarpeen arvioinnista terveysasemittain – Keski-Uusimaa 2025"


def test_a_short_title_is_kept_whole_at_the_largest_size() -> None:
    assert fit_title("T3 – Lappi 2025", TITLE_WIDTH) == FittedTitle("T3 – Lappi 2025", 26, shortened=False)


def test_a_title_a_little_too_wide_is_set_smaller_not_shortened() -> None:
    title = "Hoidon jatkuvuus (COC-indeksi): osallistuvat alueet – Pohjois-Savo 2023–2025"
    width = text_width(title, 24) + 1  # too wide at 26 points, fits at 24
    assert fit_title(title, width) == FittedTitle(title, 24, shortened=False)


def test_a_long_title_keeps_its_start_its_last_word_the_county_and_the_period() -> None:
    fitted = fit_title(LONG, TITLE_WIDTH)
    assert fitted.shortened
    assert fitted.size == 22
    assert fitted.text == "Kiireettömät käynnit 7 vrk:n kuluessa… terveysasemittain – Keski-Uusimaa 2025"


def test_two_long_titles_that_differ_at_their_ends_stay_apart() -> None:
    by_unit = fit_title(
        "Icke-brådskande besök inom 7 dygn efter bedömningen av vårdbehovet per hälsostation – X 2025", 700
    )
    by_volume = fit_title(
        "Icke-brådskande besök inom 7 dygn efter bedömningen av vårdbehovet mot antalet besök – X 2025", 700
    )
    assert by_unit.text != by_volume.text


@pytest.mark.parametrize(
    ("title", "area", "period", "expected"),
    [
        ("T3", "Lappi", "2025", "T3 – Lappi 2025"),
        ("T3", "", "2025", "T3 – 2025"),
        ("T3", "", "", "T3"),
    ],
)
def test_the_county_and_period_end_the_title(title: str, area: str, period: str, expected: str) -> None:
    assert slide_title(title, area=area, period=period) == expected


words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P")), min_size=1, max_size=18)


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=30), st.sampled_from(["Lappi 2025", "Pohjois-Savo 2023–2025"]))
def test_every_title_fits_its_line_and_keeps_its_county_and_period(parts: list[str], suffix: str) -> None:
    title = f"{' '.join(parts)} – {suffix}"
    fitted = fit_title(title, TITLE_WIDTH)
    assert text_width(fitted.text, fitted.size) <= TITLE_WIDTH
    assert fitted.text.endswith(f" – {suffix}")
    assert fitted.shortened == (fitted.text != title)
    if ELLIPSIS not in title:  # a shortened title says so
        assert fitted.shortened == (ELLIPSIS in fitted.text)
