"""The linked step's decisions for the counties' and the country's cells, kept in the store.

The linked step (:func:`metrics.privacy.suppress_linked`) checks its decisions for the counties' and the country's
access and NPS cells and the remote share (:func:`views.measures.remote_suppression`) by linear programs
(``check_intervals``): under half a second on a store of a few counties'
years, several seconds on a small store where most cells are hidden. Paid inside a visitor's first page run, on a
server just started, it made the first visitors wait tens of seconds. So the decisions are made when the figures
are written (``python -m pipeline bootstrap``, an import, ``python -m pipeline aggregate``) and kept in the table
``linked_suppression``; the pages read them.

A kept decision is used only for the very counts it was decided on, under the same threshold and the same rules:
its ``inputs`` is the SHA-256 of the family, the threshold, the source of the modules that decide (this one,
:mod:`views.cells`, :mod:`views.measures` and :mod:`metrics.privacy`) and the counts themselves (sorted, as CSV).
Anything else (a store from before, counts changed since, a new version of the rules) is decided again where it
is shown, as before, so a kept decision can be late but never wrong.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import polars as pl

from core import columns as c
from metrics.privacy import SUPPRESSED_BY
from store.results import Results

#: The families of :mod:`views.cells` whose region-level decisions are kept (the ones the interval check runs
#: for); the remote share's (:func:`views.measures.remote_suppression`) is kept as the family ``remote``.
KEPT_FAMILIES = ("access", "nps")
#: The modules whose source decides: a change in any of them makes every kept decision stale.
_DECIDING_MODULES = ("metrics.privacy", "views.cells", "views.measures", __name__)
#: The stored key of a kept decision besides the data set, family and threshold (the unit is always the county's;
#: the remote share's age group is kept as its respondent).
STORED_KEYS = [c.REGION_CODE, c.PROFESSION, c.RESPONDENT, "grain", c.PERIOD]
INPUTS = "inputs"
#: The rows :func:`to_keep` makes (none, when the data set has no cell to decide).
KEPT_SCHEMA = {
    "family": pl.String,
    "threshold": pl.Int32,
    **dict.fromkeys(STORED_KEYS, pl.String),
    c.SUPPRESSED: pl.Boolean,
    SUPPRESSED_BY: pl.String,
    INPUTS: pl.String,
}


@cache
def _rules() -> bytes:
    """The source of the modules that decide, read once per process."""
    return b"".join(Path(str(_spec(name).origin)).read_bytes() for name in _DECIDING_MODULES)


def _spec(name: str) -> importlib.machinery.ModuleSpec:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    return spec


def fingerprint(cells: pl.DataFrame, *, family: str, threshold: int, keys: Sequence[str]) -> str:
    """What a decision of ``cells`` depends on, as a SHA-256 hex digest: the family, the threshold, the rules'
    source and the counts (sorted by ``keys``, so the order rows come in does not matter)."""
    digest = hashlib.sha256(f"{family}\n{threshold}\n".encode())
    digest.update(_rules())
    digest.update(cells.sort(list(keys)).write_csv().encode())
    return digest.hexdigest()


def kept_rows(results: Results, *, family: str, threshold: int, inputs: str) -> pl.DataFrame | None:
    """The kept decisions (:data:`STORED_KEYS`, ``suppressed``, ``suppressed_by``) of ``family`` made on the
    inputs fingerprinted ``inputs`` under ``threshold``; None when the store keeps none."""
    stored = results.linked_suppression
    if stored.is_empty():
        return None
    mine = stored.filter((pl.col("family") == family) & (pl.col("threshold") == threshold) & (pl.col(INPUTS) == inputs))
    return mine.select(*STORED_KEYS, c.SUPPRESSED, SUPPRESSED_BY) if mine.height else None


def kept(
    results: Results, cells: pl.DataFrame, *, family: str, threshold: int, keys: Sequence[str], respondent: str
) -> pl.DataFrame | None:
    """``cells`` with the kept decisions (``suppressed``, ``suppressed_by``) when the store holds decisions made on
    exactly these counts, threshold and rules; None otherwise (decide them). ``respondent`` is the name the cells'
    respondent column has (the linked step's own)."""
    inputs = fingerprint(cells, family=family, threshold=threshold, keys=keys)
    rows = kept_rows(results, family=family, threshold=threshold, inputs=inputs)
    if rows is None or rows.height != cells.height:  # none kept for these counts (or not every cell: never half)
        return None
    flags = rows.rename({c.RESPONDENT: respondent})
    decided = cells.join(flags, on=[respondent if name == c.RESPONDENT else name for name in STORED_KEYS], how="left")
    if decided[c.SUPPRESSED].null_count():
        return None
    return decided


def to_keep(decided: pl.DataFrame, *, family: str, threshold: int, inputs: str) -> pl.DataFrame:
    """The rows of ``linked_suppression`` for a family's decided cells (as :func:`views.cells` returns them)."""
    return decided.select(
        pl.lit(family).alias("family"),
        pl.lit(threshold).alias("threshold"),
        *STORED_KEYS,
        c.SUPPRESSED,
        SUPPRESSED_BY,
        pl.lit(inputs).alias(INPUTS),
    ).cast(KEPT_SCHEMA)  # type: ignore[arg-type]
