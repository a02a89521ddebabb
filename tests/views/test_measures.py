"""The other measures' views: shares from summed counts, suppression of every disclosed count, the county beside
the country, and the age groups, heavy users and named providers as the county page shows them."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from core import columns as c
from metrics.stats import wilson_interval
from tests.views.builders import results
from views import measures
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
    cells = measures.remote_cells(tables, grain="quarter", profession="doctor", threshold=5)
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
    cells = measures.remote_cells(tables, grain="month", profession="doctor", threshold=5)
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
    cells = measures.remote_cells(tables, grain="month", profession="doctor", threshold=5)
    hidden = cells.filter(pl.col(c.SUPPRESSED))[c.REGION_CODE].to_list()
    # The smallest other county goes too, so the country minus the shown county does not give 07 back.
    assert sorted(hidden) == ["01", "07"]
    assert not cell(cells, region_code="SSS")[c.SUPPRESSED]


def test_age_group_cells_are_read_per_group_and_the_all_row_is_not_a_group() -> None:
    tables = {
        "remote_results": remote_rows(
            ("07", "2025-03", "all", 100, 40),
            ("07", "2025-03", "75+", 30, 6),
            ("SSS", "2025-03", "75+", 300, 60),
        )
    }
    cells = measures.age_group_cells(tables, STATE, threshold=5)
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
