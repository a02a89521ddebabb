"""The other measures' views: shares from summed counts, suppression of every disclosed count, the county beside
the country, and the age groups, heavy users and named providers as the county page shows them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import pytest

from core import columns as c
from i18n import t
from metrics.age_groups import AGE_GROUPS
from metrics.stats import wilson_interval
from tests.views.builders import access_rows, continuity_rows, results
from views import measures
from views.cells import indicator_cells
from views.common import area_label
from views.indicators import INDICATORS
from views.state import ViewState

STATE = ViewState(lang="fi", region="07", period="2025", profession="doctor")
REMOTE = ("region_code", "unit_id", "profession", "period", "age_group", "n_eligible", "n_remote")


def remote_rows(*rows: tuple[str, str, str, int, int]) -> pl.DataFrame:
    """(region, month, age group, eligible, remote) rows of doctors' county cells."""
    full = [(region, "", "doctor", month, group, eligible, remote) for region, month, group, eligible, remote in rows]
    return pl.DataFrame(
        full, schema=dict.fromkeys(REMOTE[:5], pl.String) | {"n_eligible": pl.Int64, "n_remote": pl.Int64}, orient="row"
    )


def cell(frame: pl.DataFrame, **equals: Any) -> dict[str, Any]:
    rows = frame.filter(*(pl.col(name) == value for name, value in equals.items()))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_a_quarters_remote_share_is_re_derived_from_its_months_counts() -> None:
    tables = {
        "remote_results": remote_rows(
            ("07", "2025-01", "all", 40, 10),
            ("07", "2025-02", "all", 60, 30),
            ("SSS", "2025-01", "all", 400, 100),
            ("SSS", "2025-02", "all", 600, 300),
            ("01", "2025-01", "all", 960, 390),
        )
    }
    cells = measures.remote_cells(results(), tables, grain="quarter", profession="doctor", threshold=5)
    quarter = cell(cells, region_code="07", period="2025Q1")
    low, high = wilson_interval(40, 100)
    assert (quarter["value"], quarter["n"]) == (0.4, 100)
    assert (quarter["ci_low"], quarter["ci_high"]) == (pytest.approx(low), pytest.approx(high))


@pytest.mark.parametrize(
    ("eligible", "remote", "hidden"),
    [
        # Under the threshold: the denominator, the remote contacts and the in-person ones are all counts.
        (4, 2, True),
        (50, 3, True),
        (50, 47, True),
        (50, 5, False),
    ],
)
def test_a_remote_cell_is_hidden_when_any_count_it_discloses_is_small(eligible: int, remote: int, hidden: bool) -> None:
    tables = {
        "remote_results": remote_rows(("07", "2025-01", "all", eligible, remote), ("01", "2025-01", "all", 500, 250))
    }
    cells = measures.remote_cells(results(), tables, grain="quarter", profession="doctor", threshold=5)
    row = cell(cells, region_code="07")
    assert row[c.SUPPRESSED] is hidden
    if hidden:
        assert (row["value"], row["n"]) == (None, None)


def test_one_hidden_county_under_the_country_takes_another_with_it() -> None:
    tables = {
        "remote_results": remote_rows(
            ("07", "2025-01", "all", 3, 1),
            ("01", "2025-01", "all", 50, 20),
            ("02", "2025-01", "all", 80, 20),
            ("SSS", "2025-01", "all", 133, 41),
        )
    }
    cells = measures.remote_cells(results(), tables, grain="quarter", profession="doctor", threshold=5)
    hidden = cells.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list()
    # The smallest other county goes too, so the country minus the shown county does not give 07 back.
    assert sorted(hidden) == ["01", "07"]
    assert not cell(cells, region_code="SSS")[c.SUPPRESSED]


def test_the_remote_decision_is_kept_with_the_results_it_was_made_for() -> None:
    frame = remote_rows(("07", "2025-01", "all", 3, 1), ("01", "2025-01", "all", 50, 20))
    data = results()
    decided = measures.remote_suppression(data, frame, threshold=5)
    # asked again by the page's other charts and cards: the same decision, not made again
    assert measures.remote_suppression(data, frame, threshold=5) is decided
    # new results (a new import or data set), another threshold or another read of the table: decided anew
    assert measures.remote_suppression(results(), frame, threshold=5) is not decided
    assert measures.remote_suppression(data, frame, threshold=10) is not decided
    again = measures.remote_suppression(data, frame.clone(), threshold=5)
    assert again is not decided
    assert again.equals(decided)


def test_a_kept_remote_decision_is_read_instead_of_decided(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store keeps the remote decision (views.kept_decisions): the page reads it, for these very counts only."""
    tables = {
        "remote_results": remote_rows(
            ("07", "2025-01", "all", 3, 1),
            ("01", "2025-01", "all", 50, 20),
            ("02", "2025-01", "all", 80, 20),
            ("SSS", "2025-01", "all", 133, 41),
        )
    }
    frame = tables["remote_results"]
    kept = measures.remote_to_keep(results(), frame, threshold=5).with_columns(pl.lit("sample").alias("dataset"))
    decided = measures.remote_cells(results(), tables, grain="quarter", profession="doctor", threshold=5)
    monkeypatch.setattr(measures, "_linked_remote", lambda *_args, **_kwargs: pytest.fail("decided again"))

    read = measures.remote_cells(
        results(linked_suppression=kept), tables, grain="quarter", profession="doctor", threshold=5
    )

    assert read.equals(decided)
    assert sorted(read.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list()) == ["01", "07"]
    changed = {"remote_results": frame.with_columns(pl.col("n_remote") + 1)}  # other counts: never the kept one
    with pytest.raises(pytest.fail.Exception, match="decided again"):
        measures.remote_cells(
            results(linked_suppression=kept), changed, grain="quarter", profession="doctor", threshold=5
        )


def test_age_group_cells_are_read_per_group_and_the_all_row_is_not_a_group() -> None:
    tables = {
        "remote_results": remote_rows(
            ("07", "2025-03", "all", 100, 40),
            ("07", "2025-03", "75+", 30, 6),
            ("SSS", "2025-03", "75+", 300, 60),
        )
    }
    cells = measures.age_group_cells(results(), tables, STATE, threshold=5)
    over_75 = cell(cells, region_code="07", age_group="75+", measure="remote")
    assert over_75["value"] == pytest.approx(0.2)
    assert set(cells["age_group"].to_list()) == {"75+"}


def test_the_remote_chart_draws_the_county_the_country_and_the_national_targets() -> None:
    tables = {
        "remote_results": remote_rows(
            ("07", "2025-01", "all", 100, 40), ("SSS", "2025-01", "all", 900, 300), ("01", "2025-01", "all", 800, 260)
        )
    }
    view = measures.remote_trend(results(), tables, STATE, threshold=5)
    assert view.data["label"].to_list() == ["Kanta-Häme", "Koko maa"]
    words = str(view.figure.to_dict()["layout"])
    assert "Kansallinen tavoite 30 % (2024Q4)" in words
    assert "Kansallinen tavoite 35 % (2025Q4)" in words
    assert "Lähtötaso 23 % (2020)" in words
    # The lines sit at 30, 35 and 23 on the chart's percent axis, beside the county's 40.
    levels = {shape["y0"] for shape in view.figure.to_dict()["layout"]["shapes"] if shape.get("y0") == shape.get("y1")}
    assert {30.0, 35.0, 23.0} <= {round(level, 6) for level in levels}


def heavy_rows(*rows: tuple[str, int, int, int, int]) -> pl.DataFrame:
    """(region, patients, heavy, heavy eligible, other eligible) rows for doctors in 2025."""
    return pl.DataFrame(
        [
            {
                "region_code": region,
                "unit_id": "",
                "profession": "doctor",
                "period": "2025",
                "n_patients": patients,
                "n_heavy": heavy,
                "patient_share": heavy / patients,
                "patient_ci_low": None,
                "patient_ci_high": None,
                "n_visits": patients * 3,
                "n_heavy_visits": heavy * 9,
                "visit_share": heavy * 9 / (patients * 3),
                "heavy_n_eligible": heavy_eligible,
                "heavy_mean_coc": 0.4,
                "other_n_eligible": other_eligible,
                "other_mean_coc": 0.3,
                "threshold": 8,
            }
            for region, patients, heavy, heavy_eligible, other_eligible in rows
        ]
    )


def test_heavy_users_are_hidden_when_few_and_their_notes_say_the_shares() -> None:
    tables = {
        "heavy_user_results": heavy_rows(("07", 200, 3, 3, 150), ("01", 300, 30, 30, 200), ("SSS", 500, 33, 33, 350))
    }
    view = measures.heavy_user_view(results(), tables, STATE, threshold=5)
    county = cell(view.data, label="Kanta-Häme")
    assert county[c.SUPPRESSED]
    assert county["heavy_mean_coc"] is None
    # Only the shown area gets a note: 33 of 500 patients (6,6 %) made 297 of 1 500 visits (19,8 %).
    note = (
        "Koko maa: paljon käyttäviä (vähintään 8 käyntiä) on 6,6 % potilaista, "
        "ja heidän osuutensa käynneistä on 19,8 %."
    )
    assert view.notes == (note,)


def test_list_sizes_are_hidden_below_the_threshold_of_providers_or_patients() -> None:
    lists = pl.DataFrame(
        [
            ("07", "", "2025", "doctor", 40, 3, 13.0, 3, 0, 0),
            ("SSS", "", "2025", "doctor", 900, 6, 150.0, 4, 2, 0),
            ("SSS", "", "2025", "nurse", 4000, 17, 240.0, 5, 12, 0),
        ],
        schema=[
            "region_code",
            "unit_id",
            "period",
            "provider_kind",
            "n_assigned",
            "n_providers",
            "median_list_size",
            "n_below_guide",
            "n_within_guide",
            "n_above_guide",
        ],
        orient="row",
    )
    table = measures.list_size_table({"list_size_results": lists}, STATE, threshold=5)
    assert table.row(0) == ("Kanta-Häme", "Omalääkäri", "..", "..", "..", "..", "..", "..")
    # the country's bands held 4 and 2 doctors: shown, they would tell a few professionals' list sizes
    assert table.row(1) == ("Koko maa", "Omalääkäri", "6", "900", "150", "..", "..", "..")
    assert table.row(2) == ("Koko maa", "Omahoitaja", "17", "4\u202f000", "240", "12", "5", "0")


def test_with_no_measure_tables_every_view_says_there_is_nothing_to_show() -> None:
    empty: dict[str, pl.DataFrame] = {}
    assert measures.remote_trend(results(), empty, STATE, threshold=5).nothing_to_show() == "no_data"
    assert measures.heavy_user_view(results(), empty, STATE, threshold=5).nothing_to_show() == "no_data"
    assert measures.age_group_view(results(), empty, STATE, "coc", threshold=5).nothing_to_show() == "no_data"
    assert measures.list_size_table(empty, STATE, threshold=5).is_empty()


def test_the_remote_card_names_the_years_national_target() -> None:
    tables = {
        "remote_results": remote_rows(
            ("07", "2024-03", "all", 100, 20),
            ("07", "2025-03", "all", 100, 40),
            ("SSS", "2024-03", "all", 900, 200),
            ("SSS", "2025-03", "all", 900, 300),
            ("01", "2024-03", "all", 800, 180),
            ("01", "2025-03", "all", 800, 260),
        )
    }
    (remote,) = measures.measure_headlines(results(), tables, STATE, threshold=5)
    assert remote.value == "40,0 %"
    assert remote.change.startswith("+20,0")
    assert remote.target == "Kansallinen tavoite 35 % (2025Q4)"
    # 40 % against the country's 300 / 900 = 33,3 % in 2025: a gap of 6,7 percentage points.
    assert remote.versus.startswith("Koko maa 33,3")
    assert "+6,7" in remote.versus


# --- no hidden cell comes back by subtraction ------------------------------------------------------------------

#: County 07's age groups (doctors, January 2025) as (n, within 7 days, within 14 days): the 0-17 group holds 3
#: visits, under the threshold; every other group has at least 5 visits within 7 days, in 8-14 days and later.
#: The groups add up to 07's 100 visits and county 01's 100 (its smallest group 65-74), the country's to 200.
ACCESS_GROUPS = {
    "07": ((3, 2, 3), (37, 17, 27), (30, 20, 25), (30, 20, 25)),
    "01": ((25, 10, 15), (27, 15, 21), (23, 12, 17), (25, 13, 18)),
    "SSS": ((28, 12, 18), (64, 32, 48), (53, 32, 42), (55, 33, 43)),
}


def doctors_access(groups: Mapping[str, tuple[tuple[int, int, int], ...]]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The doctors' January access cells of all ages (the groups' sums) and of each age group."""
    rows, aged = [], []
    for region, sizes in groups.items():
        n, w7, w14 = (sum(size[index] for size in sizes) for index in range(3))
        rows += [(region, "", "doctor", "2025-01", 7, n, w7), (region, "", "doctor", "2025-01", 14, n, w14)]
        for group, (n, w7, w14) in zip(AGE_GROUPS, sizes, strict=True):
            aged += [(region, "", "doctor", "2025-01", days, n, within, group) for days, within in ((7, w7), (14, w14))]
    schema = ["region_code", "unit_id", "profession", "period", "days", "n_eligible", "n_within", "age_group"]
    return access_rows(rows), pl.DataFrame(aged, schema=schema, orient="row")


def left_after_shown_groups(cells: pl.DataFrame, measure: str, total: int) -> int:
    """County 07's all-ages n minus its shown groups' n: what a viewer learns of its hidden groups."""
    own = cells.filter(pl.col("measure") == measure, pl.col("region_code") == "07")
    return total - int(own.filter(~pl.col(c.SUPPRESSED))["n"].sum())


def test_a_hidden_age_groups_access_does_not_come_back_from_all_ages_minus_the_shown_groups() -> None:
    access, access_age = doctors_access(ACCESS_GROUPS)
    data = results(access=access, access_age=access_age)
    cells = measures.age_group_cells(data, {}, STATE, threshold=5)
    # With the 0-17 group hidden alone: 100 - 37 - 30 - 30 = 3, its visits. Another group is hidden with it.
    hidden = cells.filter(pl.col("region_code") == "07", pl.col(c.SUPPRESSED))["age_group"].to_list()
    assert sorted(hidden) == ["0-17", "65-74"]  # the smallest other group (the first of two of 30 visits)
    assert left_after_shown_groups(cells, "access_7d", 100) == 3 + 30


def test_the_over_75s_card_is_the_linked_age_group_cell() -> None:
    access, access_age = doctors_access(ACCESS_GROUPS)
    data = results(access=access, access_age=access_age)
    state = STATE.with_changes(region="01")
    cards = measures.measure_headlines(data, {}, state, threshold=5)
    (over_75,) = (item for item in cards if item.short_title == t("indicator_short.access_75", "fi"))
    assert over_75.value == "52,0 %"  # 01's over-75s: 13 of 25 within 7 days


def test_a_hidden_age_groups_coc_does_not_come_back_from_all_ages_minus_the_shown_groups() -> None:
    groups = {"07": (3, 57, 20, 20), "01": (25, 25, 25, 25), "SSS": (28, 82, 45, 45)}
    everyone = continuity_rows(
        [(region, "", "doctor", "2025", sum(sizes), 0.5, 0.4, 0.6, 0.6) for region, sizes in groups.items()]
    )
    by_age = pl.DataFrame(
        [
            (region, "", "doctor", "2025", group, n, 0.5, 0.4, 0.6, 0.6)
            for region, sizes in groups.items()
            for group, n in zip(AGE_GROUPS, sizes, strict=True)
        ],
        schema=[
            "region_code",
            "unit_id",
            "profession",
            "period",
            "age_group",
            "n_eligible",
            "mean_coc",
            "ci_low",
            "ci_high",
            "mean_upc",
        ],
        orient="row",
    )
    cells = measures.age_group_cells(results(continuity=everyone, continuity_age=by_age), {}, STATE, threshold=5)
    # 100 - 57 - 20 - 20 would be 3, the hidden 0-17 group's patients: the 65-74 group is hidden with it.
    assert left_after_shown_groups(cells, "coc", 100) == 3 + 20


#: County 07's remote contacts (doctors, January 2025) per age group as (eligible, remote): the 0-17 group's 3
#: contacts are under the threshold. The groups add up to all ages; the country is the sum of 07 and 01.
REMOTE_GROUPS = {
    "07": ((3, 1), (57, 24), (20, 8), (20, 7)),
    "01": ((25, 10), (25, 15), (25, 12), (25, 13)),
}


def remote_by_age(
    groups: Mapping[str, tuple[tuple[int, int], ...]], month: str = "2025-01"
) -> list[tuple[str, str, str, int, int]]:
    rows = []
    for region, sizes in groups.items():
        rows.append((region, month, "all", sum(n for n, _ in sizes), sum(r for _, r in sizes)))
        rows += [(region, month, group, n, r) for group, (n, r) in zip(AGE_GROUPS, sizes, strict=True)]
    return rows


def test_a_hidden_age_groups_remote_share_does_not_come_back_from_all_ages_minus_the_shown_groups() -> None:
    rows = remote_by_age(REMOTE_GROUPS)
    country = remote_rows(*rows).group_by("period", "age_group").agg(pl.col("n_eligible", "n_remote").sum())
    rows += [
        ("SSS", "2025-01", group, n, r)
        for _, group, n, r in country.select(c.PERIOD, "age_group", "n_eligible", "n_remote").rows()
    ]
    data, tables = results(), {"remote_results": remote_rows(*rows)}
    everyone = cell(
        measures.remote_cells(data, tables, grain="year", profession="doctor", threshold=5), region_code="07"
    )
    assert everyone["n"] == 100
    shown = 0
    hidden = []
    for group in AGE_GROUPS:
        own = cell(
            measures.remote_cells(data, tables, grain="year", profession="doctor", threshold=5, age_group=group),
            region_code="07",
        )
        if own[c.SUPPRESSED]:
            hidden.append(group)
        else:
            shown += own["n"]
    # 100 - 57 - 20 - 20 would be 3, the hidden 0-17 group's contacts: a second group is hidden with it.
    assert len(hidden) >= 2
    assert everyone["n"] - shown >= 5


def test_an_age_groups_remote_share_is_shown_by_year_only() -> None:
    # 07's 0-17 group: 3 contacts in the first quarter, 20 in each of the others, 63 in the year. No quarter of a
    # group is shown (hidden, the first would need partners across every link), the year is.
    rows = []
    for month, small in (("2025-01", True), ("2025-04", False), ("2025-07", False), ("2025-10", False)):
        sizes = ((3, 1) if small else (20, 8), (80, 32), (40, 16), (40, 16))
        rows += remote_by_age({"07": sizes}, month)
    data, tables = results(), {"remote_results": remote_rows(*rows)}
    quarters = measures.remote_cells(data, tables, grain="quarter", profession="doctor", threshold=5, age_group="0-17")
    year = cell(measures.remote_cells(data, tables, grain="year", profession="doctor", threshold=5, age_group="0-17"))
    assert quarters[c.SUPPRESSED].to_list() == [True] * 4
    assert (year[c.SUPPRESSED], year["n"]) == (False, 63)


def test_the_remote_trend_of_an_age_group_is_of_all_ages_and_says_so() -> None:
    rows = remote_by_age({"07": ((30, 10), (80, 32), (40, 16), (40, 16))})
    data, tables = results(), {"remote_results": remote_rows(*rows)}
    view = measures.remote_trend(data, tables, STATE.with_changes(age_group="75+"), threshold=5)
    county = cell(view.data, label="Kanta-Häme")
    assert county["n"] == 190  # all ages, not the over-75s' 40
    assert "näytetään ikäryhmittäin vain vuosittain" in view.text.subtitle
    assert "(75 vuotta täyttäneet)" in view.text.subtitle


LIST_SIZE_COLUMNS = [
    "region_code",
    "unit_id",
    "period",
    "provider_kind",
    "n_assigned",
    "n_providers",
    "median_list_size",
    "n_below_guide",
    "n_within_guide",
    "n_above_guide",
]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # 07's 3 doctors are hidden; shown, 01's 10 would give them back as 13 - 10.
        pytest.param(
            [
                ("07", "", "2025", "doctor", 600, 3, 200.0, 0, 3, 0),
                ("01", "", "2025", "doctor", 2400, 10, 240.0, 0, 10, 0),
                ("SSS", "", "2025", "doctor", 3000, 13, 230.0, 0, 13, 0),
            ],
            [("07", c.SUPPRESSED, True), ("01", c.SUPPRESSED, True), ("SSS", c.SUPPRESSED, False)],
            id="providers",
        ),
        # 07's bands hold 3, 4 and 3 doctors: hidden; 01's shown would give them back as 8 - 5, 14 - 10, 8 - 5.
        # The counts themselves are not small: 01's 20 doctors stay shown, and so do the country's bands.
        pytest.param(
            [
                ("07", "", "2025", "doctor", 2500, 10, 250.0, 3, 4, 3),
                ("01", "", "2025", "doctor", 5000, 20, 250.0, 5, 10, 5),
                ("SSS", "", "2025", "doctor", 7500, 30, 250.0, 8, 14, 8),
            ],
            [
                ("07", "n_below_guide", None),
                ("01", "n_below_guide", None),
                ("01", "n_providers", 20),
                ("SSS", "n_within_guide", 14),
            ],
            id="guide_bands",
        ),
    ],
)
def test_a_hidden_countys_list_sizes_do_not_come_back_from_the_country_minus_the_shown_counties(
    rows: list[tuple[Any, ...]], expected: list[tuple[str, str, Any]]
) -> None:
    lists = pl.DataFrame(rows, schema=LIST_SIZE_COLUMNS, orient="row")
    cells = measures.list_size_cells({"list_size_results": lists}, threshold=5)
    assert [(region, column, cell(cells, region_code=region)[column]) for region, column, _ in expected] == expected


def test_the_named_provider_charts_coc_is_hidden_where_the_country_would_tell_a_hidden_county() -> None:
    coc = continuity_rows(
        [
            ("05", "", "doctor", "2025", 3, 0.9, 0.8, 1.0, 0.9),
            ("06", "", "doctor", "2025", 50, 0.5, 0.4, 0.6, 0.6),
            ("SSS", "", "doctor", "2025", 53, 0.52, 0.4, 0.6, 0.6),
        ]
    )
    view = measures.named_provider_view(results(continuity=coc), {}, STATE.with_changes(region="06"), threshold=5)
    county = cell(view.data, measure="coc", label=area_label("06", "fi"))
    # shown, 06's 50 patients would give 05's 3 back as 53 - 50
    assert county[c.SUPPRESSED]
    assert county["n"] is None


# --- the place rule of the yearly tables (heavy users, named providers) ----------------------------------------


def named_rows(*rows: tuple[str, str, int, int, int, int]) -> pl.DataFrame:
    """(region, profession, patients seen, seen with a named provider, visits covered, with the named one) in 2025."""
    return pl.DataFrame(
        [
            {
                "region_code": region,
                "unit_id": "",
                "profession": profession,
                "period": "2025",
                "n_patients": patients,
                "n_patients_assigned": assigned,
                "n_covered": covered,
                "n_named": named,
            }
            for region, profession, patients, assigned, covered, named in rows
        ]
    )


def test_hidden_counties_of_no_patients_with_a_named_provider_take_a_third_with_them() -> None:
    # 05 and 06 saw no patient with a named provider: both hidden, the country (50) minus 07 (50) would pin
    # them to 0, so 07 is hidden too.
    tables = {
        "named_provider_results": named_rows(
            ("05", "all", 100, 0, 0, 0),
            ("06", "all", 120, 0, 0, 0),
            ("07", "all", 100, 50, 0, 0),
            ("SSS", "all", 320, 50, 0, 0),
        )
    }
    cells = measures.named_cells(results(), tables, "named_coverage", profession="all", threshold=5)
    hidden = cells.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list()
    assert sorted(hidden) == ["05", "06", "07"]
    assert cell(cells, region_code="SSS")["value"] == pytest.approx(50 / 320)


@pytest.mark.parametrize(
    ("rows", "hidden"),
    [
        # 07's counts are all at least 5: shown; the lone other county and the country too.
        pytest.param([("07", 40, 20, 6)], set(), id="large"),
        # 07 has 3 visits with the named one (a shown count) and the hidden parts hold 3 + 30: 01 goes with it.
        pytest.param([("07", 40, 3, 6)], {"07", "01"}, id="small_part"),
        # 07 and 02 are hidden (4 and 3 visits with the named one): together 7, both alone-proof, 01 stays.
        pytest.param([("07", 40, 4, 6), ("02", 40, 3, 6)], {"07", "02"}, id="two_hold_the_threshold"),
        # 07 and 02 hold 2 + 2 visits with the named one: under the threshold together, 01 joins them.
        pytest.param([("07", 40, 2, 6), ("02", 40, 2, 6)], {"07", "02", "01"}, id="two_too_few"),
    ],
)
def test_hidden_counties_hold_the_threshold_of_every_count_they_disclose(
    rows: list[tuple[str, int, int, int]], hidden: set[str]
) -> None:
    # (region, visits covered, with the named one, patients); 01 is a large county, the country their sum
    every = [*rows, ("01", 100, 60, 80)]
    country = ("SSS", sum(r[1] for r in every), sum(r[2] for r in every), sum(r[3] for r in every))
    table = named_rows(
        *((region, "doctor", patients, 0, covered, named) for region, covered, named, patients in [*every, country])
    )
    cells = measures.named_cells(
        results(), {"named_provider_results": table}, "known_provider", profession="doctor", threshold=5
    )
    assert set(cells.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list()) == hidden


def heavy_country(rows: list[tuple[str, int, int, int, int]]) -> tuple[str, int, int, int, int]:
    """The country's heavy-user row: the sum of the counties'."""
    return (
        "SSS",
        sum(row[1] for row in rows),
        sum(row[2] for row in rows),
        sum(row[3] for row in rows),
        sum(row[4] for row in rows),
    )


def test_a_heavy_user_cell_is_hidden_when_its_users_not_eligible_for_coc_are_a_few_but_not_when_none() -> None:
    # 07: 30 heavy users, 27 eligible for COC: 3 are not, the shown 30 minus the bar's 27 would tell them.
    # 01: every heavy user eligible (none not eligible: no secret). 02 is large; the country is the sum.
    rows: list[tuple[str, int, int, int, int]] = [
        ("07", 300, 30, 27, 200),
        ("01", 300, 30, 30, 200),
        ("02", 600, 60, 60, 400),
    ]
    country = heavy_country(rows)
    tables = {"heavy_user_results": heavy_rows(*rows, country)}
    cells = measures.heavy_user_cells(results(), tables, profession="doctor", threshold=5)
    hidden = set(cells.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list())
    # the country's 3 not eligible are 07's: hidden too (a hidden country needs a hidden county: 07 is one)
    assert hidden == {"07", "SSS"}
    assert cell(cells, region_code="07")["heavy_n_eligible"] is None


def test_a_heavy_user_cell_is_hidden_where_the_coc_cell_is() -> None:
    # The bars' n (heavy users and the others eligible for COC) add up to the COC cell's n: shown beside a hidden
    # COC cell they would tell it. 05's COC cell (3 patients) is hidden, 07's with it (the country minus 06).
    coc = continuity_rows(
        [
            ("05", "", "doctor", "2025", 3, 0.9, 0.8, 1.0, 0.9),
            ("07", "", "doctor", "2025", 220, 0.5, 0.4, 0.6, 0.6),
            ("06", "", "doctor", "2025", 500, 0.5, 0.4, 0.6, 0.6),
            ("SSS", "", "doctor", "2025", 723, 0.52, 0.4, 0.6, 0.6),
        ]
    )
    rows: list[tuple[str, int, int, int, int]] = [
        ("07", 300, 30, 30, 190),
        ("06", 600, 60, 60, 440),
        ("08", 600, 60, 60, 440),
    ]
    country = heavy_country(rows)
    tables = {"heavy_user_results": heavy_rows(*rows, country)}
    data = results(continuity=coc)
    coc_hidden = (
        indicator_cells(data, INDICATORS["coc"], grain="year", profession="doctor", threshold=5)
        .filter(pl.col(c.SUPPRESSED))[c.REGION_CODE]
        .to_list()
    )
    cells = measures.heavy_user_cells(data, tables, profession="doctor", threshold=5)
    hidden = cells.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list()
    assert "07" in coc_hidden
    assert "07" in hidden
    assert len(hidden) >= 2  # never alone under the shown country
