"""Time every metric family through our API, DuckDB SQL and pandas on the same files, in one run.

Usage::

    python -m bench.metrics_bench --sizes 1000000,5000000,25000000 [--out bench/output]

For each size the seeded register is generated once under ``OUT/data`` (and
reused while the size, seed and generator version match). Then every
implementation runs every family in a fresh Python process, so its seconds
cover reading the Parquet files and computing (not interpreter start-up or
imports) and its peak resident memory is its own. Our implementation also
runs all four families in one process ("the whole run"). The three results of
each family are compared group by group (counts and other exact columns
exactly, floats to a relative 1e-9) before any timing is reported; at the
small sizes the per-patient continuity indices are compared too.

Writes ``OUT/results.json`` (every run, the summary, the agreement and the
targets) and ``OUT/results.md`` (the table), after each size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl

from bench.generate import (
    ACCESS_DAYS,
    DEFAULT_SEED,
    GENERATOR_VERSION,
    HOLIDAYS,
    MEASURED_AT,
    read_manifest,
    register_folder,
)
from metrics.access import access_within_days, t3, t3_summary
from metrics.continuity import continuity_indices, continuity_summary
from metrics.satisfaction import nps

FAMILIES = ("access", "t3", "continuity", "nps")
IMPLEMENTATIONS = ("ours", "duckdb", "pandas")
#: The key columns of every compared result.
KEYS: dict[str, list[str]] = {
    "access": ["region_code"],
    "t3_books": ["book_id", "measured_at"],
    "t3_units": ["unit_id", "measured_at"],
    "t3_units_182": ["unit_id", "measured_at"],
    "continuity": ["region_code", "profession"],
    "continuity_indices": ["region_code", "profession", "patient_id"],
    "nps": ["region_code", "respondent"],
    "nps_weighted": ["region_code", "respondent"],
}
RELATIVE = 1e-9
ABSOLUTE = 1e-12  # for floats that should be 0 and come out as 1e-17 in another summation order
TARGET_SIZE = 25_000_000
TARGET_PEAK_MIB = 2048
TARGET_PANDAS_OVER_OURS = 3.0
WORKER_TIMEOUT = 4 * 3600

Results = dict[str, pl.DataFrame]

# --- our implementation: the public API on lazy scans, collected with the streaming engine -------

ENGINE = "streaming"


def _scan(folder: Path, table: str) -> pl.LazyFrame:
    return pl.scan_parquet(folder / table / "*.parquet")


def _ours_access(folder: Path) -> Results:
    frame = access_within_days(_scan(folder, "visits"), days=ACCESS_DAYS, by=["region_code"])
    return {"access": frame.collect(engine=ENGINE)}


def _ours_t3(folder: Path) -> Results:
    slots = _scan(folder, "slots")
    times = list(MEASURED_AT)
    books, units, units_182 = pl.collect_all(
        [
            t3(slots, measured_at=times, by=["book_id"], holidays=list(HOLIDAYS)),
            t3_summary(slots, measured_at=times, by=["unit_id"]),
            t3_summary(slots, measured_at=times, by=["unit_id"], censored_days=182),
        ],
        engine=ENGINE,
    )
    return {"t3_books": books, "t3_units": units, "t3_units_182": units_182}


def _ours_continuity(folder: Path) -> Results:
    frame = continuity_summary(_scan(folder, "visits"), by=["region_code", "profession"])
    return {"continuity": frame.collect(engine=ENGINE)}


def _ours_nps(folder: Path) -> Results:
    answers = _scan(folder, "answers")
    keys = ["region_code", "respondent"]
    plain, weighted = pl.collect_all([nps(answers, by=keys), nps(answers, by=keys, weight="weight")], engine=ENGINE)
    return {"nps": plain, "nps_weighted": weighted}


def _ours_indices(folder: Path) -> Results:
    frame = continuity_indices(_scan(folder, "visits"), by=["region_code", "profession"])
    return {"continuity_indices": frame.collect(engine=ENGINE)}


OURS: dict[str, Callable[[Path], Results]] = {
    "access": _ours_access,
    "t3": _ours_t3,
    "continuity": _ours_continuity,
    "nps": _ours_nps,
    "continuity_indices": _ours_indices,
}


def _jobs(implementation: str) -> dict[str, Callable[[Path], Results]]:
    """The family functions of one implementation (the references are imported only in their own workers)."""
    if implementation == "ours":
        return OURS
    module = importlib.import_module(f"bench.reference_{implementation}")
    return {**module.FAMILIES, **module.CHECKS}


# --- the worker: one implementation, one family (or all four), in its own process ----------------


def _memory_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status: VmRSS (now) or VmHWM (peak).

    VmHWM is the peak of this program's own address space. ``getrusage``'s
    ``ru_maxrss`` is not used: Linux carries it over ``exec`` from the forked
    parent, so a small worker started by a large runner would report the
    runner's peak.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def worker(implementation: str, job: str, folder: Path, results: Path | None) -> dict[str, Any]:
    """Run ``job`` (a family, a check or "all") and return seconds and memory; write results when asked."""
    jobs = _jobs(implementation)
    names = list(FAMILIES) if job == "all" else [job]
    baseline = _memory_mib("VmRSS")
    seconds: dict[str, float] = {}
    outputs: Results = {}
    started = time.perf_counter()
    for name in names:
        begun = time.perf_counter()
        outputs.update(jobs[name](folder))
        seconds[name] = time.perf_counter() - begun
    total = time.perf_counter() - started
    peak = _memory_mib("VmHWM")
    if results is not None:
        results.mkdir(parents=True, exist_ok=True)
        for name, frame in outputs.items():
            frame.write_parquet(results / f"{name}.parquet")
    return {"seconds": total, "peak_mib": peak, "baseline_mib": baseline, "family_seconds": seconds}


def _run_worker(implementation: str, job: str, folder: Path, results: Path | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.metrics_bench", "--worker", implementation, job, str(folder)]
    if results is not None:
        command.append(str(results))
    load = os.getloadavg()[0]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {WORKER_TIMEOUT} s", "load_before": load}
    if completed.returncode != 0:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-5:]
        return {"ok": False, "error": f"exit {completed.returncode}: " + " | ".join(tail), "load_before": load}
    return {"ok": True, **json.loads(completed.stdout.strip().splitlines()[-1]), "load_before": load}


# --- agreement -------------------------------------------------------------------------------


def compare(name: str, ours: pl.DataFrame, other: pl.DataFrame) -> list[str]:
    """Differences between our result and another implementation's: rows, columns and values."""
    keys = KEYS[name]
    problems = []
    missing = [column for column in ours.columns if column not in other.columns]
    if missing:
        problems.append(f"the reference lacks column(s) {missing}")
    lacking = [column for column in other.columns if column not in ours.columns]
    if lacking:
        problems.append(f"ours lacks column(s) {lacking}")
    for label, frame in (("ours", ours), ("reference", other)):
        if frame.select(keys).is_duplicated().any():
            problems.append(f"{label} has duplicate keys")
    shared = [column for column in ours.columns if column in other.columns and column not in keys]
    left = ours.select(*keys, *shared).with_columns(pl.lit(True).alias("__ours"))
    right = other.select(*(pl.col(column).cast(ours.schema[column]) for column in keys), *shared).with_columns(
        pl.lit(True).alias("__other")
    )
    joined = left.join(right, on=keys, how="full", coalesce=True, suffix="__other")
    only_ours = joined.filter(pl.col("__other").is_null()).height
    only_other = joined.filter(pl.col("__ours").is_null()).height
    if only_ours or only_other:
        problems.append(f"groups: {only_ours} only in ours, {only_other} only in the reference")
    both = joined.filter(pl.col("__ours") & pl.col("__other"))
    for column in shared:
        mine, theirs = pl.col(column), pl.col(f"{column}__other")
        if ours.schema[column].is_float():
            mine, theirs = mine.cast(pl.Float64), theirs.cast(pl.Float64)
            if ours.select(mine.is_nan().any()).item():
                problems.append(f"ours has NaN in {column} (the contract wants null)")
            close = (mine - theirs).abs() <= pl.max_horizontal(
                RELATIVE * pl.max_horizontal(mine.abs(), theirs.abs()), pl.lit(ABSOLUTE)
            )
            same = (mine.is_null() & theirs.is_null()) | (mine.is_nan() & theirs.is_nan()) | close.fill_null(False)
        else:
            same = mine.eq_missing(theirs.cast(ours.schema[column]))
        bad = both.filter(~same.fill_null(False))
        if bad.height:
            example = bad.select(*keys, column, f"{column}__other").row(0)
            problems.append(f"{column} differs in {bad.height} of {both.height} groups, e.g. {example}")
    return problems


def _agreement(results: Path, names: Sequence[str]) -> dict[str, list[str]]:
    """Compare every result of the references with ours; an empty list means agreement."""
    report: dict[str, list[str]] = {}
    for name in names:
        ours_path = results / "ours" / f"{name}.parquet"
        for other in IMPLEMENTATIONS[1:]:
            other_path = results / other / f"{name}.parquet"
            label = f"{name} vs {other}"
            if not ours_path.exists() or not other_path.exists():
                report[label] = ["a result is missing (the run failed)"]
                continue
            report[label] = compare(name, pl.read_parquet(ours_path), pl.read_parquet(other_path))
    return report


RESULT_NAMES = {
    "access": ["access"],
    "t3": ["t3_books", "t3_units", "t3_units_182"],
    "continuity": ["continuity"],
    "nps": ["nps", "nps_weighted"],
    "continuity_indices": ["continuity_indices"],
}

# --- the run --------------------------------------------------------------------------------------


def _ensure_register(root: Path, size: int, seed: int) -> tuple[Path, dict[str, Any], bool]:
    folder = register_folder(root, size, seed)
    manifest = read_manifest(folder)
    if manifest is not None and manifest.get("generator_version") == GENERATOR_VERSION:
        return folder, manifest, False
    command = [sys.executable, "-m", "bench.generate", "--visits", str(size), "--out", str(root), "--seed", str(seed)]
    completed = subprocess.run(command, check=False, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"generating {size:,} visits failed: {completed.stderr.strip()[-2000:]}")
    manifest = read_manifest(folder)
    if manifest is None:
        raise RuntimeError(f"the generator wrote no manifest in {folder}")
    return folder, manifest, True


def _machine() -> dict[str, Any]:
    packages = ("polars", "duckdb", "pandas", "numpy", "pyarrow")
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(total_kib / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **{package: metadata.version(package) for package in packages},
    }


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per size and family: median seconds and peak memory per implementation, ratios and growth."""
    rows: list[dict[str, Any]] = []
    sizes = sorted({run["visits"] for run in runs})
    for family in FAMILIES:
        previous: dict[str, Any] | None = None
        for size in sizes:
            row: dict[str, Any] = {"visits": size, "family": family}
            for implementation in IMPLEMENTATIONS:
                done = [
                    run
                    for run in runs
                    if run["visits"] == size and run["job"] == family and run["implementation"] == implementation
                ]
                good = [run for run in done if run["ok"]]
                row[f"{implementation}_s"] = _median([run["seconds"] for run in good]) if good else None
                row[f"{implementation}_peak_mib"] = max(run["peak_mib"] for run in good) if good else None
            if not any(row[f"{implementation}_s"] for implementation in IMPLEMENTATIONS):
                continue
            row["ours_over_duckdb"] = _ratio(row["ours_s"], row["duckdb_s"])
            row["pandas_over_ours"] = _ratio(row["pandas_s"], row["ours_s"])
            if previous is not None:
                row["size_factor"] = size / previous["visits"]
                for implementation in IMPLEMENTATIONS:
                    growth = _ratio(row[f"{implementation}_s"], previous[f"{implementation}_s"])
                    row[f"{implementation}_growth"] = growth
                    row[f"{implementation}_exponent"] = (
                        math.log(growth) / math.log(row["size_factor"]) if growth else None
                    )
            rows.append(row)
            previous = row
    return sorted(rows, key=lambda row: (row["visits"], FAMILIES.index(row["family"])))


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def whole_runs(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per size: the peak of our runs (the maximum over the families, and all four in one process)."""
    rows = []
    for size in sorted({run["visits"] for run in runs}):
        ours = [run for run in runs if run["visits"] == size and run["implementation"] == "ours" and run["ok"]]
        families = [run for run in ours if run["job"] in FAMILIES]
        together = [run for run in ours if run["job"] == "all"]
        rows.append(
            {
                "visits": size,
                "max_family_peak_mib": max((run["peak_mib"] for run in families), default=None),
                "all_four_peak_mib": max((run["peak_mib"] for run in together), default=None),
                "all_four_seconds": _median([run["seconds"] for run in together]) if together else None,
            }
        )
    return rows


def targets(summary: list[dict[str, Any]], whole: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, judged at the largest size of this run (official only at 25 million visits)."""
    if not summary:
        return []
    largest = max(row["visits"] for row in summary)
    official = largest >= TARGET_SIZE
    checks: list[dict[str, Any]] = []

    def check(target: str, value: float | None, passed: bool | None) -> None:
        checks.append({"visits": largest, "official": official, "target": target, "value": value, "met": passed})

    for row in (row for row in summary if row["visits"] == largest):
        ratio, speedup = row["ours_over_duckdb"], row["pandas_over_ours"]
        check(f"{row['family']}: ours/DuckDB ≤ 1.0", ratio, None if ratio is None else ratio <= 1.0)
        check(
            f"{row['family']}: pandas/ours ≥ {TARGET_PANDAS_OVER_OURS:g}",
            speedup,
            None if speedup is None else speedup >= TARGET_PANDAS_OVER_OURS,
        )
    peak = next(row for row in whole if row["visits"] == largest)
    values = [value for value in (peak["max_family_peak_mib"], peak["all_four_peak_mib"]) if value is not None]
    worst = max(values) if values else None
    check(f"our peak memory ≤ {TARGET_PEAK_MIB} MiB", worst, None if worst is None else worst <= TARGET_PEAK_MIB)
    for row in summary:
        if row.get("ours_growth") is not None:
            check(
                f"{row['family']}: time growth {row['visits'] // row['size_factor']:,.0f} → {row['visits']:,} "
                f"≤ {row['size_factor']:g}x",
                row["ours_growth"],
                row["ours_growth"] <= row["size_factor"],
            )
    return checks


def _fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def markdown(report: dict[str, Any]) -> str:
    lines = [
        "# Metrics benchmark",
        "",
        f"Run {report['started']} on {report['machine']['cpus']} CPUs, {report['machine']['memory_gib']} GiB; "
        f"polars {report['machine']['polars']}, DuckDB {report['machine']['duckdb']}, "
        f"pandas {report['machine']['pandas']}. Seed {report['seed']}. Seconds are medians of "
        f"{report['repeat']} run(s), each in a fresh process; peaks are the process's maximum resident memory.",
        "",
        "| visits | family | ours s | DuckDB s | pandas s | ours/DuckDB | pandas/ours "
        "| ours MiB | DuckDB MiB | pandas MiB | ours growth (size x) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in report["summary"]:
        growth = "–"
        if row.get("ours_growth") is not None:
            growth = f"{row['ours_growth']:.2f} ({row['size_factor']:g}x)"
        lines.append(
            f"| {row['visits']:,} | {row['family']} | {_fmt(row['ours_s'])} | {_fmt(row['duckdb_s'])} "
            f"| {_fmt(row['pandas_s'])} | {_fmt(row['ours_over_duckdb'])} | {_fmt(row['pandas_over_ours'])} "
            f"| {_fmt(row['ours_peak_mib'], 0)} | {_fmt(row['duckdb_peak_mib'], 0)} "
            f"| {_fmt(row['pandas_peak_mib'], 0)} | {growth} |"
        )
    lines += [
        "",
        "Peak memory of our whole run: the maximum over our four per-family processes, and all four families "
        "one after another in one process.",
        "",
        "| visits | peak of our whole run (max over our runs) MiB | all four in one process MiB | all four s |",
        "|---:|---:|---:|---:|",
    ]
    for row in report["whole_run"]:
        lines.append(
            f"| {row['visits']:,} | {_fmt(row['max_family_peak_mib'], 0)} | {_fmt(row['all_four_peak_mib'], 0)} "
            f"| {_fmt(row['all_four_seconds'])} |"
        )
    if report["targets"]:
        official = report["targets"][0]["official"]
        lines += [
            "",
            "Targets" + ("" if official else " (indicative: the run did not reach 25 million visits)") + ":",
            "",
        ]
        for check in report["targets"]:
            mark = "–" if check["met"] is None else ("met" if check["met"] else "**missed**")
            lines.append(f"- {check['target']}: {_fmt(check['value'])} ({mark})")
    problems = {
        f"{size} visits, {label}": issues
        for size, checks in report["agreement"].items()
        for label, issues in checks.items()
        if issues
    }
    lines += ["", "Agreement (counts exactly, floats to a relative 1e-9):", ""]
    if problems:
        lines += [f"- **{label}**: {'; '.join(issues)}" for label, issues in problems.items()]
    else:
        compared = sorted({label.split(" vs ")[0] for checks in report["agreement"].values() for label in checks})
        lines.append(f"- all three implementations agree on {', '.join(compared)}.")
    failures = [run for run in report["runs"] if not run["ok"]]
    if failures:
        lines += ["", "Failed runs:", ""]
        lines += [f"- {run['visits']:,} {run['job']} {run['implementation']}: {run['error']}" for run in failures]
    return "\n".join(lines) + "\n"


def _write_report(out: Path, report: dict[str, Any]) -> None:
    report["summary"] = summarise(report["runs"])
    report["whole_run"] = whole_runs(report["runs"])
    report["targets"] = targets(report["summary"], report["whole_run"])
    (out / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (out / "results.md").write_text(markdown(report))


def run(
    sizes: Sequence[int],
    out: Path,
    *,
    seed: int,
    repeat: int,
    families: Sequence[str],
    check_indices_up_to: int,
) -> dict[str, Any]:
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "started": dt.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": _machine(),
        "seed": seed,
        "repeat": repeat,
        "registers": {},
        "runs": [],
        "agreement": {},
    }
    for size in sizes:
        print(f"{size:>11,} visits: register ...", flush=True)
        folder, manifest, generated = _ensure_register(out / "data", size, seed)
        report["registers"][str(size)] = {"folder": folder.name, "generated_now": generated, **manifest}
        print(
            f"{'':>11} {'generated' if generated else 'reusing'} {folder.name} "
            f"({manifest['seconds']} s, {manifest.get('peak_mib', '?')} MiB when generated)",
            flush=True,
        )
        results = out / "results" / f"visits-{size}"
        for family in families:
            for attempt in range(repeat):
                # Rotate the order between repeats so no implementation always runs first.
                order = IMPLEMENTATIONS[attempt % 3 :] + IMPLEMENTATIONS[: attempt % 3]
                for implementation in order:
                    keep = results / implementation if attempt == 0 else None
                    measured = _run_worker(implementation, family, folder, keep)
                    report["runs"].append(
                        {"visits": size, "job": family, "implementation": implementation, "repeat": attempt, **measured}
                    )
                    _print_run(size, family, implementation, measured)
        for attempt in range(repeat):
            measured = _run_worker("ours", "all", folder, None)
            report["runs"].append(
                {"visits": size, "job": "all", "implementation": "ours", "repeat": attempt, **measured}
            )
            _print_run(size, "all four", "ours", measured)
        names = [name for family in families for name in RESULT_NAMES[family]]
        if size <= check_indices_up_to:
            for implementation in IMPLEMENTATIONS:
                measured = _run_worker(implementation, "continuity_indices", folder, results / implementation)
                if not measured["ok"]:
                    print(f"{'':>11} continuity_indices {implementation} failed: {measured['error']}", flush=True)
            names.append("continuity_indices")
        agreement = _agreement(results, names)
        report["agreement"][str(size)] = agreement
        for label, issues in agreement.items():
            print(f"{'':>11} {label}: {'agree' if not issues else '; '.join(issues)}", flush=True)
        _write_report(out, report)
    return report


def _print_run(size: int, job: str, implementation: str, measured: dict[str, Any]) -> None:
    if measured["ok"]:
        text = f"{measured['seconds']:8.2f} s {measured['peak_mib']:7.0f} MiB (load {measured['load_before']:.1f})"
    else:
        text = f"FAILED: {measured['error']}"
    print(f"{size:>11,} {job:<11} {implementation:<7} {text}", flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--worker"]:
        implementation, job, folder, *rest = arguments[1:]
        measured = worker(implementation, job, Path(folder), Path(rest[0]) if rest else None)
        print(json.dumps(measured))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,5000000,25000000", help="visit counts, comma-separated")
    parser.add_argument("--out", type=Path, default=Path("bench/output"), help="data, results and the report")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=1, help="runs per implementation and family (median kept)")
    parser.add_argument("--families", default=",".join(FAMILIES), help="a subset of " + ",".join(FAMILIES))
    parser.add_argument(
        "--check-indices-up-to",
        type=int,
        default=1_000_000,
        help="also compare the per-patient continuity indices at sizes up to this many visits",
    )
    args = parser.parse_args(arguments)
    families = [family.strip() for family in args.families.split(",") if family.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown:
        parser.error(f"unknown families {unknown}; choose from {', '.join(FAMILIES)}")
    sizes = [int(size) for size in args.sizes.split(",")]
    run(
        sizes,
        args.out,
        seed=args.seed,
        repeat=max(1, args.repeat),
        families=families,
        check_indices_up_to=args.check_indices_up_to,
    )
    print((args.out / "results.md").read_text())


if __name__ == "__main__":
    main()
