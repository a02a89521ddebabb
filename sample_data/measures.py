"""The SYNTHETIC sample's ages and named-provider assignments (no real person, no real register).

Ages: each sampled person gets an age at the start of the range that rises
with how often they visit (most heavy users are old, as in primary care), and
is a year older on each anniversary of the start; about one visit in a
hundred has no age, as a real extract may lack it. Assignments: a share of
each county's persons seen has a named team from the start of the range
(Varsinais-Suomi's omatiimi coverage 69 %, 000:104, Pohjois-Pohjanmaa's 72 %,
001:263, designed levels elsewhere); from its care-continuity programme start,
a county's frequent visitors (at least 6 visits in some calendar year) also
get a named doctor — mostly the doctor they see most, sometimes
another doctor of their health centre — and a named nurse likewise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
import polars_hash as plh

from core import columns as c
from core.assignments import DTYPES, PROVIDER_ID, PROVIDER_KIND, VALID_FROM, VALID_TO
from sample_data.calibration import ProgrammeStart

#: Share of a county's persons seen with a named team (designed; the two stated ones from the seeds).
TEAM_COVERAGE = {"02": 0.69, "19": 0.72}
_DEFAULT_TEAM_COVERAGE = 0.45
_FREQUENT_VISITS = 6  # visits of any profession in a calendar year (designed: the model's "high users")
_NAMED_IS_MOST_SEEN = 0.8
_MISSING_AGE = 0.01
#: Team ids are a hash of the unit id modulo this: wide enough that the sample's 412 health centres get 412 ids.
_TEAM_ID_RANGE = 1_000_000


def with_ages(rng: np.random.Generator, visits: pl.DataFrame, start: dt.date) -> pl.DataFrame:
    """``visits`` with ``age_years`` (Float64, whole years): the person's age at each visit."""
    persons = visits.group_by(c.PATIENT_ID).agg(pl.len().alias("_visits")).sort(c.PATIENT_ID)
    rank = persons["_visits"].rank("average").to_numpy() / max(persons.height, 1)
    base = np.clip(rng.normal(15 + 58 * rank, 18), 0, 99).astype(np.int64)
    persons = persons.with_columns(pl.Series("_base", base))
    elapsed = (pl.col(c.VISIT_AT).dt.date() - pl.lit(start)).dt.total_days() // 365
    missing = pl.Series(rng.random(visits.height) < _MISSING_AGE)
    return (
        visits.join(persons.select(c.PATIENT_ID, "_base"), on=c.PATIENT_ID, how="left", maintain_order="left")
        .with_columns(
            pl.when(missing.not_()).then((pl.col("_base") + elapsed).clip(0, 104)).cast(pl.Float64).alias(c.AGE_YEARS)
        )
        .drop("_base")
    )


def assignments(
    rng: np.random.Generator, visits: pl.DataFrame, starts: Sequence[ProgrammeStart], start: dt.date
) -> pl.DataFrame:
    """Named teams, doctors and nurses of the persons seen in ``visits`` (canonical assignments columns)."""
    home = (
        visits.group_by(c.PATIENT_ID)
        .agg(pl.col(c.REGION_CODE).mode().first(), pl.col(c.UNIT_ID).mode().first())
        .sort(c.PATIENT_ID)
    )
    coverage = home[c.REGION_CODE].replace_strict(
        TEAM_COVERAGE, default=_DEFAULT_TEAM_COVERAGE, return_dtype=pl.Float64
    )
    teamed = home.filter(pl.Series(rng.random(home.height)) < coverage)
    teams = teamed.select(
        c.PATIENT_ID,
        pl.lit("team").alias(PROVIDER_KIND),
        team_id(pl.col(c.UNIT_ID)).alias(PROVIDER_ID),
        c.REGION_CODE,
        c.UNIT_ID,
        pl.lit(start).alias(VALID_FROM),
        pl.lit(None, pl.Date).alias(VALID_TO),
    )
    starts_by_region = {item.region_code: item.start for item in starts}
    frequent = _frequent_visitors(visits)
    personal = [
        _named(rng, visits, teamed, frequent, kind=kind, starts=starts_by_region) for kind in ("doctor", "nurse")
    ]
    frame = pl.concat([teams, *personal], how="vertical_relaxed")
    return frame.select(pl.col(name).cast(dtype) for name, dtype in DTYPES.items()).sort(
        c.REGION_CODE, c.UNIT_ID, PROVIDER_KIND, VALID_FROM, c.PATIENT_ID
    )


def team_id(units: pl.Expr) -> pl.Expr:
    """The synthetic id of each health centre's named team: ``SYN-T-`` and XXH3 64-bit (seed 0) of the unit id's
    UTF-8 text modulo :data:`_TEAM_ID_RANGE`, a documented hash that gives the same id on every machine and polars
    version (polars' own ``hash()`` may change between versions, and the sample must not)."""
    texts: Any = plh.col(units.meta.output_name()).cast(pl.String)  # the plugin's namespace is untyped
    hashed: pl.Expr = texts.nchash.xxh3_64()
    return pl.concat_str([pl.lit("SYN-T-"), (hashed % _TEAM_ID_RANGE).cast(pl.String)])


def _frequent_visitors(visits: pl.DataFrame) -> pl.DataFrame:
    """The persons (``patient_id``) with at least :data:`_FREQUENT_VISITS` visits in some calendar year."""
    return (
        visits.group_by(c.PATIENT_ID, pl.col(c.VISIT_AT).dt.year().alias("_year"))
        .agg(pl.len().alias("_n"))
        .filter(pl.col("_n") >= _FREQUENT_VISITS)
        .select(c.PATIENT_ID)
        .unique()
    )


def _named(
    rng: np.random.Generator,
    visits: pl.DataFrame,
    teamed: pl.DataFrame,
    frequent: pl.DataFrame,
    *,
    kind: str,
    starts: dict[str, dt.date],
) -> pl.DataFrame:
    """A named professional of ``kind`` for the teamed ``frequent`` visitors of the programme counties."""
    seen = visits.filter(
        (pl.col(c.PROFESSION) == kind)
        & pl.col(c.PROFESSIONAL_ID).is_not_null()
        & pl.col(c.REGION_CODE).is_in(list(starts))
    )
    if seen.is_empty():
        return pl.DataFrame(schema=dict(DTYPES))
    most_seen = (
        seen.join(frequent, on=c.PATIENT_ID)
        .join(teamed.select(c.PATIENT_ID, c.REGION_CODE, c.UNIT_ID), on=c.PATIENT_ID, suffix="_home")
        .group_by(c.PATIENT_ID, f"{c.REGION_CODE}_home", f"{c.UNIT_ID}_home", c.PROFESSIONAL_ID)
        .agg(pl.len().alias("_n"))
        .sort(c.PATIENT_ID, "_n", c.PROFESSIONAL_ID, descending=[False, True, False])
        .group_by(c.PATIENT_ID, maintain_order=True)
        .agg(pl.all().first(), pl.col(c.PROFESSIONAL_ID).alias("_others"))
    )
    if most_seen.is_empty():
        return pl.DataFrame(schema=dict(DTYPES))
    # Now and then the named one is another professional the patient has seen (the list was made elsewhere).
    other = rng.random(most_seen.height) >= _NAMED_IS_MOST_SEEN
    pick = rng.integers(0, 1_000_000, most_seen.height)
    named = most_seen.with_columns(
        pl.when(pl.Series(other) & (pl.col("_others").list.len() > 1))
        .then(pl.col("_others").list.get(pl.Series(pick) % pl.col("_others").list.len()))
        .otherwise(pl.col(c.PROFESSIONAL_ID))
        .alias(PROVIDER_ID)
    )
    return named.select(
        c.PATIENT_ID,
        pl.lit(kind).alias(PROVIDER_KIND),
        PROVIDER_ID,
        pl.col(f"{c.REGION_CODE}_home").alias(c.REGION_CODE),
        pl.col(f"{c.UNIT_ID}_home").alias(c.UNIT_ID),
        pl.col(f"{c.REGION_CODE}_home").replace_strict(starts, return_dtype=pl.Date).alias(VALID_FROM),
        pl.lit(None, pl.Date).alias(VALID_TO),
    )
