"""Programme participation and starts: the sample data takes them from reference_data/participants.csv.

The investments page estimates a programme's effect (difference in
differences) from the participants and starts in the store, which come from
``participants.csv``. These tests fix that the sample generator uses the same
participants and the same stated starts, fills only the unstated ones with
marked assumptions, and that nurse continuity moves at those starts, so the
estimate on sample data has something to find. Doctor continuity is THL's
published COCI per county and year instead (test_published.py), so a doctor
estimate on the sample finds what THL's own figures show.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from core import columns as c
from core.errors import InvalidInputError
from data_sources.reference import participants
from metrics.continuity import continuity_summary
from sample_data import generate as g
from sample_data.calibration import ASSUMED_STARTS, PROGRAMME, ProgrammeStart, programme_starts, start_date


def programme_rows() -> pl.DataFrame:
    round_, investment = PROGRAMME
    return participants().filter((pl.col("round") == round_) & (pl.col("investment") == investment))


def test_the_programme_counties_are_the_participants_of_the_programme() -> None:
    assert [start.region_code for start in programme_starts()] == sorted(programme_rows()["region_code"].to_list())


def test_every_start_participants_csv_states_is_the_start_the_generator_uses() -> None:
    by_code = {start.region_code: start for start in programme_starts()}
    stated = programme_rows().filter(pl.col("start").is_not_null())
    assert not stated.is_empty()
    for row in stated.iter_rows(named=True):
        start = by_code[row["region_code"]]
        assert (start.start, start.assumed) == (start_date(row["start"]), False)
        assert f"{row['start_seed_file']}:{row['start_seed_line']}" in start.source


def test_assumed_starts_cover_exactly_the_participants_without_a_stated_start() -> None:
    unstated = programme_rows().filter(pl.col("start").is_null())["region_code"].to_list()
    assert sorted(ASSUMED_STARTS) == sorted(unstated)
    assert all(start.assumed for start in programme_starts() if start.region_code in ASSUMED_STARTS)
    assert all("assumed" in source for _county, _start, source in ASSUMED_STARTS.values())


def test_a_participant_with_neither_a_stated_nor_an_assumed_start_is_refused() -> None:
    round_, investment = PROGRAMME
    rows = pl.DataFrame(
        {"round": [round_], "investment": [investment], "region_code": ["11"], "start": [None]},
        schema_overrides={"start": pl.String},
    )
    with pytest.raises(InvalidInputError, match=r"county 11 .* without a start"):
        programme_starts(rows)


# Starts are as precise as the seed: a year, a month or a day; each means its first day.
@pytest.mark.parametrize(
    ("text", "expected"),
    [("2023", date(2023, 1, 1)), ("2024-09", date(2024, 9, 1)), ("2024-07-01", date(2024, 7, 1))],
)
def test_a_start_means_the_first_day_it_can(text: str, expected: date) -> None:
    assert start_date(text) == expected


@pytest.mark.parametrize("text", ["09/2024", "2024-13", "2024-02-30", ""])
def test_an_unreadable_start_is_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        start_date(text)


def test_continuity_ramps_up_from_each_start_and_nowhere_else() -> None:
    world = g._world()
    grid = g._grid(date(2023, 1, 1), date(2025, 12, 31))
    starts = programme_starts()
    ramp = g._programme_ramp(world, grid, starts)
    months = [f"{m // 12}-{m % 12 + 1:02d}" for m in grid.months]
    for start in starts:
        row = ramp[world.codes.index(start.region_code)]
        first = months.index(f"{start.start.year}-{start.start.month:02d}")
        assert not row[:first].any(), start.region_code
        assert (row[first + 1 :] > 0).all(), start.region_code
    others = [index for index, code in enumerate(world.codes) if code not in {s.region_code for s in starts}]
    assert not ramp[others].any()


def test_the_generator_can_be_given_other_programme_counties() -> None:
    only = (ProgrammeStart("11", "Etelä-Savo", date(2024, 1, 1), "test", assumed=True),)
    sample = g.generate(scale=0.02, programme=only)
    assert sample.visits.height > 0
    with pytest.raises(InvalidInputError, match="programme counties"):
        g.generate(scale=0.02, programme=(ProgrammeStart("91", "Åland", date(2024, 1, 1), "test", assumed=True),))


def test_nurse_continuity_rises_in_the_programme_counties_against_the_counties_outside() -> None:
    """A hand-made difference in differences, 2025 against 2023, as the investments page would estimate it.

    Nurses carry the designed programme effect. Doctors do not: their COC is THL's published COCI per county
    and year (Päijät-Häme, the county with a stated start, fell from 0.27 to 0.23), see test_published.py.
    """
    starts = programme_starts()
    stated = [start.region_code for start in starts if not start.assumed]
    assumed = [start.region_code for start in starts if start.assumed]
    nurses = g.generate(scale=0.05).visits.filter(
        (pl.col(c.PROFESSION) == "nurse") & pl.col(c.VISIT_AT).dt.year().is_in([2023, 2025])
    )
    group = (
        pl.when(pl.col(c.REGION_CODE).is_in(stated))
        .then(pl.lit("stated"))
        .when(pl.col(c.REGION_CODE).is_in(assumed))
        .then(pl.lit("assumed"))
        .otherwise(pl.lit("outside"))
    )
    coc = continuity_summary(
        nurses.with_columns(group.alias("group"), pl.col(c.VISIT_AT).dt.year().alias("year")), by=("group", "year")
    )
    change = dict(
        coc.pivot(on="year", index="group", values="mean_coc")
        .select("group", pl.col("2025") - pl.col("2023"))
        .iter_rows()
    )
    assert np.isclose(change["outside"], 0.0, atol=0.03)
    assert change["stated"] - change["outside"] > 0.03  # one county, from 1/2025: half a ramp in 2025
    assert change["assumed"] - change["outside"] > 0.03
