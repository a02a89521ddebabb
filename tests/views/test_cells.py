"""Indicator cells: statistics re-derived from summed counts, the right grain, and suppression last."""

from __future__ import annotations

import math

import polars as pl
import pytest

from metrics.stats import wilson_interval
from views.cells import indicator_cells, period_key
from views.indicators import INDICATORS

from .builders import access_rows, continuity_rows, nps_rows, results, t3_rows


def cell(frame: pl.DataFrame, region: str, period: str) -> dict[str, object]:
    rows = frame.filter((pl.col("region_code") == region) & (pl.col("period") == period)).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.mark.parametrize(
    ("stored", "grain", "expected"),
    [
        ("2025-03", "month", "2025-03"),
        ("2025-03", "quarter", "2025Q1"),
        ("2025-04", "quarter", "2025Q2"),
        ("2025-12", "quarter", "2025Q4"),
        ("2025-03", "year", "2025"),
        ("2025-03-03", "month", "2025-03"),  # a T3 measurement date
        ("2025-09-29", "quarter", "2025Q3"),
        ("2025Q3", "quarter", "2025Q3"),  # already quarterly (continuity)
        ("2025", "year", "2025"),
    ],
)
def test_period_key_maps_stored_periods_to_the_grain(stored: str, grain: str, expected: str) -> None:
    frame = pl.DataFrame({"period": [stored]})
    assert frame.select(period_key(grain))["period"].item() == expected  # type: ignore[arg-type]


def test_a_years_share_is_the_share_of_the_years_visits_not_a_mean_of_monthly_shares() -> None:
    # January 9 of 10 within 7 days (90 %), February 1 of 90 (1.1 %): the year is 10/100, not 45.6 %.
    data = results(
        access=access_rows(
            [
                ("05", "", "all", "2025-01", 7, 10, 9),
                ("05", "", "all", "2025-02", 7, 90, 1),
                ("05", "", "all", "2025-02", 14, 90, 50),  # the 14-day rows must not leak into 7 days
            ]
        )
    )
    cells = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5)
    row = cell(cells, "05", "2025")
    assert row["n"] == 100
    assert row["value"] == pytest.approx(0.10)
    low, high = wilson_interval(10, 100)
    assert row["ci_low"] == pytest.approx(low)
    assert row["ci_high"] == pytest.approx(high)
    assert row["suppressed"] is False


def test_cells_below_the_threshold_are_blanked_and_marked() -> None:
    # Two small counties, so no secondary suppression is needed (see the health-centre test below).
    data = results(
        access=access_rows(
            [
                ("05", "", "all", "2025-01", 7, 4, 2),  # 4 visits: under the threshold
                ("06", "", "all", "2025-01", 7, 10, 5),  # 5 within and 5 outside: exactly at it, shown
                ("07", "", "all", "2025-01", 7, 40, 3),  # only 3 within: the share would tell that count
                ("08", "", "all", "2025-01", 7, 40, 38),  # only 2 outside: the same from the other side
            ]
        )
    )
    cells = indicator_cells(data, INDICATORS["access_7d"], grain="month", threshold=5)
    small = cell(cells, "05", "2025-01")
    assert small["suppressed"] is True
    assert [small[name] for name in ("value", "ci_low", "n", "n_within")] == [None, None, None, None]
    assert cell(cells, "06", "2025-01")["value"] == pytest.approx(0.5)
    assert cell(cells, "07", "2025-01")["suppressed"] is True
    assert cell(cells, "08", "2025-01")["suppressed"] is True


def test_region_level_and_unit_level_are_kept_apart() -> None:
    data = results(
        access=access_rows(
            [
                ("05", "", "all", "2025-01", 7, 100, 50),
                ("05", "Unit A", "all", "2025-01", 7, 60, 40),
                ("05", "Unit B", "all", "2025-01", 7, 40, 10),
            ]
        )
    )
    regions = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5)
    units = indicator_cells(data, INDICATORS["access_7d"], grain="year", level="unit", threshold=5)
    assert regions["value"].to_list() == [pytest.approx(0.5)]
    assert sorted(units["unit_id"].to_list()) == ["Unit A", "Unit B"]


def test_profession_filter_picks_the_professions_cells() -> None:
    data = results(
        access=access_rows([("05", "", "all", "2025-01", 7, 100, 50), ("05", "", "doctor", "2025-01", 7, 40, 30)])
    )
    doctors = indicator_cells(data, INDICATORS["access_7d"], grain="year", profession="doctor", threshold=5)
    assert doctors["value"].item() == pytest.approx(0.75)


def test_nps_over_months_comes_from_summed_answer_counts() -> None:
    # 6 promoters, 2 passives, 2 detractors over two months: NPS = 100 * (0.6 - 0.2) = 40.
    data = results(nps=nps_rows([("05", "", "2025-01", "patient", 5, 0, 0), ("05", "", "2025-02", "patient", 1, 2, 2)]))
    # threshold 1: the classes under 5 would hide the year (the NPS classes are counts the cell discloses)
    row = cell(indicator_cells(data, INDICATORS["nps"], grain="year", threshold=1), "05", "2025")
    assert row["n"] == 10
    assert row["value"] == pytest.approx(40.0)
    se = 100 * math.sqrt((0.6 + 0.2 - (0.6 - 0.2) ** 2) / 10)
    assert row["ci_low"] == pytest.approx(40.0 - 1.959963984540054 * se)
    assert row["promoter_share"] == pytest.approx(0.6)


def test_staff_answers_feed_enps_only() -> None:
    # patients 10/5/5: NPS 100 * (10 - 5) / 20 = 25; staff 5/5/10: eNPS -25 (every class at least 5, so shown)
    data = results(nps=nps_rows([("05", "", "2025-01", "patient", 10, 5, 5), ("05", "", "2025-01", "staff", 5, 5, 10)]))
    assert indicator_cells(data, INDICATORS["nps"], grain="year", threshold=5)["value"].item() == pytest.approx(25)
    assert indicator_cells(data, INDICATORS["enps"], grain="year", threshold=5)["value"].item() == pytest.approx(-25)


def test_an_nps_cell_with_a_small_or_empty_class_is_hidden() -> None:
    # 10 promoters and nobody else: everyone's answer is told; 10/5/2: the 2 detractors are told by n and shares
    data = results(
        nps=nps_rows([("05", "", "2025-01", "patient", 10, 0, 0), ("06", "", "2025-01", "patient", 10, 5, 2)])
    )
    cells = indicator_cells(data, INDICATORS["nps"], grain="year", threshold=5)
    assert cells["suppressed"].to_list() == [True, True]
    assert cells["promoter_share"].to_list() == [None, None]


def test_nps_ignores_the_profession_filter_because_surveys_have_none() -> None:
    data = results(nps=nps_rows([("05", "", "2025-01", "patient", 10, 5, 5)]))
    cells = indicator_cells(data, INDICATORS["nps"], grain="year", profession="doctor", threshold=5)
    assert cells["value"].item() == pytest.approx(25)


def test_t3_month_is_the_mean_and_year_the_median_of_measurements() -> None:
    data = results(
        t3=t3_rows(
            [
                ("05", "", "all", "2025-01-06", 8, 0, 4.0),
                ("05", "", "all", "2025-01-20", 8, 1, 8.0, 12.0),  # one book could give no time: 182 days in THL's
                ("05", "", "all", "2025-02-03", 6, 0, 30.0),
            ]
        )
    )
    months = indicator_cells(data, INDICATORS["t3_open_books"], grain="month", threshold=5)
    assert cell(months, "05", "2025-01")["value"] == pytest.approx(6.0)
    year = cell(indicator_cells(data, INDICATORS["t3_open_books"], grain="year", threshold=5), "05", "2025")
    assert year["value"] == pytest.approx(8.0)  # median of 4, 8, 30
    assert year["n"] == 6  # the fewest books measured
    assert year["n_censored"] == 1


def test_t3_headline_is_thls_convention_and_the_open_books_figure_the_alternative() -> None:
    data = results(
        t3=t3_rows(
            [
                ("05", "", "all", "2025-01-06", 8, 0, 4.0),
                ("05", "", "all", "2025-01-20", 8, 1, 8.0, 12.0),
                ("05", "", "all", "2025-02-03", 6, 0, 30.0),
            ]
        )
    )
    months = indicator_cells(data, INDICATORS["t3"], grain="month", threshold=5)
    assert cell(months, "05", "2025-01")["value"] == pytest.approx(8.0)  # mean of 4 and 12
    year = cell(indicator_cells(data, INDICATORS["t3"], grain="year", threshold=5), "05", "2025")
    assert year["value"] == pytest.approx(12.0)  # median of 4, 12, 30


def test_continuity_reads_yearly_cells_for_a_year_and_quarterly_cells_otherwise() -> None:
    data = results(
        continuity=continuity_rows(
            [
                ("05", "", "all", "2025", 500, 0.30, 0.28, 0.32, 0.55),
                ("05", "", "all", "2025Q1", 200, 0.25, 0.22, 0.28, 0.50),
            ]
        )
    )
    year = indicator_cells(data, INDICATORS["coc"], grain="year", threshold=5)
    assert year["value"].to_list() == [pytest.approx(0.30)]
    quarter = indicator_cells(data, INDICATORS["coc"], grain="quarter", threshold=5)
    assert quarter["period"].to_list() == ["2025Q1"]
    upc = indicator_cells(data, INDICATORS["upc"], grain="year", threshold=5)
    assert upc["value"].item() == pytest.approx(0.55)
    assert upc["ci_low"].item() is None


def test_no_identifier_column_ever_appears_in_cells() -> None:
    data = results(access=access_rows([("05", "Unit A", "all", "2025-01", 7, 100, 50)]))
    for key, indicator in INDICATORS.items():
        cells = indicator_cells(data, indicator, grain="year", level="unit", threshold=5)
        assert not {"patient_id", "professional_id", "visit_id", "book_id", "response_id"} & set(cells.columns), key


def test_an_unknown_grain_is_a_clear_error() -> None:
    from core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="grain must be month, quarter or year"):
        indicator_cells(results(), INDICATORS["coc"], grain="week", threshold=5)  # type: ignore[arg-type]


def test_results_scoped_to_a_county_show_only_its_units_and_log_a_refusal(caplog: pytest.LogCaptureFixture) -> None:
    # As load_results reads them for a viewer allowed county 05: every county's aggregate, 05's units only
    # (the reading itself is tested against a real store in tests/pages/test_results_loading.py).
    rows = access_rows(
        [
            ("05", "", "all", "2025-01", 7, 100, 50),
            ("05", "Unit A", "all", "2025-01", 7, 60, 40),
            ("13", "", "all", "2025-01", 7, 80, 40),
        ]
    )
    data = results(access=rows, unit_regions=frozenset({"05"}))
    units = indicator_cells(data, INDICATORS["access_7d"], grain="year", level="unit", threshold=5)
    assert units["region_code"].to_list() == ["05"]
    regions = indicator_cells(data, INDICATORS["access_7d"], grain="year", threshold=5)
    assert sorted(regions["region_code"].to_list()) == ["05", "13"]  # county aggregates stay public
    with caplog.at_level("WARNING", logger="dashboard.access"):
        assert data.units_allowed("13") is False
    assert "county 13" in caplog.text
    assert data.units_allowed("05") is True


def test_a_lone_small_health_centre_cannot_be_recovered_from_the_county_total() -> None:
    data = results(
        access=access_rows(
            [
                ("05", "", "all", "2025-01", 7, 100, 50),
                ("05", "Unit A", "all", "2025-01", 7, 80, 40),
                ("05", "Unit B", "all", "2025-01", 7, 17, 8),
                ("05", "Unit C", "all", "2025-01", 7, 3, 2),  # below 5: suppressed, and 100 - 80 - 17 would give it
            ]
        )
    )
    units = indicator_cells(data, INDICATORS["access_7d"], grain="year", level="unit", threshold=5)
    hidden = dict(zip(units["unit_id"], units["suppressed"], strict=True))
    assert hidden == {"Unit A": False, "Unit B": True, "Unit C": True}
    assert units.filter(pl.col("unit_id") == "Unit B")["n"].item() is None


def test_cells_say_which_rule_hid_them() -> None:
    # Unit C is small (primary); Unit B is hidden only so that C does not come back from the county (secondary).
    data = results(
        access=access_rows(
            [
                ("05", "", "all", "2025-01", 7, 100, 50),
                ("05", "Unit A", "all", "2025-01", 7, 80, 40),
                ("05", "Unit B", "all", "2025-01", 7, 17, 8),
                ("05", "Unit C", "all", "2025-01", 7, 3, 2),
            ]
        )
    )
    units = indicator_cells(data, INDICATORS["access_7d"], grain="year", level="unit", threshold=5)
    rules = dict(zip(units["unit_id"], units["suppressed_by"], strict=True))
    assert rules == {"Unit A": None, "Unit B": "secondary", "Unit C": "primary"}


def test_continuity_cells_say_which_rule_hid_them() -> None:
    # County 07 has 3 eligible patients (primary); 06 is the smallest other county, hidden with it (secondary).
    data = results(
        continuity=continuity_rows(
            [
                ("05", "", "all", "2025", 90, 0.5, 0.4, 0.6, 0.6),
                ("06", "", "all", "2025", 40, 0.5, 0.4, 0.6, 0.6),
                ("07", "", "all", "2025", 3, 0.5, 0.4, 0.6, 0.6),
                ("SSS", "", "all", "2025", 133, 0.5, 0.4, 0.6, 0.6),
            ]
        )
    )
    cells = indicator_cells(data, INDICATORS["coc"], grain="year", threshold=5)
    rules = dict(zip(cells["region_code"], cells["suppressed_by"], strict=True))
    assert rules == {"05": None, "06": "secondary", "07": "primary", "SSS": None}
