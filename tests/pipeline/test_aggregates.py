"""The visit aggregates: computed on THL's service-type scope (T11) by default, labelled with it, and independent
of the order of the visits."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from core import columns as c
from core.codes import ALL_PROFESSIONS, ALL_UNITS, WHOLE_COUNTRY
from core.errors import InvalidInputError
from pipeline.aggregates import SCOPE_COLUMN, visit_results
from store import tables
from store.repository import read_table
from tests.data_sources.extract_fixtures import canonical_visit, write_canonical_csv
from tests.metrics.frames import visit, visits
from tests.pipeline.test_imports import import_file

RESULTS = ("access_results", "continuity_results", "coc_distribution_results")


def country_cell(frame: pl.DataFrame, **equals: object) -> dict[str, Any]:
    """The whole-country, all-professions row of a result frame (for access: of the given ``days``)."""
    rows = frame.filter(
        pl.col(c.REGION_CODE) == WHOLE_COUNTRY,
        pl.col(c.UNIT_ID) == ALL_UNITS,
        pl.col(c.PROFESSION) == ALL_PROFESSIONS,
        *(pl.col(name) == value for name, value in equals.items()),
    )
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def mixed_services() -> pl.DataFrame:
    """Patient p1 sees d1 three times in curative care (T11), d2 once at an occupational-health visit (T31);
    p2 sees d1 twice in a unit whose extract gives no service type. The T31 visit waited 10 days, the others 1."""
    monday = datetime(2024, 3, 4, 8)

    def row(patient: str, professional: str, service: str | None, day: int, wait: int = 1) -> dict[str, Any]:
        at = monday + timedelta(days=day)
        return visit(
            patient_id=patient,
            professional_id=professional,
            service_type=service,
            visit_at=at,
            assessment_at=at - timedelta(days=wait),
        )

    return visits(
        row("p1", "d1", "T11", 0),
        row("p1", "d1", "T11", 1),
        row("p1", "d2", "T31", 2, wait=10),
        row("p1", "d1", "T11", 3),
        row("p2", "d1", None, 4),
        row("p2", "d1", None, 5),
    )


def test_access_and_continuity_count_only_curative_visits_and_those_without_a_service_type() -> None:
    results = visit_results(mixed_services().lazy())
    access = country_cell(results["access_results"], days=7, period="2024-03")
    # Five visits: the T31 one is out of scope; every one left waited a day.
    assert (access["n_visits"], access["n_eligible"], access["n_within"], access["share"]) == (5, 5, 5, 1.0)
    continuity = country_cell(results["continuity_results"], period="2024")
    # Without the T31 visit both patients saw only d1: COC 1 for each.
    assert (continuity["n_visits"], continuity["n_eligible"], continuity["mean_coc"]) == (5, 2, 1.0)


def test_every_visit_counts_when_the_scope_is_every_service_type() -> None:
    results = visit_results(mixed_services().lazy(), service_types=None)
    access = country_cell(results["access_results"], days=7, period="2024-03")
    assert (access["n_visits"], access["n_within"]) == (6, 5)
    continuity = country_cell(results["continuity_results"], period="2024")
    # p1: d1 three times and d2 once: (9 + 1 - 4) / (4 * 3) = 0.5; p2: 1.
    assert continuity["mean_coc"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("service_types", "services", "label"),
    [
        # The default scope, every visit recorded as T11: the figure is THL's scope exactly.
        ({"T11"}, ["T11", "T11"], "T11"),
        # Visits without a service type entered the figure: the label says so.
        ({"T11"}, ["T11", None], "T11+unrecorded"),
        # A wider scope is named code by code, sorted.
        ({"T31", "T11"}, ["T11", "T31"], "T11,T31"),
        (None, ["T11", "T71"], "all"),
    ],
)
def test_every_stored_row_names_the_service_types_it_covers(
    service_types: set[str] | None, services: list[str | None], label: str
) -> None:
    frame = visits(
        *(visit(service_type=service, visit_at=datetime(2024, 3, 4, 9 + i)) for i, service in enumerate(services))
    )
    results = visit_results(frame.lazy(), service_types=service_types)
    for name in RESULTS:
        assert results[name][SCOPE_COLUMN].unique().to_list() == [label], name


@pytest.mark.parametrize("service_types", ["T11", set(), {"T11,T31"}, {""}])
def test_a_scope_that_names_no_usable_code_is_refused(service_types: Any) -> None:
    with pytest.raises(InvalidInputError, match="service_types"):
        visit_results(mixed_services().lazy(), service_types=service_types)


def test_an_imported_extract_stores_its_aggregates_with_their_scope(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [
        canonical_visit(visit_id="v1"),
        canonical_visit(visit_id="v2", visit_at="2025-03-11T09:00:00"),
        canonical_visit(visit_id="v3", service_type="T31", assessment_at="2025-02-20T08:00:00"),
    ]
    import_file(engine, tmp_path / "data", write_canonical_csv(tmp_path / "visits.csv", rows))
    access = read_table(engine, tables.access_results)
    assert access[SCOPE_COLUMN].unique().to_list() == ["T11"]
    assert country_cell(access, days=7, period="2025-03")["n_visits"] == 2
    for table in (tables.continuity_results, tables.coc_distribution_results):
        assert read_table(engine, table)[SCOPE_COLUMN].unique().to_list() == ["T11"], table.name


# --- row order ---------------------------------------------------------------------------------------------

START = datetime(2024, 3, 29, 8)  # the visits cross a month and a quarter boundary


@st.composite
def crowded_visits(draw: st.DrawFn) -> pl.DataFrame:
    """Few patients, professionals, moments and visit ids, so that timestamps and (patient, time, id) repeat."""
    rows = []
    for _ in range(draw(st.integers(0, 14))):
        at = START + timedelta(days=draw(st.sampled_from([0, 0, 1, 3])), hours=draw(st.sampled_from([0, 0, 2])))
        rows.append(
            visit(
                visit_id=draw(st.sampled_from(["v1", "v2", "v3"])),
                patient_id=draw(st.sampled_from(["p1", "p2"])),
                professional_id=draw(st.sampled_from(["d1", "d2", "n1", None])),
                profession=draw(st.sampled_from(["doctor", "nurse"])),
                unit_id=draw(st.sampled_from(["u1", "u2"])),
                region_code=draw(st.sampled_from(["01", "02"])),
                visit_at=at,
                assessment_at=at - timedelta(days=draw(st.integers(0, 9))),
                urgent=draw(st.sampled_from([False, False, True, None])),
                service_type=draw(st.sampled_from(["T11", "T11", "T31", None])),
            )
        )
    return visits(*rows)


@settings(max_examples=25, deadline=None)
@given(crowded_visits(), st.randoms(use_true_random=False))
def test_the_stored_aggregates_do_not_depend_on_the_order_of_the_visits(frame: pl.DataFrame, rng: Any) -> None:
    order = list(range(frame.height))
    rng.shuffle(order)
    shuffled = frame[order]
    expected, actual = visit_results(frame.lazy()), visit_results(shuffled.lazy())
    for name in RESULTS:
        assert_frame_equal(actual[name], expected[name], check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("min_visits", [2, 3])
def test_every_continuity_row_records_the_fewest_visits_a_patient_needed(min_visits: int) -> None:
    """p1 has three T11 visits and p2 two: with 3 as the minimum only p1 counts."""
    results = visit_results(mixed_services().lazy(), min_visits=min_visits)
    for name in ("continuity_results", "coc_distribution_results"):
        assert results[name]["min_visits"].unique().to_list() == [min_visits], name
    assert country_cell(results["continuity_results"], period="2024")["n_eligible"] == (2 if min_visits == 2 else 1)
