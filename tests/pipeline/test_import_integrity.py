"""Imports under real use: native panics, two imports at once, readers during an import, rows sent twice, county
scope, and the record of failed attempts. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa

from core.validation import IMPORTED_BEFORE, ValidationReport
from pipeline.imports import (
    AGGREGATING,
    READING,
    ImportFailedError,
    failed_imports,
    import_extract,
    import_upload,
    recover_interrupted_imports,
)
from store import tables
from store.catalogue import FailedImport, scan_extracts
from store.engine import create_store_engine
from store.repository import read_table
from store.results import load_results
from tests.data_sources.extract_fixtures import TODAY, canonical_visits, write_canonical_csv
from tests.pipeline.test_imports import FakeExtract, count_by_region, read_csv_extract, write_answers
from tests.store.conftest import dump

BOUND_SECONDS = 60  # an upper bound for waits between threads and processes, never an expectation


def answers_by_region(engine: sa.Engine) -> dict[str, int]:
    rows = read_table(engine, tables.nps_results)
    return dict(zip(rows["region_code"].to_list(), rows["n"].to_list(), strict=True))


def files_under(data_dir: Path, folder: str) -> list[str]:
    root = data_dir / folder
    return sorted(str(p.relative_to(data_dir)) for p in root.rglob("*")) if root.exists() else []


# --------------------------------------------------------------------------- native panics

PanicException: type[BaseException] = pl.exceptions.PanicException


def panicking_aggregate(_frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    raise PanicException("called `Option::unwrap()` on a `None` value")


def panicking_read(_path: Path) -> FakeExtract:
    raise PanicException("index out of bounds: the len is 0 but the index is 0")


@pytest.mark.parametrize(
    ("injected", "stage"),
    [({"aggregate": panicking_aggregate}, AGGREGATING), ({"read": panicking_read}, READING)],
    ids=["while aggregating", "while reading"],
)
def test_a_native_panic_is_an_import_error_logged_with_an_id_and_nothing_is_written(
    engine: sa.Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture, injected: dict[str, object], stage: str
) -> None:
    assert not issubclass(PanicException, Exception)  # the reason it escaped: PyO3 derives it from BaseException
    data_dir = tmp_path / "data"
    import_extract(
        engine,
        data_dir,
        write_answers(tmp_path / "a.csv", ["01"]),
        table_name="survey_answers",
        read=read_csv_extract,
        aggregate=count_by_region,
        imported_by="tester",
    )
    before = dump(engine), files_under(data_dir, "extracts")
    options: dict[str, Any] = {"read": read_csv_extract, "aggregate": count_by_region, **injected}

    with caplog.at_level(logging.ERROR, logger="dashboard.imports"), pytest.raises(ImportFailedError) as caught:
        import_extract(
            engine,
            data_dir,
            write_answers(tmp_path / "b.csv", ["secret-row-value"]),
            table_name="survey_answers",
            imported_by="tester",
            **options,
        )

    error = caught.value
    assert (error.file_name, error.stage) == ("b.csv", stage)
    assert isinstance(error.__cause__, PanicException)
    assert f"error id {error.error_id}" in str(error)
    assert "unwrap" not in str(error)
    assert "index out of bounds" not in str(error)
    [record] = [r for r in caplog.records if r.name == "dashboard.imports"]
    assert error.error_id in record.getMessage()
    assert "PanicException" in record.getMessage()
    assert "secret-row-value" not in caplog.text
    assert (dump(engine), files_under(data_dir, "extracts")) == before
    [failure] = failed_imports(engine, data_dir)
    assert failure.file_name == "b.csv"


# --------------------------------------------------------------------------- two imports at once


def count_with_total(frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    """Answers per county and in the whole country ('SSS'): two imports write the same national cell."""
    per_region = count_by_region(frame)["nps_results"]
    national = per_region.group_by("unit_id", "profession", "period", "respondent").agg(
        pl.lit("SSS").alias("region_code"), pl.col("n").sum(), *(pl.lit(0).alias(name) for name in SCORES)
    )
    return {"nps_results": pl.concat([per_region, national.select(per_region.columns)], how="vertical_relaxed")}


SCORES = ("n_invalid", "promoters", "passives", "detractors")

#: How long an import that reached its aggregation waits for the other to reach its own. Without a lock the
#: other gets there at once (it has read its file already), so both aggregate the import list as it was before
#: either committed; with the lock it never can, and the wait only ends. The outcome does not depend on it.
MEET_SECONDS = 3


class Rendezvous:
    """Brings two imports to their aggregation together: each waits until the other has read its file, then
    (for at most :data:`MEET_SECONDS`) until the other is aggregating too."""

    def __init__(self, mine: tuple[Any, Any], other: tuple[Any, Any]) -> None:
        self.mine_read, self.mine_aggregating = mine
        self.other_read, self.other_aggregating = other

    def read(self, path: Path) -> FakeExtract:
        extract = read_csv_extract(path)
        self.mine_read.set()
        return extract

    def aggregate(self, frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        self.mine_aggregating.set()
        self.other_read.wait(BOUND_SECONDS)
        self.other_aggregating.wait(MEET_SECONDS)
        return count_with_total(frame)


def import_with(url: str, data_dir: Path, path: Path, mine: tuple[Any, Any], other: tuple[Any, Any]) -> None:
    """One import of ``path`` through its own engine (what a second session or process does)."""
    meeting = Rendezvous(mine, other)
    import_extract(
        create_store_engine(url),
        data_dir,
        path,
        table_name="survey_answers",
        read=meeting.read,
        aggregate=meeting.aggregate,
        imported_by="tester",
    )


def _in_process(url: str, data_dir: str, path: str, events: tuple[Any, Any], failures: Any) -> None:
    try:
        import_with(url, Path(data_dir), Path(path), *events)
    except BaseException as exc:
        failures.put(f"{type(exc).__name__}: {exc}")
        raise


def test_two_imports_in_two_threads_both_land_with_correct_totals(
    store_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    first, second = (threading.Event(), threading.Event()), (threading.Event(), threading.Event())
    errors: list[BaseException] = []

    def run(path: Path, mine: tuple[Any, Any], other: tuple[Any, Any]) -> None:
        try:
            import_with(store_url, data_dir, path, mine, other)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(write_answers(tmp_path / "a.csv", ["a", "a"]), first, second)),
        threading.Thread(target=run, args=(write_answers(tmp_path / "b.csv", ["b"]), second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND_SECONDS * 2)

    assert errors == []
    assert answers_by_region(engine) == {"a": 2, "b": 1, "SSS": 3}
    assert read_table(engine, tables.imports).height == 2


def test_two_imports_in_two_processes_both_land_with_correct_totals(
    store_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    context = multiprocessing.get_context("spawn")
    first, second = (context.Event(), context.Event()), (context.Event(), context.Event())
    failures = context.Queue()
    paths = [write_answers(tmp_path / "a.csv", ["a", "a"]), write_answers(tmp_path / "b.csv", ["b"])]
    processes = [
        context.Process(target=_in_process, args=(store_url, str(data_dir), str(path), (mine, other), failures))
        for path, mine, other in ((paths[0], first, second), (paths[1], second, first))
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(BOUND_SECONDS * 2)
    codes = [process.exitcode for process in processes]
    reported = [failures.get(timeout=1) for _ in range(sum(code != 0 for code in codes))]

    assert (codes, reported) == ([0, 0], [])
    assert answers_by_region(engine) == {"a": 2, "b": 1, "SSS": 3}
    assert read_table(engine, tables.imports).height == 2


# --------------------------------------------------------------------------- readers during an import


def counts_in_two_tables(frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    """Answers per county twice: as NPS cells and as T3 cells. A reader sees both from one import or a mix."""
    nps = count_by_region(frame)["nps_results"]
    t3 = nps.select(
        "region_code", "unit_id", "profession", "period", n_books=pl.col("n"), n_censored=pl.lit(0)
    ).with_columns(t3_median_days=pl.lit(None, pl.Float64), t3_median_days_thl=pl.lit(None, pl.Float64))
    return {"nps_results": nps, "t3_results": t3}


def test_a_reader_during_an_import_sees_the_old_figures_or_the_new_never_a_mix(
    engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"

    def do_import(path: Path) -> None:
        import_extract(
            engine,
            data_dir,
            path,
            table_name="survey_answers",
            read=read_csv_extract,
            aggregate=counts_in_two_tables,
            imported_by="tester",
        )

    do_import(write_answers(tmp_path / "a.csv", ["01"]))
    reader = threading.get_ident()
    landed: list[threading.Thread] = []

    def land_an_import_between_two_reads(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        # Right after the reader read the access cells (before the T3 and NPS cells), an import commits.
        if threading.get_ident() == reader and not landed and "access_results" in statement:
            landed.append(threading.Thread(target=do_import, args=(write_answers(tmp_path / "b.csv", ["02"]),)))
            landed[0].start()
            landed[0].join(BOUND_SECONDS)

    sa.event.listen(engine, "after_cursor_execute", land_an_import_between_two_reads)
    try:
        results = load_results(engine)
    finally:
        sa.event.remove(engine, "after_cursor_execute", land_an_import_between_two_reads)

    assert landed
    assert not landed[0].is_alive()
    assert read_table(engine, tables.imports).height == 2  # the import did land during the read
    t3 = results.table("t3_results")["n_books"].sum()
    nps = results.table("nps_results")["n"].sum()
    assert (t3, nps, results.imports.height) == (1, 1, 1)  # the snapshot before it, whole
    after = load_results(engine)
    assert (after.table("t3_results")["n_books"].sum(), after.table("nps_results")["n"].sum()) == (2, 2)
    assert after.version != results.version


def test_unit_rows_read_after_the_store_changed_are_refused_not_mixed(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    options: dict[str, Any] = {
        "table_name": "survey_answers",
        "read": read_csv_extract,
        "aggregate": counts_in_two_tables,
        "imported_by": "tester",
    }
    import_extract(engine, data_dir, write_answers(tmp_path / "a.csv", ["a"]), **options)
    results = load_results(engine)
    import_extract(engine, data_dir, write_answers(tmp_path / "b.csv", ["b"]), **options)
    with pytest.raises(Exception, match="reload the page") as caught:
        results.table("nps_results", "unit")
    assert type(caught.value).__name__ == "StaleResultsError"


# --------------------------------------------------------------------------- rows sent again


def import_visits(engine: sa.Engine, data_dir: Path, path: Path, **options: Any) -> Any:
    return import_extract(engine, data_dir, path, table_name="visits", imported_by="tester", today=TODAY, **options)


def test_the_same_rows_re_sent_with_crlf_line_endings_are_refused_as_nothing_new(
    engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    rows = canonical_visits(50)
    import_visits(engine, data_dir, write_canonical_csv(tmp_path / "first.csv", rows))
    before = dump(engine), files_under(data_dir, "extracts")
    again = write_canonical_csv(tmp_path / "again.csv", rows, line_ending="\r\n")
    assert again.read_bytes() != (tmp_path / "first.csv").read_bytes()

    with pytest.raises(ImportFailedError, match="every one of its 50 rows was imported before") as caught:
        import_visits(engine, data_dir, again)

    assert caught.value.report is not None
    assert caught.value.report.rejected_count(IMPORTED_BEFORE) == 50
    assert (dump(engine), files_under(data_dir, "extracts")) == before
    scanned = scan_extracts(engine, "visits")
    assert scanned is not None
    assert scanned.collect().height == 50


def test_a_file_overlapping_half_of_an_earlier_one_adds_only_its_new_rows(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rows = canonical_visits(60)
    import_visits(engine, data_dir, write_canonical_csv(tmp_path / "first.csv", rows[:40]))
    outcome = import_visits(engine, data_dir, write_canonical_csv(tmp_path / "second.csv", rows[20:]))

    assert (outcome.rows_read, outcome.rows_rejected) == (40, 20)
    report = ValidationReport.from_json(outcome.report_json)
    assert (report.rows_kept, report.rejected_count(IMPORTED_BEFORE)) == (20, 20)
    assert sum(cell.n_non_urgent for cell in report.coverage_cells) <= 20
    scanned = scan_extracts(engine, "visits")
    assert scanned is not None
    ids = scanned.select("visit_id").collect()["visit_id"]
    assert (ids.len(), ids.n_unique()) == (60, 60)
    national = read_table(engine, tables.access_results).filter(
        (pl.col("region_code") == "SSS") & (pl.col("profession") == "all") & (pl.col("days") == 7)
    )
    assert national["n_visits"].sum() == 60


# --------------------------------------------------------------------------- county scope


def test_an_import_with_rows_of_a_county_the_role_does_not_cover_is_refused_whole(
    engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    rows = [*canonical_visits(3, region_code="02"), *canonical_visits(2, region_code="05")]
    rows[3]["visit_id"], rows[4]["visit_id"] = "v4", "v5"
    content = write_canonical_csv(tmp_path / "mixed.csv", rows).read_bytes()
    before = dump(engine), files_under(data_dir, "extracts")

    with pytest.raises(ImportFailedError, match=r"rows of county 05, which your role may not import") as caught:
        import_upload(
            engine,
            data_dir,
            content,
            file_name="mixed.csv",
            table_name="visits",
            imported_by="county user",
            today=TODAY,
            allowed_regions=frozenset({"02"}),
        )

    assert "02" in str(caught.value)
    assert (dump(engine), files_under(data_dir, "extracts")) == before
    outcome = import_upload(
        engine,
        data_dir,
        content,
        file_name="mixed.csv",
        table_name="visits",
        imported_by="county user",
        today=TODAY,
        allowed_regions=frozenset({"02", "05"}),
    )
    assert (outcome.rows_read, outcome.rows_rejected) == (5, 0)


# --------------------------------------------------------------------------- the record of failed attempts


def test_refused_imports_are_recorded_in_the_store_and_leave_no_marker_files(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    refused = 4
    for index in range(refused):
        path = write_canonical_csv(tmp_path / f"bad{index}.csv", canonical_visits(2, region_code="91"))
        with pytest.raises(ImportFailedError):
            import_visits(engine, data_dir, path)

    assert list((data_dir / "imports").glob("*.json")) == []
    history = failed_imports(engine)
    assert sorted(item.file_name for item in history) == [f"bad{index}.csv" for index in range(refused)]
    assert all(isinstance(item, FailedImport) and "none of its 2 rows" in item.error for item in history)
    assert read_table(engine, tables.import_failures)["error_id"].str.len_chars().min() == 12


def test_a_failure_the_store_cannot_take_stays_on_its_marker_and_moves_in_at_the_next_start(
    store_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    path = write_canonical_csv(tmp_path / "bad.csv", canonical_visits(2, region_code="91"))

    def refuse_failure_rows(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "import_failures" in statement and statement.lstrip().upper().startswith("INSERT"):
            raise sa.exc.OperationalError(statement, {}, Exception("the store went away"))

    sa.event.listen(engine, "before_cursor_execute", refuse_failure_rows)
    try:
        with pytest.raises(ImportFailedError, match="none of its 2 rows"):
            import_visits(engine, data_dir, path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse_failure_rows)

    assert len(list((data_dir / "imports").glob("*.json"))) == 1
    assert [item.file_name for item in failed_imports(engine, data_dir)] == ["bad.csv"]
    assert recover_interrupted_imports(engine, data_dir) == []
    assert list((data_dir / "imports").glob("*.json")) == []
    assert [item.file_name for item in failed_imports(engine, data_dir)] == ["bad.csv"]


# --------------------------------------------------------------------------- values both stores take alike


@pytest.mark.parametrize(
    ("unit_id", "message"),
    [("unit\x00one", "NUL"), ("u" * 65, "longer than 64")],
    ids=["NUL byte", "over-long text"],
)
def test_a_text_either_store_would_treat_differently_is_refused_alike_by_both(
    engine: sa.Engine, tmp_path: Path, unit_id: str, message: str
) -> None:
    def odd_units(frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        results = count_by_region(frame)
        return {"nps_results": results["nps_results"].with_columns(unit_id=pl.lit(unit_id))}

    data_dir = tmp_path / "data"
    with pytest.raises(ImportFailedError, match=message) as caught:
        import_extract(
            engine,
            data_dir,
            write_answers(tmp_path / "a.csv", ["01"]),
            table_name="survey_answers",
            read=read_csv_extract,
            aggregate=odd_units,
            imported_by="tester",
        )
    assert "unit_id" in str(caught.value)
    assert read_table(engine, tables.nps_results).is_empty()
