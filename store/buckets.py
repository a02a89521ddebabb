"""Bucketed copies of the accepted extract rows, laid out for the aggregate engines.

Every accepted extract stays where the catalogue points to it
(``<data dir>/extracts/<table>/<sha256>.parquet``). Beside it this module keeps a
copy of its rows split so that each piece can be aggregated on its own:

- visits: ``buckets/visits/year=Y/bucket=K/<sha256>.parquet``, Y the calendar year
  of ``visit_at`` and K the patient's bucket, so all of a patient's visits of a
  year are in one piece (continuity needs nothing else);
- appointment slots: ``buckets/appointment_slots/bucket=K/<sha256>.parquet``, K
  the book's bucket (every snapshot of a book in one piece, as T3 needs);
- survey answers: ``buckets/survey_answers/region=R/<sha256>.parquet``.

A bucket is :data:`HASH_NAME` of the id's text modulo the table's bucket count
B: a documented, stable hash (polars' own ``hash()`` may change between
versions), so any worker, on any machine and polars version, files and finds an
id in the same bucket. B is chosen when a table's layout is built so that a
bucket holds about :data:`ROWS_PER_BUCKET` rows, and recorded with the extracts
the layout holds in ``<table>/_layout.json``. Files are written under a
temporary name and renamed; the layout file is written last, and only the
extracts it lists are read, so a write killed half-way leaves nothing that is
read.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl
import polars_hash as plh

from core import columns as c
from core.errors import InvalidInputError

HASH_NAME: Final = "xxh3_64"
"""The bucket hash: XXH3 64-bit (seed 0) of the id's UTF-8 text (an integer id: its decimal text)."""
ROWS_PER_BUCKET: Final = 2_000_000
"""Rows a bucket aims at: small enough to bound a task's memory, large enough to keep per-task costs small."""
NULL_PART: Final = "none"
"""The partition value of rows whose year or region is missing."""
LAYOUT_FILE: Final = "_layout.json"
BUCKETS_DIRECTORY: Final = "buckets"


@dataclass(frozen=True)
class Partitioning:
    """How one extract table is split: by a column's value (``by``) and/or by the bucket of an id column."""

    table: str
    id_column: str | None  # hashed into buckets; None: no buckets
    by: str | None  # the partition column written as ``<by>=<value>``; None: none
    by_expr: pl.Expr | None = None


PARTITIONINGS: Final = {
    "visits": Partitioning("visits", c.PATIENT_ID, "year", pl.col(c.VISIT_AT).dt.year().cast(pl.String)),
    "appointment_slots": Partitioning("appointment_slots", c.BOOK_ID, None),
    "survey_answers": Partitioning("survey_answers", None, "region", pl.col(c.REGION_CODE).cast(pl.String)),
}


@dataclass(frozen=True)
class Layout:
    """A table's bucketed layout as recorded: its bucket count and the extracts (checksums) it holds."""

    table: str
    buckets: int
    extracts: tuple[str, ...]


def bucket_of(ids: pl.Expr, buckets: int) -> pl.Expr:
    """The bucket (0 … ``buckets`` − 1, UInt32) of each id: :data:`HASH_NAME` of its text modulo ``buckets``.

    A missing id has bucket 0.
    """
    if buckets < 1:
        raise InvalidInputError(f"the bucket count must be at least 1, got {buckets}")
    texts: Any = plh.col(ids.meta.output_name()).cast(pl.String)  # the plugin's namespace is untyped
    hashed: pl.Expr = texts.nchash.xxh3_64()
    return (hashed % buckets).fill_null(0).cast(pl.UInt32)


def bucket_count(rows_per_part: int) -> int:
    """Buckets for a partition of ``rows_per_part`` rows: about :data:`ROWS_PER_BUCKET` rows each, at least one."""
    return max(1, math.ceil(rows_per_part / ROWS_PER_BUCKET))


def table_root(data_dir: Path, table: str) -> Path:
    return data_dir / BUCKETS_DIRECTORY / table


def read_layout(data_dir: Path, table: str) -> Layout | None:
    """The recorded layout of ``table``, or None when none has been built."""
    path = table_root(data_dir, table) / LAYOUT_FILE
    if not path.exists():
        return None
    recorded = json.loads(path.read_text(encoding="utf-8"))
    if recorded.get("hash") != HASH_NAME:
        raise InvalidInputError(
            f"{path}: the buckets were filed with the hash {recorded.get('hash')!r}, but this version files them "
            f"with {HASH_NAME!r}; delete {table_root(data_dir, table)} and run the aggregation again to rebuild them"
        )
    return Layout(table, int(recorded["buckets"]), tuple(recorded["extracts"]))


def _write_layout(data_dir: Path, layout: Layout) -> None:
    root = table_root(data_dir, layout.table)
    root.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"hash": HASH_NAME, "buckets": layout.buckets, "extracts": list(layout.extracts)}, indent=1)
    temporary = root / f".{LAYOUT_FILE}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, root / LAYOUT_FILE)


def write_extract(data_dir: Path, table: str, checksum: str, rows: pl.LazyFrame | pl.DataFrame, buckets: int) -> int:
    """File one extract's rows into ``table``'s buckets (``buckets`` of them); returns the pieces written.

    Writing the same extract again rewrites the same files. The layout file is not touched: see
    :func:`ensure_layout`.
    """
    part = PARTITIONINGS[table]
    frame = rows.lazy() if isinstance(rows, pl.DataFrame) else rows
    keys: list[pl.Expr] = []
    if part.by is not None and part.by_expr is not None:
        keys.append(part.by_expr.fill_null(NULL_PART).alias("_part"))
    if part.id_column is not None:
        keys.append(bucket_of(pl.col(part.id_column), buckets).alias("_bucket"))
    collected = frame.with_columns(keys).collect(engine="streaming")
    key_names = [name for name in ("_part", "_bucket") if name in collected.columns]
    pieces = collected.partition_by(key_names, as_dict=True, include_key=False) if key_names else {(): collected}
    root = table_root(data_dir, table)
    for values, piece in pieces.items():
        folder = root.joinpath(*_folder_names(part, dict(zip(key_names, values, strict=True))))
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{checksum}.parquet.tmp"
        piece.write_parquet(temporary)
        os.replace(temporary, folder / f"{checksum}.parquet")
    return len(pieces)


def _folder_names(part: Partitioning, values: dict[str, object]) -> list[str]:
    names = []
    if part.by is not None:
        names.append(f"{part.by}={values['_part']}")
    if part.id_column is not None:
        names.append(f"bucket={values['_bucket']}")
    return names


def ensure_layout(data_dir: Path, table: str, extracts: Sequence[Path]) -> Layout:
    """Bring ``table``'s buckets up to the catalogue's ``extracts`` (Parquet files named by their checksum).

    Extracts not yet in the layout are filed; the layout is rebuilt from scratch when there is none, or
    when its bucket count is no longer within a factor of two of what the data need (a partition grew or
    shrank). This is also how a store from before the buckets migrates: its first aggregation files
    every extract.
    """
    part = PARTITIONINGS[table]
    wanted = bucket_count(_largest_partition(extracts, part)) if part.id_column is not None else 1
    layout = read_layout(data_dir, table)
    if layout is None or not wanted / 2 < layout.buckets < wanted * 2:
        shutil.rmtree(table_root(data_dir, table), ignore_errors=True)
        layout = Layout(table, wanted, ())
    have = set(layout.extracts)
    added = [path for path in extracts if path.stem not in have]
    for path in added:
        write_extract(data_dir, table, path.stem, pl.scan_parquet(path), layout.buckets)
    if added or not (table_root(data_dir, table) / LAYOUT_FILE).exists():
        layout = Layout(table, layout.buckets, (*layout.extracts, *(path.stem for path in added)))
        _write_layout(data_dir, layout)
    return layout


def _largest_partition(extracts: Sequence[Path], part: Partitioning) -> int:
    """Rows in the largest ``by`` partition of the extracts (all rows when there is no ``by``)."""
    if not extracts:
        return 0
    frame = pl.scan_parquet(list(extracts))
    if part.by_expr is None:
        return int(frame.select(pl.len()).collect().item())
    counts = frame.group_by(part.by_expr.alias("_part")).agg(pl.len()).collect()
    return int(counts.select(pl.col("len").max().fill_null(0)).item())


def pieces(data_dir: Path, layout: Layout) -> list[list[Path]]:
    """The layout's pieces (one list of files per partition folder), each holding only recorded extracts."""
    root = table_root(data_dir, layout.table)
    recorded = set(layout.extracts)
    folders: dict[Path, list[Path]] = {}
    for path in sorted(root.rglob("*.parquet")):
        if path.stem in recorded:
            folders.setdefault(path.parent, []).append(path)
    return [files for _folder, files in sorted(folders.items())]
