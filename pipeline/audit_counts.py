"""The disclosure audit's counts as frames: one key per count, the access counts, and the joins that relate counts
to their totals.

A count is named by what it counts (``measure``), where (``region``, ``unit``: '' for a whole county or the
country), of which profession (or a list's provider kind), when (``period``: a month '2025-03', a quarter
'2025Q1' or a year '2025') and of which age group (``group``: '' for all ages, one of
:data:`metrics.age_groups.AGE_GROUPS`, or ``unknown`` for the visits or patients without an age). Shared by
:mod:`pipeline.audit` (the indicators' counts) and :mod:`pipeline.audit_measures` (the other measures').
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import polars as pl

from core import columns as c
from views.cells import Grain, period_key

#: The age group of a count of every age.
ALL_AGES_GROUP = ""


class Key(NamedTuple):
    """One count: what it counts (``measure``), where, of which profession, when, of which age group."""

    measure: str
    region: str
    unit: str
    profession: str
    period: str
    group: str = ALL_AGES_GROUP

    def describe(self, *, with_unit: bool = True) -> str:
        place = f"{self.region}/{self.unit}" if self.unit and with_unit else self.region
        ages = f" age {self.group}" if self.group else ""
        return f"{self.measure} {place} {self.profession} {self.period}{ages}"


KEY_COLUMNS = ["measure", "region", "unit", "profession", "period", "group"]
KEY_SCHEMA = dict.fromkeys(KEY_COLUMNS, pl.String)
#: The columns a count is grouped by besides its measure.
WHERE = ["region", "unit", "profession", "period", "group"]
EDGE_SCHEMA = {"kind": pl.String, "total": pl.Int64, "member": pl.Int64}


def key_frame(keys: Iterable[Key], values: Iterable[int] | None = None) -> pl.DataFrame:
    rows = list(keys)
    frame = pl.DataFrame(rows, schema=KEY_SCHEMA, orient="row")
    if values is not None:
        frame = frame.with_columns(pl.Series("value", list(values), dtype=pl.Int64))
    return frame


def long_counts(frame: pl.DataFrame, measures: Mapping[str, str], keys: Sequence[str]) -> pl.DataFrame:
    """``frame``'s count columns (``measures``: column -> measure) as rows of the ``keys`` and ``value``; a key
    column the frame lacks is the all-ages ``group``."""
    present = [pl.col(name) if name in frame.columns else pl.lit(ALL_AGES_GROUP).alias(name) for name in keys]
    return pl.concat(
        [
            frame.filter(pl.col(column).is_not_null()).select(
                pl.lit(measure).alias("measure"), *present, pl.col(column).cast(pl.Int64).alias("value")
            )
            for column, measure in measures.items()
        ]
    )


def quarter_of(period: pl.Expr) -> pl.Expr:
    month = period.str.slice(5, 2).cast(pl.Int32, strict=False)
    return pl.concat_str([period.str.slice(0, 4), pl.lit("Q"), ((month - 1) // 3 + 1).cast(pl.String)])


def edges_to(cells: pl.DataFrame, children: pl.Expr, parent: Mapping[str, pl.Expr], kind: str) -> pl.DataFrame:
    """(kind, total, member) for every child count whose parent count (its key with ``parent`` applied) exists."""
    ids = cells.select(*KEY_COLUMNS, pl.col("id").alias("total"))
    child = cells.filter(children).select(
        *(parent.get(name, pl.col(name)).alias(name) for name in KEY_COLUMNS), pl.col("id").alias("member")
    )
    return child.join(ids, on=KEY_COLUMNS).select(pl.lit(kind).alias("kind"), "total", "member")


def fixed_edges(cells: pl.DataFrame, total: str, members: Sequence[str], kind: str, *, by: str) -> pl.DataFrame:
    """A total and a fixed list of members (all present) among the counts of one key; ``by`` names the key column
    that tells them apart (the measure, or the profession)."""
    rest = [name for name in KEY_COLUMNS if name != by]
    wanted = cells.filter(pl.col(by).is_in([total, *members]))
    if wanted.is_empty():
        return pl.DataFrame(schema=EDGE_SCHEMA)
    wide = wanted.pivot(on=by, index=rest, values="id", aggregate_function="first")
    names = [total, *members]
    if any(name not in wide.columns for name in names):
        return pl.DataFrame(schema=EDGE_SCHEMA)
    whole = wide.filter(pl.all_horizontal(pl.col(name).is_not_null() for name in names))
    return pl.concat(
        [
            whole.select(pl.lit(kind).alias("kind"), pl.col(total).alias("total"), pl.col(name).alias("member"))
            for name in members
        ]
    ).with_columns(pl.col("total", "member").cast(pl.Int64))


# ---------------------------------------------------------------------------------------------------------------
# Access counts: the indicators' and their age groups'

OTHER = "other"
"""The professions outside doctors and nurses: never shown, but all - doctors - nurses."""
LIMITS = (7, 14)


def summed_access(frame: pl.DataFrame, grain: Grain, by: Sequence[str] = ()) -> tuple[pl.DataFrame, list[int]]:
    """Stored access cells (one row per wait limit) summed to ``grain`` per area, profession and ``by``: the columns
    ``eligible7``, ``within7``, ``eligible14``, ``within14`` (null for a limit the cell has not), and the limits
    the store has."""
    summed = (
        frame.with_columns(period_key(grain).alias(c.PERIOD))
        .group_by(c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD, *by)
        .agg(
            *(pl.col("n_eligible").filter(pl.col("days") == days).sum().alias(f"eligible{days}") for days in LIMITS),
            *(pl.col("n_within").filter(pl.col("days") == days).sum().alias(f"within{days}") for days in LIMITS),
            *(pl.col("days").eq(days).any().alias(f"has{days}") for days in LIMITS),
        )
    )
    limits = [days for days in LIMITS if summed.height and summed[f"has{days}"].any()]
    summed = summed.with_columns(
        *(
            pl.when(pl.col(f"has{days}")).then(pl.col(name)).alias(name)
            for days in LIMITS
            for name in (f"eligible{days}", f"within{days}")
        )
    ).drop(*(f"has{days}" for days in LIMITS))
    return summed, limits


def access_counts(summed: pl.DataFrame, limits: Sequence[int]) -> pl.DataFrame:
    """Access counts (:func:`summed_access`, with an optional ``group`` column) as rows of :data:`KEY_COLUMNS` and
    ``value``, with the never-shown ones: the other professions, the visits outside a limit, the 8-14-day band."""
    columns = [f"{name}{days}" for days in limits for name in ("eligible", "within")]
    if not columns:
        return pl.DataFrame(schema={**KEY_SCHEMA, "value": pl.Int64})
    group = pl.col("group") if "group" in summed.columns else pl.lit(ALL_AGES_GROUP)
    frame = summed.select(
        pl.col(c.REGION_CODE).alias("region"),
        pl.col(c.UNIT_ID).alias("unit"),
        pl.col(c.PROFESSION).alias("profession"),
        pl.col(c.PERIOD).alias("period"),
        group.alias("group"),
        *columns,
    )
    base = ["region", "unit", "period", "group"]
    doctor = frame.filter(pl.col("profession") == "doctor").select(
        *base, *(pl.col(name).alias(f"_d_{name}") for name in columns)
    )
    nurse = frame.filter(pl.col("profession") == "nurse").select(
        *base, *(pl.col(name).alias(f"_n_{name}") for name in columns)
    )
    other = (
        frame.filter(pl.col("profession") == "all")
        .join(doctor, on=base)
        .join(nurse, on=base)
        .select(
            *base,
            pl.lit(OTHER).alias("profession"),
            *((pl.col(name) - pl.col(f"_d_{name}") - pl.col(f"_n_{name}")).alias(name) for name in columns),
        )
    )
    every = pl.concat([frame, other.select(frame.columns)])
    measures = {name: f"access.{name}" for name in columns}
    derived = []
    if 7 in limits:
        derived.append((pl.col("eligible7") - pl.col("within7")).alias("outside7"))
        measures["outside7"] = "access.outside7"
    if 14 in limits:
        derived.append((pl.col("eligible14") - pl.col("within14")).alias("outside14"))
        measures["outside14"] = "access.outside14"
    if 7 in limits and 14 in limits:
        derived.append((pl.col("within14") - pl.col("within7")).alias("band8_14"))
        measures["band8_14"] = "access.band8_14"
    every = every.with_columns(derived)
    long = long_counts(every, measures, WHERE)
    # a negative 'other' or band (counts that do not nest) is no count: left out, as its relations are
    return long.filter(pl.col("value") >= 0)
