"""The remote share: non-urgent contacts handled by phone, video or message.

Source: the programme's national indicator "etänä sähköisin välinein hoidetut
kontaktit" (contacts handled remotely by electronic means), with the national
targets of 30 % by Q4/2024 and 35 % by Q4/2025 from a 23 % baseline (2020);
computed here from the visits' ``contact_mode``. A contact is remote when its
mode is ``phone``, ``video`` or ``message``; ``in_person`` and ``home`` (a home
visit) are not. The unit is the contact (one row of the visits table).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from core import columns as c
from core.schema import CONTACT_MODE_CODES, VISITS, require_columns
from metrics._frames import Frame, aggregate, group_columns, same_kind
from metrics.stats import Z95, wilson_exprs

REMOTE_MODES: Final = ("phone", "video", "message")
"""The contact modes that count as remote."""
NATIONAL_TARGETS: Final = (("2024Q4", 0.30), ("2025Q4", 0.35))
"""The national indicator's targets: the share of contacts handled remotely by the end of each quarter."""
NATIONAL_BASELINE: Final = ("2020", 0.23)
"""The baseline the targets start from (Varsinais-Suomi's plan quotes it for 2020)."""

_NEEDED = (c.URGENT, c.CONTACT_MODE)
MODE_COUNTS: Final = tuple(f"n_{mode}" for mode in CONTACT_MODE_CODES)
"""One count column per contact mode, in the canonical order (``n_in_person``, ``n_phone``, ...)."""


_COUNTS: Final = (
    "n_visits",
    "n_eligible",
    "n_remote",
    *MODE_COUNTS,
    "n_urgent",
    "n_missing_urgency",
    "n_missing_mode",
)
"""The counts of :func:`remote_partials`: every one adds over a split of the contacts."""


def remote_share(visits: Frame, *, by: Sequence[str] = ()) -> Frame:
    """Share of non-urgent contacts handled remotely (phone, video or message), per ``by`` group.

    Every contact lands in exactly one class, tested in this order: urgent (``n_urgent``), urgency unknown
    (``n_missing_urgency``), contact mode unknown (``n_missing_mode``), else eligible (``n_eligible``). The
    eligible contacts are counted per mode (``n_in_person``, ``n_phone``, ``n_video``, ``n_message``,
    ``n_home``); ``n_remote`` = phone + video + message; ``share`` = n_remote / n_eligible (0-1) with a
    Wilson 95 % interval (``ci_low``, ``ci_high``), null when nothing is eligible. ``n_visits`` counts every
    row. Returns one row per ``by`` group (one row when ``by`` is empty), as the same kind of frame as the input.
    It is :func:`remote_partials` followed by :func:`remote_from_partials`.
    """
    keys: list[str] = group_columns(by)
    _check(visits, keys)
    return same_kind(visits, lambda frame: _finish(_counts(frame, keys), keys))


def remote_partials(visits: Frame, *, by: Sequence[str] = ()) -> Frame:
    """Mergeable partial aggregates of the remote share: the counts of :func:`remote_share` per ``by`` group.

    Columns: the ``by`` values, then ``n_visits``, ``n_eligible``, ``n_remote``, the mode counts and the
    exclusion counts (:data:`_COUNTS`). Partials of any split of the contacts add up with
    :func:`merge_remote_partials` (per their own keys, or fewer: a roll-up), since the unit is the contact.
    Returns the same kind of frame as the input.
    """
    keys: list[str] = group_columns(by)
    _check(visits, keys)
    return same_kind(visits, lambda frame: _counts(frame, keys))


def merge_remote_partials(partials: Sequence[pl.DataFrame], *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Add partials (see :func:`remote_partials`) per ``by`` group: their own keys, or fewer (a roll-up).

    With no ``by`` the result is one row (of zeros for no partial rows), as :func:`remote_share` gives.
    """
    keys: list[str] = group_columns(by)
    frame = pl.concat(list(partials), how="vertical_relaxed").lazy()
    return aggregate(frame, keys, [pl.col(name).sum().cast(pl.Int64) for name in _COUNTS]).collect()


def remote_from_partials(partials: Frame, *, by: Sequence[str] = ()) -> Frame:
    """:func:`remote_share`'s output from (merged) partials keyed by ``by``: one row per partial row."""
    keys: list[str] = group_columns(by)
    return same_kind(partials, lambda frame: _finish(frame, keys))


def _check(visits: Frame, keys: list[str]) -> None:
    VISITS.check(visits, _NEEDED)
    require_columns(visits, keys, table=VISITS.name)


def _counts(frame: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    urgent: pl.Expr = pl.col(c.URGENT)
    mode: pl.Expr = pl.col(c.CONTACT_MODE)
    eligible: pl.Expr = urgent.not_() & mode.is_not_null()

    def count(condition: pl.Expr) -> pl.Expr:
        return condition.fill_null(value=False).sum().cast(pl.Int64)

    aggregations = [
        pl.len().cast(pl.Int64).alias("n_visits"),
        count(urgent).alias("n_urgent"),
        count(urgent.is_null()).alias("n_missing_urgency"),
        count(urgent.not_() & mode.is_null()).alias("n_missing_mode"),
        count(eligible).alias("n_eligible"),
        count(eligible & mode.is_in(REMOTE_MODES)).alias("n_remote"),
        *(
            count(eligible & (mode == code)).alias(name)
            for code, name in zip(CONTACT_MODE_CODES, MODE_COUNTS, strict=True)
        ),
    ]
    needed = dict.fromkeys([*keys, c.URGENT, c.CONTACT_MODE])  # a key may be one of the two (by urgency, say)
    return aggregate(frame.select(list(needed)), keys, aggregations).select(*keys, *_COUNTS)


def _finish(counts: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    low, high = wilson_exprs(pl.col("n_remote"), pl.col("n_eligible"), z=Z95)
    return counts.with_columns(
        share=pl.when(pl.col("n_eligible") > 0).then(pl.col("n_remote") / pl.col("n_eligible")),
        ci_low=low,
        ci_high=high,
    ).select(
        *keys,
        "n_visits",
        "n_eligible",
        "n_remote",
        "share",
        "ci_low",
        "ci_high",
        *MODE_COUNTS,
        "n_urgent",
        "n_missing_urgency",
        "n_missing_mode",
    )
