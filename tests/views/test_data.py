"""The Data page's tables speak the reader's language: layouts, the sample generator, dates without noise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from core.settings import Settings
from i18n import t
from i18n.format import count, date_text, moment_text, number
from pipeline.bootstrap import load_reference_data, open_store
from pipeline.imports import import_extract
from pipeline.indicators import load_recorded_indicators
from store import tables
from store.catalogue import import_report
from store.queries import import_history
from store.repository import read_table
from tests.data_sources.extract_fixtures import avohilmo_row, write_avohilmo
from views.data import (
    SOURCES,
    coverage_rows,
    cube_series_name,
    import_labels,
    imports_table,
    published_series,
    reasons_table,
    region_name_or_code,
    series_title,
    source_name,
)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_import_history_names_the_layout_and_shows_the_time_to_the_minute(tmp_path: Path, language: str) -> None:
    data_dir = tmp_path / "data"
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}))
    load_reference_data(engine)
    extract = write_avohilmo(tmp_path / "avohilmo.csv", [avohilmo_row(AVOHILMO_ID="1", TNRO="FR0000001")])
    import_extract(engine, data_dir, extract, table_name="visits", imported_by="analyst@example.org")

    history = imports_table(import_history(engine), language)
    imported_at = import_history(engine)["imported_at"][0]

    row = history.row(0, named=True)
    assert row[t("data.col_table_name", language)] == t("data.table_visits", language)
    assert row[t("data.col_layout", language)] == t("data.layout_avohilmo", language)
    assert row[t("data.col_imported_by", language)] == "analyst@example.org"
    assert row[t("data.col_imported_at", language)] == moment_text(imported_at, language)  # to the minute
    assert " · visits · " not in next(iter(import_labels(engine, language).values()))
    assert row[t("data.col_rows_read", language)] == "1"  # counts are text in the language's grouping
    engine.dispose()


def test_published_series_without_an_update_date_show_a_dash(tmp_path: Path) -> None:
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")}))
    load_reference_data(engine)
    load_recorded_indicators(engine)  # the bundled copies: THL's update date of them is not known
    with engine.begin() as connection:  # as a live refresh of one series leaves it
        connection.execute(
            tables.indicators.update()
            .where(tables.indicators.c.indicator_id == "6411")
            .values(data_updated=dt.date(2026, 3, 18))
        )
    series = published_series(engine, "fi")
    assert series.height > 0
    assert series.schema["data_updated"] == pl.String
    updated = dict(zip(series["indicator_id"].to_list(), series["data_updated"].to_list(), strict=True))
    assert updated.pop("6411") == "18.3.2026"  # fi: day.month.year, no ISO
    assert set(updated.values()) == {"–"}
    engine.dispose()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_bundled_copies_say_what_they_are_and_a_refreshed_series_shows_when(tmp_path: Path, language: str) -> None:
    """THL's published values say when they were copied; the constructed cube says it is an example."""
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")}))
    load_recorded_indicators(engine)
    with engine.begin() as connection:  # as a live refresh of one series leaves it
        connection.execute(
            tables.indicators.update()
            .where(tables.indicators.c.indicator_id == "6411")
            .values(recorded=False, retrieved=None, fetched_at=dt.datetime(2026, 11, 20, 8, 5))
        )
    series = published_series(engine, language)
    fetched = {(row["attribution"], row["indicator_id"]): row["fetched_at"] for row in series.iter_rows(named=True)}
    sotkanet = source_name("sotkanet", language)
    assert fetched.pop((sotkanet, "6411")) == moment_text(dt.datetime(2026, 11, 20, 8, 5), language)
    copies = {key: text for key, text in fetched.items() if key[0] == sotkanet}
    assert sorted(indicator for _source, indicator in copies) == ["1080", "4909", "5081", "5186", "5502"]
    retrieved = t("data.published_copy", language, retrieved=date_text(dt.date(2026, 8, 18), language))
    assert set(copies.values()) == {retrieved}
    assert set(fetched.values()) - {retrieved} == {t("data.recorded_copy", language)}  # the constructed cube
    engine.dispose()


@pytest.mark.parametrize(("language", "finnish"), [("sv", "finsk titel"), ("en", "finnish title")])
def test_published_series_name_source_and_title_in_the_readers_language(
    tmp_path: Path, language: str, finnish: str
) -> None:
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")}))
    load_reference_data(engine)
    load_recorded_indicators(engine)
    series = published_series(engine, language)
    assert "THL, tilastokuutiot" not in series["attribution"].to_list()
    cubes = series.filter(pl.col("attribution") == t("data.source_thl_cube", language))
    assert cubes.height > 0
    # the cube's official title is Finnish: it stays, labelled as such, after our name of the series
    assert all(finnish in title.casefold() for title in cubes["title"])
    engine.dispose()


@pytest.mark.parametrize(
    ("indicator_id", "language", "name"),
    [
        ("ahil_pthjono01:visits:doctor", "fi", "Käynnit, lääkäri"),
        ("ahil_pthjono01:within_7_days:nurse", "sv", "Besök inom 7 dygn (%), sjukskötare"),
        ("ahil_pthjono01:wait_8_14_days:doctor", "en", "Wait 8–14 days, doctor"),
        ("ahil_pthjono01:wait_over_90_days:all", "sv", "Väntetid över 90 dygn, alla yrkesgrupper"),
        # a measure or profession we do not know is shown as its code
        ("ahil_pthjono01:median_days:dentist", "en", "median_days, dentist"),
    ],
)
def test_cube_series_are_named_by_measure_and_profession(indicator_id: str, language: str, name: str) -> None:
    assert cube_series_name(indicator_id, language) == name


@pytest.mark.parametrize(
    ("titles", "language", "shown"),
    [
        ({"fi": "Odotusaika", "sv": "Väntetid", "en": None}, "sv", "Väntetid"),
        ({"fi": "Odotusaika", "sv": None, "en": None}, "fi", "Odotusaika"),
        # no translation from THL: the Finnish title, said to be Finnish
        ({"fi": "Odotusaika", "sv": None, "en": None}, "sv", "Finsk titel: Odotusaika"),
        ({"fi": "Odotusaika", "sv": None, "en": None}, "en", "Finnish title: Odotusaika"),
    ],
)
def test_a_series_without_a_title_in_the_language_says_its_title_is_finnish(
    titles: dict[str, str | None], language: str, shown: str
) -> None:
    assert series_title("sotkanet", "1", titles, language) == shown


# The tables' text columns are written in Python, outside polars (views.text); each cell reads as the
# writer gives it for its row.


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_reason_row_is_described_and_counted_in_the_readers_words(tmp_path: Path, language: str) -> None:
    data_dir = tmp_path / "data"
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}))
    load_reference_data(engine)
    rows = [avohilmo_row(AVOHILMO_ID=str(index), TNRO=f"FR{index:07d}") for index in range(1, 30)]
    rows.append(avohilmo_row(AVOHILMO_ID="1", TNRO="FR0000001"))  # the same visit id twice
    rows.append(avohilmo_row(AVOHILMO_ID="31", TNRO="FR0000031", KAYNTI_ALKOI="not a time"))
    extract = write_avohilmo(tmp_path / "avohilmo.csv", rows)
    report = import_report(
        engine,
        import_extract(engine, data_dir, extract, table_name="visits", imported_by="analyst@example.org").import_id,
    )
    reasons = report.reasons
    shown = reasons_table(report, language)
    assert reasons.height > 0
    assert shown.height == reasons.height
    column = {name: t(f"data.col_{name}", language) for name in ("description", "count", "share_of_rows")}
    assert shown[column["description"]].to_list() == [t(f"reason.{key}", language) for key in reasons["key"]]
    assert shown[column["count"]].to_list() == [count(value, language) for value in reasons["count"]]
    assert shown[column["share_of_rows"]].to_list() == [
        number(value * 100, language, digits=2) for value in reasons["share_of_rows"]
    ]
    engine.dispose()


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_coverage_rows_name_the_county_and_write_counts_and_shares(language: str) -> None:
    coverage = pl.DataFrame(
        {
            "region_code": ["01", "01", "99", "02"],  # '99' is no county: shown as its code
            "month": ["2025-01", "2025-02", "2025-01", "2025-01"],
            "n_non_urgent": [1_234_567, 20, 3, None],
            "n_with_assessment": [1_000_000, 19, 0, None],
            "share": [1_000_000 / 1_234_567, 0.95, 0.0, None],
        }
    )
    shown = coverage_rows(coverage, language)
    column = {name: t(f"data.col_{name}", language) for name in ("region_code", "n_non_urgent", "share")}
    assert shown[column["region_code"]].to_list() == [
        region_name_or_code(code, language) for code in coverage["region_code"]
    ]
    assert shown[column["region_code"]][2] == "99"
    assert shown[column["n_non_urgent"]].to_list() == [count(value, language) for value in coverage["n_non_urgent"]]
    assert shown[column["n_non_urgent"]][3] == "–"
    assert shown[column["share"]].to_list() == [
        number(None if value is None else value * 100, language, digits=1) for value in coverage["share"]
    ]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_published_series_write_their_row_counts_and_sources_per_row(tmp_path: Path, language: str) -> None:
    engine = open_store(Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path / "data")}))
    load_reference_data(engine)
    load_recorded_indicators(engine)
    series = published_series(engine, language)
    values = read_table(engine, tables.indicator_values).group_by("source", "indicator_id").agg(pl.len().alias("rows"))
    written_counts = {(row["source"], row["indicator_id"]): row["rows"] for row in values.iter_rows(named=True)}
    names = {source_name(source, language): source for source in SOURCES}
    shown = {(names[row["attribution"]], row["indicator_id"]): row["rows"] for row in series.iter_rows(named=True)}
    assert len(shown) == series.height > 0
    assert shown == {key: count(written_counts.get(key), language) for key in shown}
    engine.dispose()
