"""Indicator cells of one age group: the age tables' rows, suppressed like every other cell."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InvalidInputError
from metrics.age_groups import AGE_GROUPS
from store.results import Results
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


# County 07 and county 01 in 2025 (doctors): all ages, and each age group's eligible patients (07's
# 0-17 group: 3 patients, under the threshold). 07's groups add up to its 100; the country is the sum.
COC_ALL_AGES = continuity_rows(
    [
        ("07", "", "doctor", "2025", 100, 0.5, 0.4, 0.6, 0.6),
        ("01", "", "doctor", "2025", 100, 0.5, 0.4, 0.6, 0.6),
        ("SSS", "", "doctor", "2025", 200, 0.5, 0.4, 0.6, 0.6),
    ]
)
COC_GROUPS = {"07": (3, 57, 20, 20), "01": (25, 25, 25, 25), "SSS": (28, 82, 45, 45)}
#: County 07 alone (no other county, no country): only its own groups and all ages decide.
COUNTY_07 = COC_ALL_AGES.filter(pl.col("region_code") == "07")


def doctors_continuity_by_age(groups: dict[str, tuple[int, ...]]) -> pl.DataFrame:
    """The doctors' 2025 continuity of each area's age groups, ``groups`` giving their eligible patients."""
    frame = continuity_rows(
        [(region, "", "doctor", "2025", n, 0.5, 0.4, 0.6, 0.6) for region, sizes in groups.items() for n in sizes]
    )
    ages = [group for sizes in groups.values() for group in AGE_GROUPS[: len(sizes)]]
    return frame.with_columns(pl.Series("age_group", ages, dtype=pl.String))


def coc_by_age(data: Results) -> pl.DataFrame:
    """Every age group's COC cells, the group in ``age_group``."""
    return pl.concat(
        indicator_cells(
            data, INDICATORS["coc"], grain="year", profession="doctor", threshold=5, age_group=group
        ).with_columns(age_group=pl.lit(group))
        for group in AGE_GROUPS
    )


def test_a_hidden_age_groups_continuity_does_not_come_back_from_all_ages_minus_the_shown_groups() -> None:
    data = results(continuity=COC_ALL_AGES, continuity_age=doctors_continuity_by_age(COC_GROUPS))
    groups = coc_by_age(data).filter(pl.col("region_code") == "07")
    everyone = cell(
        indicator_cells(data, INDICATORS["coc"], grain="year", profession="doctor", threshold=5), "07", "2025"
    )
    assert everyone["n"] == 100
    # Hiding the 0-17 group alone would leave 100 - 57 - 20 - 20 = 3: its patients. A second group goes too.
    hidden = groups.filter(pl.col("suppressed"))["age_group"].to_list()
    left = everyone["n"] - groups.filter(~pl.col("suppressed"))["n"].sum()
    assert sorted(hidden) == ["0-17", "65-74"]  # the smallest group that brings the hidden ones to 5
    assert left == 3 + 20


def test_a_remainder_without_an_age_of_at_least_the_threshold_hides_a_lone_age_group() -> None:
    # 07's groups hold 95 of its 100 patients: the 5 without an age stand beside the hidden 0-17 group,
    # so all ages minus the shown groups is 3 + 5 and tells neither.
    data = results(continuity=COUNTY_07, continuity_age=doctors_continuity_by_age({"07": (3, 52, 20, 20)}))
    hidden = coc_by_age(data).filter(pl.col("region_code") == "07", pl.col("suppressed"))
    assert hidden["age_group"].to_list() == ["0-17"]


def test_a_small_remainder_without_an_age_is_not_told_by_the_shown_groups() -> None:
    # 07's groups hold 98 of its 100 patients: all shown, 100 minus them would tell the 2 without an age.
    data = results(continuity=COUNTY_07, continuity_age=doctors_continuity_by_age({"07": (30, 28, 20, 20)}))
    hidden = coc_by_age(data).filter(pl.col("region_code") == "07", pl.col("suppressed"))
    assert sorted(hidden["age_group"].to_list()) == ["65-74", "75+"]
    assert hidden["suppressed_by"].to_list() == ["secondary", "secondary"]


def test_an_age_groups_continuity_decision_is_the_same_whoever_looks() -> None:
    stored = doctors_continuity_by_age(COC_GROUPS)
    everyone = coc_by_age(results(continuity=COC_ALL_AGES, continuity_age=stored))
    scoped = coc_by_age(results(continuity=COC_ALL_AGES, continuity_age=stored, unit_regions=frozenset({"07"})))
    assert everyone.equals(scoped)


@settings(max_examples=50, deadline=None)
@given(
    sizes=st.lists(
        st.tuples(st.lists(st.integers(0, 30), min_size=4, max_size=4), st.integers(0, 8)), min_size=2, max_size=3
    ),
    threshold=st.sampled_from([3, 5]),
)
def test_no_hidden_age_groups_continuity_comes_back_by_subtraction(
    sizes: list[tuple[list[int], int]], threshold: int
) -> None:
    # Counties with four groups each and a remainder without an age; the country the sum of the counties.
    counties = {f"0{index + 1}": (groups, rest) for index, (groups, rest) in enumerate(sizes)}
    country = [sum(groups[position] for groups, _ in counties.values()) for position in range(4)]
    country_rest = sum(rest for _, rest in counties.values())
    totals = {region: sum(groups) + rest for region, (groups, rest) in counties.items()}
    totals["SSS"] = sum(country) + country_rest
    all_ages = continuity_rows([(region, "", "doctor", "2025", n, 0.5, 0.4, 0.6, 0.6) for region, n in totals.items()])
    by_age = doctors_continuity_by_age({**{k: tuple(g) for k, (g, _) in counties.items()}, "SSS": tuple(country)})
    data = results(continuity=all_ages, continuity_age=by_age)
    parents = indicator_cells(data, INDICATORS["coc"], grain="year", profession="doctor", threshold=threshold)
    cells = pl.concat(
        indicator_cells(
            data, INDICATORS["coc"], grain="year", profession="doctor", threshold=threshold, age_group=group
        ).with_columns(age_group=pl.lit(group))
        for group in AGE_GROUPS
    )
    raw = by_age.select("region_code", "age_group", pl.col("n_eligible").alias("raw"))
    cells = cells.join(raw, on=["region_code", "age_group"])
    for region, total in totals.items():
        own = cells.filter(pl.col("region_code") == region)
        hidden = own.filter(pl.col("suppressed"))
        # what a viewer gets: the all-ages n minus the shown groups' n (the hidden groups and the remainder)
        rest = total - own["raw"].sum()
        left = total - own.filter(~pl.col("suppressed"))["n"].sum()
        assert left == hidden["raw"].sum() + rest
        if cell(parents, region, "2025")["suppressed"]:
            # a hidden all-ages cell is not the sum of its shown groups (it hides another county's)
            assert hidden.height or rest >= threshold or total < threshold
            continue
        if hidden.height or rest:
            assert left >= threshold, (region, own, rest)
        if hidden.height == 1:
            assert rest >= threshold, (region, own, rest)
    # and no county's group comes back from the country's group minus the other counties'
    for group in AGE_GROUPS:
        under = cells.filter(pl.col("age_group") == group, pl.col("region_code") != "SSS")
        assert under["suppressed"].sum() != 1
