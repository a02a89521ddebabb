"""The full data set download: the viewer's scope, the pages' own suppressed cells, and a check report in each file."""

from __future__ import annotations

import io
import itertools
import zipfile

import polars as pl
import pyarrow.parquet as pq
import pytest

from core.codes import WHOLE_COUNTRY
from exports.dataset import (
    dataset_about,
    dataset_cells,
    dataset_csv,
    dataset_headers,
    dataset_parquet,
    dataset_table,
    dataset_xlsx,
    levels_allowed,
)
from exports.disclosure import check_report
from i18n import t
from store.results import Results
from tests.exports.test_tables import read_xlsx, sheet_names, xlsx_rows
from tests.views.builders import access_rows, results
from views.cells import Grain, indicator_cells
from views.indicators import INDICATORS

THRESHOLD = 5
#: Health centres per county; county 06's single small centre is the hard case.
UNITS = {"05": ("Turku A", "Turku B"), "06": ("Pori",)}
#: Visits per month and profession at each centre (n, within 7, within 14): some under the threshold.
VISITS = {
    ("Turku A", "doctor"): (40, 20, 30),
    ("Turku A", "nurse"): (60, 45, 50),
    ("Turku B", "doctor"): (3, 1, 2),
    ("Turku B", "nurse"): (25, 10, 20),
    ("Pori", "doctor"): (12, 6, 9),
    ("Pori", "nurse"): (2, 2, 2),
}
MONTHS = ("2025-01", "2025-02", "2025-03")


def store(unit_regions: frozenset[str] | None) -> Results:
    """Access cells of two counties and the country, additive over centres, professions and months."""
    rows = []
    for (unit, profession), (n, within7, within14) in VISITS.items():
        region = next(code for code, units in UNITS.items() if unit in units)
        for month, (days, within) in itertools.product(MONTHS, ((7, within7), (14, within14))):
            rows.append((region, unit, profession, month, days, n, within))
    units = access_rows(rows)
    keys = ["region_code", "unit_id", "period", "days"]
    per_unit_all = (
        units.group_by(keys).agg(pl.col("n_eligible", "n_within").sum()).with_columns(profession=pl.lit("all"))
    )
    detail = pl.concat([units, per_unit_all.select(units.columns)])
    county = (
        detail.group_by("region_code", "profession", "period", "days")
        .agg(pl.col("n_eligible", "n_within").sum())
        .with_columns(unit_id=pl.lit(""))
    )
    country = (
        county.group_by("profession", "period", "days")
        .agg(pl.col("n_eligible", "n_within").sum())
        .with_columns(region_code=pl.lit(WHOLE_COUNTRY), unit_id=pl.lit(""))
    )
    shown_units = detail if unit_regions is None else detail.filter(pl.col("region_code").is_in(unit_regions))
    access = pl.concat([frame.select(units.columns) for frame in (county, country, shown_units)])
    built = results(access=access)
    return Results(**{**built.__dict__, "unit_regions": unit_regions, "_derived": {}})


PUBLIC: frozenset[str] = frozenset()
COUNTY = frozenset({"05"})
ANALYST = None
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")


@pytest.fixture(scope="module", params=[PUBLIC, COUNTY, ANALYST], ids=["public", "county", "analyst"])
def scoped(request: pytest.FixtureRequest) -> tuple[frozenset[str] | None, pl.DataFrame]:
    return request.param, dataset_cells(store(request.param), threshold=THRESHOLD, language="en")


# -- scope


def test_the_public_sees_no_health_centre_and_a_county_only_its_own() -> None:
    public = dataset_cells(store(PUBLIC), threshold=THRESHOLD, language="en")
    assert public["health_centre"].null_count() == public.height
    county = dataset_cells(store(COUNTY), threshold=THRESHOLD, language="en")
    assert set(county.filter(pl.col("health_centre").is_not_null())["health_centre"]) == {"Turku A", "Turku B"}
    analyst = dataset_cells(store(ANALYST), threshold=THRESHOLD, language="en")
    assert set(analyst["health_centre"].drop_nulls()) == {"Turku A", "Turku B", "Pori"}


def test_health_centres_outside_the_scope_are_left_out_even_if_the_results_held_them() -> None:
    leaky = store(ANALYST)
    narrowed = Results(**{**leaky.__dict__, "unit_regions": COUNTY, "_derived": {}})
    cells = dataset_cells(narrowed, threshold=THRESHOLD, language="en")
    assert "Pori" not in set(cells["health_centre"].drop_nulls())


@pytest.mark.parametrize(
    ("scope", "levels"), [(PUBLIC, ("region",)), (COUNTY, ("region", "unit")), (ANALYST, ("region", "unit"))]
)
def test_levels_follow_the_scope(scope: frozenset[str] | None, levels: tuple[str, ...]) -> None:
    assert levels_allowed(store(scope)) == levels


# -- the pages' own cells


def test_every_row_is_a_cell_the_pages_show_in_the_charts_units(
    scoped: tuple[frozenset[str] | None, pl.DataFrame],
) -> None:
    scope, cells = scoped
    results = store(scope)
    for key, grain, profession in itertools.product(("access_7d", "access_14d"), GRAINS, ("all", "doctor", "nurse")):
        page = indicator_cells(
            results, INDICATORS[key], grain=grain, profession=profession, level="region", threshold=THRESHOLD
        )
        mine = cells.filter(
            (pl.col("indicator") == key)
            & (pl.col("grain") == grain)
            & (pl.col("profession") == profession)
            & pl.col("health_centre").is_null()
        ).sort("region_code", "period")
        assert mine["suppressed"].to_list() == page["suppressed"].to_list()
        assert mine["value"].to_list() == [None if v is None else round(v * 100, 1) for v in page["value"]]
        assert mine["n"].to_list() == page["n"].to_list()


def test_no_hidden_cell_carries_a_number(scoped: tuple[frozenset[str] | None, pl.DataFrame]) -> None:
    _, cells = scoped
    hidden = cells.filter(pl.col("suppressed"))
    assert hidden.height > 0  # the small centres and months are really hidden: the check is not vacuous
    for column in ("value", "ci_low", "ci_high", "n", "n_within"):
        assert hidden[column].null_count() == hidden.height, column
    assert set(hidden["suppressed_by"]) <= {"primary", "secondary"}
    shown = cells.filter(~pl.col("suppressed"))
    assert (shown["n"].drop_nulls() >= THRESHOLD).all()
    assert (shown["n_within"].drop_nulls() >= THRESHOLD).all()


def test_a_small_centre_is_hidden_and_its_county_total_does_not_give_it_back() -> None:
    cells = dataset_cells(store(ANALYST), threshold=THRESHOLD, language="en")
    doctors = cells.filter(
        (pl.col("indicator") == "access_7d") & (pl.col("grain") == "month") & (pl.col("profession") == "doctor")
    )
    small = doctors.filter(pl.col("health_centre") == "Turku B")
    assert small["suppressed"].all()
    sibling = doctors.filter(pl.col("health_centre") == "Turku A").sort("period")["suppressed"]
    county = doctors.filter((pl.col("region_code") == "05") & pl.col("health_centre").is_null()).sort("period")
    # Turku A's n subtracted from the county's would give Turku B's: one of the two is hidden in every month
    assert (sibling | county["suppressed"]).all()


# -- the files


def test_the_csv_zip_holds_the_table_in_the_readers_language_and_its_check_report() -> None:
    results = store(COUNTY)
    cells = dataset_cells(results, threshold=THRESHOLD, language="fi")
    report = check_report(cells, threshold=THRESHOLD, role="county", audit=None)
    about = dataset_about(results, "fi", threshold=THRESHOLD)
    data = dataset_csv(cells, name="aineisto_fi", about=about, check=report, language="fi")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == ["aineisto_fi.csv", "aineisto_fi.check.txt"]
        table = pl.read_csv(
            archive.read("aineisto_fi.csv"),
            separator=";",
            decimal_comma=True,
            null_values=[".."],
            infer_schema_length=None,
        )
        sidecar = archive.read("aineisto_fi.check.txt").decode("utf-8-sig")
    headers = dataset_headers(cells.columns, "fi")
    assert table.columns == [headers[name] for name in dataset_table(cells, "fi").columns]
    assert table.height == cells.height
    assert t("check.title", "fi") in sidecar
    assert t("dataset.scope_units", "fi", regions="Varsinais-Suomi") in sidecar
    assert "Piilotettu ensisijaisella säännöllä" in sidecar


def test_the_parquet_keeps_codes_and_carries_its_description_and_check_report() -> None:
    results = store(PUBLIC)
    cells = dataset_cells(results, threshold=THRESHOLD, language="sv")
    report = check_report(cells, threshold=THRESHOLD, role="public", audit=None)
    data = dataset_parquet(cells, about=dataset_about(results, "sv", threshold=THRESHOLD), check=report, language="sv")
    back = pl.read_parquet(data)
    assert back.equals(cells)
    assert set(back["suppressed_by"].drop_nulls()) <= {"primary", "secondary"}
    metadata = pq.read_metadata(io.BytesIO(data)).metadata
    assert metadata[b"output_check"].decode() == report.text("sv")
    assert t("dataset.title", "sv") in metadata[b"description"].decode()


def test_the_xlsx_has_the_data_its_description_and_its_check_report() -> None:
    results = store(PUBLIC)
    cells = dataset_cells(results, threshold=THRESHOLD, language="en")
    report = check_report(cells, threshold=THRESHOLD, role="public", audit=None)
    data = dataset_xlsx(cells, about=dataset_about(results, "en", threshold=THRESHOLD), check=report, language="en")
    assert sheet_names(data) == ["Data", "About", "Output check"]
    rows = xlsx_rows(read_xlsx(data))
    assert rows[0][:3] == ["Indicator code", "Indicator", "Unit"]
    assert len(rows) == cells.height + 1
    assert [row[0] for row in xlsx_rows(read_xlsx(data, 3))] == report.lines("en")


def test_the_source_names_the_imported_data_set_or_the_sample() -> None:
    sample = dataset_cells(store(PUBLIC), threshold=THRESHOLD, language="en")
    computed = sample.filter(pl.col("indicator") == "access_7d")["source"].unique().to_list()
    base = store(PUBLIC)
    imported = Results(
        **{
            **base.__dict__,
            "dataset": "Kuopio 2025",
            "imports": base.imports.with_columns(pl.lit("Kuopio 2025").alias("dataset")),
            "_derived": {},
        }
    )
    named = dataset_cells(imported, threshold=THRESHOLD, language="en")
    assert not imported.sample_data  # the store's own rule decides which the results are
    assert named.filter(pl.col("indicator") == "access_7d")["source"].unique().to_list() == [
        f"{t('dataset.source_computed', 'en')} · {t('datasets.chart_source', 'en', name='Kuopio 2025')}"
    ]
    assert computed != named.filter(pl.col("indicator") == "access_7d")["source"].unique().to_list()
