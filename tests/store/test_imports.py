"""Extract imports are all or nothing, idempotent, and recoverable after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa

from store import tables
from store.imports import failed_imports, import_extract, recover_interrupted_imports, scan_extracts
from store.repository import read_table
from tests.store.conftest import dump

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


def do_import(engine: sa.Engine, data_dir: Path, path: Path, **overrides: object):
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

    with pytest.raises(Exception, match="'n'"):
        do_import(engine, data_dir, write_answers(tmp_path / "b.csv", ["02"]), aggregate=failing_aggregate)
    assert dump(engine) == before
    assert sorted(p.relative_to(data_dir) for p in (data_dir / "extracts").rglob("*")) == files_before
    [failure] = failed_imports(data_dir)
    assert failure.file_name == "b.csv"
    assert "'n'" in failure.error


KILLABLE_IMPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import polars as pl
    from store.engine import create_store_engine
    from store.imports import import_extract
    from tests.store.test_imports import count_by_region, read_csv_extract

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
    assert [item.file_name for item in failed_imports(data_dir)] == ["b.csv"]
