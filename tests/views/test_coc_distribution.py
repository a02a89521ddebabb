"""The COC distribution on the county page: bins by hand, and the stored distribution equal to one computed."""

from __future__ import annotations

import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from core.codes import WHOLE_COUNTRY as NATIONAL
from pipeline.aggregates import coc_distribution_cells as stored_cells
from views.county import coc_distribution, coc_distribution_cells, stored_coc_distribution

from .builders import results


def visits(rows: list[tuple[str, str, str, int]]) -> pl.LazyFrame:
    """(region, patient, professional, day of January 2025) rows, each one doctor visit."""
    return pl.LazyFrame(
        [
            {
                "visit_id": f"v{index}",
                "region_code": region,
                "patient_id": patient,
                "professional_id": professional,
                "profession": "doctor",
                "visit_at": dt.datetime(2025, 1, day, 9),
            }
            for index, (region, patient, professional, day) in enumerate(rows)
        ]
    )


# Region 01: five patients seeing one professional twice (COC 1), five seeing two professionals once each
# (COC 0). Region 02: five patients with visits A, A, B (COC = (2*1 + 0) / (3*2) = 1/3).
# Patient "x" has two visits to "a" in 01 and two to "b" in 02: COC 1 in each county, and over the whole
# country 4 visits to two professionals twice each, COC = (2*1 + 2*1) / (4*3) = 1/3.
ROWS = (
    [("01", f"p{i}", "a", day) for i in range(5) for day in (1, 2)]
    + [("01", f"q{i}", prof, day) for i in range(5) for prof, day in (("a", 1), ("b", 2))]
    + [("02", f"r{i}", prof, day) for i in range(5) for prof, day in (("a", 1), ("a", 2), ("b", 3))]
    + [("01", "x", "a", 4), ("01", "x", "a", 5), ("02", "x", "b", 6), ("02", "x", "b", 7)]
)


def counts(cells: pl.DataFrame) -> dict[float, int | None]:
    return dict(zip(cells["bin_low"].round(1).to_list(), cells["n"].to_list(), strict=True))


def test_one_county_by_hand() -> None:
    cells = coc_distribution_cells(visits(ROWS), region="01", year="2025", profession="all", threshold=5)
    assert counts(cells)[0.9] == 6  # five patients and x
    # the empty bins are hidden, and with the 11 eligible patients shown they would hold 11 - 6 = 5 together
    # in a known place: the five in bin 0.0 are hidden with them, so the hidden bins hold 5
    assert counts(cells)[0.0] is None
    assert all(n is None for low, n in counts(cells).items() if low != 0.9)


def stored(
    rows: list[tuple[str, str, str, int]], *, region: str, year: str = "2025", profession: str = "all"
) -> pl.DataFrame:
    cells = stored_coc_distribution(
        results(coc_distribution=stored_cells(visits(rows))),
        region=region,
        year=year,
        profession=profession,
        threshold=5,
    )
    assert cells is not None
    return cells


def test_the_stored_distribution_equals_the_one_computed_from_the_visits() -> None:
    for area in ("01", "02", NATIONAL):
        for profession in ("all", "doctor"):
            one = coc_distribution_cells(visits(ROWS), region=area, year="2025", profession=profession, threshold=5)
            assert_frame_equal(stored(ROWS, region=area, profession=profession), one)


def test_the_whole_country_counts_a_patient_once_over_both_counties() -> None:
    country = counts(stored(ROWS, region=NATIONAL))
    # 1/3 falls in bin 0.3: the five r patients and x; COC 1 (bin 0.9): the five p patients; COC 0: the q's.
    assert (country[0.0], country[0.3], country[0.9]) == (None, 6, 5)  # bin 0.0 hidden with the empty bins
    county_02 = counts(stored(ROWS, region="02"))
    # x is COC 1 within 02, and alone in that bin, so hidden; the county's 6 eligible patients are shown with
    # its continuity, so 6 - 5 would give x back: the five in bin 0.3 are hidden too (1 + 5 >= 5 together)
    assert county_02[0.9] is None
    assert county_02[0.3] is None
    assert sum(value for value in county_02.values() if value is not None) == 0


def test_the_stored_rows_hold_counts_only() -> None:
    assert stored_cells(visits(ROWS)).columns == ["region_code", "profession", "period", "bin", "n"]


def test_other_years_professions_and_areas_have_no_rows() -> None:
    assert stored(ROWS, region="01", year="2024").is_empty()
    assert stored(ROWS, region="01", profession="nurse").is_empty()
    assert stored(ROWS, region="07").is_empty()


def test_a_store_without_the_distribution_says_so() -> None:
    assert stored_coc_distribution(results(), region="01", year="2025", profession="all", threshold=5) is None


def test_the_visits_are_read_only_when_the_store_keeps_no_distribution() -> None:
    def unread() -> pl.LazyFrame:
        raise AssertionError("the visits were read although the store has the distribution")

    kept = results(coc_distribution=stored_cells(visits(ROWS)))
    from_store = coc_distribution(kept, unread, region="01", year="2025", profession="all", threshold=5)
    from_visits = coc_distribution(
        results(), lambda: visits(ROWS), region="01", year="2025", profession="all", threshold=5
    )
    assert_frame_equal(from_store, from_visits)
    assert coc_distribution(results(), lambda: None, region="01", year="2025", profession="all", threshold=5).is_empty()


def test_an_area_without_eligible_patients_has_no_rows_either_way() -> None:
    assert coc_distribution_cells(visits(ROWS), region="07", year="2025", profession="all", threshold=5).is_empty()
    assert stored(ROWS, region="07").is_empty()


# Every patient in one county: 01 has five patients at COC 1 and five at 0; 02 five at 1/3 and one, y, at COC 1.
# The counties' bins add up to the country's, bin by bin.
ONE_COUNTY_EACH = (
    [("01", f"p{i}", "a", day) for i in range(5) for day in (1, 2)]
    + [("01", f"q{i}", prof, day) for i in range(5) for prof, day in (("a", 1), ("b", 2))]
    + [("02", f"r{i}", prof, day) for i in range(5) for prof, day in (("a", 1), ("a", 2), ("b", 3))]
    + [("02", "y", "c", 4), ("02", "y", "c", 5)]
)


def test_a_hidden_county_bin_does_not_come_back_from_the_countrys_bin() -> None:
    # y alone in 02's bin 0.9 is hidden; were the country's 0.9 (6) and 01's (5) both shown, 6 - 5 = 1 gives y
    # back. Where the counties add up, every shown country bin has no county bin hidden alone under it.
    areas = {area: counts(stored(ONE_COUNTY_EACH, region=area)) for area in ("01", "02", NATIONAL)}
    assert areas["02"][0.9] is None
    for low, country in areas[NATIONAL].items():
        hidden_counties = [area for area in ("01", "02") if areas[area][low] is None]
        assert country is None or len(hidden_counties) != 1, (low, country, hidden_counties)
