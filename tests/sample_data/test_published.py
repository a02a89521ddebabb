"""The sample's doctors follow THL's published figures per county and year (issue 16).

THL publishes doctor COCI (Sotkanet 5502) and the share of non-urgent doctor
visits over 7 days (6411) for every county. The generator sets the sample's
doctor visits to them, read from the copies the app ships, and these tests
compute both with the real metrics functions on the sample at the scale
``make run`` uses, over the visits THL's statistics count (the dashboard's default service-type scope, T11).
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import polars as pl
import pytest

from core import columns as c
from core.errors import InvalidInputError
from core.regions import region_codes
from core.settings import Settings
from metrics.access import access_within_days
from metrics.continuity import continuity_summary
from metrics.scope import in_service_scope
from sample_data.calibration import (
    DOCTOR_COC_TOLERANCE,
    DOCTOR_WITHIN_7_TOLERANCE,
    DoctorLevels,
    published_doctor_levels,
    published_series,
)
from sample_data.generate import generate

SAMPLE_YEARS = (2023, 2024, 2025)  # generate()'s default range, 2023-01-01..2025-12-31
DEFAULT_SCALE = next(field.default for field in fields(Settings) if field.name == "sample_scale")


@pytest.fixture(scope="module")
def levels() -> dict[tuple[str, int], DoctorLevels]:
    return published_doctor_levels(sorted(region_codes()), SAMPLE_YEARS)


@pytest.fixture(scope="module")
def doctor_figures() -> pl.DataFrame:
    """Doctor COC and 7-day share per county and year on the default-scale sample, T11 visits."""
    visits = in_service_scope(generate(scale=DEFAULT_SCALE).visits).filter(pl.col(c.PROFESSION) == "doctor")
    visits = visits.with_columns(pl.col(c.VISIT_AT).dt.year().alias("year"))
    by = (c.REGION_CODE, "year")
    coc = continuity_summary(visits, by=by).select(*by, "mean_coc")
    share = access_within_days(visits, days=7, by=by).select(*by, "share")
    return coc.join(share, on=by)


# --- reading THL's figures -----------------------------------------------------------------------


# Hand-read from sample_data/recorded/sotkanet/data_5502.json and data_6411.json.
@pytest.mark.parametrize(
    ("code", "year", "coc", "within_7"),
    [
        ("09", 2025, 0.23, 1 - 0.327),  # Päijät-Häme: 6411 = 32.7
        ("13", 2023, 0.29, 1 - 0.646),  # Pohjois-Savo
        ("04", 2025, 0.34, 1 - 0.854),  # Vantaa-Kerava: 85.4 % over 7 days
        ("16", 2023, 0.14, 1 - 0.261),  # Etelä-Pohjanmaa, the lowest COCI
    ],
)
def test_thls_published_doctor_figures_are_read_per_county_and_year(
    levels: dict[tuple[str, int], DoctorLevels], code: str, year: int, coc: float, within_7: float
) -> None:
    level = levels[code, year]
    assert level.coc.value == coc
    assert level.within_7.value == pytest.approx(within_7)
    assert not level.coc.filled
    assert not level.within_7.filled


def test_a_year_thl_has_not_published_carries_the_nearest_years_value_marked_filled(
    levels: dict[tuple[str, int], DoctorLevels],
) -> None:
    filled = {key: level.coc for key, level in levels.items() if level.coc.filled}
    # THL publishes no 2023 COCI for Vantaa-Kerava or Helsinki; both take their 2024 value (0.29).
    assert sorted(filled) == [("04", 2023), ("90", 2023)]
    assert all((level.value, level.published_year) == (0.29, 2024) for level in filled.values())
    assert not any(level.within_7.filled for level in levels.values())


def test_the_whole_country_and_aland_are_not_counties_of_the_sample() -> None:
    series = published_series(5502)
    assert "91" in series  # Åland is published, but the sample has no Åland
    assert set(series) - {"91"} == region_codes()


def test_a_county_thl_never_published_is_refused(tmp_path: Path) -> None:
    for indicator in (5502, 6411):
        (tmp_path / f"data_{indicator}.json").write_text(json.dumps([]), encoding="utf-8")
    with pytest.raises(InvalidInputError, match="county 01"):
        published_doctor_levels(["01"], [2024], folder=tmp_path)


# --- the sample against THL ----------------------------------------------------------------------


def test_the_sample_covers_every_county_and_year(doctor_figures: pl.DataFrame) -> None:
    pairs = set(doctor_figures.select(c.REGION_CODE, "year").iter_rows())
    assert pairs == {(code, year) for code in region_codes() for year in SAMPLE_YEARS}


def test_doctor_coc_is_thls_published_coci_for_every_county_and_year(
    doctor_figures: pl.DataFrame, levels: dict[tuple[str, int], DoctorLevels]
) -> None:
    for code, year, coc, _share in doctor_figures.iter_rows():
        published = levels[code, year].coc
        assert abs(coc - published.value) <= DOCTOR_COC_TOLERANCE, (code, year, coc, published)


def test_doctor_share_within_7_days_is_100_minus_thls_6411_for_every_county_and_year(
    doctor_figures: pl.DataFrame, levels: dict[tuple[str, int], DoctorLevels]
) -> None:
    for code, year, _coc, share in doctor_figures.iter_rows():
        published = levels[code, year].within_7
        assert abs(share - published.value) <= DOCTOR_WITHIN_7_TOLERANCE, (code, year, share, published)
