"""Small builders of canonical frames, so each test states only what matters.

Every builder fills the columns a test does not care about with harmless
defaults and uses the canonical dtypes of ``core.schema``. Rows are given as
keyword overrides; a builder never guesses anything a test could assert on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from core import columns as c
from core.schema import APPOINTMENT_SLOTS, CANONICAL_DTYPES, SURVEY_ANSWERS, VISITS

#: The 95 % normal quantile the contract fixes.
Z = 1.959963984540054

#: A Monday; most hand-made cases start here so weekdays are easy to follow.
MONDAY = datetime(2024, 3, 4, 8, 0)


def _frame(table: str, defaults: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    dtypes: dict[str, pl.DataType] = dict(CANONICAL_DTYPES[table])
    # A column outside the canonical table (a free `by` key, say) gets the dtype polars infers.
    extra = list(dict.fromkeys(name for row in rows for name in row if name not in dtypes))
    frame = pl.DataFrame({name: [row.get(name, defaults.get(name)) for row in rows] for name in dtypes}, schema=dtypes)
    if extra:
        frame = frame.hstack(pl.DataFrame({name: [row.get(name) for row in rows] for name in extra}))
    return frame


# --- visits -----------------------------------------------------------------


def visit(**overrides: Any) -> dict[str, Any]:
    """One visit row: the given columns, defaults for the rest (see :func:`visits`)."""
    return dict(overrides)


def visits(*rows: Mapping[str, Any]) -> pl.DataFrame:
    """A canonical visits frame.

    Defaults: a non-urgent in-person doctor visit by ``p1`` to ``d1`` in unit
    ``u1`` of region ``01``, assessed on Monday 4.3.2024 08:00 and seen the
    same day at 09:00. ``visit_id`` is ``v01``, ``v02``, ... by position
    unless given, so the id order is the row order.
    """
    defaults = {
        c.PATIENT_ID: "p1",
        c.PROFESSIONAL_ID: "d1",
        c.PROFESSION: "doctor",
        c.UNIT_ID: "u1",
        c.REGION_CODE: "01",
        c.VISIT_AT: MONDAY + timedelta(hours=1),
        c.ASSESSMENT_AT: MONDAY,
        c.URGENT: False,
        c.CONTACT_MODE: "in_person",
        c.SERVICE_TYPE: None,
    }
    numbered = [{c.VISIT_ID: f"v{i:02d}", **row} for i, row in enumerate(rows, start=1)]
    return _frame(VISITS.name, defaults, numbered)


def waits(*days: int, **overrides: Any) -> pl.DataFrame:
    """Eligible visits that waited the given calendar days after a Monday 08:00 assessment."""
    return visits(*(visit(visit_at=MONDAY + timedelta(days=d, hours=1), **overrides) for d in days))


def patient_visits(patient: str, providers: Iterable[str | None], **overrides: Any) -> list[dict[str, Any]]:
    """Rows for one patient seeing ``providers`` in this order, one visit a day from 1.3.2024.

    ``None`` is a visit whose provider is unknown. Use with :func:`visits`.
    """
    start = datetime(2024, 3, 1, 9, 0)
    return [
        visit(
            patient_id=patient,
            professional_id=provider,
            visit_at=start + timedelta(days=i),
            visit_id=f"{patient}-{i:02d}",
            **overrides,
        )
        for i, provider in enumerate(providers)
    ]


def visits_of(patients: Mapping[str, Iterable[str | None]], **overrides: Any) -> pl.DataFrame:
    """Visits of several patients, each a sequence of providers in visit order."""
    rows = [row for patient, providers in patients.items() for row in patient_visits(patient, providers, **overrides)]
    return visits(*rows)


# --- appointment slots --------------------------------------------------------

#: The default snapshot time: an hour before the default measurement (:data:`MONDAY`).
CAPTURED = MONDAY - timedelta(hours=1)


def slot(slot_at: datetime, **overrides: Any) -> dict[str, Any]:
    """One slot row at ``slot_at``: free and non-urgent unless told otherwise."""
    return {c.SLOT_AT: slot_at, **overrides}


def slots(*rows: Mapping[str, Any]) -> pl.DataFrame:
    """A canonical appointment-slot frame.

    Defaults: book ``b1`` of doctor unit ``u1`` in region ``01``, captured on
    Monday 4.3.2024 07:00, status ``free``, type ``non_urgent``.
    """
    defaults = {
        c.CAPTURED_AT: CAPTURED,
        c.BOOK_ID: "b1",
        c.UNIT_ID: "u1",
        c.REGION_CODE: "01",
        c.PROFESSION: "doctor",
        c.STATUS: "free",
        c.SLOT_TYPE: "non_urgent",
    }
    return _frame(APPOINTMENT_SLOTS.name, defaults, list(rows))


def free_slots(*times: datetime, **overrides: Any) -> list[dict[str, Any]]:
    """Free non-urgent slots at ``times``, all with the same other columns. Use with :func:`slots`."""
    return [slot(t, **overrides) for t in times]


def book(
    book_id: str, days: Iterable[int], *, unit: str = "u1", captured_at: datetime = CAPTURED
) -> list[dict[str, Any]]:
    """Free slots of one book at 09:00 on the given days after :data:`MONDAY`'s date."""
    day0 = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 9, 0)
    return [slot(day0 + timedelta(days=d), book_id=book_id, unit_id=unit, captured_at=captured_at) for d in days]


# --- survey answers -----------------------------------------------------------


def answers(
    scores: Sequence[float | None], *, weights: Sequence[float | None] | None = None, **columns: Sequence[Any]
) -> pl.DataFrame:
    """A canonical survey-answer frame with these scores (Float64, as readers make them).

    ``weights`` adds the optional ``weight`` column; other keyword arguments
    give whole columns (``respondent=[...]``, ``unit_id=[...]``).
    """
    n = len(scores)
    defaults = {
        c.REGION_CODE: "01",
        c.UNIT_ID: "u1",
        c.ANSWERED_AT: datetime(2024, 3, 4, 12, 0),
        c.RESPONDENT: "patient",
    }
    rows: list[dict[str, Any]] = []
    for i in range(n):
        row: dict[str, Any] = {c.RESPONSE_ID: f"r{i:03d}", c.SCORE: scores[i]}
        if weights is not None:
            row[c.WEIGHT] = weights[i]
        for name, values in columns.items():
            row[name] = values[i]
        rows.append(row)
    frame = _frame(SURVEY_ANSWERS.name, defaults, rows)
    if weights is None:
        frame = frame.drop(c.WEIGHT)
    for name in columns:
        if name not in frame.columns:  # a free column of an empty frame
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    return frame


# --- reading results ----------------------------------------------------------


def collected(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The frame, collected if lazy."""
    return frame.collect() if isinstance(frame, pl.LazyFrame) else frame


def only_row(frame: pl.DataFrame | pl.LazyFrame) -> dict[str, Any]:
    """The single row of a result, as a dict; fails unless there is exactly one row."""
    df = collected(frame)
    assert df.height == 1, f"expected one row, got {df.height}:\n{df}"
    return df.row(0, named=True)


def rows_by(frame: pl.DataFrame | pl.LazyFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """Rows keyed by the value (or tuple of values) of ``keys``; fails on duplicate keys."""
    df = collected(frame)
    out: dict[Any, dict[str, Any]] = {}
    for row in df.iter_rows(named=True):
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        assert key not in out, f"duplicate key {key!r} in\n{df}"
        out[key] = row
    return out


def subset(row: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The named entries of a row (a missing column fails with its name)."""
    missing = [name for name in names if name not in row]
    assert not missing, f"output lacks {missing}; it has {sorted(row)}"
    return {name: row[name] for name in names}


def is_null(value: Any) -> bool:
    """True for a polars null. NaN is not null: the contract promises nulls in frames."""
    return value is None
