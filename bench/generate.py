"""A seeded national-scale synthetic register, written as Parquet in the canonical columns.

At 25 million visits (the full scale) the register holds, for the year 2025:

- **visits**: 25 million rows for about 5.6 million patients in the 22 areas
  of ``reference_data/regions.csv`` (Åland left out), weighted by population.
  Visit counts per patient are skewed: a mix of light users (negative
  binomial), regular users and a Pareto tail of heavy users. 8,000
  professionals (doctors, nurses, others) belong to 300 units. Each patient
  has a home unit with a usual doctor and nurse and a personal loyalty, so
  mean COC lands near 0.3 for doctors and below 0.2 for nurses (THL's 2022
  levels). About 3 % of visits lack a professional, 10 % are urgent, 5 %
  lack the care-need assessment and a few are dated before their assessment.
  Waits vary by area. Ids are hexadecimal pseudonyms. Rows are in time order,
  in parts of about 2.5 million visits (like monthly extracts).
- **slots**: weekly snapshots (Mondays about 06:00) of the appointment books
  of about 1,000 professionals (every unit has at least a doctor's and a
  nurse's book), each snapshot holding the next five weeks of working days,
  three slots a day: about 3.6 million rows. A slot is free with a probability
  that grows with its distance from the snapshot, so it gets booked as its
  day approaches. Some books open during the year and a few weekly exports
  are missing, so the "latest snapshot at or before m" rule matters.
- **answers**: one million survey answers (85 % patients, 15 % staff), scores
  skewed high, with null, NaN, fractional and out-of-range scores and survey
  weights that are sometimes null, zero or negative.

Smaller registers scale every count down in proportion to the visit count,
keeping at least one unit per area. The same seed gives the same files.
Visits are built in chunks: at full scale generating takes about two minutes and 1.7 GiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl

from core import columns as c
from core.regions import dashboard_regions
from core.schema import APPOINTMENT_SLOTS, CONTACT_MODE_CODES, SURVEY_ANSWERS, VISITS
from core.schema import PROFESSIONS as CANONICAL_PROFESSIONS

#: Bumped whenever the generated data changes, so stale folders are regenerated.
GENERATOR_VERSION = 3
DEFAULT_SEED = 20_251_123
FULL_SCALE = 25_000_000
CHUNK = 2_500_000

YEAR = 2025
YEAR_START = dt.datetime(YEAR, 1, 1)
DAYS_IN_YEAR = 365
#: Finnish public holidays of 2025 on weekdays (and Midsummer Eve), when health centres keep no books.
HOLIDAYS = tuple(
    dt.date.fromisoformat(day)
    for day in (
        "2025-01-01",
        "2025-01-06",
        "2025-04-18",
        "2025-04-21",
        "2025-05-01",
        "2025-05-29",
        "2025-06-20",
        "2025-12-24",
        "2025-12-25",
        "2025-12-26",
    )
)
#: The T3 measurement times every implementation uses. 1.9. 06:00 falls exactly on some books' capture
#: time (captured_at <= m is inclusive); in February some books have not opened yet.
MEASURED_AT = tuple(
    dt.datetime.fromisoformat(moment)
    for moment in (
        "2025-02-11T09:00",
        "2025-04-08T09:00",
        "2025-06-10T09:00",
        "2025-08-12T09:00",
        "2025-09-01T06:00",
        "2025-10-14T09:00",
        "2025-12-09T09:00",
    )
)
#: The access threshold of the benchmark (THL's seven days).
ACCESS_DAYS = 7

#: Approximate populations (thousands, 2023), only to weight the areas against each other.
POPULATION = {
    "01": 99,
    "02": 202,
    "03": 483,
    "04": 284,
    "05": 487,
    "06": 213,
    "07": 170,
    "08": 535,
    "09": 205,
    "10": 161,
    "11": 126,
    "12": 130,
    "13": 248,
    "14": 163,
    "15": 275,
    "16": 191,
    "17": 176,
    "18": 77,
    "19": 418,
    "20": 71,
    "21": 176,
    "90": 674,
}
PROFESSIONS = tuple(sorted(CANONICAL_PROFESSIONS))  # doctor, nurse, other: the generator indexes them
SLOTS_PER_DAY = 3
SNAPSHOT_WEEKS = 5
_MASK64 = (1 << 64) - 1
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


@dataclass(frozen=True)
class Sizes:
    """Row and entity counts for one register size."""

    visits: int
    patients: int
    professionals: int
    units: int
    answers: int

    @classmethod
    def for_visits(cls, visits: int) -> Sizes:
        share = visits / FULL_SCALE
        units = max(len(POPULATION), round(300 * share))
        return cls(
            visits=visits,
            patients=max(100, min(visits, round(5_600_000 * share))),
            # Units keep their full-scale staffing (about 27), so continuity does not drift with the size.
            professionals=max(round(8000 * share), round(units * 8000 / 300)),
            units=units,
            answers=max(2000, round(1_000_000 * share)),
        )


@dataclass(frozen=True)
class Staff:
    """Units and professionals. Professionals are numbered unit by unit, profession by profession."""

    region_codes: list[str]  # area code per area index
    unit_region: np.ndarray  # area index per unit (units sorted by area)
    region_first_unit: np.ndarray  # first unit index per area
    region_units: np.ndarray  # number of units per area
    first: np.ndarray  # [unit, profession] first professional index
    count: np.ndarray  # [unit, profession] number of professionals
    unit_of: np.ndarray  # unit index per professional
    profession_of: np.ndarray  # profession index per professional


# --- small tools -------------------------------------------------------------


def _mix(values: np.ndarray, salt: int) -> np.ndarray:
    """A bijective 64-bit hash (splitmix64's finaliser after adding a salt): distinct in, distinct out."""
    z = values.astype(np.uint64) + np.uint64((salt * 0x9E3779B97F4A7C15) & _MASK64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _uniform(values: np.ndarray, salt: int) -> np.ndarray:
    """A deterministic uniform number in [0, 1) per value."""
    return (_mix(values, salt) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _pseudonyms(index: np.ndarray, salt: int, prefix: str = "") -> pl.Series:
    """Sixteen hexadecimal digits per index, like a register's pseudonyms; distinct indices stay distinct."""
    hashed = _mix(index, salt)
    chars = np.empty((len(index), 16), dtype=np.uint8)
    for position in range(16):
        chars[:, position] = _HEX[((hashed >> np.uint64(60 - 4 * position)) & np.uint64(15)).astype(np.intp)]
    series = pl.Series(np.ascontiguousarray(chars).view("S16").ravel()).cast(pl.String)
    return (prefix + series) if prefix else series


def _micros(moment: dt.datetime) -> int:
    return (moment - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)


def _as_datetime(micros: np.ndarray) -> pl.Series:
    return pl.Series(micros.astype(np.int64)).cast(pl.Datetime("us"))


def _largest_remainder(weights: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Integer counts proportional to ``weights`` summing to ``total``, each at least ``minimum``."""
    spare = total - minimum * len(weights)
    exact = weights / weights.sum() * spare
    counts = np.floor(exact).astype(np.int64)
    order = np.argsort(counts - exact, kind="stable")
    counts[order[: spare - counts.sum()]] += 1
    return counts + minimum


# --- staff -------------------------------------------------------------------


def _staff(rng: np.random.Generator, sizes: Sizes) -> Staff:
    codes = [region.code for region in dashboard_regions()]
    if set(codes) != set(POPULATION):
        raise ValueError(f"regions.csv areas {sorted(codes)} do not match the population table")
    population = np.array([POPULATION[code] for code in codes], dtype=np.float64)
    region_units = _largest_remainder(population, sizes.units, minimum=1)
    unit_region = np.repeat(np.arange(len(codes)), region_units)
    region_first_unit = np.concatenate([[0], np.cumsum(region_units)[:-1]])
    # Units differ in size; professionals follow the area's population and the unit's share of it.
    unit_weight = rng.gamma(3.0, 1.0, size=sizes.units)
    unit_weight *= population[unit_region] / np.bincount(unit_region, weights=unit_weight)[unit_region]
    per_unit = _largest_remainder(unit_weight, sizes.professionals, minimum=6)
    doctors = np.maximum(2, np.round(per_unit * 0.35)).astype(np.int64)
    nurses = np.maximum(3, np.round(per_unit * 0.50)).astype(np.int64)
    others = np.maximum(1, per_unit - doctors - nurses)
    count = np.stack([doctors, nurses, others], axis=1)
    first = np.concatenate([[0], np.cumsum(count.ravel())[:-1]]).reshape(count.shape)
    unit_of = np.repeat(np.repeat(np.arange(sizes.units), 3), count.ravel())
    profession_of = np.repeat(np.tile(np.arange(3), sizes.units), count.ravel())
    return Staff(codes, unit_region, region_first_unit, region_units, first, count, unit_of, profession_of)


# --- visits ------------------------------------------------------------------


def _visit_counts(rng: np.random.Generator, patients: int, visits: int) -> np.ndarray:
    """Visits per patient (each at least one, summing to ``visits``): light, regular and heavy users."""
    kind = rng.choice(3, size=patients, p=[0.60, 0.30, 0.10])
    light = 1 + rng.negative_binomial(1.0, 1 / (1 + 1.2), size=patients)
    regular = 1 + rng.negative_binomial(1.5, 1.5 / (1.5 + 5.0), size=patients)
    heavy = 1 + np.minimum(np.floor(rng.pareto(1.7, size=patients) * 10.0), 400).astype(np.int64)
    counts = np.choose(kind, [light, regular, heavy]).astype(np.int64)
    if visits < patients:
        raise ValueError(f"{visits} visits cannot cover {patients} patients")
    # Nudge to the exact total, in proportion to use, so the skew survives.
    while (gap := visits - int(counts.sum())) != 0:
        if gap > 0:
            counts += np.bincount(rng.choice(patients, size=gap, p=counts / counts.sum()), minlength=patients)
        else:
            spare = (counts - 1).astype(np.float64)
            picks = rng.choice(patients, size=min(-gap, int(spare.sum())), p=spare / spare.sum())
            counts = np.maximum(1, counts - np.bincount(picks, minlength=patients))
    return counts


def _working_days() -> np.ndarray:
    """Per day of the year: Monday to Friday and not a holiday."""
    days = [YEAR_START.date() + dt.timedelta(days=d) for d in range(DAYS_IN_YEAR)]
    return np.array([d.weekday() < 5 and d not in HOLIDAYS for d in days])


def _day_weights() -> np.ndarray:
    """Relative visit volume per day of the year: working days, quiet weekends, a summer dip."""
    months = [(YEAR_START.date() + dt.timedelta(days=d)).month for d in range(DAYS_IN_YEAR)]
    season = np.array([0.65 if month == 7 else 1.1 if month in (1, 2, 3, 10, 11) else 1.0 for month in months])
    return np.where(_working_days(), 1.0, 0.08) * season


@dataclass(frozen=True)
class Patients:
    unit: np.ndarray  # home unit
    usual: np.ndarray  # [patient, profession] usual professional
    loyalty: np.ndarray  # [patient, profession] chance of seeing the usual professional
    age: np.ndarray  # age in whole years on the register's first day


#: Patients' ages on the first day: (lowest, highest, share of patients) per band, older people weighted up as
#: primary care's patients are (the groups the product reports: 0-17, 18-64, 65-74, 75+).
AGE_BANDS = ((0, 17, 0.18), (18, 64, 0.50), (65, 74, 0.16), (75, 99, 0.16))


def _ages(rng: np.random.Generator, patients: int) -> np.ndarray:
    band = rng.choice(len(AGE_BANDS), size=patients, p=[share for _, _, share in AGE_BANDS])
    low = np.array([lowest for lowest, _, _ in AGE_BANDS])[band]
    high = np.array([highest for _, highest, _ in AGE_BANDS])[band]
    return (low + rng.random(patients) * (high - low + 1)).astype(np.int16)


def _patients(rng: np.random.Generator, staff: Staff, sizes: Sizes) -> Patients:
    unit_size = staff.count.sum(axis=1).astype(np.float64)
    unit = rng.choice(len(unit_size), size=sizes.patients, p=unit_size / unit_size.sum()).astype(np.int32)
    usual = np.empty((sizes.patients, 3), dtype=np.int32)
    for profession in range(3):
        offset = (rng.random(sizes.patients) * staff.count[unit, profession]).astype(np.int64)
        usual[:, profession] = staff.first[unit, profession] + offset
    # Loyalty differs by area (list-based areas keep patients with their doctor) and by person.
    area_bias = rng.normal(0.0, 0.06, size=len(staff.region_codes))[staff.unit_region[unit]]
    loyalty = np.stack(
        [
            np.clip(rng.beta(2.6, 3.4, size=sizes.patients) + area_bias, 0, 1),
            np.clip(rng.beta(1.8, 4.2, size=sizes.patients) + area_bias, 0, 1),
            rng.beta(1.0, 3.0, size=sizes.patients),
        ],
        axis=1,
    ).astype(np.float32)
    return Patients(unit=unit, usual=usual, loyalty=loyalty, age=_ages(rng, sizes.patients))


def _visit_order(rng: np.random.Generator, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Patient and day of every visit, in day order (within a day, in patient order)."""
    total = int(counts.sum())
    weights = _day_weights()
    day = np.empty(total, dtype=np.uint16)
    for start in range(0, total, CHUNK):
        size = min(CHUNK, total - start)
        day[start : start + size] = rng.choice(DAYS_IN_YEAR, size=size, p=weights / weights.sum())
    order = np.argsort(day, kind="stable")
    patient = np.repeat(np.arange(len(counts), dtype=np.int32), counts)[order]
    return patient, day[order]


def _visits_chunk(
    rng: np.random.Generator,
    staff: Staff,
    patients: Patients,
    region_traits: dict[str, np.ndarray],
    *,
    patient: np.ndarray,
    day: np.ndarray,
    first_row: int,
    salt: int,
) -> pl.DataFrame:
    size = len(patient)
    home = patients.unit[patient]
    profession = rng.choice(3, size=size, p=[0.40, 0.48, 0.12])
    # A colleague: mostly in the home unit, sometimes elsewhere in the area, rarely in another area.
    where = rng.random(size)
    region = staff.unit_region[home]
    elsewhere = staff.region_first_unit[region] + (rng.random(size) * staff.region_units[region]).astype(np.int64)
    anywhere = rng.integers(0, len(staff.unit_region), size=size)
    unit = np.where(where < 0.85, home, np.where(where < 0.97, elsewhere, anywhere))
    colleague = staff.first[unit, profession] + (rng.random(size) * staff.count[unit, profession]).astype(np.int64)
    loyal = rng.random(size) < patients.loyalty[patient, profession]
    provider = np.where(loyal, patients.usual[patient, profession], colleague)
    unit = staff.unit_of[provider]
    region = staff.unit_region[unit]
    provider_known = rng.random(size) >= 0.03

    working = _working_days()[day]
    minute = np.where(working, 8 * 60 + 5 * rng.integers(0, 96, size=size), 9 * 60 + 5 * rng.integers(0, 72, size=size))
    urgent = rng.random(size) < region_traits["urgent"][region]
    # Waits: a same-day share, otherwise a long-tailed wait whose mean depends on the area and profession.
    mean_wait = region_traits["wait"][region] * np.where(profession == 0, 1.0, 0.4)
    long_wait = 1 + rng.negative_binomial(1.2, 1.2 / (1.2 + mean_wait))
    wait = np.where(rng.random(size) < 0.3, 0, np.minimum(long_wait, 180))
    wait = np.where(urgent, (rng.random(size) < 0.2).astype(np.int64), wait)
    wait = np.where(rng.random(size) < 0.0015, -rng.integers(1, 4, size=size), wait)
    assessed = rng.random(size) >= region_traits["missing_assessment"][region]
    assessment_minute = 7 * 60 + rng.integers(0, 9 * 60, size=size)
    mode = rng.choice(len(CONTACT_MODE_CODES), size=size, p=[0.50, 0.35, 0.04, 0.09, 0.02])

    day_us = day.astype(np.int64) * 86_400_000_000 + _micros(YEAR_START)
    frame = pl.DataFrame(
        {
            c.VISIT_ID: _pseudonyms(np.arange(first_row, first_row + size), salt + 1),
            "_patient": patient,
            "_provider": np.where(provider_known, provider, -1),
            "_profession": staff.profession_of[provider],
            "_unit": unit,
            "_region": region,
            c.VISIT_AT: _as_datetime(day_us + minute * 60_000_000),
            c.ASSESSMENT_AT: _as_datetime(day_us - wait * 86_400_000_000 + assessment_minute * 60_000_000),
            "_assessed": assessed,
            c.URGENT: urgent,
            "_mode": mode,
        }
    )
    return frame.with_columns(pl.when(pl.col("_assessed")).then(pl.col(c.ASSESSMENT_AT)).alias(c.ASSESSMENT_AT))


# --- slots -------------------------------------------------------------------


def _books(rng: np.random.Generator, staff: Staff) -> np.ndarray:
    """The professionals whose books are measured: about 15 % of doctors and nurses, at least one of each."""
    chosen = []
    for unit in range(len(staff.unit_region)):
        for profession in (0, 1):
            n = int(staff.count[unit, profession])
            take = max(1, round(0.15 * n))
            chosen.append(staff.first[unit, profession] + rng.choice(n, size=take, replace=False))
    return np.sort(np.concatenate(chosen))


def _slots(rng: np.random.Generator, staff: Staff, salt: int) -> pl.DataFrame:
    """Weekly snapshots of the measured books, each holding the next five weeks of working days."""
    books = _books(rng, staff)
    n_books = len(books)
    profession = staff.profession_of[books]
    unit = staff.unit_of[books]
    region = staff.unit_region[unit]
    # tau (days): how far ahead a book still has room. Doctors' books are fuller than nurses'.
    area = rng.lognormal(0.0, 0.35, size=len(staff.region_codes))[region]
    tau = np.where(profession == 0, 40.0, 6.0) * area * rng.lognormal(0.0, 0.8, size=n_books)
    ceiling = rng.uniform(0.35, 0.7, size=n_books)
    opens = np.where(rng.random(n_books) < 0.1, rng.integers(1, 40, size=n_books), 0)  # week the book opens
    capture_minute = 6 * 60 + 5 * rng.integers(0, 7, size=n_books)  # the export runs 06:00-06:30
    first_slot = 8 * 60 + 15 * rng.integers(0, 5, size=n_books)
    ordinals = np.arange(DAYS_IN_YEAR)
    dates = [YEAR_START.date() + dt.timedelta(days=int(k)) for k in ordinals]
    working = ordinals[_working_days()]
    mondays = [k for k in ordinals if dates[k].weekday() == 0]
    frames = []
    for week, monday in enumerate(mondays):
        present = np.flatnonzero((opens <= week) & (rng.random(n_books) >= 0.02))  # 2 % of exports missing
        window = working[(working >= monday) & (working < monday + 7 * SNAPSHOT_WEEKS)]
        book = np.repeat(present, len(window) * SLOTS_PER_DAY)
        ordinal = np.tile(np.repeat(window, SLOTS_PER_DAY), len(present))
        slot_no = np.tile(np.arange(SLOTS_PER_DAY), len(present) * len(window))
        # A slot keeps its own random draws across snapshots: once booked as its day nears, it stays booked.
        key = (book.astype(np.int64) << 13) | (ordinal << 2) | slot_no
        month = dates[monday].month
        season = 1.3 if month in (6, 7) else 1.15 if month == 12 else 1.0
        free_chance = ceiling[book] * (1 - np.exp(-(ordinal - monday + 0.5) / (tau[book] * season)))
        held = _uniform(key, salt + 2) < 0.03
        free = _uniform(key, salt + 3) < free_chance
        day_us = _micros(YEAR_START) + ordinal * 86_400_000_000
        frames.append(
            pl.DataFrame(
                {
                    "_book": book.astype(np.int32),
                    c.CAPTURED_AT: _as_datetime(
                        _micros(YEAR_START) + (monday * 1440 + capture_minute[book]) * 60_000_000
                    ),
                    c.SLOT_AT: _as_datetime(day_us + (first_slot[book] + 150 * slot_no) * 60_000_000),
                    "_status": np.where(held, 2, np.where(free, 0, 1)).astype(np.int8),
                    "_urgent": _uniform((book.astype(np.int64) << 2) | slot_no, salt + 4) < 0.15,
                }
            )
        )
    slots = pl.concat(frames)
    book_index = slots["_book"].to_numpy()
    return slots.select(
        c.CAPTURED_AT,
        _pseudonyms(books, salt + 5, prefix="AK-").gather(book_index).alias(c.BOOK_ID),
        _unit_ids(unit).gather(book_index).alias(c.UNIT_ID),
        pl.Series(staff.region_codes).gather(region[book_index]).alias(c.REGION_CODE),
        pl.Series(PROFESSIONS).gather(profession[book_index]).alias(c.PROFESSION),
        c.SLOT_AT,
        pl.col("_status").replace_strict([0, 1, 2], ["free", "booked", "held"]).alias(c.STATUS),
        pl.when(pl.col("_urgent")).then(pl.lit("urgent")).otherwise(pl.lit("non_urgent")).alias(c.SLOT_TYPE),
    )


def _unit_ids(unit: np.ndarray) -> pl.Series:
    return "TY" + pl.Series(unit.astype(np.int64)).cast(pl.String).str.zfill(5)


# --- survey answers ------------------------------------------------------------

#: Score distributions 0..10: patients are kinder than staff.
_PATIENT_SCORES = (0.02, 0.01, 0.01, 0.02, 0.02, 0.04, 0.05, 0.08, 0.15, 0.22, 0.38)
_STAFF_SCORES = (0.04, 0.02, 0.03, 0.04, 0.05, 0.08, 0.10, 0.15, 0.19, 0.15, 0.15)


def _answers(rng: np.random.Generator, staff: Staff, sizes: Sizes, salt: int) -> pl.DataFrame:
    n = sizes.answers
    is_staff = rng.random(n) < 0.15
    unit_size = staff.count.sum(axis=1).astype(np.float64)
    unit = rng.choice(len(unit_size), size=n, p=unit_size / unit_size.sum())
    region = staff.unit_region[unit]
    score = np.where(
        is_staff, rng.choice(11, size=n, p=_STAFF_SCORES), rng.choice(11, size=n, p=_PATIENT_SCORES)
    ).astype(np.float64)
    # Areas differ: in some a share of answers moves one point up, in others one point down.
    tilt = rng.normal(0.0, 0.1, size=len(staff.region_codes))[region]
    score = np.where(rng.random(n) < np.abs(tilt), np.clip(score + np.sign(tilt), 0, 10), score)
    # Invalid scores: null, NaN, out of range, fractional.
    kind = rng.random(n)
    score = np.where((kind >= 0.010) & (kind < 0.012), np.nan, score)
    score = np.where((kind >= 0.012) & (kind < 0.014), rng.choice([-1.0, 11.0, 99.0], size=n), score)
    score = np.where((kind >= 0.014) & (kind < 0.016), np.minimum(score, 9) + 0.5, score)
    weight = rng.gamma(4.0, 0.25, size=n)
    weight_kind = rng.random(n)
    weight = np.where(weight_kind < 0.001, np.nan, weight)
    weight = np.where((weight_kind >= 0.001) & (weight_kind < 0.003), 0.0, weight)
    weight = np.where((weight_kind >= 0.003) & (weight_kind < 0.0035), -1.0, weight)
    answered = _micros(YEAR_START) + rng.integers(0, DAYS_IN_YEAR * 86_400, size=n) * 1_000_000
    return pl.DataFrame(
        {
            c.RESPONSE_ID: _pseudonyms(np.arange(n), salt + 6),
            c.REGION_CODE: pl.Series(staff.region_codes).gather(region),
            c.UNIT_ID: _unit_ids(unit),
            c.ANSWERED_AT: _as_datetime(answered),
            c.SCORE: pl.Series(score),
            c.RESPONDENT: pl.Series(["patient", "staff"]).gather(is_staff.astype(np.int64)),
            c.WEIGHT: pl.Series(weight),
        }
    ).with_columns(
        pl.when(pl.lit(pl.Series(kind >= 0.010))).then(pl.col(c.SCORE)).alias(c.SCORE),
        pl.when(pl.lit(pl.Series((weight_kind < 0.0035) | (weight_kind >= 0.0085)))).then(pl.col(c.WEIGHT)),
    )


# --- the register --------------------------------------------------------------


def _region_traits(rng: np.random.Generator, regions: int) -> dict[str, np.ndarray]:
    return {
        "urgent": rng.uniform(0.07, 0.13, size=regions),
        "wait": rng.lognormal(np.log(11.0), 0.45, size=regions),  # mean days for doctors, beyond same-day
        "missing_assessment": rng.uniform(0.02, 0.08, size=regions),
    }


def generate(folder: Path, visits: int, *, seed: int = DEFAULT_SEED) -> dict[str, object]:
    """Write ``visits/``, ``slots/`` and ``answers/`` Parquet parts and ``manifest.json`` under ``folder``.

    The files appear all at once (written to a sibling folder, then renamed),
    so an interrupted run never leaves a half register behind.
    """
    started = time.perf_counter()
    sizes = Sizes.for_visits(visits)
    rng = np.random.default_rng(seed)
    salt = seed * 16
    staff = _staff(rng, sizes)
    patients = _patients(rng, staff, sizes)
    traits = _region_traits(rng, len(staff.region_codes))
    counts = _visit_counts(rng, sizes.patients, visits)
    patient_order, day_order = _visit_order(rng, counts)
    patient_ids = _pseudonyms(np.arange(sizes.patients), salt)
    professional_ids = _pseudonyms(np.arange(len(staff.unit_of)), salt + 7)
    unit_ids = _unit_ids(np.arange(len(staff.unit_region)))
    region_codes = pl.Series(staff.region_codes)

    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "visits").mkdir(parents=True)
    (staging / "slots").mkdir()
    (staging / "answers").mkdir()
    for part, start in enumerate(range(0, visits, CHUNK)):
        stop = min(start + CHUNK, visits)
        raw = _visits_chunk(
            rng,
            staff,
            patients,
            traits,
            patient=patient_order[start:stop],
            day=day_order[start:stop],
            first_row=start,
            salt=salt,
        )
        provider = raw["_provider"]
        chunk = raw.select(
            c.VISIT_ID,
            patient_ids.gather(raw["_patient"]).alias(c.PATIENT_ID),
            professional_ids.gather(provider.set(provider < 0, None)).alias(c.PROFESSIONAL_ID),
            pl.Series(PROFESSIONS).gather(raw["_profession"]).alias(c.PROFESSION),
            unit_ids.gather(raw["_unit"]).alias(c.UNIT_ID),
            region_codes.gather(raw["_region"]).alias(c.REGION_CODE),
            c.VISIT_AT,
            c.ASSESSMENT_AT,
            c.URGENT,
            pl.Series(CONTACT_MODE_CODES).gather(raw["_mode"]).alias(c.CONTACT_MODE),
            pl.lit("T11").alias(c.SERVICE_TYPE),
            # the age at the visit: a year older for every full year since the register's first day
            pl.Series(patients.age[raw["_patient"].to_numpy()] + day_order[start:stop] // 365, dtype=pl.Float64).alias(
                c.AGE_YEARS
            ),
        ).sort(c.VISIT_AT, maintain_order=True)
        _write(chunk, staging / "visits" / f"part-{part:03d}.parquet", VISITS.names)
        del raw, chunk
    del patient_order, day_order
    slots = _slots(rng, staff, salt)
    _write(slots, staging / "slots" / "part-000.parquet", APPOINTMENT_SLOTS.names)
    answers = _answers(rng, staff, sizes, salt)
    _write(answers, staging / "answers" / "part-000.parquet", SURVEY_ANSWERS.names)
    manifest: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        **asdict(sizes),
        "patients_with_visits": int((counts > 0).sum()),
        "max_visits_per_patient": int(counts.max()),
        "books": slots[c.BOOK_ID].n_unique(),
        "slot_rows": slots.height,
        "snapshots": slots[c.CAPTURED_AT].dt.date().n_unique(),
        "measured_at": [moment.isoformat() for moment in MEASURED_AT],
        "holidays": [day.isoformat() for day in HOLIDAYS],
        "access_days": ACCESS_DAYS,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_mib": round(_peak_mib()),
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return manifest


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM; ``ru_maxrss`` would include a forked parent's peak)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def register_folder(root: Path, visits: int, seed: int = DEFAULT_SEED) -> Path:
    """Where the register of this size and seed lives under ``root``."""
    return root / f"visits-{visits}-seed-{seed}-ages"  # registers from before ages were generated are not reused


def read_manifest(folder: Path) -> dict[str, object] | None:
    path = folder / "manifest.json"
    if not path.exists():
        return None
    manifest: dict[str, object] = json.loads(path.read_text())
    return manifest


def ensure(root: Path, visits: int, *, seed: int = DEFAULT_SEED) -> tuple[Path, dict[str, object], bool]:
    """The register folder, generated unless one with the same size, seed and generator version exists.

    Returns the folder, its manifest and whether it was generated now.
    """
    folder = register_folder(root, visits, seed)
    manifest = read_manifest(folder)
    if manifest is not None and manifest.get("generator_version") == GENERATOR_VERSION:
        return folder, manifest, False
    return folder, generate(folder, visits, seed=seed), True


def _write(frame: pl.DataFrame, path: Path, names: tuple[str, ...]) -> None:
    frame.select(names).write_parquet(path, compression="zstd", statistics=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, required=True, help="number of visits (25000000 is the full scale)")
    parser.add_argument("--out", type=Path, default=Path("bench/output/data"), help="folder for the registers")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    folder, manifest, generated = ensure(args.out, args.visits, seed=args.seed)
    print(f"{'generated' if generated else 'reusing'} {folder}")
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
