"""T3: calendar days to the third next available non-urgent appointment.

Source: IHI, *Measure the Backlog*; THL's guidance as quoted by Lapin
hyvinvointialue (per professional group, the unit value is the median across
books, 182 days recorded when nothing can be booked). Conventions are in
docs/metrics.md: day 0 is the measurement date, same-day slots count unless
``exclude_same_day``, and each measurement reads each book as it was in its
latest snapshot at or before the measurement time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import APPOINTMENT_SLOTS, require_columns
from metrics._frames import Frame, check_int_option, collect_streaming, group_columns, local_naive, same_kind

THL_CENSORED_DAYS = 182
"""THL's reporting value for a book with no bookable time."""

_NEEDED = (c.CAPTURED_AT, c.BOOK_ID, c.SLOT_AT, c.STATUS, c.SLOT_TYPE)
_SLOT = "_slot_at"
_CAPTURED = "_captured_at"

MeasuredAt = dt.datetime | dt.date | Sequence[dt.datetime | dt.date] | pl.Series


def t3(
    slots: Frame,
    *,
    measured_at: MeasuredAt,
    horizon_end: dt.datetime | dt.date | None = None,
    exclude_same_day: bool = False,
    by: Sequence[str] = (c.BOOK_ID,),
    holidays: Sequence[dt.date] = (),
) -> Frame:
    """T3 per group (default: per appointment book) and measurement time.

    Definition: counted slots are ``free``, ``non_urgent`` and at or after the
    measurement time m (with ``exclude_same_day`` also on a later date than m;
    with ``horizon_end`` also no later than it, a date meaning the end of
    that day). ``t3_days`` = date(third counted slot) − date(m) in calendar
    days. Unit: days (Int64). With fewer than three counted slots,
    ``t3_days`` and ``third_slot_at`` are null and ``censored`` is true; the
    row is still there, with ``n_free``. ``t3_working_days`` counts
    Monday-Friday days (minus ``holidays``) after m's date through the slot
    date. Each book is read from its latest snapshot captured at or before m;
    a book with no such snapshot has no row for m. Returns the same kind of
    frame as the input, sorted by the ``by`` columns and ``measured_at``.
    """
    times = _measurement_times(measured_at)
    keys: list[str] = group_columns(by)
    if c.MEASURED_AT in keys:
        raise InvalidInputError(f"'by' may not name {c.MEASURED_AT!r}: it is added to every output")
    schema = APPOINTMENT_SLOTS.check(slots, _NEEDED)
    require_columns(slots, keys, table=APPOINTMENT_SLOTS.name)
    horizon = _horizon_bound(horizon_end)
    holiday_list = [_as_date(day, "holidays") for day in holidays]
    measured = pl.col(c.MEASURED_AT)
    slot = pl.col(_SLOT)

    # A slot counts when it is free and non-urgent (known from the row) and at or after the measurement
    # (known once the row is matched to the measurements that read its snapshot).
    bookable = (pl.col(c.STATUS) == "free") & (pl.col(c.SLOT_TYPE) == "non_urgent")
    if horizon is not None:
        bookable &= slot < horizon
    after = slot >= measured
    if exclude_same_day:
        after &= slot.dt.date() > measured.dt.date()
    group = [*keys, c.MEASURED_AT]
    output = pl.Schema(
        {
            **{key: schema[key] for key in keys},
            c.MEASURED_AT: pl.Datetime("us"),
            "t3_days": pl.Int64(),
            "censored": pl.Boolean(),
            "third_slot_at": pl.Datetime("us"),
            "n_free": pl.Int64(),
            "t3_working_days": pl.Int64(),
            "snapshot_at": pl.Datetime("us"),
        }
    )

    def finish(per_group: pl.DataFrame) -> pl.DataFrame:
        return (
            per_group.with_columns(
                (pl.col("third_slot_at").dt.date() - measured.dt.date())
                .dt.total_days()
                .cast(pl.Int64)
                .alias("t3_days"),
                (pl.col("n_free") < 3).alias("censored"),
                pl.business_day_count(
                    measured.dt.date() + pl.duration(days=1),
                    pl.col("third_slot_at").dt.date() + pl.duration(days=1),
                    holidays=holiday_list,
                )
                .cast(pl.Int64)
                .alias("t3_working_days"),
            )
            .select(output.names())
            .sort(group, nulls_last=True)
        )

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        frame = frame.with_columns(
            local_naive(c.SLOT_AT, schema[c.SLOT_AT]).alias(_SLOT),
            local_naive(c.CAPTURED_AT, schema[c.CAPTURED_AT]).alias(_CAPTURED),
        )
        return pl.defer(lambda: finish(_per_group(frame, keys, times, bookable, after)), schema=output)

    return same_kind(slots, build)


def t3_summary(
    slots: Frame,
    *,
    measured_at: MeasuredAt,
    by: Sequence[str] = (c.UNIT_ID,),
    horizon_end: dt.datetime | dt.date | None = None,
    exclude_same_day: bool = False,
    censored_days: int | None = None,
    holidays: Sequence[dt.date] = (),
) -> Frame:
    """Unit-level T3: the median of the books' T3 per ``by`` group and measurement time.

    T3 is computed per book (see :func:`t3`), then summarised: ``n_books``,
    ``n_censored``, ``t3_median_days`` (Finnish practice) and
    ``t3_mean_days`` (the IHI style). With ``censored_days=None`` censored
    books are left out of the median and mean and only counted; with
    ``censored_days=182`` (THL's convention, :data:`THL_CENSORED_DAYS`) they
    enter as that many days. Unit: days (Float64); null when no book
    contributes. Returns the same kind of frame as the input.
    """
    keys: list[str] = group_columns(by)
    if censored_days is not None:
        censored_days = check_int_option("censored_days", censored_days, minimum=0)
    book_keys = keys if c.BOOK_ID in keys else [*keys, c.BOOK_ID]

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        per_book = t3(
            frame,
            measured_at=measured_at,
            horizon_end=horizon_end,
            exclude_same_day=exclude_same_day,
            by=book_keys,
            holidays=holidays,
        )
        return _summarise_books(per_book, keys, censored_days)

    return same_kind(slots, build)


def t3_from_books(per_book: Frame, *, by: Sequence[str] = (c.UNIT_ID,), censored_days: int | None = None) -> Frame:
    """:func:`t3_summary`'s output from per-book T3 rows (:func:`t3` with ``by`` including ``book_id``).

    The per-book rows are T3's partial aggregates: each book's snapshots are read whole by one task (the
    slots are bucketed by book), the rows of all tasks are concatenated, and the medians are taken here,
    on the driver. Returns the same kind of frame as the input.
    """
    keys: list[str] = group_columns(by)
    if censored_days is not None:
        censored_days = check_int_option("censored_days", censored_days, minimum=0)
    return same_kind(per_book, lambda frame: _summarise_books(frame, keys, censored_days))


def _summarise_books(per_book: pl.LazyFrame, keys: list[str], censored_days: int | None) -> pl.LazyFrame:
    substitute = pl.lit(censored_days, dtype=pl.Int64) if censored_days is not None else pl.lit(None, pl.Int64)
    value = pl.when(pl.col("censored")).then(substitute).otherwise(pl.col("t3_days"))
    return (
        per_book.group_by([*keys, c.MEASURED_AT])
        .agg(
            pl.len().cast(pl.Int64).alias("n_books"),
            pl.col("censored").sum().cast(pl.Int64).alias("n_censored"),
            value.median().cast(pl.Float64).alias("t3_median_days"),
            value.mean().cast(pl.Float64).alias("t3_mean_days"),
        )
        .with_columns(pl.lit(censored_days, dtype=pl.Int64).alias("censored_days"))
        .sort([*keys, c.MEASURED_AT], nulls_last=True)
    )


def _per_group(
    frame: pl.LazyFrame, keys: list[str], times: list[dt.datetime], bookable: pl.Expr, after: pl.Expr
) -> pl.DataFrame:
    """Per ``by`` group and measurement: ``n_free``, ``third_slot_at`` and ``snapshot_at``.

    A first read keeps the first row of every run of rows from one snapshot, which is enough to know
    every snapshot (a snapshot's rows usually sit together, so those are few; any row order gives the
    same result). A second read takes the bookable slots of the snapshots in use only, filtered on
    their capture times, so that few rows are kept.
    """
    other_keys = [key for key in keys if key != c.BOOK_ID]
    snapshot = [c.BOOK_ID, _CAPTURED, *other_keys]
    group = [*keys, c.MEASURED_AT]
    repeat = pl.all_horizontal(pl.col(name).eq_missing(pl.col(name).shift(1)) for name in snapshot)
    snapshots = (
        # A snapshot captured after the last measurement is never in use.
        collect_streaming(
            frame.filter(pl.col(_CAPTURED) <= max(times)).select(snapshot).filter(~repeat.fill_null(False))
        ).unique()
    )
    in_use = _snapshots_in_use(snapshots, times)
    # Every (group, measurement) with a snapshot in use, whatever its slots: censored groups too.
    groups = (
        in_use.join(snapshots, on=[c.BOOK_ID, _CAPTURED], how="inner")
        .group_by(group)
        .agg(pl.col(_CAPTURED).max().alias("snapshot_at"))
    )
    slot = pl.col(_SLOT)
    # Read the bookable slots of the snapshots in use only: the capture times filter most rows out (after
    # the caller's own expressions, which see whole batches: see collect_streaming).
    captures = in_use[_CAPTURED].unique().implode()
    counted = (
        collect_streaming(frame.filter(pl.col(_CAPTURED).is_in(captures) & bookable).select(*snapshot, _SLOT))
        .join(in_use, on=[c.BOOK_ID, _CAPTURED], how="inner")
        .filter(after)
        .group_by(group)
        .agg(pl.len().cast(pl.Int64).alias("n_free"), slot.bottom_k(3).max().alias("_third"))
    )
    return groups.join(counted, on=group, how="left", nulls_equal=True).with_columns(
        pl.col("n_free").fill_null(0),
        pl.when(pl.col("n_free") >= 3).then(pl.col("_third")).alias("third_slot_at"),
    )


def _snapshots_in_use(snapshots: pl.DataFrame, times: list[dt.datetime]) -> pl.DataFrame:
    """Per book and measurement time, the capture time of the latest snapshot at or before it."""
    captures = snapshots.select(c.BOOK_ID, _CAPTURED).unique().sort(_CAPTURED)
    measurements = pl.DataFrame({c.MEASURED_AT: times}, schema={c.MEASURED_AT: pl.Datetime("us")})
    return (
        captures.select(c.BOOK_ID)
        .unique()
        .join(measurements, how="cross")
        .sort(c.MEASURED_AT)
        .join_asof(
            captures,
            left_on=c.MEASURED_AT,
            right_on=_CAPTURED,
            by=c.BOOK_ID,
            strategy="backward",
            check_sortedness=False,
        )
        .filter(pl.col(_CAPTURED).is_not_null())
    )


def _measurement_times(measured_at: MeasuredAt) -> list[dt.datetime]:
    if isinstance(measured_at, dt.date | dt.datetime):
        values: list[object] = [measured_at]
    elif isinstance(measured_at, pl.Series):
        values = measured_at.to_list()
    elif isinstance(measured_at, Sequence) and not isinstance(measured_at, str):
        values = list(measured_at)
    else:
        raise InvalidInputError(
            f"measured_at must be a datetime, a date or a sequence of them, got {type(measured_at).__name__}"
        )
    if not values:
        raise InvalidInputError("measured_at is empty: give at least one measurement time")
    return sorted({_as_naive_datetime(value) for value in values})


def _as_naive_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo("Europe/Helsinki")).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raise InvalidInputError(f"measured_at values must be datetimes or dates, got {value!r}")


def _horizon_bound(horizon_end: dt.datetime | dt.date | None) -> dt.datetime | None:
    """Exclusive upper bound for slot times: a datetime counts itself, a date its whole day."""
    if horizon_end is None:
        return None
    if isinstance(horizon_end, dt.datetime):
        return _as_naive_datetime(horizon_end) + dt.timedelta(microseconds=1)
    if isinstance(horizon_end, dt.date):
        return dt.datetime.combine(horizon_end + dt.timedelta(days=1), dt.time())
    raise InvalidInputError(f"horizon_end must be a datetime, a date or None, got {horizon_end!r}")


def _as_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInputError(f"{name} must hold dates, got {value!r}")
    return value
