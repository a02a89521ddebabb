"""Reading and writing the store. Every write validates first, then runs in one transaction.

Frames go in and out as polars DataFrames; all SQL is built with SQLAlchemy
Core, so every value travels as a bound parameter.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa

from core.errors import InvalidInputError, MissingColumnsError
from store import tables

_POLARS_TYPES: Mapping[type[sa.types.TypeEngine[Any]], pl.DataType] = {
    sa.Integer: pl.Int64(),
    sa.Float: pl.Float64(),
    sa.String: pl.String(),
    sa.Text: pl.String(),
    sa.Date: pl.Date(),
    sa.DateTime: pl.Datetime("us"),
    sa.Boolean: pl.Boolean(),
}


def table_schema(table: sa.Table) -> dict[str, pl.DataType]:
    """The polars dtypes of a table's columns."""
    schema = {}
    for column in table.columns:
        for sa_type, dtype in _POLARS_TYPES.items():
            if isinstance(column.type, sa_type):
                schema[column.name] = dtype
                break
        else:  # a column added with a new type: say so here, not as a shape error when rows are read
            raise TypeError(
                f"store table {table.name}: column {column.name} has type {column.type}, not in _POLARS_TYPES"
            )
    return schema


def rows_for(table: sa.Table, frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Validate ``frame`` against ``table`` and turn it into parameter rows (NaN becomes NULL)."""
    required = [
        column.name
        for column in table.columns
        if not column.nullable and not (column.primary_key and column.autoincrement is True)
    ]
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise MissingColumnsError(table=f"store table {table.name}", missing=missing, available=frame.columns)
    unknown = [name for name in frame.columns if name not in table.columns]
    if unknown:
        raise InvalidInputError(
            f"store table {table.name} has no column(s) {', '.join(map(repr, unknown))}; "
            f"its columns are {', '.join(map(repr, table.columns.keys()))}"
        )
    _check_texts(table, frame)
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
    for name in required:
        nulls = [index for index, row in enumerate(rows) if row[name] is None]
        if nulls:
            raise InvalidInputError(
                f"store table {table.name}: column {name!r} may not be null, "
                f"but {len(nulls)} row(s) are (first at row {nulls[0] + 1})"
            )
    return rows


def _check_texts(table: sa.Table, frame: pl.DataFrame) -> None:
    """Refuse text either store would treat differently: a NUL byte (PostgreSQL refuses it, SQLite keeps it) or
    one longer than its column allows (PostgreSQL refuses it, SQLite keeps it whole)."""
    for name in frame.columns:
        column = table.columns[name]
        if not isinstance(column.type, sa.String) or frame.schema[name] != pl.String:
            continue
        values = frame[name]
        problems = [(values.str.contains("\x00", literal=True), "holds a NUL byte")]
        length = column.type.length
        if length is not None:
            problems.append((values.str.len_chars() > length, f"is longer than {length} characters"))
        for flags, what in problems:
            found = flags.fill_null(False)
            if found.any():
                first = int(found.arg_true()[0]) + 1
                raise InvalidInputError(
                    f"store table {table.name}: column {name!r} {what} in {int(found.sum())} row(s) "
                    f"(first at row {first}); the store takes text without NUL bytes"
                    + (f" and at most {length} characters" if length is not None else "")
                )


def replace_all(connection: sa.Connection, table: sa.Table, frame: pl.DataFrame) -> int:
    """Replace every row of ``table`` with ``frame`` inside the caller's transaction."""
    rows = rows_for(table, frame)
    connection.execute(table.delete())
    if rows:
        connection.execute(table.insert(), rows)
    return len(rows)


def replace_where(connection: sa.Connection, table: sa.Table, frame: pl.DataFrame, **equals: object) -> int:
    """Replace the rows of ``table`` matching ``equals`` with ``frame`` inside the caller's transaction."""
    rows = rows_for(table, frame)
    for row in rows:
        for key, value in equals.items():
            if row.get(key) != value:
                raise InvalidInputError(
                    f"store table {table.name}: a row has {key}={row.get(key)!r}, expected {value!r}"
                )
    connection.execute(table.delete().where(*(table.c[key] == value for key, value in equals.items())))
    if rows:
        connection.execute(table.insert(), rows)
    return len(rows)


def read_table(
    engine: sa.Engine | sa.Connection,
    table: sa.Table,
    *,
    order_by: Iterable[str] = (),
    where: Iterable[sa.ColumnElement[bool]] = (),
    **equals: object,
) -> pl.DataFrame:
    """Rows of ``table`` whose columns equal ``equals`` and that meet ``where``, as a frame with the table's dtypes.

    ``engine`` may be a connection, so that several reads share its transaction (one snapshot).
    """
    unknown = [key for key in equals if key not in table.columns]
    if unknown:
        raise InvalidInputError(f"store table {table.name} has no column(s) {unknown}")
    query = sa.select(table).where(*(table.c[key] == value for key, value in equals.items()), *where)
    query = query.order_by(*(table.c[name] for name in order_by))
    schema = table_schema(table)
    # The driver's rows as they come: SQLAlchemy's per-value result processing (a Python call for every
    # cell) was most of the dashboard's start-up on the large result tables.
    if isinstance(engine, sa.Connection):
        rows = engine.execute(query).cursor.fetchall()
    else:
        with engine.connect() as connection:
            rows = connection.execute(query).cursor.fetchall()
    if engine.dialect.name != "sqlite":
        return pl.DataFrame(rows, schema=schema, orient="row")
    # SQLite keeps dates and times as ISO text (SQLAlchemy's format); polars parses them column-wise.
    as_text = {name: pl.String() if dtype.is_temporal() else dtype for name, dtype in schema.items()}
    frame = pl.DataFrame(rows, schema=as_text, orient="row")
    return frame.with_columns(
        pl.col(name).str.to_datetime(_SQLITE_DATETIME, time_unit="us")
        if isinstance(dtype, pl.Datetime)
        else pl.col(name).str.to_date(_SQLITE_DATE)
        for name, dtype in schema.items()
        if dtype.is_temporal()
    )


_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.f"
_SQLITE_DATE = "%Y-%m-%d"


def save_indicator_series(
    engine: sa.Engine, indicator: Mapping[str, object], values: pl.DataFrame, *, fetched_at: dt.datetime
) -> int:
    """Store one indicator's metadata and replace its values, all or nothing.

    The series counts as fetched live unless ``indicator`` says ``recorded`` (the bundled copies).
    """
    source, indicator_id = indicator.get("source"), indicator.get("indicator_id")
    if not source or not indicator_id:
        raise InvalidInputError("indicator metadata needs 'source' and 'indicator_id'")
    wrong = values.filter((pl.col("source") != source) | (pl.col("indicator_id") != str(indicator_id)))
    if wrong.height:
        raise InvalidInputError(f"{wrong.height} value row(s) belong to another series than {source} {indicator_id}")
    meta = pl.DataFrame([{"recorded": False, **indicator, "indicator_id": str(indicator_id), "fetched_at": fetched_at}])
    with engine.begin() as connection:
        replace_where(connection, tables.indicators, meta, source=source, indicator_id=str(indicator_id))
        return replace_where(connection, tables.indicator_values, values, source=source, indicator_id=str(indicator_id))


def record_source_attempt(engine: sa.Engine, source: str, *, at: dt.datetime, error: str | None = None) -> None:
    """Remember a refresh attempt; a success moves ``last_success_at``, a failure keeps it."""
    table = tables.source_status
    with engine.begin() as connection:
        previous = connection.execute(sa.select(table.c.last_success_at).where(table.c.source == source)).first()
        last_success = at if error is None else (previous[0] if previous else None)
        connection.execute(table.delete().where(table.c.source == source))
        connection.execute(
            table.insert().values(source=source, last_success_at=last_success, last_attempt_at=at, last_error=error)
        )
