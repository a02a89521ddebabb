"""The other measures' cells: remote share, age groups, heavy users and named providers at every level, written to
their migrated tables."""

from __future__ import annotations

import datetime as dt
from datetime import datetime, timedelta
from typing import Any

import polars as pl
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from core import columns as c
from core.assignments import DTYPES
from core.codes import ALL_PROFESSIONS, ALL_UNITS, WHOLE_COUNTRY
from pipeline.aggregates import visit_results
from pipeline.measures import named_provider_results, remote_cells
from store import measure_tables
from store.engine import write_transaction
from store.migrations import migrate
from store.repository import read_table, replace_all
from store.tables import DATASET, SAMPLE_DATASET
from tests.metrics.frames import visit, visits

SMALL = settings(max_examples=max(10, settings().max_examples // 4))
MONDAY = datetime(2024, 3, 4, 9)
#: The data-set key every stored result cell leads with, naming the sample.
SAMPLE_KEY = pl.lit(SAMPLE_DATASET).alias(DATASET)


def cell(frame: pl.DataFrame, **equals: object) -> dict[str, Any]:
    defaults = {c.UNIT_ID: ALL_UNITS, c.PROFESSION: ALL_PROFESSIONS}
    rows = frame.filter(*(pl.col(name) == value for name, value in (defaults | equals).items()))
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def aged(*rows: dict[str, Any], ages: list[float | None]) -> pl.DataFrame:
    return visits(*rows).with_columns(pl.Series(c.AGE_YEARS, ages, dtype=pl.Float64))


def assignments(*rows: dict[str, Any]) -> pl.DataFrame:
    base = {c.REGION_CODE: "01", c.UNIT_ID: "u1", "valid_from": dt.date(2024, 1, 1), "valid_to": None}
    return pl.DataFrame([base | row for row in rows] or None, schema=dict(DTYPES))


def test_remote_cells_per_month_county_country_and_age_group() -> None:
    frame = aged(
        visit(contact_mode="phone", region_code="01"),
        visit(contact_mode="in_person", region_code="01"),
        visit(contact_mode="video", region_code="02"),
        visit(contact_mode="message", region_code="02", visit_at=MONDAY + timedelta(days=31)),
        ages=[80, 30, 80, None],
    )
    cells = remote_cells(frame.lazy())
    march = cell(cells, region_code=WHOLE_COUNTRY, period="2024-03", age_group="all")
    assert (march["n_eligible"], march["n_remote"]) == (3, 2)
    assert cell(cells, region_code="01", period="2024-03", age_group="all")["share"] == 0.5
    over_75 = cell(cells, region_code=WHOLE_COUNTRY, period="2024-03", age_group="75+")
    assert (over_75["n_eligible"], over_75["n_remote"]) == (2, 2)
    # A contact without an age is in no group: April has an 'all' cell and no age-group cell.
    april = cells.filter(pl.col(c.PERIOD) == "2024-04", pl.col(c.REGION_CODE) == WHOLE_COUNTRY)
    assert set(april["age_group"].to_list()) == {"all"}
    # Age groups are kept for counties and the country, not per health centre.
    assert cells.filter(pl.col(c.UNIT_ID) != ALL_UNITS)["age_group"].unique().to_list() == ["all"]


def test_without_ages_there_are_no_age_group_cells() -> None:
    results = visit_results(visits(visit(contact_mode="phone")).drop(c.AGE_YEARS, strict=False).lazy())
    assert results["access_age_results"].is_empty()
    assert results["continuity_age_results"].is_empty()
    assert results["remote_results"]["age_group"].unique().to_list() == ["all"]


def test_continuity_per_age_group_uses_the_age_a_patient_reached_in_the_year() -> None:
    # p1 turns 75 between two visits to d1: one over-75 patient with COC 1. p2 (40) sees d1 and d2: COC 0.
    frame = aged(
        visit(patient_id="p1", professional_id="d1"),
        visit(patient_id="p1", professional_id="d1", visit_at=MONDAY + timedelta(days=60)),
        visit(patient_id="p2", professional_id="d1"),
        visit(patient_id="p2", professional_id="d2", visit_at=MONDAY + timedelta(days=1)),
        ages=[74, 75, 40, 40],
    )
    results = visit_results(frame.lazy(), service_types=None)
    cells = results["continuity_age_results"]
    over_75 = cell(cells, region_code=WHOLE_COUNTRY, period="2024", age_group="75+")
    assert (over_75["n_eligible"], over_75["mean_coc"]) == (1, 1.0)
    assert cell(cells, region_code=WHOLE_COUNTRY, period="2024", age_group="18-64")["mean_coc"] == 0.0
    assert cells.filter(pl.col("age_group") == "65-74").is_empty()


def test_heavy_users_per_year_with_the_keski_suomi_threshold() -> None:
    rows = [visit(patient_id="p1", visit_at=MONDAY + timedelta(days=day)) for day in range(8)]
    rows += [visit(patient_id="p2", visit_at=MONDAY + timedelta(days=day)) for day in range(7)]
    results = visit_results(visits(*rows).lazy(), service_types=None)
    doctors = cell(results["heavy_user_results"], region_code="01", period="2024", profession="doctor")
    assert (doctors["n_patients"], doctors["n_heavy"], doctors["n_heavy_visits"], doctors["threshold"]) == (2, 1, 8, 8)
    # Nobody saw a nurse: no nurse cell rather than a cell of zeros.
    assert results["heavy_user_results"].filter(pl.col(c.PROFESSION) == "nurse").is_empty()


def test_named_provider_cells_and_list_sizes_from_visits_and_assignments() -> None:
    seen = visits(
        visit(patient_id="p1", professional_id="d1"),
        visit(patient_id="p1", professional_id="d2", visit_at=MONDAY + timedelta(days=1)),
        visit(patient_id="p2", professional_id="d1"),
    )
    named = assignments(
        {c.PATIENT_ID: "p1", "provider_kind": "doctor", "provider_id": "d1"},
        {c.PATIENT_ID: "p2", "provider_kind": "team", "provider_id": "t1"},
    )
    results = named_provider_results(named.lazy(), visits=seen.lazy())
    doctors = cell(results["named_provider_results"], region_code="01", period="2024", profession="doctor")
    assert (doctors["n_covered"], doctors["n_named"], doctors["n_patients_assigned"]) == (2, 1, 2)
    lists = results["list_size_results"]
    # The last visit (4.3.2024 + 1 day) is the data's last day: the year's lists are counted then.
    doctor_list = lists.filter(pl.col(c.REGION_CODE) == "01", pl.col("provider_kind") == "doctor").row(0, named=True)
    assert (doctor_list["n_assigned"], doctor_list["n_providers"], doctor_list["at"]) == (1, 1, dt.date(2024, 3, 5))
    assert set(lists[c.REGION_CODE].to_list()) == {"01", WHOLE_COUNTRY}


def test_every_measure_table_takes_its_cells(tmp_path: Any) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    frame = aged(
        *(visit(patient_id="p1", contact_mode="phone", visit_at=MONDAY + timedelta(days=day)) for day in range(9)),
        ages=[80.0] * 9,
    )
    named = assignments({c.PATIENT_ID: "p1", "provider_kind": "doctor", "provider_id": "d1"})
    results = visit_results(frame.lazy(), service_types=None, assignments=named.lazy())
    by_name = {table.name: table for table in measure_tables.MEASURE_TABLES}
    with write_transaction(engine) as connection:
        for name, table in by_name.items():
            stored = results[name].with_columns(SAMPLE_KEY)
            assert replace_all(connection, table, stored) == results[name].height > 0
    assert read_table(engine, measure_tables.remote_results).height == results["remote_results"].height


# --- invariants ---------------------------------------------------------------------------------

contact = st.fixed_dictionaries(
    {
        c.CONTACT_MODE: st.sampled_from(["in_person", "phone", "video", "message", "home"]),
        c.URGENT: st.sampled_from([False, False, True]),
        c.REGION_CODE: st.sampled_from(["01", "02"]),
        c.UNIT_ID: st.sampled_from(["u1", "u2"]),
        c.PROFESSION: st.sampled_from(["doctor", "nurse"]),
        c.VISIT_AT: st.integers(0, 70).map(lambda day: MONDAY + timedelta(days=day)),
    }
)


@SMALL
@given(st.lists(contact, min_size=1, max_size=20))
def test_remote_counts_add_up_across_units_counties_and_professions(rows: list[dict[str, Any]]) -> None:
    cells = remote_cells(visits(*rows).lazy()).filter(pl.col("age_group") == "all")
    for name in ("n_eligible", "n_remote"):
        country = cells.filter(pl.col(c.REGION_CODE) == WHOLE_COUNTRY, pl.col(c.UNIT_ID) == ALL_UNITS)
        counties = cells.filter(pl.col(c.REGION_CODE) != WHOLE_COUNTRY, pl.col(c.UNIT_ID) == ALL_UNITS)
        units = cells.filter(pl.col(c.UNIT_ID) != ALL_UNITS)
        totals = [
            part.filter(pl.col(c.PROFESSION) == ALL_PROFESSIONS)[name].sum() for part in (country, counties, units)
        ]
        by_profession = country.filter(pl.col(c.PROFESSION) != ALL_PROFESSIONS)[name].sum()
        assert totals[0] == totals[1] == totals[2] == by_profession


def test_an_extract_without_ages_or_assignments_writes_empty_measure_tables(tmp_path: Any) -> None:
    """Regression: the age-group tables came back as frames without columns, and the store refused them once the
    import added the data set (a visits extract without ages could not be imported)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    frame = visits(visit(contact_mode="phone")).drop(c.AGE_YEARS, strict=False)
    results = visit_results(frame.lazy(), service_types=None)
    by_name = {table.name: table for table in measure_tables.MEASURE_TABLES}
    with write_transaction(engine) as connection:
        for name in ("access_age_results", "continuity_age_results"):
            assert replace_all(connection, by_name[name], results[name].with_columns(SAMPLE_KEY)) == 0
