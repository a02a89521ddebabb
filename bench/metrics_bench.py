"""Time every metric family through our API, DuckDB and pandas on the same files, in one run.

Usage: python -m bench.metrics_bench --sizes 1000000,5000000,25000000 [--out bench/output]

Each implementation and family runs in a fresh process, so its time covers
reading the Parquet files and computing (not interpreter start-up), and its
peak resident memory is its own. "ours, all four" runs the four families one
after another in one process: that is the whole run whose memory the 2 GiB
target is about. Results of the three implementations are compared (counts
exactly, floats to a relative 1e-9) before any time is reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from bench.generate import generate

FAMILIES = ("access", "t3", "continuity", "nps")
IMPLEMENTATIONS = ("ours", "duckdb", "pandas")
KEYS = {
    "access": ["region_code"],
    "t3": ["unit_id", "measured_at"],
    "continuity": ["region_code", "profession"],
    "nps": ["region_code", "respondent"],
}
RELATIVE = 1e-9


def run(implementation: str, family: str, folder: Path, out: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.run_one", implementation, family, str(folder), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def compare(family: str, ours: pl.DataFrame, other: pl.DataFrame, name: str) -> list[str]:
    """Differences between our result and another implementation's, on the columns both have."""
    keys = KEYS[family]
    shared = [column for column in other.columns if column in ours.columns and column not in keys]
    as_text = [pl.col(key).cast(pl.String) for key in keys]
    left = ours.select(*keys, *shared).with_columns(as_text)
    right = other.select(*keys, *shared).with_columns(as_text)
    joined = left.join(right, on=keys, how="full", suffix="_other", coalesce=True)
    problems = []
    if joined.height != left.height or joined.height != right.height:
        problems.append(f"{family}/{name}: {left.height} groups vs {right.height}")
    for column in shared:
        mine, theirs = pl.col(column).cast(pl.Float64), pl.col(f"{column}_other").cast(pl.Float64)
        both_null = mine.is_null() & theirs.is_null()
        close = (mine - theirs).abs() <= RELATIVE * pl.max_horizontal(mine.abs(), theirs.abs()) + 1e-12
        bad = joined.select((~(both_null | close.fill_null(False))).sum()).item()
        if bad:
            problems.append(f"{family}/{name}: column {column} differs in {bad} group(s)")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000000,5000000,25000000")
    parser.add_argument("--out", type=Path, default=Path("bench/output"))
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    rows, problems = [], []
    for size in sizes:
        folder = args.out / "data" / f"visits-{size}"
        if not (folder / "sizes.json").exists():
            print(f"generating {size:,} visits ...", flush=True)
            generate(folder, size)
        results_dir = args.out / "results" / str(size)
        results_dir.mkdir(parents=True, exist_ok=True)
        for family in FAMILIES:
            outputs = {}
            for implementation in IMPLEMENTATIONS:
                path = results_dir / f"{family}-{implementation}.parquet"
                measured = run(implementation, family, folder, path)
                outputs[implementation] = pl.read_parquet(path)
                rows.append({"visits": size, "family": family, "implementation": implementation, **measured})
                print(
                    f"{size:>11,} {family:<11} {implementation:<7} {measured['seconds']:8.2f} s "
                    f"{measured['peak_mib']:8.0f} MiB",
                    flush=True,
                )
            for other in ("duckdb", "pandas"):
                problems += [f"{size}: {p}" for p in compare(family, outputs["ours"], outputs[other], other)]
        whole = run("ours", "all", folder, results_dir / "unused.parquet")
        rows.append({"visits": size, "family": "all four", "implementation": "ours", **whole})
        print(f"{size:>11,} {'all four':<11} {'ours':<7} {whole['seconds']:8.2f} s {whole['peak_mib']:8.0f} MiB")
    table = pl.DataFrame(rows)
    report = {"runs": rows, "disagreements": problems, "summary": summarise(table).to_dicts()}
    (args.out / "results.json").write_text(json.dumps(report, indent=2))
    (args.out / "results.md").write_text(markdown(table, problems))
    print((args.out / "results.md").read_text())


def summarise(table: pl.DataFrame) -> pl.DataFrame:
    wide = table.pivot(on="implementation", index=["visits", "family"], values="seconds")
    memory = table.filter(pl.col("implementation") == "ours").select("visits", "family", pl.col("peak_mib"))
    summary = wide.join(memory, on=["visits", "family"], how="left").with_columns(
        (pl.col("ours") / pl.col("duckdb")).alias("ours_over_duckdb"),
        (pl.col("pandas") / pl.col("ours")).alias("pandas_over_ours"),
    )
    return summary.sort("family", "visits").with_columns(
        (pl.col("ours") / pl.col("ours").shift(1).over("family")).alias("growth_vs_previous_size"),
        (pl.col("visits") / pl.col("visits").shift(1).over("family")).alias("size_factor"),
    )


def markdown(table: pl.DataFrame, problems: list[str]) -> str:
    summary = summarise(table)
    lines = [
        "| visits | family | ours s | DuckDB s | pandas s | ours/DuckDB | pandas/ours | our peak MiB "
        "| time growth (size x) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary.iter_rows(named=True):

        def fmt(value: float | None, digits: int = 2) -> str:
            return "–" if value is None else f"{value:.{digits}f}"

        growth = (
            "–"
            if row["growth_vs_previous_size"] is None
            else (f"{row['growth_vs_previous_size']:.2f} ({row['size_factor']:.0f}x)")
        )
        lines.append(
            f"| {row['visits']:,} | {row['family']} | {fmt(row['ours'])} | {fmt(row.get('duckdb'))} | "
            f"{fmt(row.get('pandas'))} | {fmt(row['ours_over_duckdb'])} | {fmt(row['pandas_over_ours'])} | "
            f"{fmt(row['peak_mib'], 0)} | {growth} |"
        )
    lines.append("")
    lines.append("Agreement: " + ("all three implementations agree." if not problems else "; ".join(problems)))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
