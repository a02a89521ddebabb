"""A seeded national-scale synthetic register, written as Parquet in canonical columns.

At 25 million visits: about 5.6 million patients (visit counts skewed: most
people come once or twice, a few dozen times), 8,000 professionals in 300
units over 22 areas, one year; appointment books of those units as
four-weekly snapshots of the following four weeks over about 250 working days;
one million survey answers. Smaller sizes scale every count down in
proportion. The data is generated in chunks, so memory stays bounded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

REGION_CODES = [f"{code:02d}" for code in range(1, 22)] + ["90"]
FULL_SCALE = 25_000_000
YEAR_START = dt.datetime(2024, 1, 1)
CHUNK = 2_500_000


@dataclass(frozen=True)
class Sizes:
    visits: int
    patients: int
    professionals: int
    units: int
    answers: int

    @classmethod
    def for_visits(cls, visits: int) -> Sizes:
        share = visits / FULL_SCALE
        return cls(
            visits=visits,
            patients=max(1000, round(5_600_000 * share)),
            professionals=max(220, round(8000 * share)),
            units=max(22, round(300 * share)),
            answers=max(1000, round(1_000_000 * share)),
        )


@dataclass(frozen=True)
class Staff:
    """Professionals by unit: index ranges per (unit, profession)."""

    unit_region: np.ndarray  # region index per unit
    first: np.ndarray  # [unit, profession] first professional index
    count: np.ndarray  # [unit, profession] number of professionals
    profession_of: np.ndarray  # profession index per professional


PROFESSIONS = np.array(["doctor", "nurse", "other"])


def _staff(rng: np.random.Generator, sizes: Sizes) -> Staff:
    unit_region = np.arange(sizes.units) % len(REGION_CODES)
    weights = rng.gamma(2.0, 1.0, size=sizes.units)
    per_unit = np.maximum(6, np.round(weights / weights.sum() * sizes.professionals)).astype(np.int64)
    split = np.stack([np.maximum(2, per_unit * 40 // 100), np.maximum(2, per_unit * 45 // 100)], axis=1)
    split = np.column_stack([split, np.maximum(1, per_unit - split.sum(axis=1))])
    count = split
    first = np.concatenate([[0], np.cumsum(count.ravel())[:-1]]).reshape(count.shape)
    profession_of = np.repeat(np.tile(np.arange(3), sizes.units), count.ravel())
    return Staff(unit_region=unit_region, first=first, count=count, profession_of=profession_of)


def generate(folder: Path, visits: int, *, seed: int = 20251123) -> Sizes:
    """Write visits/, slots/ and answers/ Parquet parts under ``folder``; returns the sizes used."""
    sizes = Sizes.for_visits(visits)
    rng = np.random.default_rng(seed)
    staff = _staff(rng, sizes)
    # Patients: a home unit, a usual doctor and nurse there, and a visit propensity with a long tail.
    patient_unit = rng.integers(0, sizes.units, size=sizes.patients)
    propensity = rng.gamma(0.6, 1.0, size=sizes.patients) + 0.05
    cumulative = np.cumsum(propensity)
    cumulative /= cumulative[-1]
    usual = np.stack(
        [staff.first[patient_unit, p] + rng.integers(0, staff.count[patient_unit, p]) for p in range(3)], axis=1
    )
    for part, start in enumerate(range(0, visits, CHUNK)):
        size = min(CHUNK, visits - start)
        frame = _visits_chunk(rng, staff, sizes, start, size, cumulative, patient_unit, usual)
        _write(frame, folder / "visits" / f"part-{part:03d}.parquet")
    _write(_slots(rng, staff, sizes), folder / "slots" / "part-000.parquet")
    _write(_answers(rng, staff, sizes), folder / "answers" / "part-000.parquet")
    (folder / "sizes.json").write_text(json.dumps({**asdict(sizes), "seed": seed}, indent=2))
    return sizes


def _visits_chunk(  # noqa: PLR0917 - one private call site, positional order mirrors the caller
    rng: np.random.Generator,
    staff: Staff,
    sizes: Sizes,
    start: int,
    size: int,
    cumulative: np.ndarray,
    patient_unit: np.ndarray,
    usual: np.ndarray,
) -> pl.DataFrame:
    patient = np.searchsorted(cumulative, rng.random(size))
    patient = np.minimum(patient, sizes.patients - 1)
    unit = patient_unit[patient]
    profession = rng.choice(3, size=size, p=[0.42, 0.48, 0.10])
    # Doctors are seen as the usual one less often than nurses' teams share work: COC ~0.3 for doctors.
    loyal = rng.random(size) < np.where(profession == 0, 0.45, 0.30)
    random_colleague = staff.first[unit, profession] + (rng.random(size) * staff.count[unit, profession]).astype(
        np.int64
    )
    provider = np.where(loyal, usual[patient, profession], random_colleague)
    provider_known = rng.random(size) >= 0.03
    seconds = rng.integers(0, 365 * 86400, size=size)
    day = seconds // 86400
    minute_of_day = 8 * 60 + rng.integers(0, 8 * 60, size=size)
    visit_minutes = day * 1440 + minute_of_day
    wait_days = np.minimum(rng.geometric(1 / 7.0, size=size) - 1, 120)
    wait_days = np.where(rng.random(size) < 0.002, -rng.integers(1, 4, size=size), wait_days)
    assessment_minutes = (day - wait_days) * 1440 + 7 * 60 + rng.integers(0, 9 * 60, size=size)
    missing_assessment = rng.random(size) < 0.05
    urgent = rng.random(size) < 0.10
    modes = np.array(["in_person", "phone", "video", "message", "home"])
    return pl.DataFrame(
        {
            "visit_id": np.arange(start, start + size, dtype=np.int64),
            "patient_id": patient.astype(np.int64),
            "professional_id": np.where(provider_known, provider, -1).astype(np.int64),
            "profession": PROFESSIONS[profession],
            "unit_id": unit.astype(np.int64),
            "region_code": np.array(REGION_CODES)[staff.unit_region[unit]],
            "visit_minutes": visit_minutes,
            "assessment_minutes": np.where(missing_assessment, -(10**9), assessment_minutes),
            "urgent": urgent,
            "contact_mode": modes[rng.choice(5, size=size, p=[0.55, 0.30, 0.05, 0.08, 0.02])],
        }
    ).select(
        pl.format("V{}", pl.col("visit_id").cast(pl.String).str.zfill(9)).alias("visit_id"),
        pl.format("P{}", pl.col("patient_id").cast(pl.String).str.zfill(8)).alias("patient_id"),
        pl.when(pl.col("professional_id") >= 0)
        .then(pl.format("HP{}", pl.col("professional_id").cast(pl.String).str.zfill(5)))
        .alias("professional_id"),
        "profession",
        pl.format("U{}", pl.col("unit_id").cast(pl.String).str.zfill(4)).alias("unit_id"),
        "region_code",
        (pl.lit(YEAR_START) + pl.duration(minutes=pl.col("visit_minutes"))).dt.cast_time_unit("us").alias("visit_at"),
        pl.when(pl.col("assessment_minutes") > -(10**9))
        .then(pl.lit(YEAR_START) + pl.duration(minutes=pl.col("assessment_minutes")))
        .dt.cast_time_unit("us")
        .alias("assessment_at"),
        "urgent",
        "contact_mode",
        pl.lit("T11").alias("service_type"),
    )


def _slots(rng: np.random.Generator, staff: Staff, sizes: Sizes) -> pl.DataFrame:
    """Four-weekly snapshots; each holds every book's slots for the next 20 working days, 4 a day."""
    books = np.flatnonzero(staff.profession_of < 2)
    book_unit = np.searchsorted(staff.first.ravel(), books, side="right") - 1
    book_unit = book_unit // 3
    snapshots = [YEAR_START + dt.timedelta(weeks=4 * k, hours=7) for k in range(13)]
    frames = []
    for captured in snapshots:
        days = [captured.date() + dt.timedelta(days=d) for d in range(28)]
        workdays = [d for d in days if d.weekday() < 5][:20]
        starts = np.array(
            [dt.datetime.combine(d, dt.time(h)) for d in workdays for h in (8, 10, 12, 14)], dtype="datetime64[us]"
        )
        n_books, n_slots = len(books), len(starts)
        ahead = np.tile(np.arange(n_slots), n_books) / n_slots
        busy = rng.beta(2, 2, size=n_books).repeat(n_slots)  # some books are full, some have room
        free = rng.random(n_books * n_slots) < (0.05 + 0.5 * ahead) * (1.2 - busy)
        held = rng.random(n_books * n_slots) < 0.05
        frames.append(
            pl.DataFrame(
                {
                    "captured_at": np.full(n_books * n_slots, np.datetime64(captured, "us")),
                    "book": np.repeat(books, n_slots),
                    "unit": np.repeat(book_unit, n_slots),
                    "region_code": np.array(REGION_CODES)[staff.unit_region[np.repeat(book_unit, n_slots)]],
                    "profession": PROFESSIONS[staff.profession_of[np.repeat(books, n_slots)]],
                    "slot_at": np.tile(starts, n_books),
                    "status": np.where(held, "held", np.where(free, "free", "booked")),
                    "slot_type": np.where(rng.random(n_books * n_slots) < 0.15, "urgent", "non_urgent"),
                }
            )
        )
    return pl.concat(frames).select(
        "captured_at",
        pl.format("B{}", pl.col("book").cast(pl.String).str.zfill(5)).alias("book_id"),
        pl.format("U{}", pl.col("unit").cast(pl.String).str.zfill(4)).alias("unit_id"),
        "region_code",
        "profession",
        "slot_at",
        "status",
        "slot_type",
    )


def _answers(rng: np.random.Generator, staff: Staff, sizes: Sizes) -> pl.DataFrame:
    size = sizes.answers
    unit = rng.integers(0, sizes.units, size=size)
    scores = rng.choice(11, size=size, p=[0.02, 0.01, 0.01, 0.02, 0.02, 0.04, 0.05, 0.09, 0.16, 0.22, 0.36])
    score = scores.astype(np.float64)
    score[rng.random(size) < 0.01] = np.nan
    score[rng.random(size) < 0.003] = 11.0
    return pl.DataFrame(
        {
            "response_id": np.arange(size),
            "region_code": np.array(REGION_CODES)[staff.unit_region[unit]],
            "unit_id": unit,
            "answered_at": (
                np.datetime64(YEAR_START, "us") + rng.integers(0, 365 * 86400, size=size) * 1_000_000
            ).astype("datetime64[us]"),
            "score": score,
            "respondent": np.where(rng.random(size) < 0.1, "staff", "patient"),
            "weight": rng.gamma(4.0, 0.25, size=size),
        }
    ).with_columns(
        pl.format("R{}", pl.col("response_id").cast(pl.String).str.zfill(8)).alias("response_id"),
        pl.format("U{}", pl.col("unit_id").cast(pl.String).str.zfill(4)).alias("unit_id"),
        pl.col("score").fill_nan(None),
    )


def _write(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path, compression="zstd", statistics=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20251123)
    args = parser.parse_args()
    print(generate(args.out, args.visits, seed=args.seed))


if __name__ == "__main__":
    main()
