"""Scale benchmark of the aggregate engines: one process against a process pool and Dask, all outputs compared.

For each size (visits per year) the seeded register of ``bench.generate`` is
copied into three yearly extracts (2025 as generated, 2024 and 2023 shifted by
whole years, their visit ids prefixed), with that register's slots and answers.
For each year count (1 and 3 by default: the growth from one year to three) it
measures, each in a fresh process:

- filing: :func:`store.buckets.ensure_layout` of the visits (read the extracts,
  hash, write the bucketed Parquet): rows per second and peak memory;
- ``local``: the stored-aggregate job of today (:data:`pipeline.aggregates.RESULTS_BY_TABLE`
  on the whole extracts) in one process;
- ``processes`` and ``dask``: :func:`pipeline.engines.bucketed_results` with
  ``--workers`` workers (a process pool; a Dask ``LocalCluster``), with each
  worker's peak memory (VmHWM, read after each of its tasks);

and compares every output table of the engines with ``local`` (counts and
medians exactly, floats to a relative 1e-9). Then, on one year: continuity
with only COC and UPC asked (``continuity_summary(indices=("coc", "upc"))``)
against a DuckDB query computing only those, by county and profession.

``make bench-scale`` runs 5 and 25 million visits a year (up to 75 million).
Results: ``<out>/scale/results.md`` and ``results.json``. Never run from the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from polars.testing import assert_frame_equal

from bench.generate import DEFAULT_SEED
from bench.generate import ensure as ensure_register

RELATIVE = 1e-9
ABSOLUTE = 1e-12
WORKER_TIMEOUT = 6 * 3600
TARGET_WORKER_PEAK_MIB = 1024
TARGET_DASK_RATIO = 1.3
TARGET_SUBSET_RATIO = 1.0
TARGET_ROWS_PER_SECOND = 1_000_000
ENGINES = ("local", "processes", "dask")
SUBSET_KEYS = ["region_code", "profession"]
Z95 = 1.959963984540054


def _memory_mib(field: str) -> float:
    """VmHWM (peak) or VmRSS of this process (see bench.metrics_bench._memory_mib for why not ru_maxrss)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


# --- the data -----------------------------------------------------------------------------------------


def _checksum(*parts: object) -> str:
    """A 64-hex-digit name for a bench extract (the layout keys extracts by their file name)."""
    text = "-".join(str(part) for part in parts).encode()
    import hashlib  # noqa: PLC0415

    return hashlib.sha256(text).hexdigest()


def prepare(out: Path, size: int, seed: int) -> dict[str, list[Path]]:
    """The yearly visit extracts (newest first) and the slots and answers of the size's register."""
    register, _manifest, _generated = ensure_register(out / "data", size, seed=seed)
    folder = out / "scale" / f"extracts-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    yearly = []
    for back in range(3):
        path = folder / f"{_checksum('visits', size, seed, back)}.parquet"
        if not path.exists():
            shift = f"-{back}y"
            visits = pl.scan_parquet(register / "visits" / "*.parquet").with_columns(
                pl.col("visit_at").dt.offset_by(shift),
                pl.col("assessment_at").dt.offset_by(shift),
                (pl.lit(f"y{back}-") + pl.col("visit_id")).alias("visit_id"),
            )
            visits.sink_parquet(path.with_suffix(".tmp"))
            path.with_suffix(".tmp").rename(path)
        yearly.append(path)
    others = {}
    for table, name in (("appointment_slots", "slots"), ("survey_answers", "answers")):
        path = folder / f"{_checksum(table, size, seed)}.parquet"
        if not path.exists():
            pl.scan_parquet(register / name / "*.parquet").sink_parquet(path)
        others[table] = [path]
    return {"visits": yearly, **others}


def _extracts(out: Path, size: int, seed: int, years: int) -> dict[str, list[Path]]:
    prepared = prepare(out, size, seed)
    return {**prepared, "visits": prepared["visits"][:years]}


# --- the measured runs (each in its own process) ------------------------------------------------------


def _measured(function: Callable[..., Any], *arguments: Any) -> tuple[Any, int, float]:
    """Run a task and hand back its result with the worker's pid and peak memory so far."""
    result = function(*arguments)
    return result, os.getpid(), _memory_mib("VmHWM")


class _MeasuringExecutor:
    """Wraps an engine's executor so that every task also reports its worker's peak memory."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.peaks: dict[int, float] = {}

    def run(self, function: Callable[..., Any], arguments: Sequence[tuple[Any, ...]]) -> Any:
        for result, pid, peak in self.inner.run(_measured, [(function, *argument) for argument in arguments]):
            self.peaks[pid] = max(self.peaks.get(pid, 0.0), peak)
            yield result


def worker(mode: str, data_dir: Path, extracts: dict[str, list[Path]], results: Path, workers: int) -> dict[str, Any]:
    """One measured run: ``file`` (bucket the visits), an engine, or the COC/UPC subset (ours or DuckDB)."""
    from pipeline.aggregates import ALSO_READS, RESULTS_BY_TABLE  # noqa: PLC0415  # outside the timing
    from pipeline.engines import bucketed_results, open_executor  # noqa: PLC0415
    from store import buckets  # noqa: PLC0415

    outputs: dict[str, pl.DataFrame] = {}
    worker_peaks: list[float] = []
    started = time.perf_counter()
    rows = 0
    if mode == "file":
        rows = int(pl.scan_parquet(extracts["visits"]).select(pl.len()).collect().item())
        started = time.perf_counter()
        for table, paths in extracts.items():
            if table == "visits":
                buckets.ensure_layout(data_dir, table, paths)
    elif mode == "local":
        scans = {table: pl.scan_parquet(paths) for table, paths in extracts.items()}
        for table, aggregate in RESULTS_BY_TABLE.items():
            if table in scans:
                others = {other: scans[other] for other in ALSO_READS.get(table, ()) if other in scans}
                outputs.update(aggregate(scans[table], **others))
    elif mode in ("processes", "dask"):
        with open_executor(mode, workers=workers) as executor:
            measuring = _MeasuringExecutor(executor)
            outputs = bucketed_results(data_dir, extracts, measuring)
            worker_peaks = sorted(measuring.peaks.values())
    elif mode == "subset-ours":
        from metrics.continuity import continuity_summary  # noqa: PLC0415

        summary = continuity_summary(pl.scan_parquet(extracts["visits"][0]), by=SUBSET_KEYS, indices=("coc", "upc"))
        outputs["coc_upc"] = summary.collect().sort(SUBSET_KEYS)
    elif mode == "subset-duckdb":
        outputs["coc_upc"] = _duckdb_coc_upc(extracts["visits"][0])
    else:
        raise ValueError(f"unknown mode {mode!r}")
    seconds = time.perf_counter() - started
    results.mkdir(parents=True, exist_ok=True)
    for name, frame in outputs.items():
        frame.write_parquet(results / f"{name}.parquet")
    return {"seconds": seconds, "peak_mib": _memory_mib("VmHWM"), "worker_peaks_mib": worker_peaks, "rows": rows}


def _duckdb_coc_upc(path: Path) -> pl.DataFrame:
    """Mean COC and UPC with their intervals per county and profession, and nothing else, in DuckDB SQL."""

    def mean_with_interval(index: str, prefix: str) -> str:
        mean, sd, m = f"avg({index})", f"stddev_samp({index})", f"count({index})"
        half = f"{Z95!r} * {sd} / sqrt({m})"
        return f"""{mean} AS mean_{index},
            CASE WHEN {m} >= 2 THEN greatest(0.0, least(1.0, {mean} - {half})) END AS {prefix}ci_low,
            CASE WHEN {m} >= 2 THEN greatest(0.0, least(1.0, {mean} + {half})) END AS {prefix}ci_high,
            sum(n * {index}) / sum(n) FILTER (WHERE {index} IS NOT NULL) AS visit_weighted_{index}"""

    sql = f"""
        WITH per_provider AS (
            SELECT region_code, profession, patient_id, count(*) AS n_j
            FROM read_parquet('{path.as_posix()}') WHERE professional_id IS NOT NULL
            GROUP BY region_code, profession, patient_id, professional_id
        ),
        per_patient AS (
            SELECT region_code, profession, sum(n_j)::BIGINT AS n,
                   CASE WHEN sum(n_j) >= 2 THEN (sum(n_j * n_j) - sum(n_j))::DOUBLE / (sum(n_j) * (sum(n_j) - 1)) END
                       AS coc,
                   CASE WHEN sum(n_j) >= 2 THEN max(n_j)::DOUBLE / sum(n_j) END AS upc
            FROM per_provider GROUP BY region_code, profession, patient_id
        )
        SELECT region_code, profession, count(coc) AS n_eligible,
               {mean_with_interval("coc", "")}, {mean_with_interval("upc", "upc_")}
        FROM per_patient GROUP BY region_code, profession ORDER BY region_code, profession
    """
    with duckdb.connect(config={"preserve_insertion_order": False}) as connection:
        result: pl.DataFrame = connection.sql(sql).pl()
    return result


def _run(mode: str, data_dir: Path, extracts: dict[str, list[Path]], results: Path, workers: int) -> dict[str, Any]:
    payload = json.dumps({name: [str(path) for path in paths] for name, paths in extracts.items()})
    command = [sys.executable, "-m", "bench.scale_bench", "--worker", mode, str(data_dir), payload, str(results)]
    command += ["--workers", str(workers)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False)
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-8:]
        return {"ok": False, "error": f"exit {completed.returncode}: " + " | ".join(tail)}
    return {"ok": True, **json.loads(completed.stdout.strip().splitlines()[-1])}


# --- comparing and reporting --------------------------------------------------------------------------


def differences(left: Path, right: Path) -> list[str]:
    """Tables that differ between two runs' outputs (missing, or unequal beyond the tolerances)."""
    found = []
    names = {path.name for path in left.glob("*.parquet")} | {path.name for path in right.glob("*.parquet")}
    for name in sorted(names):
        if not (left / name).exists() or not (right / name).exists():
            found.append(f"{name}: only in one run")
            continue
        try:
            assert_frame_equal(
                pl.read_parquet(left / name),
                pl.read_parquet(right / name),
                check_exact=False,
                rel_tol=RELATIVE,
                abs_tol=ABSOLUTE,
                check_column_order=False,
            )
        except AssertionError as error:
            found.append(f"{name}: {str(error).splitlines()[0]}")
    return found


def subset_differences(ours: Path, duckdb_results: Path) -> list[str]:
    """The columns DuckDB's COC/UPC query has, compared with ours (n_eligible exactly, floats to 1e-9)."""
    theirs = pl.read_parquet(duckdb_results / "coc_upc.parquet")
    mine = pl.read_parquet(ours / "coc_upc.parquet").select(theirs.columns)
    try:
        assert_frame_equal(mine, theirs, check_exact=False, rel_tol=RELATIVE, abs_tol=ABSOLUTE, check_dtypes=False)
    except AssertionError as error:
        return [str(error).splitlines()[0]]
    return []


def run(out: Path, sizes: Sequence[int], year_counts: Sequence[int], workers: int, seed: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    extra: list[dict[str, Any]] = []
    root = out / "scale"
    for size in sizes:
        for years in year_counts:
            extracts = _extracts(out, size, seed, years)
            data_dir = root / f"store-{size}-{years}y"
            results = root / "results" / f"{size}-{years}y"
            shutil.rmtree(data_dir, ignore_errors=True)  # every run files the extracts anew
            filing = _run("file", data_dir, extracts, results / "file", workers)
            rate = filing.get("rows", 0) / filing["seconds"] if filing.get("ok") and filing["seconds"] else None
            extra.append({"size": size, "years": years, "what": "filing", **filing, "rows_per_second": rate})
            print(f"{size:>11,} x {years}y filing: {filing}", flush=True)
            local: dict[str, Any] | None = None
            for engine in ENGINES:
                measured = _run(engine, data_dir, extracts, results / engine, workers)
                row = {"size": size, "years": years, "visits": size * years, "engine": engine, **measured}
                if engine == "local":
                    local = measured
                elif measured.get("ok") and local and local.get("ok"):
                    row["ratio"] = measured["seconds"] / local["seconds"]
                    row["differences"] = differences(results / "local", results / engine)
                rows.append(row)
                print(f"{size:>11,} x {years}y {engine}: {measured}", flush=True)
        subset = {
            name: _run(name, root / "subset", _extracts(out, size, seed, 1), root / "results" / f"{size}-{name}", 1)
            for name in ("subset-ours", "subset-duckdb")
        }
        ours, theirs = subset["subset-ours"], subset["subset-duckdb"]
        ratio = ours["seconds"] / theirs["seconds"] if ours.get("ok") and theirs.get("ok") else None
        found = (
            subset_differences(root / "results" / f"{size}-subset-ours", root / "results" / f"{size}-subset-duckdb")
            if ratio is not None
            else []
        )
        extra.append(
            {"size": size, "what": "coc+upc only", "ours": ours, "duckdb": theirs, "ratio": ratio, "differences": found}
        )
        print(f"{size:>11,} coc+upc ours/duckdb: {ratio}", flush=True)
    return {"rows": rows, "extra": extra, "workers": workers, "cpus": os.cpu_count(), "polars": pl.__version__}


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Scale benchmark: {report['workers']} workers on {report['cpus']} cores, polars {report['polars']}.",
        "",
        "| visits/year | years | visits | engine | seconds | driver peak MiB | worker peak MiB (max) | ratio to local "
        "| equal to local |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for row in report["rows"]:
        if not row.get("ok"):
            lines.append(
                f"| {row['size']:,} | {row['years']} | {row['visits']:,} | {row['engine']} | failed: "
                f"{row.get('error', '')} | | | | |"
            )
            continue
        peaks = row.get("worker_peaks_mib") or []
        equal = (
            "" if row["engine"] == "local" else ("yes" if not row.get("differences") else "; ".join(row["differences"]))
        )
        ratio = f"{row['ratio']:.2f}" if "ratio" in row else ""
        lines.append(
            f"| {row['size']:,} | {row['years']} | {row['visits']:,} | {row['engine']} | {row['seconds']:.1f} "
            f"| {row['peak_mib']:.0f} | {max(peaks):.0f} | {ratio} | {equal} |"
            if peaks
            else f"| {row['size']:,} | {row['years']} | {row['visits']:,} | {row['engine']} | {row['seconds']:.1f} "
            f"| {row['peak_mib']:.0f} | | {ratio} | {equal} |"
        )
    lines += ["", "| what | visits/year | years | result |", "|---|---:|---:|---|"]
    for item in report["extra"]:
        if item["what"] == "filing":
            rate = item.get("rows_per_second")
            result = f"{rate:,.0f} rows/s, peak {item['peak_mib']:.0f} MiB" if rate else f"failed: {item.get('error')}"
            lines.append(f"| filing into buckets | {item['size']:,} | {item['years']} | {result} |")
        else:
            ratio = item.get("ratio")
            equal = "equal" if not item.get("differences") else "; ".join(item["differences"])
            timing = f"ours {item['ours']['seconds']:.1f} s / DuckDB {item['duckdb']['seconds']:.1f} s"
            result = f"{timing} = {ratio:.2f} ({equal})" if ratio else "failed"
            lines.append(f"| COC and UPC only | {item['size']:,} | 1 | {result} |")
    growth = _growth(report["rows"])
    if growth:
        lines += ["", "Growth from one year to three (3.0 is linear): " + ", ".join(growth)]
    return "\n".join(lines) + "\n"


def _growth(rows: list[dict[str, Any]]) -> list[str]:
    found = []
    for engine in ENGINES:
        by_years = {(row["size"], row["years"]): row for row in rows if row["engine"] == engine and row.get("ok")}
        for (size, years), row in by_years.items():
            if years == 3 and (size, 1) in by_years:
                found.append(f"{engine} at {size:,}/year {row['seconds'] / by_years[(size, 1)]['seconds']:.2f}")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000000,25000000", help="visits per year, comma-separated")
    parser.add_argument("--years", default="1,3", help="year counts, comma-separated (each at most 3)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("bench/output"))
    parser.add_argument(
        "--worker", nargs=4, metavar=("MODE", "DATA_DIR", "EXTRACTS", "RESULTS"), help=argparse.SUPPRESS
    )
    arguments = parser.parse_args(argv)
    if arguments.worker:
        mode, data_dir, payload, results = arguments.worker
        extracts = {name: [Path(path) for path in paths] for name, paths in json.loads(payload).items()}
        print(json.dumps(worker(mode, Path(data_dir), extracts, Path(results), arguments.workers)))
        return
    sizes = [int(size) for size in arguments.sizes.split(",")]
    year_counts = [int(years) for years in arguments.years.split(",")]
    if any(not 1 <= years <= 3 for years in year_counts):
        parser.error("--years: each year count must be 1, 2 or 3")
    report = run(arguments.out, sizes, year_counts, arguments.workers, arguments.seed)
    folder = arguments.out / "scale"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    text = markdown(report)
    (folder / "results.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
