"""Indicator cells of one age group: the age tables' rows, suppressed like every other cell."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInputError
from metrics.age_groups import AGE_GROUPS
from views.cells import has_age_groups, indicator_cells
from views.indicators import INDICATORS

from .builders import ACCESS_SCHEMA, access_rows, continuity_rows, results


def access_age_rows(rows: list[tuple[str, str, str, int, int, int]]) -> pl.DataFrame:
    """(region, age group, month, days, n_eligible, n_within) rows of the profession 'all', county level."""
    frame = pl.DataFrame(
        [(region, "", "all", month, days, n, within) for region, _, month, days, n, within in rows],
        schema=ACCESS_SCHEMA,
        orient="row",
    )
    return frame.with_columns(pl.Series("age_group", [row[1] for row in rows], dtype=pl.String))


def continuity_age_rows(rows: list[tuple[str, str, str, int, float]]) -> pl.DataFrame:
    """(region, age group, year, n_eligible, mean_coc) rows of the profession 'all'."""
    frame = continuity_rows(
        [(region, "", "all", year, n, coc, coc - 0.1, coc + 0.1, coc) for region, _, year, n, coc in rows]
    )
    return frame.with_columns(pl.Series("age_group", [row[1] for row in rows], dtype=pl.String))


def cell(frame: pl.DataFrame, region: str, period: str) -> dict[str, object]:
    rows = frame.filter((pl.col("region_code") == region) & (pl.col("period") == period)).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


# Two counties and the country in 2025, all ages; the over-75s of each are a part of it (the rest: other groups).
ALL_AGES = access_rows(
    [
        ("05", "", "all", "2025-01", 7, 100, 60),
        ("05", "", "all", "2025-01", 14, 100, 80),
        ("06", "", "all", "2025-01", 7, 100, 50),
        ("06", "", "all", "2025-01", 14, 100, 70),
        ("SSS", "", "all", "2025-01", 7, 200, 110),
        ("SSS", "", "all", "2025-01", 14, 200, 150),
    ]
)


def over_75(county_05: tuple[int, int, int], county_06: tuple[int, int, int]) -> pl.DataFrame:
    """The over-75s' (n, within 7, within 14) of the two counties, the country their sum; the other groups hold
    the rest of each county's visits."""
    rows = []
    for region, (n, w7, w14), (total, t7, t14) in (
        ("05", county_05, (100, 60, 80)),
        ("06", county_06, (100, 50, 70)),
    ):
        rows += [(region, "75+", "2025-01", 7, n, w7), (region, "75+", "2025-01", 14, n, w14)]
        rows += [
            (region, "18-64", "2025-01", 7, total - n, t7 - w7),
            (region, "18-64", "2025-01", 14, total - n, t14 - w14),
        ]
    frame = access_age_rows(rows)
    country = (
        frame.group_by("profession", "period", "days", "age_group")
        .agg(pl.col("n_eligible", "n_within").sum())
        .with_columns(region_code=pl.lit("SSS"), unit_id=pl.lit(""))
    )
    return pl.concat([frame, country.select(frame.columns)])


def test_an_age_groups_access_cells_are_the_age_tables_shares() -> None:
    data = results(access=ALL_AGES, access_age=over_75((40, 20, 30), (50, 10, 25)))
    cells = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5, age_group="75+")
    assert cell(cells, "05", "2025")["value"] == pytest.approx(20 / 40)
    assert cell(cells, "06", "2025")["value"] == pytest.approx(10 / 50)
    assert cell(cells, "SSS", "2025")["value"] == pytest.approx(30 / 90)
    assert cell(cells, "SSS", "2025")["n"] == 90
    fourteen = indicator_cells(data, INDICATORS["access_14d"], grain="month", threshold=5, age_group="75+")
    assert cell(fourteen, "05", "2025-01")["value"] == pytest.approx(30 / 40)
    # the default stays the all-ages figure
    everyone = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5)
    assert cell(everyone, "05", "2025")["value"] == pytest.approx(0.6)


def test_an_age_group_cell_under_the_threshold_is_hidden_and_its_partner_too() -> None:
    # County 05's over-75s: 3 of 4 within 7 days: under 5, hidden; 06 would give it back from the country.
    data = results(access=ALL_AGES, access_age=over_75((4, 3, 3), (50, 10, 25)))
    cells = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5, age_group="75+")
    hidden = cell(cells, "05", "2025")
    assert hidden["suppressed"] is True
    assert hidden["value"] is None
    assert hidden["n"] is None
    assert cell(cells, "06", "2025")["suppressed"] is True  # else the country minus 06 tells 05


def test_an_age_group_is_hidden_where_the_all_ages_figure_minus_the_other_groups_would_tell_it() -> None:
    # County 05's over-75s: 4 of 4 within 14 days and 3 within 7 (under 5): hidden; its other group (18-64),
    # shown, would give it back from the all-ages cell, so that one is hidden too.
    data = results(access=ALL_AGES, access_age=over_75((4, 3, 4), (50, 10, 25)))
    cells = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5, age_group="18-64")
    assert cell(cells, "05", "2025")["suppressed"] is True


def test_an_age_groups_continuity_is_yearly_and_suppressed_on_its_patients() -> None:
    stored = continuity_age_rows(
        [("05", "75+", "2025", 40, 0.5), ("06", "75+", "2025", 3, 0.9), ("SSS", "75+", "2025", 43, 0.53)]
    )
    data = results(continuity_age=stored)
    for grain in ("year", "quarter"):
        cells = indicator_cells(data, INDICATORS["coc"], grain=grain, threshold=5, age_group="75+")
        assert cell(cells, "SSS", "2025")["value"] == pytest.approx(0.53)
        assert cell(cells, "06", "2025")["suppressed"] is True
        assert cell(cells, "05", "2025")["suppressed"] is True  # the country minus 05 would tell 06
    upc = indicator_cells(data, INDICATORS["upc"], grain="year", threshold=5, age_group="75+")
    assert cell(upc, "SSS", "2025")["value"] == pytest.approx(0.53)


def test_the_health_centres_and_an_extract_without_ages_have_no_age_group_cells() -> None:
    data = results(access=ALL_AGES, access_age=over_75((40, 20, 30), (50, 10, 25)))
    units = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5, level="unit", age_group="75+")
    assert units.is_empty()
    none = indicator_cells(results(access=ALL_AGES), INDICATORS["coc"], grain="year", threshold=5, age_group="0-17")
    assert none.is_empty()
    assert not results(access=ALL_AGES).has_ages
    assert data.has_ages


@pytest.mark.parametrize("key", ["t3", "nps", "enps", "thl_access_7d", "thl_coc"])
def test_an_indicator_without_ages_refuses_an_age_group(key: str) -> None:
    assert not has_age_groups(INDICATORS[key])
    with pytest.raises(InvalidInputError, match="no age groups"):
        indicator_cells(results(), INDICATORS[key], grain="year", threshold=5, age_group="75+")


def test_an_unknown_age_group_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="0-17, 18-64, 65-74, 75\\+"):
        indicator_cells(results(), INDICATORS["access_7d"], grain="year", threshold=5, age_group="80+")


@settings(max_examples=40, deadline=None)
@given(
    n05=st.integers(0, 100),
    w05=st.integers(0, 100),
    n06=st.integers(0, 100),
    w06=st.integers(0, 100),
    group=st.sampled_from(AGE_GROUPS[1:2] + AGE_GROUPS[3:]),
)
def test_no_shown_age_group_cell_discloses_a_count_under_the_threshold(
    n05: int, w05: int, n06: int, w06: int, group: str
) -> None:
    w05, w06 = min(w05, n05, 60), min(w06, n06, 50)
    data = results(access=ALL_AGES, access_age=over_75((n05, w05, w05), (n06, w06, w06)))
    cells = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5, age_group=group)
    shown = cells.filter(~pl.col("suppressed"))
    for row in shown.iter_rows(named=True):
        within = round(row["value"] * row["n"])
        assert min(row["n"], within, row["n"] - within) >= 5, row
