"""Import benchmark: an Avohilmo-layout extract read with validation and written to Parquet.

Usage::

    python -m bench.import_bench --rows 25000000 [--out bench/output/import] [--ascii] [--seed 20251123]
        [--file-buckets] [--baseline CHECKOUT [--repeat 2]]

1. Generates (once per size, seed and variant) a seeded synthetic extract in
   THL's Avohilmo research-extract layout: ``;``-separated latin-1 text,
   ``dd.mm.yyyy HH:MM`` timestamps, the 17 columns of ``data_sources.md`` §5.4
   plus ``HYVINVOINTIALUE`` and ``AMMATTIHENKILO_PSEUDO``, written in chunks
   of a million rows. By default every unit id carries Finnish letters
   (``Jyväskylän terveysasema 012``), so every chunk holds non-ASCII bytes and
   must be transcoded: the worst case. ``--ascii`` writes OID unit ids instead
   (plain ASCII, as the documented columns are), which the reader passes
   through untranscoded. About 0.5 % of rows carry a defect the report must
   catch: bad dates, unknown regions, repeated visit ids, invalid contact
   types, cancelled appointments, visits before their assessment.
2. In a fresh Python process, times ``read_visits_with_report`` (read,
   convert, validate and write the kept rows as zstd Parquet) and then
   ``ExtractResult.write_parquet`` into the output folder, as the store's
   import does (it links the reader's file), and records the process's
   peak resident memory (``VmHWM`` in ``/proc/self/status``, interpreter and
   libraries included; not ``ru_maxrss``, which Linux carries over from the
   process that started it) and its CPU time (user + system, all threads).

3. With ``--file-buckets``, the same process then files the written Parquet
   into the aggregate engines' buckets (:func:`store.buckets.ensure_layout`
   on a fresh folder: count the rows per year, hash each patient id, write
   the LZ4 pieces), as the first aggregation after an import does, and
   records that stage's wall and CPU time and its own peak memory (the peak
   is reset between the stages where Linux allows, through
   ``/proc/self/clear_refs``), then both stages together.

4. With ``--baseline CHECKOUT`` (a copy of the code before a change, such as
   ``git worktree add ../before HEAD~1``), the same measurement runs in turn
   from that checkout and from this one, ``--repeat`` times each, on the same
   file and interpreter, and the medians are compared as ratios (this one over
   the baseline). On a shared machine the two see the same load, so the ratio
   holds where the absolute figures do not. The reports' counts must agree,
   else the comparison stops.

Results are printed and appended to ``OUT/results.json``. The machine's
load average is recorded before and after: on a shared machine the wall
time depends on what else runs, the CPU time much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from core.regions import dashboard_regions

DEFAULT_OUT = Path(__file__).resolve().parent / "output" / "import"
DEFAULT_SEED = 20_251_123
GENERATOR_VERSION = 1
CHUNK_ROWS = 1_000_000
#: The reader's "today": after the generated year, so no visit is in the future.
TODAY = dt.date(2025, 12, 31)
COLUMNS = (
    "AVOHILMO_ID",
    "TNRO",
    "PALVELUNTUOTTAJA",
    "PALVELUNTUOTTAJA_YKSIKKO",
    "ASIAKAS_KOTIKUNTA",
    "HOIDONTARVE_AJANKOHTA",
    "HTA_KIIREELLISYYS",
    "HTA_AMMATTI",
    "KAYNTI_ALKOI",
    "KAYNTI_LOPPUI",
    "KAYNTI_KIIREELLISYYS",
    "KAYNTI_LUONNE",
    "KAYNTI_AMMATTI",
    "KAYNTI_AMMATTIOIKEUS",
    "KAYNTI_PALVELUMUOTO",
    "KAYNTI_YHTEYSTAPA",
    "PERUUTUS_AJANKOHTA",
    "HYVINVOINTIALUE",
    "AMMATTIHENKILO_PSEUDO",
)
UNITS = 300
PATIENTS_PER_VISIT = 5.6 / 25
PROFESSIONALS = 8_000
TIMESTAMP = "%d.%m.%Y %H:%M"


def extract_path(out: Path, rows: int, seed: int, *, ascii_only: bool) -> Path:
    variant = "ascii" if ascii_only else "latin1"
    return out / f"avohilmo-{rows}-seed-{seed}-{variant}-v{GENERATOR_VERSION}.csv"


@dataclass(frozen=True)
class Units:
    names: np.ndarray
    regions: np.ndarray


def generate(path: Path, rows: int, seed: int, *, ascii_only: bool) -> None:
    """Write the synthetic extract chunk by chunk (memory stays around one chunk)."""
    rng = np.random.default_rng(seed)
    regions = [region.code for region in dashboard_regions()]
    if ascii_only:
        names = [f"1.2.246.10.{2_000_000 + unit}.10.{unit % 7}" for unit in range(UNITS)]
    else:
        towns = ["Jyväskylän", "Hämeenlinnan", "Pälkäneen", "Äänekosken", "Mänttä-Vilppulan", "Seinäjoen"]
        names = [f"{towns[unit % len(towns)]} terveysasema {unit:03d}" for unit in range(UNITS)]
    units = Units(names=np.array(names), regions=np.array(regions)[np.arange(UNITS) % len(regions)])
    patients = max(int(rows * PATIENTS_PER_VISIT), 1)
    temporary = path.with_suffix(".partial")
    with temporary.open("wb") as handle:
        handle.write((";".join(COLUMNS) + "\n").encode("latin-1"))
        for start in range(0, rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, rows - start)
            frame = _chunk(rng, start=start, count=count, patients=patients, units=units)
            handle.write(frame.write_csv(separator=";", include_header=False, null_value="").encode("latin-1"))
    temporary.replace(path)


def _chunk(rng: np.random.Generator, *, start: int, count: int, patients: int, units: Units) -> pl.DataFrame:
    year_minutes = 365 * 24 * 60
    visit = np.datetime64("2025-01-01T00:00", "m") + rng.integers(0, year_minutes, count).astype("timedelta64[m]")
    wait_days = np.minimum(rng.geometric(1 / 9, count) - 1, 180)
    assessment = visit - (wait_days * 24 * 60 + rng.integers(0, 600, count)).astype("timedelta64[m]")
    unit = rng.integers(0, UNITS, count)
    professions = np.array(["22213", "22211", "2221", "32311", "32315", "3231", "3232", "41000", "2235"])
    modes = np.array(["R10", "R52", "R56", "R20", "R55", "R10", "R10", "R52"])
    frame = pl.DataFrame(
        {
            "id": np.arange(start, start + count) + 100_000_001,
            "patient": rng.integers(0, patients, count),
            "unit": units.names[unit],
            "region": units.regions[unit],
            "municipality": rng.integers(5, 990, count),
            "assessed": _timestamps(assessment),
            "started": _timestamps(visit),
            "ended": _timestamps(visit + np.timedelta64(20, "m")),
            "urgency": np.where(rng.random(count) < 0.10, "K", "E"),
            "nature": np.where(rng.random(count) < 0.8, "SH", "TH"),
            "profession": professions[rng.integers(0, len(professions), count)],
            "mode": modes[rng.integers(0, len(modes), count)],
            "professional": rng.integers(0, PROFESSIONALS, count),
            "defect": rng.random(count),
            "no_assessment": rng.random(count) < 0.05,
            "no_professional": rng.random(count) < 0.03,
        }
    )

    def defect(low: float, high: float, then: pl.Expr, otherwise: pl.Expr) -> pl.Expr:
        return pl.when(pl.col("defect").is_between(low, high, closed="left")).then(then).otherwise(otherwise)

    started, ended = pl.col("started"), pl.col("ended")
    return frame.select(
        # repeated visit ids (0.05 %): the id of the row before
        defect(0, 0.0005, pl.col("id") - 1, pl.col("id")).cast(pl.String).alias("AVOHILMO_ID"),
        pl.format("FR{}", pl.col("patient").cast(pl.String).str.zfill(7)).alias("TNRO"),
        pl.format("1.2.246.10.{}.10.0", pl.col("region")).alias("PALVELUNTUOTTAJA"),
        pl.col("unit").alias("PALVELUNTUOTTAJA_YKSIKKO"),
        pl.col("municipality").cast(pl.String).str.zfill(3).alias("ASIAKAS_KOTIKUNTA"),
        # visits dated before their assessment (0.15 %)
        pl.when(pl.col("no_assessment"))
        .then(None)
        .otherwise(defect(0.0005, 0.002, ended.str.replace(r"^\d\d", "28"), pl.col("assessed")))
        .alias("HOIDONTARVE_AJANKOHTA"),
        pl.col("urgency").alias("HTA_KIIREELLISYYS"),
        pl.lit("3231").alias("HTA_AMMATTI"),
        # unparseable dates (0.1 %)
        defect(0.002, 0.003, started.str.replace(r"^\d\d", "32"), started).alias("KAYNTI_ALKOI"),
        ended.alias("KAYNTI_LOPPUI"),
        pl.col("urgency").alias("KAYNTI_KIIREELLISYYS"),
        pl.col("nature").alias("KAYNTI_LUONNE"),
        pl.col("profession").alias("KAYNTI_AMMATTI"),
        pl.when(pl.col("profession").str.starts_with("222"))
        .then(pl.lit("002"))
        .otherwise(pl.lit("100"))
        .alias("KAYNTI_AMMATTIOIKEUS"),
        pl.lit("T11").alias("KAYNTI_PALVELUMUOTO"),
        # consultations between professionals are not visits (0.1 %)
        defect(0.003, 0.004, pl.lit("R60"), pl.col("mode")).alias("KAYNTI_YHTEYSTAPA"),
        # cancelled appointments (0.1 %)
        defect(0.004, 0.005, ended, pl.lit(None, dtype=pl.String)).alias("PERUUTUS_AJANKOHTA"),
        # Åland, not a compared region (0.05 %)
        defect(0.005, 0.0055, pl.lit("91"), pl.col("region")).alias("HYVINVOINTIALUE"),
        pl.when(pl.col("no_professional"))
        .then(None)
        .otherwise(pl.format("AH{}", pl.col("professional").cast(pl.String).str.zfill(6)))
        .alias("AMMATTIHENKILO_PSEUDO"),
    )


def _timestamps(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype("datetime64[ms]")).dt.strftime(TIMESTAMP)


def measure(path: Path, target: Path, staging: Path, *, file_buckets: bool = False) -> dict[str, Any]:
    """Read with validation, then sink to Parquet (and, with ``file_buckets``, file it into buckets); run in a fresh
    process so the memory figure is the import's."""
    from data_sources.extracts.avohilmo import read_visits_with_report  # noqa: PLC0415  # imports outside the timing
    from store import buckets  # noqa: PLC0415

    baseline = _peak_rss_mib()
    cpu_started = _cpu_seconds()
    started = time.perf_counter()
    result = read_visits_with_report(path, today=TODAY, staging_dir=staging)
    validated = time.perf_counter()
    staged_bytes = sum(part.stat().st_size for part in staging.rglob("*") if part.is_file())
    result.write_parquet(target)  # what the store's import does: the reader's own Parquet file, linked
    finished = time.perf_counter()
    cpu = _cpu_seconds() - cpu_started
    peak = _peak_rss_mib()
    report = result.report
    del result  # the staged rows: the written copy is what the store keeps
    figures: dict[str, Any] = {}
    if file_buckets:
        reset = _reset_peak_rss()
        file_cpu_started = _cpu_seconds()
        file_started = time.perf_counter()
        layout = buckets.ensure_layout(target.parent / "buckets", "visits", [target])
        file_seconds = time.perf_counter() - file_started
        file_cpu = _cpu_seconds() - file_cpu_started
        total_seconds = finished - started + file_seconds
        figures = {
            "buckets": layout.buckets,
            "rows_filed": layout.rows,
            "seconds_file": file_seconds,
            "cpu_seconds_file": file_cpu,
            "rows_per_second_file": layout.rows / file_seconds,
            "peak_rss_mib_file": _peak_rss_mib() if reset else None,
            "seconds_combined": total_seconds,
            "cpu_seconds_combined": cpu + file_cpu,
            "rows_per_second_combined": report.rows_read / total_seconds,
        }
    return {
        "rows_read": report.rows_read,
        "rows_kept": report.rows_kept,
        "rejected": {f"{f.key}:{f.column}": f.count for f in report.rejected},
        "flagged": {f"{f.key}:{f.column}": f.count for f in report.flagged},
        "encoding": report.encoding,
        "seconds_validate": validated - started,
        "seconds_sink": finished - validated,
        "seconds_total": finished - started,
        "rows_per_second": report.rows_read / (finished - started),
        "cpu_seconds": cpu,
        "peak_rss_mib": peak,
        "baseline_rss_mib": baseline,
        "staged_mib": staged_bytes / 2**20,
        "parquet_mib": target.stat().st_size / 2**20,
        **figures,
    }


def _peak_rss_mib() -> float:
    """This process's own peak resident memory (VmHWM); ru_maxrss where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def _reset_peak_rss() -> bool:
    """Reset this process's peak resident memory to its current one (Linux: ``5`` to ``clear_refs``)."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=25_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--ascii", action="store_true", help="ASCII unit ids: no chunk needs transcoding")
    parser.add_argument(
        "--file-buckets", action="store_true", help="also file the written Parquet into buckets, timed on its own"
    )
    parser.add_argument(
        "--baseline", type=Path, help="a checkout of the code before a change: measured in turn with this one"
    )
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side with --baseline (default 2)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # internal: the child process
    args = parser.parse_args(argv)

    out: Path = args.out
    if args.measure is not None:
        work = out / "work"
        shutil.rmtree(work, ignore_errors=True)
        (work / "staging").mkdir(parents=True)
        figures = measure(args.measure, work / "visits.parquet", work / "staging", file_buckets=args.file_buckets)
        print(json.dumps(figures))
        shutil.rmtree(work, ignore_errors=True)
        return

    out.mkdir(parents=True, exist_ok=True)
    path = extract_path(out, args.rows, args.seed, ascii_only=args.ascii)
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        started = time.perf_counter()
        generate(path, args.rows, args.seed, ascii_only=args.ascii)
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    if args.baseline is not None:
        compare(path, out, args.baseline, repeat=args.repeat, file_buckets=args.file_buckets)
        return
    load = os.getloadavg()[0]
    figures = _child(path, out, Path.cwd(), file_buckets=args.file_buckets)
    record = {
        "rows": args.rows,
        "seed": args.seed,
        "variant": "ascii" if args.ascii else "latin1 (non-ASCII in every row)",
        "extract_mib": path.stat().st_size / 2**20,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "cpus": os.cpu_count(),
        "machine": platform.platform(),
        "polars": pl.__version__,
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        **figures,
    }
    results = out / "results.json"
    history = json.loads(results.read_text()) if results.exists() else []
    results.write_text(json.dumps([*history, record], indent=2))
    print(
        f"{record['rows']:,} rows ({record['variant']}, {record['extract_mib']:,.0f} MiB): "
        f"{record['seconds_total']:.1f} s ({record['seconds_validate']:.1f} s read, validate and write, "
        f"{record['seconds_sink']:.1f} s hand-over), {record['rows_per_second']:,.0f} rows/s, "
        f"CPU {record['cpu_seconds']:.1f} s, peak RSS {record['peak_rss_mib']:,.0f} MiB, "
        f"Parquet {record['parquet_mib']:,.0f} MiB, load {record['load_before']:.1f} -> {record['load_after']:.1f}"
    )
    if args.file_buckets:
        peak = record["peak_rss_mib_file"]
        print(
            f"filing {record['rows_filed']:,} rows into {record['buckets']} bucket(s): {record['seconds_file']:.1f} s, "
            f"{record['rows_per_second_file']:,.0f} rows/s, CPU {record['cpu_seconds_file']:.1f} s, "
            f"peak RSS {'n/a' if peak is None else f'{peak:,.0f} MiB'}; import and filing together: "
            f"{record['seconds_combined']:.1f} s, {record['rows_per_second_combined']:,.0f} rows/s, "
            f"CPU {record['cpu_seconds_combined']:.1f} s"
        )


def _child(path: Path, out: Path, checkout: Path, *, file_buckets: bool) -> dict[str, Any]:
    """The figures of one measurement in a fresh process, run from the code in ``checkout``."""
    child = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.import_bench",
            "--out",
            str(out),
            "--measure",
            str(path.resolve()),
            *(["--file-buckets"] if file_buckets else []),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=checkout,
    )
    figures: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return figures


#: The figures compared with ``--baseline`` (medians, this checkout over the baseline).
COMPARED = ("seconds_total", "cpu_seconds", "peak_rss_mib", "parquet_mib", "seconds_file", "cpu_seconds_file")
#: The report's counts, which both sides must agree on.
AGREED = ("rows_read", "rows_kept", "rejected", "flagged", "encoding")


def compare(path: Path, out: Path, baseline: Path, *, repeat: int, file_buckets: bool) -> dict[str, Any]:
    """Measure the import from ``baseline`` and from this checkout in turn, ``repeat`` times each; record the
    medians and the ratios, and print them."""
    if not (baseline / "bench" / "import_bench.py").is_file():
        raise SystemExit(f"{baseline} is not a checkout of this project (no bench/import_bench.py)")
    sides = {"baseline": baseline.resolve(), "this": Path.cwd()}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
    loads = [os.getloadavg()[0]]
    for _ in range(max(repeat, 1)):
        for name, checkout in sides.items():
            runs[name].append(_child(path, out / name, checkout, file_buckets=file_buckets))
            loads.append(os.getloadavg()[0])
    first = runs["baseline"][0]
    for figures in (*runs["baseline"], *runs["this"]):
        differing = [key for key in AGREED if figures.get(key) != first.get(key)]
        if differing:
            raise SystemExit(f"the two sides' reports differ in {', '.join(differing)}: not the same import")
    medians = {
        name: {key: statistics.median(run[key] for run in side) for key in COMPARED if key in side[0]}
        for name, side in runs.items()
    }
    ratios = {
        key: medians["this"][key] / medians["baseline"][key] for key in medians["this"] if medians["baseline"].get(key)
    }
    record = {
        "rows": first["rows_read"],
        "extract_mib": path.stat().st_size / 2**20,
        "baseline": str(baseline),
        "repeat": repeat,
        "loads": loads,
        "cpus": os.cpu_count(),
        "polars": pl.__version__,
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "medians": medians,
        "ratios": ratios,
        "runs": runs,
    }
    out.mkdir(parents=True, exist_ok=True)
    results = out / "comparisons.json"
    history = json.loads(results.read_text()) if results.exists() else []
    results.write_text(json.dumps([*history, record], indent=2))
    print(f"{first['rows_read']:,} rows, {repeat} run(s) each, load {min(loads):.1f}-{max(loads):.1f}:")
    for key, ratio in ratios.items():
        print(f"  {key}: {medians['baseline'][key]:,.2f} -> {medians['this'][key]:,.2f} (x{ratio:.2f})")
    return record


if __name__ == "__main__":
    main()
