"""The reader engine: CSV chunks or Parquet batches in, converted and checked, kept rows staged as one Parquet file."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import queue
import shutil
import tempfile
import threading
import weakref
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, NamedTuple, TypeVar

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from polars.io.plugins import register_io_source

from core.errors import DashboardError, DataSourceError, InvalidInputError
from core.settings import DEFAULT_EARLIEST_DATE, DEFAULT_SLOT_HORIZON_YEARS
from data_sources.extracts.common import (
    CANONICAL,
    EXTRA,
    PARQUET_BATCH_ROWS,
    ROW,
    ExtractError,
    ExtractResult,
    ReadSpec,
    Sniffed,
    _first_line,
    check_horizon,
    check_today,
    staged_writer,
    table_dtypes,
)
from data_sources.extracts.conversion import _Converter, _empty_text_as_null
from data_sources.extracts.sniffing import header_columns
from data_sources.extracts.tally import _Suspects, _Tally

ENCODINGS: Final = ("auto", "utf-8", "latin-1")
#: 16 MiB: smaller chunks cost more calls, larger ones fresh memory (each large block is a new mapping whose
#: pages fault in one by one); at 16 MiB the import used the least CPU and half the memory of 64 MiB.
CHUNK_BYTES: Final = 16 << 20
ROW_GROUP_ROWS: Final = 500_000
MAX_RECORD_BYTES: Final = 256 << 20  # a "record" this long means an unclosed quote


def run_reader(
    sniffed: Sniffed,
    spec: ReadSpec,
    *,
    separator: str,
    encoding: str,
    today: dt.date | None,
    staging_dir: Path | None = None,
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE,
    slot_horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS,
) -> ExtractResult:
    """Read, convert and check every chunk, write the kept rows once, and build the result and its report."""
    if encoding not in ENCODINGS:
        raise InvalidInputError(f"encoding must be one of {', '.join(ENCODINGS)}, got {encoding!r}")
    day = check_today(today)
    earliest = check_today(earliest_date, "earliest_date")
    horizon = check_horizon(slot_horizon_years)
    staging = _Staging(staging_dir)
    tally = _Tally(spec, suspects=_Suspects(staging.folder / "suspects.parquet"))
    converter = _Converter(
        sniffed.path,
        spec,
        day,
        decimal_comma=sniffed.file_format == "csv" and separator == ";",
        earliest=earliest,
        horizon_years=horizon,
    )
    csv_source = (
        _CsvSource(sniffed, spec, separator=separator, encoding=encoding) if sniffed.file_format == "csv" else None
    )
    chunks = csv_source.chunks() if csv_source is not None else _parquet_chunks(sniffed, spec)
    schema = table_dtypes(spec.table)
    names = list(schema)
    large = sniffed.size > CHUNK_BYTES
    checked = (converter.convert(chunk.rows, control_free=chunk.control_free) for chunk in chunks)
    # A large file's chunks go through four threads: reading and parsing, converting and checking (one chunk
    # ahead), counting here (the tally is kept in file order), and encoding the kept rows.
    stream = _prefetch(checked, name="extract-converter") if large else checked
    try:
        with _ParquetOutput(staging.output, schema, background=large) as output:
            for converted in stream:
                kept = tally.add(converted)
                if kept.height:
                    output.write(kept.select(names))
    finally:  # after a failure, stop the threads now, in the order they feed each other, and close the file
        for source in (stream, checked, chunks):
            if isinstance(source, Generator):
                source.close()
    restored = tally.resolve_suspects(staging.output)
    tally.suspects.discard()
    if restored.height:
        _append_rows(staging.output, restored.select(names))
    report = tally.finish(sniffed, converter.checks, encoding=csv_source.encoding_used if csv_source else None)
    return ExtractResult(
        data=_staged_frame(staging, schema), report=report, parquet_file=staging.output, _keep_alive=staging
    )


class _Chunk(NamedTuple):
    """One chunk of raw rows; ``control_free``: its bytes prove that no value holds a control character."""

    rows: pl.DataFrame
    control_free: bool = False


class _Staging:
    """A temporary folder holding the kept rows; deleted when the last object referring to it is gone."""

    def __init__(self, parent: Path | None) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="dashboard-extract-", dir=parent))
        self.output = self.folder / "extract.parquet"
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.folder, ignore_errors=True)


class _ParquetOutput:
    """The kept rows, written chunk by chunk into one zstd Parquet file (row groups of ROW_GROUP_ROWS or more).

    With ``background=True`` the encoding runs on a helper thread, overlapping the parsing of the next
    chunk (pyarrow releases the interpreter lock while it encodes); otherwise it runs at once.
    """

    def __init__(self, path: Path, schema: Mapping[str, pl.DataType], *, background: bool) -> None:
        self.path = path
        self.schema = pl.DataFrame(schema=dict(schema)).to_arrow(compat_level=pl.CompatLevel.newest()).schema
        self.writer = staged_writer(path, self.schema)
        self.background = background
        self.pending: queue.Queue[pa.Table | None] = queue.Queue(maxsize=2)
        self.errors: list[BaseException] = []
        self.thread: threading.Thread | None = None

    def write(self, frame: pl.DataFrame) -> None:
        table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
        if not self.background:
            self._write(table)
            return
        if self.thread is None:
            self.thread = threading.Thread(target=self._work, name="extract-writer", daemon=True)
            self.thread.start()
        self._raise_errors()
        self.pending.put(table)

    def _write(self, table: pa.Table) -> None:
        try:
            self.writer.write_table(table.cast(self.schema), row_group_size=table.num_rows)
        except (OSError, pa.ArrowException) as exc:
            raise DataSourceError(
                source="extract staging", request=f"writing {self.path.name}", reason=str(exc)
            ) from exc

    def _work(self) -> None:
        waiting: list[pa.Table] = []  # chunks are smaller than a good row group: write several at once
        while True:
            table = self.pending.get()
            if table is not None:
                waiting.append(table)
                if sum(item.num_rows for item in waiting) < ROW_GROUP_ROWS:
                    continue
            if waiting and not self.errors:  # after an error, only drain, so the reading thread never blocks
                try:
                    self._write(pa.concat_tables(waiting))
                except BaseException as exc:  # handed to the reading thread, which raises it
                    self.errors.append(exc)
            waiting = []
            if table is None:
                return

    def _raise_errors(self) -> None:
        if self.errors:
            raise self.errors[0]

    def __enter__(self) -> _ParquetOutput:
        return self

    def __exit__(self, exc_type: object, *_exc_info: object) -> None:
        if self.thread is not None:
            self.pending.put(None)
            self.thread.join()
        try:
            self.writer.close()
        except (OSError, pa.ArrowException) as exc:
            self.errors.append(DataSourceError(source="extract staging", request="closing", reason=str(exc)))
        if exc_type is None:
            self._raise_errors()


def _append_rows(path: Path, rows: pl.DataFrame) -> None:
    """Rewrite ``path`` with ``rows`` added as a last row group (only after a 64-bit hash collision of two ids)."""
    rewritten = path.with_name(f"{path.name}.rewrite")
    source = pq.ParquetFile(path)
    with staged_writer(rewritten, source.schema_arrow) as writer:
        for group in range(source.num_row_groups):
            writer.write_table(source.read_row_group(group))
        writer.write_table(rows.to_arrow(compat_level=pl.CompatLevel.newest()).cast(source.schema_arrow))
    source.close()
    os.replace(rewritten, path)


def _staged_frame(staging: _Staging, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    """A lazy frame over the kept rows, read in batches; it keeps ``staging`` alive."""
    names = list(schema)

    def source(
        with_columns: list[str] | None, predicate: pl.Expr | None, n_rows: int | None, batch_size: int | None
    ) -> Iterator[pl.DataFrame]:
        if not staging.output.exists():
            raise ExtractError(staging.output, "the kept rows of this extract were deleted; read the extract again")
        frame = pl.scan_parquet(staging.output).select(with_columns if with_columns is not None else names)
        if predicate is not None:
            frame = frame.filter(predicate)
        if n_rows is not None:
            frame = frame.head(n_rows)
        yield from frame.collect_batches(chunk_size=batch_size or PARQUET_BATCH_ROWS)

    return register_io_source(source, schema=schema, is_pure=True, explain_name="staged extract")


# --------------------------------------------------------------------------- CSV chunks


class _CsvSource:
    """Reads a CSV file in record-aligned chunks, transcoded to UTF-8 on a background thread, parsed by polars."""

    def __init__(self, sniffed: Sniffed, spec: ReadSpec, *, separator: str, encoding: str) -> None:
        self.path = sniffed.path
        self.sniffed = sniffed
        self.layout = spec.layout
        self.separator = separator
        self.header = header_columns(sniffed, separator)
        self.bom_decided = sniffed.has_bom and encoding == "auto"
        if self.bom_decided:
            encoding = "utf-8"
        self.requested = encoding
        self.encoding: str | None = encoding if encoding != "auto" else None
        self.non_ascii = False
        positions = {name: index for index, name in enumerate(self.header)}
        self.selected = [name for name in spec.sources if name in positions]
        self.indices = [positions[name] for name in self.selected]
        self.schema = {f"column_{index}": pl.String() for index in range(len(self.header) + 1)}
        self._rename = {f"column_{index}": name for index, name in zip(self.indices, self.selected, strict=True)}
        self._rename[f"column_{len(self.header)}"] = EXTRA

    def chunks(self) -> Iterator[_Chunk]:
        """Parsed chunks; a file larger than one chunk is read, transcoded and parsed on a background thread,
        so that parsing the next chunk overlaps converting and checking this one."""
        frames = self._frames()
        return _prefetch(frames) if self.sniffed.size > CHUNK_BYTES else frames

    def _frames(self) -> Iterator[_Chunk]:
        first_row = 1
        for data in self._byte_chunks():
            frame = self._parse(data, first_row)
            first_row += frame.height
            yield _Chunk(frame, control_free=_control_free(data))

    def _parse(self, data: bytes, first_row: int) -> pl.DataFrame:
        quoted = b'"' in data  # one memchr; an empty quoted value needs a quote
        try:
            frame = pl.read_csv(
                data,
                has_header=False,
                separator=self.separator,
                schema=self.schema,
                columns=[*self.indices, len(self.header)],
                row_index_name=ROW,
                row_index_offset=first_row,
                raise_if_empty=False,
                missing_columns="insert",
                quote_char='"' if quoted else None,  # without quotes the parser takes a faster path
            )
        except Exception as exc:  # polars raises ComputeError and others: try Python's csv module
            return self._parse_slowly(data, first_row, exc)
        frame = frame.rename(self._rename)
        # b'""' is searched only where a quote is: the two-byte search scans the whole chunk (15 ms in 16 MiB)
        return _empty_text_as_null(frame, self.selected) if quoted and b'""' in data else frame

    def _parse_slowly(self, data: bytes, first_row: int, exc: Exception) -> pl.DataFrame:
        """A chunk polars refuses (a stray quote inside an unquoted value, several surplus fields) read by Python's
        csv module, with the same columns; if that fails too, the error names the row."""
        try:
            text = data.decode("utf-8")
            records = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.separator, strict=True))
        except (UnicodeDecodeError, csv.Error):
            raise self._diagnose(data, first_row, exc) from exc
        width = len(self.header)
        columns: dict[str, list[str | None]] = {
            name: [record[index] or None if index < len(record) else None for record in records]
            for index, name in zip(self.indices, self.selected, strict=True)
        }
        columns[EXTRA] = [next((value for value in record[width:] if value), None) for record in records]
        rows = pl.Series(ROW, range(first_row, first_row + len(records)), dtype=pl.UInt32)
        return pl.DataFrame(columns, schema=dict.fromkeys(columns, pl.String())).insert_column(0, rows)

    def _byte_chunks(self) -> Iterator[bytes]:
        """Record-aligned chunks of about CHUNK_BYTES, as UTF-8; blank lines at the end of the file are left out.

        The file is read into one reused buffer, so each chunk costs a single new allocation (fresh memory
        is what makes copies slow here); a chunk is held back until the next one is found, so the last one
        is known when it is handed over.
        """
        buffer = bytearray(min(CHUNK_BYTES, max(self.path.stat().st_size - self.sniffed.data_offset, 0) + 1))
        filled = 0
        pending: bytes | None = None
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.sniffed.data_offset)
                while True:
                    with memoryview(buffer) as view:
                        filled += handle.readinto(view[filled:])
                    if filled < len(buffer):  # the end of the file
                        break
                    cut = _record_boundary(buffer)
                    if cut <= 0:  # no complete record in the buffer: make room for a longer one
                        if len(buffer) >= MAX_RECORD_BYTES:
                            raise ExtractError(
                                self.path,
                                f"no line break outside quotes in {len(buffer) >> 20} MiB from byte "
                                f'{handle.tell() - len(buffer)}: an unclosed quote (")?',
                                key="unclosed_quote",
                            )
                        buffer.extend(bytes(len(buffer)))
                        continue
                    if pending is not None:
                        yield self._transcode(pending)
                    with memoryview(buffer) as view:
                        pending = bytes(view[:cut])
                    buffer[: filled - cut] = buffer[cut:filled]
                    filled -= cut
        except OSError as exc:
            raise ExtractError(self.path, f"reading failed: {exc.strerror or exc}", key="read_failed") from exc
        with memoryview(buffer) as view:
            tail = bytes(view[:filled])
        if pending is not None:
            if not tail.strip(b"\r\n"):
                pending, tail = _without_blank_end(pending), b""
            yield self._transcode(pending)
        tail = _without_blank_end(tail)
        if tail.strip(b"\r\n"):
            yield self._transcode(tail)

    @property
    def encoding_used(self) -> str:
        """The encoding the file was read in; ``"ascii"`` when every byte is ASCII (latin-1 and UTF-8 agree)."""
        return (self.encoding or "utf-8") if self.non_ascii else "ascii"

    def _transcode(self, data: bytes) -> bytes:
        """``data`` as UTF-8. Work is done in slices of 64 KiB: a codec call holds the interpreter lock, and
        one call over a whole chunk would stall the thread that drives polars for tens of milliseconds."""
        if data.isascii():
            return data
        self.non_ascii = True
        view = memoryview(data)
        if self.encoding is None:  # "auto": the first chunk with non-ASCII bytes decides
            self.encoding = "utf-8" if _is_utf8(view) else "latin-1"
        if self.encoding == "latin-1":
            return b"".join(
                str(view[start : start + _CODEC_SLICE_BYTES], "latin-1").encode("utf-8")
                for start in range(0, len(view), _CODEC_SLICE_BYTES)
            )
        return data

    def _diagnose(self, data: bytes, first_row: int, exc: Exception) -> ExtractError:
        """Find the row and column a chunk failed on, for the error message."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            before = data[: err.start].decode("utf-8", errors="replace")
            row, column = self._position(before, first_row)
            byte = data[err.start]
            reason = f"byte 0x{byte:02X} is not valid UTF-8"
            if self.bom_decided:
                reason += (
                    ", although the file starts with a UTF-8 byte-order mark; save it as UTF-8 throughout "
                    "(or without the mark if it is latin-1)"
                )
            elif self.requested == "auto":
                reason += (
                    ", although earlier rows were read as UTF-8; the file mixes encodings "
                    "(pass encoding='latin-1' or 'utf-8' to decide)"
                )
            elif self.layout == CANONICAL:
                reason += (
                    "; canonical CSV files must be UTF-8 "
                    "(Avohilmo extracts, ';'-separated and latin-1, are recognised by their header)"
                )
            else:
                reason += "; read the file as encoding='latin-1'"
            return ExtractError(self.path, reason, row=row, column=column)
        records = 0
        try:
            for _record in csv.reader(io.StringIO(text, newline=""), delimiter=self.separator, strict=True):
                records += 1
        except csv.Error as err:
            problem = str(err)
            if "field larger than field limit" in problem:
                problem = 'a value runs on for more than 128 KiB: an unclosed quote (")?'
            return ExtractError(
                self.path, f"the row cannot be parsed ({problem}); check its quotes", row=first_row + records
            )
        last = first_row + max(records - 1, 0)
        return ExtractError(self.path, f"rows {first_row}-{last} cannot be parsed: {_first_line(exc)}")

    def _position(self, before: str, first_row: int) -> tuple[int, str | None]:
        try:
            records = list(csv.reader(io.StringIO(before, newline=""), delimiter=self.separator))
        except csv.Error:  # a value too long for the csv module: count lines instead, without a column
            return first_row + before.count("\n"), None
        if not records:
            return first_row, self.header[0] if self.header else None
        fields = len(records[-1])
        column = self.header[fields - 1] if 0 < fields <= len(self.header) else None
        return first_row + len(records) - 1, column


_SLICE_BYTES: Final = 1 << 20
#: A codec call holds the interpreter lock throughout; the converting thread needs it back after every polars
#: call (dozens per chunk), so a slice of 1 MiB (about 1 ms) made it wait. 64 KiB cost the same in all.
_CODEC_SLICE_BYTES: Final = 1 << 16


def _control_free(data: bytes) -> bool:
    """Whether ``data`` (a chunk of UTF-8 records) proves that none of its values holds a control character.

    True when the bytes hold no quote, no DEL and no byte below 0x20 but the line feed: every line feed then
    ends a record, so no value holds U+0000-U+001F or U+007F (in UTF-8 these are single bytes, never part of
    a longer sequence). A carriage return, a tab or a quote anywhere gives False, and the values are checked
    one by one. Three vectorised passes over the chunk, in slices, cost about 2 ms in 16 MiB; checking each
    id and text column for the characters cost about ten times as much.
    """
    if b'"' in data or b"\x7f" in data:
        return False
    values = np.frombuffer(data, dtype=np.uint8)
    work = np.empty(min(len(values), _SLICE_BYTES), dtype=np.uint8)
    for start in range(0, len(values), _SLICE_BYTES):
        part = values[start : start + _SLICE_BYTES]
        out = work[: len(part)]
        # x ^ 0x0A maps the line feed to 0 and every other byte below 0x20 to 1-0x1F, the rest to 0x20 or more;
        # minus 1 (wrapping) then puts exactly the other control bytes below 0x1F.
        np.bitwise_xor(part, 0x0A, out=out)
        np.subtract(out, 1, out=out)
        if out.min() < 0x1F:
            return False
    return True


def _is_utf8(view: memoryview) -> bool:
    """Whether the bytes are valid UTF-8, checked slice by slice (a sequence may span two slices)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(view), _SLICE_BYTES):
            decoder.decode(view[start : start + _SLICE_BYTES])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _without_blank_end(data: bytes) -> bytes:
    """``data`` without blank lines at its end (one line break after the last record stays)."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    rest = data[end:]
    return data if rest in (b"", b"\n", b"\r\n") else data[:end] + b"\n"


def _record_boundary(buffer: bytes | bytearray) -> int:
    """The end of the last complete record in ``buffer`` (after its line break), or -1: a line break outside quotes."""
    position = buffer.rfind(b"\n")
    if b'"' not in buffer:
        return position + 1 if position >= 0 else -1
    while position >= 0:
        if buffer.count(b'"', 0, position) % 2 == 0:
            return position + 1
        position = buffer.rfind(b"\n", 0, position)
    return -1


_Item = TypeVar("_Item")


def _prefetch(items: Iterator[_Item], depth: int = 2, *, name: str = "extract-reader") -> Iterator[_Item]:
    """Run ``items`` on a background thread, ``depth`` items ahead; its exceptions are raised here."""
    channel: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        channel.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            channel.put(("done", None))
        except BaseException as exc:  # handed to the consumer, which raises it
            channel.put(("error", exc))

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    try:
        while True:
            kind, payload = channel.get()
            if kind == "item":
                yield payload
            elif kind == "error":
                raise payload
            else:
                return
    finally:
        stop.set()
        while thread.is_alive():
            try:
                channel.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.05)


# --------------------------------------------------------------------------- Parquet batches


def _parquet_chunks(sniffed: Sniffed, spec: ReadSpec) -> Iterator[_Chunk]:
    """Batches of at most PARQUET_BATCH_ROWS rows, whatever the size of the file's row groups.

    PyArrow decodes a row group page by page; polars' own batched scan decodes a whole row group first, so a
    small, highly compressed file of tens of millions of identical rows in one row group took gigabytes.
    """
    selected = [name for name in spec.sources if name in sniffed.columns]
    first_row = 1
    try:
        with pq.ParquetFile(sniffed.path, pre_buffer=False) as source:
            for record_batch in source.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=selected):
                batch = pl.from_arrow(record_batch)
                assert isinstance(batch, pl.DataFrame)  # a record batch gives a frame
                batch = batch.with_row_index(ROW, offset=first_row)
                first_row += batch.height
                yield _Chunk(_empty_text_as_null(batch, selected))
    except DashboardError:
        raise
    except Exception as exc:  # polars raises several types for damaged pages
        raise ExtractError(
            sniffed.path,
            f"the Parquet data cannot be read (truncated or damaged?): {_first_line(exc)}",
            key="damaged_parquet",
        ) from exc
