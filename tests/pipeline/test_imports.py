"""Extract imports are all or nothing, idempotent, and recoverable after a kill; uploads in either layout."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from core.schema import VISITS, reader_dtypes
from core.validation import ValidationReport
from i18n import LANGUAGES, t
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
from store.catalogue import ImportOutcome, import_report, scan_extracts
from store.repository import read_table
from tests.data_sources.extract_fixtures import (
    TODAY,
    avohilmo_row,
    avohilmo_rows,
    canonical_answer,
    canonical_slot,
    canonical_visit,
    write_avohilmo,
    write_canonical_csv,
)
from tests.store.conftest import dump
from views.data import import_error_message

PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class FakeReport:
    rows_read: int
    rows_kept: int

    def to_json(self) -> str:
        return json.dumps({"rows_read": self.rows_read, "rows_kept": self.rows_kept})


@dataclass(frozen=True)
class FakeExtract:
    data: pl.LazyFrame
    report: FakeReport


def read_csv_extract(path: Path) -> FakeExtract:
    frame = pl.read_csv(path)
    kept = frame.filter(pl.col("score").is_not_null())
    return FakeExtract(kept.lazy(), FakeReport(rows_read=frame.height, rows_kept=kept.height))


def count_by_region(frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
    """A stand-in aggregator: one nps_results row per region holding the answer count."""
    counts = frame.group_by("region_code").agg(pl.len().alias("n")).collect()
    return {
        "nps_results": counts.with_columns(
            unit_id=pl.lit(""),
            profession=pl.lit("all"),
            period=pl.lit("2025"),
            respondent=pl.lit("patient"),
            n_invalid=pl.lit(0),
            promoters=pl.lit(0),
            passives=pl.lit(0),
            detractors=pl.lit(0),
        )
    }


def write_answers(path: Path, regions: list[str]) -> Path:
    pl.DataFrame({"region_code": regions, "score": [9] * len(regions)}).write_csv(path)
    return path


def do_import(engine: sa.Engine, data_dir: Path, path: Path, **overrides: object) -> ImportOutcome:
    options = {
        "table_name": "survey_answers",
        "read": read_csv_extract,
        "aggregate": count_by_region,
        "imported_by": "tester",
    }
    options.update(overrides)
    return import_extract(engine, data_dir, path, **options)  # type: ignore[arg-type]


def test_an_import_writes_parquet_records_the_catalogue_and_the_aggregates(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    outcome = do_import(engine, data_dir, write_answers(tmp_path / "a.csv", ["01", "01", "02"]))
    assert not outcome.already_imported
    catalogue = read_table(engine, tables.imports).row(0, named=True)
    assert (catalogue["file_name"], catalogue["rows_read"], catalogue["rows_rejected"]) == ("a.csv", 3, 0)
    assert Path(catalogue["parquet_path"]).is_file()
    assert read_table(engine, tables.nps_results, order_by=["region_code"])["n"].to_list() == [2, 1]
    scanned = scan_extracts(engine, "survey_answers")
    assert scanned is not None
    assert scanned.collect().height == 3


def test_importing_the_same_file_twice_duplicates_nothing(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    path = write_answers(tmp_path / "a.csv", ["01", "02"])
    first = do_import(engine, data_dir, path)
    before = dump(engine)
    second = do_import(engine, data_dir, path)
    assert second.already_imported
    assert second.import_id == first.import_id
    assert dump(engine) == before


def test_a_second_file_adds_to_the_aggregates(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    do_import(engine, data_dir, write_answers(tmp_path / "a.csv", ["01", "02"]))
    do_import(engine, data_dir, write_answers(tmp_path / "b.csv", ["01"]))
    assert read_table(engine, tables.nps_results, order_by=["region_code"])["n"].to_list() == [2, 1]


def test_a_failure_injected_mid_import_leaves_store_and_files_as_before(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    do_import(engine, data_dir, write_answers(tmp_path / "a.csv", ["01"]))
    before = dump(engine)
    files_before = sorted(p.relative_to(data_dir) for p in (data_dir / "extracts").rglob("*"))

    def failing_aggregate(frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        results = count_by_region(frame)
        results["nps_results"] = results["nps_results"].drop("n")  # the write then fails validation
        return results

    with pytest.raises(ImportFailedError, match="'n'") as caught:
        do_import(engine, data_dir, write_answers(tmp_path / "b.csv", ["02"]), aggregate=failing_aggregate)
    assert caught.value.file_name == "b.csv"
    assert dump(engine) == before
    assert sorted(p.relative_to(data_dir) for p in (data_dir / "extracts").rglob("*")) == files_before
    [failure] = failed_imports(engine, data_dir)
    assert failure.file_name == "b.csv"
    assert "'n'" in failure.error


KILLABLE_IMPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from store.engine import create_store_engine
    from pipeline.imports import import_extract
    from tests.pipeline.test_imports import count_by_region, read_csv_extract

    def slow_aggregate(frame):
        print("aggregating", flush=True)
        time.sleep(60)
        return count_by_region(frame)

    engine = create_store_engine(sys.argv[1])
    import_extract(engine, Path(sys.argv[2]), Path(sys.argv[3]), table_name="survey_answers",
                   read=read_csv_extract, aggregate=slow_aggregate, imported_by="tester")
    """
)


def test_an_import_killed_mid_way_is_recovered_as_failed(store_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    do_import(engine, data_dir, write_answers(tmp_path / "a.csv", ["01"]))
    before = dump(engine)
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLABLE_IMPORT,
            store_url,
            str(data_dir),
            str(write_answers(tmp_path / "b.csv", ["02"])),
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == b"aggregating"  # the Parquet file is written by now
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdout.close()

    recovered = recover_interrupted_imports(engine, data_dir)

    assert [item.file_name for item in recovered] == ["b.csv"]
    assert "interrupted" in recovered[0].error
    assert dump(engine) == before
    referenced = set(read_table(engine, tables.imports)["parquet_path"].to_list())
    assert {str(p) for p in (data_dir / "extracts").rglob("*") if p.is_file()} == referenced
    assert [item.file_name for item in failed_imports(engine, data_dir)] == ["b.csv"]
    assert list((data_dir / "imports").glob("*.json")) == []  # recorded in the store, the marker pruned


# --------------------------------------------------------------------------- the readers wired in


def snapshot(engine: sa.Engine, data_dir: Path) -> tuple[object, list[str]]:
    """The store's rows and every file under the data directory's extracts folder."""
    files = (
        sorted(str(p.relative_to(data_dir)) for p in (data_dir / "extracts").rglob("*")) if data_dir.exists() else []
    )
    return dump(engine), files


def leftovers(data_dir: Path) -> list[str]:
    """Anything an import should have removed: staged rows, temporary files, copies of uploads."""
    found = list((data_dir / "imports").glob("*.staging")) if (data_dir / "imports").exists() else []
    found += list((data_dir / "extracts").rglob("*.tmp")) if (data_dir / "extracts").exists() else []
    uploads = data_dir / "imports" / "uploads"
    found += list(uploads.iterdir()) if uploads.exists() else []
    return [str(p) for p in found]


def import_file(engine: sa.Engine, data_dir: Path, path: Path, **options: object) -> ImportOutcome:
    settings: dict[str, object] = {"table_name": "visits", "imported_by": "tester", "today": TODAY}
    settings.update(options)
    return import_extract(engine, data_dir, path, **settings)  # type: ignore[arg-type]


def test_an_avohilmo_extract_is_imported_with_its_report(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    rows = [*avohilmo_rows(4), avohilmo_row(AVOHILMO_ID="2000001", KAYNTI_ALKOI="32.03.2025 09:00")]
    path = write_avohilmo(tmp_path / "avohilmo.csv", rows)

    outcome = import_file(engine, data_dir, path)

    catalogue = read_table(engine, tables.imports).row(0, named=True)
    assert (catalogue["layout"], catalogue["rows_read"], catalogue["rows_rejected"]) == ("avohilmo", 5, 1)
    assert (outcome.layout, outcome.rows_read, outcome.rows_rejected) == ("avohilmo", 5, 1)
    report = ValidationReport.from_json(catalogue["report_json"])
    assert [(f.key, f.column, f.examples) for f in report.rejected] == [("bad_date", "KAYNTI_ALKOI", (5,))]
    stored = pl.read_parquet(catalogue["parquet_path"])
    assert stored.schema == pl.Schema(reader_dtypes(VISITS.name))
    assert stored.height == 4
    assert not read_table(engine, tables.access_results).is_empty()
    assert leftovers(data_dir) == []
    assert failed_imports(engine, data_dir) == []


@pytest.mark.parametrize(
    ("table_name", "rows"),
    [
        ("visits", [canonical_visit(), canonical_visit(visit_id="v2")]),
        ("appointment_slots", [canonical_slot(), canonical_slot(status="booked")]),
        ("survey_answers", [canonical_answer(), canonical_answer(response_id="r2", score="3")]),
    ],
)
def test_a_canonical_csv_file_of_each_table_is_imported(
    engine: sa.Engine, tmp_path: Path, table_name: str, rows: list[dict[str, str | None]]
) -> None:
    data_dir = tmp_path / "data"
    outcome = import_file(engine, data_dir, write_canonical_csv(tmp_path / "x.csv", rows), table_name=table_name)
    assert (outcome.layout, outcome.rows_read, outcome.rows_rejected) == ("canonical", 2, 0)
    scanned = scan_extracts(engine, table_name)
    assert scanned is not None
    assert scanned.collect().height == 2


def test_a_canonical_parquet_file_is_imported(engine: sa.Engine, tmp_path: Path) -> None:
    frame = pl.DataFrame([canonical_visit(), canonical_visit(visit_id="v2")])
    path = tmp_path / "visits.parquet"
    frame.write_parquet(path)
    outcome = import_file(engine, tmp_path / "data", path)
    assert (outcome.layout, outcome.rows_read) == ("canonical", 2)


def test_the_report_of_a_past_import_comes_back_as_reasons_and_coverage(engine: sa.Engine, tmp_path: Path) -> None:
    rows = [
        *avohilmo_rows(3),
        avohilmo_row(AVOHILMO_ID="2000001", HYVINVOINTIALUE="91"),
        avohilmo_row(AVOHILMO_ID="2000002", HOIDONTARVE_AJANKOHTA=None),
        avohilmo_row(AVOHILMO_ID="2000003", KAYNTI_ALKOI="05.04.2025 10:00", HOIDONTARVE_AJANKOHTA="07.04.2025 08:00"),
    ]
    outcome = import_file(engine, tmp_path / "data", write_avohilmo(tmp_path / "a.csv", rows))

    past = import_report(engine, outcome.import_id)

    assert past.detailed
    assert (past.file_name, past.layout, past.rows_read, past.rows_rejected) == ("a.csv", "avohilmo", 6, 1)
    reasons = past.reasons.select("kind", "key", "column", "count", "example_rows")
    assert reasons.rows() == [
        ("rejected", "unknown_region", "HYVINVOINTIALUE", 1, "4"),
        ("flagged", "visit_before_assessment", "HOIDONTARVE_AJANKOHTA", 1, "6"),
    ]
    assert past.coverage.select("region_code", "month", "n_non_urgent", "n_with_assessment").rows() == [
        ("02", "2025-03", 4, 3),
        ("02", "2025-04", 1, 1),
    ]


def test_the_same_extract_uploaded_twice_is_imported_once(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    content = write_avohilmo(tmp_path / "a.csv", avohilmo_rows(3)).read_bytes()
    first = import_upload(
        engine, data_dir, content, file_name="kesäkuu.csv", table_name="visits", imported_by="t", today=TODAY
    )
    before = snapshot(engine, data_dir)
    second = import_upload(
        engine, data_dir, io.BytesIO(content), file_name="again.csv", table_name="visits", imported_by="t", today=TODAY
    )
    assert second.already_imported
    assert (second.import_id, second.file_name) == (first.import_id, "kesäkuu.csv")
    assert snapshot(engine, data_dir) == before
    assert leftovers(data_dir) == []


@dataclass(frozen=True)
class Refusal:
    """A file the import refuses: how to write it, which table it is offered as, what the error says."""

    write: Callable[[Path], object]
    message: str
    table_name: str = "visits"
    row: int | None = None
    column: str | None = None


# Files the readers refuse: each import fails with an error naming the upload's own name, and changes nothing.
REFUSED = {
    "avohilmo with the wrong separator": Refusal(
        lambda p: write_avohilmo(p, avohilmo_rows(2), separator=","), "missing column"
    ),
    "a canonical file without a required column": Refusal(
        lambda p: write_canonical_csv(
            p, [{k: v for k, v in canonical_visit().items() if k != "unit_id"}], encoding="latin-1"
        ),
        "missing column",
    ),
    "empty file": Refusal(lambda p: p.write_bytes(b""), "empty"),
    "header only": Refusal(lambda p: write_avohilmo(p, []), "no data rows"),
    "every row rejected": Refusal(
        lambda p: write_avohilmo(p, avohilmo_rows(3, KAYNTI_YHTEYSTAPA="R60")),
        "none of its 3 rows can be used; the most common reason is invalid_code in column 'KAYNTI_YHTEYSTAPA'",
    ),
    "avohilmo file as slots": Refusal(
        lambda p: write_avohilmo(p, avohilmo_rows(2)), "holds visits only", table_name="appointment_slots"
    ),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_a_refused_upload_names_the_file_and_changes_nothing(engine: sa.Engine, tmp_path: Path, case: Refusal) -> None:
    data_dir = tmp_path / "data"
    import_file(engine, data_dir, write_avohilmo(tmp_path / "earlier.csv", avohilmo_rows(2)))
    before = snapshot(engine, data_dir)
    source = tmp_path / "upload.csv"
    case.write(source)

    with pytest.raises(ImportFailedError, match=re.escape(case.message)) as caught:
        import_upload(
            engine,
            data_dir,
            source.read_bytes(),
            file_name="Käynnit 2025.csv",
            table_name=case.table_name,
            imported_by="t",
            today=TODAY,
        )

    error = caught.value
    assert str(error).startswith("Käynnit 2025.csv")
    assert str(data_dir) not in str(error)
    assert (error.stage, error.row, error.column) == (READING, case.row, case.column)
    assert snapshot(engine, data_dir) == before
    assert leftovers(data_dir) == []
    assert [item.file_name for item in failed_imports(engine, data_dir)] == ["Käynnit 2025.csv"]


def test_a_refused_file_still_hands_over_its_report(engine: sa.Engine, tmp_path: Path) -> None:
    path = write_avohilmo(tmp_path / "a.csv", avohilmo_rows(2, HYVINVOINTIALUE="91"))
    with pytest.raises(ImportFailedError) as caught:
        import_file(engine, tmp_path / "data", path)
    assert caught.value.report is not None
    assert caught.value.report.rejected_count("unknown_region") == 2


def test_a_library_error_while_aggregating_becomes_an_import_error(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    def broken(_frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        raise pl.exceptions.ComputeError("simulated failure deep inside polars")

    with pytest.raises(ImportFailedError, match="ComputeError: simulated failure") as caught:
        import_file(engine, data_dir, write_avohilmo(tmp_path / "a.csv", avohilmo_rows(2)), aggregate=broken)
    assert caught.value.stage == AGGREGATING
    assert isinstance(caught.value.__cause__, pl.exceptions.ComputeError)
    assert read_table(engine, tables.imports).is_empty()
    assert list((data_dir / "extracts").rglob("*.parquet")) == []
    assert leftovers(data_dir) == []


def test_an_interrupt_cleans_up_and_propagates_unchanged(engine: sa.Engine, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    def interrupted(_frame: pl.LazyFrame) -> dict[str, pl.DataFrame]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_file(engine, data_dir, write_avohilmo(tmp_path / "a.csv", avohilmo_rows(2)), aggregate=interrupted)
    assert list((data_dir / "extracts").rglob("*.parquet")) == []
    assert leftovers(data_dir) == []
    [failure] = failed_imports(engine, data_dir)
    assert failure.error == "KeyboardInterrupt: "


def test_a_missing_file_is_an_import_error(engine: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(ImportFailedError, match=r"nowhere\.csv: no such file"):
        import_file(engine, tmp_path / "data", tmp_path / "nowhere.csv")


def test_an_unknown_layout_is_an_invalid_input(engine: sa.Engine, tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="layout must be one of"):
        import_file(engine, tmp_path / "data", write_avohilmo(tmp_path / "a.csv", avohilmo_rows(1)), layout="excel")


def test_recovery_removes_the_staged_rows_and_upload_copies_of_a_killed_import(
    engine: sa.Engine, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead = int(finished.stdout)
    imports = data_dir / "imports"
    staging = imports / "abc.staging" / "dashboard-extract-x"
    staging.mkdir(parents=True)
    (staging / "part-00000.parquet").write_bytes(b"PAR1")
    upload = imports / "uploads" / f"{dead}-0123"
    upload.mkdir(parents=True)
    (upload / "upload.csv").write_text("x")
    alive = imports / "uploads" / f"{os.getpid()}-4567"
    alive.mkdir()
    state = {"status": "running", "file_name": "k.csv", "table_name": "visits", "checksum": "0" * 64, "pid": dead}
    (imports / "abc.json").write_text(json.dumps(state))

    [recovered] = recover_interrupted_imports(engine, data_dir)

    assert recovered.file_name == "k.csv"
    assert not (imports / "abc.staging").exists()
    assert not upload.exists()
    assert alive.exists()


@pytest.mark.parametrize(("earliest", "kept"), [(dt.date(2000, 1, 1), 2), (dt.date(2024, 1, 1), 1)])
def test_an_upload_is_read_with_the_earliest_date_it_is_given(
    engine: sa.Engine, tmp_path: Path, earliest: dt.date, kept: int
) -> None:
    """The settings' date bound reaches the reader: a 2023 visit is kept by default and refused from 2024 on."""
    rows = [
        canonical_visit(visit_id="v1"),
        canonical_visit(visit_id="v2", visit_at="2023-03-10T09:00:00", assessment_at="2023-03-03T08:14:00"),
    ]
    content = write_canonical_csv(tmp_path / "visits.csv", rows).read_bytes()
    outcome = import_upload(
        engine,
        tmp_path / "data",
        content,
        file_name="visits.csv",
        table_name="visits",
        imported_by="t",
        today=TODAY,
        earliest_date=earliest,
    )
    assert outcome.rows_read - outcome.rows_rejected == kept
    rejected = {finding["key"] for finding in json.loads(outcome.report_json).get("rejected", [])}
    assert ("date_too_early" in rejected) is (kept == 1)


#: Files a user is likely to pick by mistake, each refused with a reason the page can say in the reader's language.
MISTAKEN_FILES = {
    "an Excel workbook": (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "upload.xlsx", "binary_file"),
    "an empty file": (b"", "upload.csv", "empty_file"),
    "a damaged Parquet file": (b"PAR1\x00\x01\x02", "upload.parquet", "damaged_parquet"),
    "a .parquet that is text": (b"visit_id,patient_id\n", "upload.parquet", "not_parquet"),
    "an empty first line": (b"\nvisit_id,patient_id\n1,2\n", "upload.csv", "empty_header"),
}


@pytest.mark.parametrize(("content", "file_name", "key"), MISTAKEN_FILES.values(), ids=MISTAKEN_FILES.keys())
def test_a_mistaken_file_is_refused_with_a_reason_in_every_language(
    engine: sa.Engine, tmp_path: Path, content: bytes, file_name: str, key: str
) -> None:
    with pytest.raises(ImportFailedError) as caught:
        import_upload(
            engine, tmp_path / "data", content, file_name=file_name, table_name="visits", imported_by="t", today=TODAY
        )
    assert caught.value.key == key
    for language in LANGUAGES:
        message = import_error_message(caught.value, language)
        assert message.startswith(t(f"reader.{key}", language)), message
        assert message.endswith(t("reader.unchanged", language))
