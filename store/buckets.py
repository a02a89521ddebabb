"""Bucketed copies of the accepted extract rows, laid out for the aggregate engines.

Every accepted extract stays where the catalogue points to it
(``<data dir>/extracts/<table>/<sha256>.parquet``). Beside it this module keeps a
copy of its rows split so that each piece can be aggregated on its own, under
each data set's own folder (:func:`dataset_root`, ``<data dir>/buckets/set-<name>/``):

- visits: ``visits/year=Y/bucket=K/<sha256>-<n>.parquet``, Y the calendar year
  of ``visit_at`` and K the patient's bucket, so all of a patient's visits of a
  year are in one piece (continuity needs nothing else);
- appointment slots: ``appointment_slots/bucket=K/<sha256>-<n>.parquet``, K
  the book's bucket (every snapshot of a book in one piece, as T3 needs);
- survey answers: ``survey_answers/region=R/<sha256>-<n>.parquet``.

A bucket is :data:`HASH_NAME` of the id's text modulo the table's bucket count
B: a documented, stable hash (polars' own ``hash()`` may change between
versions), so any worker, on any machine and polars version, files and finds an
id in the same bucket. B is chosen when a table's layout is built so that a
bucket holds about :data:`ROWS_PER_BUCKET` rows, and recorded with the extracts
the layout holds in ``<table>/_layout.json``. The layout file is written last
(under a temporary name, then renamed), and only the extracts it lists are
read, so a filing killed half-way leaves nothing that is read.
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
from urllib.parse import quote

import polars as pl
import polars_hash as plh
import pyarrow.parquet as pq
from polars.io.partition import FileProviderArgs

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
    """How one extract table is split: by a column's value (``by``) and/or by the bucket of an id column.

    ``by_expr`` computes the partition value from the one column ``by_source``, and never decreases as that
    column grows (a year of a time, a code itself), so a row group whose smallest and largest values give
    the same partition value holds rows of that value only (see :func:`_largest_partition`).
    """

    table: str
    id_column: str | None  # hashed into buckets; None: no buckets
    by: str | None  # the partition column written as ``<by>=<value>``; None: none
    by_expr: pl.Expr | None = None
    by_source: str | None = None


PARTITIONINGS: Final = {
    "visits": Partitioning(
        "visits", c.PATIENT_ID, "year", pl.col(c.VISIT_AT).dt.year(), by_source=c.VISIT_AT
    ),  # a year is partitioned as a number: cheaper than as text, and the folder is named the same
    "appointment_slots": Partitioning("appointment_slots", c.BOOK_ID, None),
    "survey_answers": Partitioning(
        "survey_answers", None, "region", pl.col(c.REGION_CODE).cast(pl.String), by_source=c.REGION_CODE
    ),
}


@dataclass(frozen=True)
class Layout:
    """A table's bucketed layout as recorded: its bucket count, the extracts (checksums) it holds, their rows."""

    table: str
    buckets: int
    extracts: tuple[str, ...]
    rows: int = 0


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


def dataset_root(data_dir: Path, dataset: str) -> Path:
    """Where a data set's buckets live: ``<data dir>/buckets/set-<name, percent-encoded>`` (no data set's rows
    are ever filed with another's)."""
    return data_dir / BUCKETS_DIRECTORY / f"set-{quote(dataset, safe='')}"


def table_root(root: Path, table: str) -> Path:
    return root / table


def read_layout(root: Path, table: str) -> Layout | None:
    """The recorded layout of ``table``, or None when none has been built."""
    path = table_root(root, table) / LAYOUT_FILE
    if not path.exists():
        return None
    recorded = json.loads(path.read_text(encoding="utf-8"))
    if recorded.get("hash") != HASH_NAME:
        raise InvalidInputError(
            f"{path}: the buckets were filed with the hash {recorded.get('hash')!r}, but this version files them "
            f"with {HASH_NAME!r}; delete {table_root(root, table)} and run the aggregation again to rebuild them"
        )
    if "rows" not in recorded:  # written before the row count was recorded: file again
        return None
    return Layout(table, int(recorded["buckets"]), tuple(recorded["extracts"]), int(recorded["rows"]))


def _write_layout(root: Path, layout: Layout) -> None:
    folder = table_root(root, layout.table)
    folder.mkdir(parents=True, exist_ok=True)
    recorded = {"hash": HASH_NAME, "buckets": layout.buckets, "extracts": list(layout.extracts), "rows": layout.rows}
    text = json.dumps(recorded, indent=1)
    temporary = folder / f".{LAYOUT_FILE}.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, folder / LAYOUT_FILE)


def write_extract(root: Path, table: str, checksum: str, rows: pl.LazyFrame | pl.DataFrame, buckets: int) -> None:
    """File one extract's rows into ``table``'s buckets (``buckets`` of them), streaming, in bounded memory.

    Each piece is ``<partition folders>/<checksum>-<n>.parquet`` (LZ4: the pieces are read back whole, and
    often). Files an earlier, interrupted filing of the same extract left are removed first, so writing
    an extract again gives the same pieces. The layout file is not touched: see :func:`ensure_layout`.
    """
    part = PARTITIONINGS[table]
    folder = table_root(root, table)
    for stale in folder.glob(f"**/{checksum}-*.parquet"):
        stale.unlink()
    frame = rows.lazy() if isinstance(rows, pl.DataFrame) else rows
    keys: dict[str, pl.Expr] = {}
    if part.by is not None and part.by_expr is not None:
        keys[part.by] = part.by_expr  # a missing value is filed under NULL_PART (see piece_path)
    if part.id_column is not None:
        keys["bucket"] = bucket_of(pl.col(part.id_column), buckets)
    if not keys:
        folder.mkdir(parents=True, exist_ok=True)
        frame.sink_parquet(folder / f"{checksum}-0.parquet", compression="lz4")
        return

    def piece_path(piece: FileProviderArgs) -> str:
        values = piece.partition_keys.row(0, named=True)
        folders = "/".join(f"{name}={NULL_PART if values[name] is None else values[name]}" for name in keys)
        return f"{folders}/{checksum}-{piece.index_in_partition}.parquet"

    frame.sink_parquet(
        pl.PartitionBy(
            folder, key=keys, include_key=False, file_path_provider=piece_path, approximate_bytes_per_file=None
        ),
        compression="lz4",
        mkdir=True,
    )


def ensure_layout(root: Path, table: str, extracts: Sequence[Path]) -> Layout:
    """Bring ``table``'s buckets up to the catalogue's ``extracts`` (Parquet files named by their checksum).

    Extracts not yet in the layout are filed; the layout is rebuilt from scratch when there is none, or
    when its bucket count is no longer within a factor of two of what the data need (a partition grew or
    shrank). This is also how a store from before the buckets migrates: its first aggregation files
    every extract.
    """
    part = PARTITIONINGS[table]
    wanted = bucket_count(_largest_partition(extracts, part)) if part.id_column is not None else 1
    layout = read_layout(root, table)
    if layout is None or not wanted / 2 < layout.buckets < wanted * 2:
        shutil.rmtree(table_root(root, table), ignore_errors=True)
        layout = Layout(table, wanted, ())
    have = set(layout.extracts)
    added = [path for path in extracts if path.stem not in have]
    for path in added:
        write_extract(root, table, path.stem, pl.scan_parquet(path), layout.buckets)
    if added or not (table_root(root, table) / LAYOUT_FILE).exists():
        filed = _rows(added)
        layout = Layout(table, layout.buckets, (*layout.extracts, *(path.stem for path in added)), layout.rows + filed)
        _write_layout(root, layout)
    return layout


def _largest_partition(extracts: Sequence[Path], part: Partitioning) -> int:
    """Rows in the largest ``by`` partition of the extracts (all rows when there is no ``by``).

    A row group whose statistics show one partition value (the smallest and the largest value of
    ``by_source`` give the same one, and no value is missing) is counted from the file's metadata; only
    the other row groups are read.
    """
    if not extracts:
        return 0
    if part.by_expr is None:
        return _rows(extracts)
    counts: dict[str, int] = {}
    unread: list[pl.LazyFrame] = []
    for path in extracts:
        known, rest = _partition_rows_from_statistics(path, part)
        for value, rows in known.items():
            counts[value] = counts.get(value, 0) + rows
        unread.extend(rest)
    if unread:
        values = pl.concat([frame.select(part.by_expr.alias("_part")) for frame in unread])
        read = values.group_by("_part").agg(pl.len()).collect()
        for value, rows in read.iter_rows():
            key = NULL_PART if value is None else str(value)
            counts[key] = counts.get(key, 0) + int(rows)
    return max(counts.values(), default=0)


def _partition_rows_from_statistics(path: Path, part: Partitioning) -> tuple[dict[str, int], list[pl.LazyFrame]]:
    """The rows per partition value of the row groups of ``path`` whose statistics tell it, and lazy frames of
    the ``by_source`` column of the others."""
    assert part.by_expr is not None
    source = part.by_source
    with pq.ParquetFile(path) as file:
        metadata = file.metadata
        names = [metadata.schema.column(index).name for index in range(metadata.num_columns)]
        if source is None or source not in names:
            return {}, [pl.scan_parquet(path)]
        column = names.index(source)
        dtype = pl.read_parquet_schema(path)[source]
        known: dict[str, int] = {}
        unread: list[int] = []
        for group in range(metadata.num_row_groups):
            rows = metadata.row_group(group).num_rows
            statistics = metadata.row_group(group).column(column).statistics
            usable = (
                statistics is not None
                and statistics.has_min_max
                and statistics.has_null_count
                and statistics.null_count == 0
            )
            value = _one_partition(statistics.min, statistics.max, source, dtype, part.by_expr) if usable else None
            if value is None:
                unread.append(group)
            elif rows:
                known[value] = known.get(value, 0) + rows
        if not unread:
            return known, []
        frames = []
        for group in unread:
            table = file.read_row_group(group, columns=[source])
            frame = pl.from_arrow(table)
            assert isinstance(frame, pl.DataFrame)  # a table gives a frame
            frames.append(frame.lazy())
        return known, frames


def _one_partition(low: object, high: object, source: str, dtype: pl.DataType, by: pl.Expr) -> str | None:
    """The partition value of both ``low`` and ``high`` (values of ``source``), or None when they differ."""
    try:
        values = pl.DataFrame({source: [low, high]}, schema={source: dtype}).select(by.alias("_part")).to_series()
    except (pl.exceptions.PolarsError, TypeError, ValueError):  # statistics of a type polars does not take back
        return None
    first, last = values.to_list()
    return str(first) if first is not None and first == last else None


def _rows(paths: Sequence[Path]) -> int:
    """Rows in Parquet files (from their metadata)."""
    return int(pl.scan_parquet(list(paths)).select(pl.len()).collect().item()) if paths else 0


def checked_pieces(root: Path, layout: Layout) -> list[list[Path]]:
    """:func:`pieces`, refused unless they hold exactly the rows the layout recorded (none lost or added)."""
    found = pieces(root, layout)
    held = _rows([path for files in found for path in files])
    if held != layout.rows:
        folder = table_root(root, layout.table)
        raise InvalidInputError(
            f"{folder}: the buckets hold {held:,} rows, but {layout.rows:,} were filed into them; a piece was removed "
            f"or changed. Delete {folder} and run the aggregation again to file the extracts anew"
        )
    return found


def pieces(root: Path, layout: Layout) -> list[list[Path]]:
    """The layout's pieces (one list of files per partition folder), each holding only recorded extracts."""
    folder = table_root(root, layout.table)
    recorded = set(layout.extracts)
    folders: dict[Path, list[Path]] = {}
    for path in sorted(folder.rglob("*.parquet")):
        if path.stem.rpartition("-")[0] in recorded:
            folders.setdefault(path.parent, []).append(path)
    return [files for _folder, files in sorted(folders.items())]
