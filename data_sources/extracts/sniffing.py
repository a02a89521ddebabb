"""Sniffing a file: CSV or Parquet from its first bytes, its header, its layout, and its columns by name."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

import polars as pl

from data_sources.extracts.common import AVOHILMO, CANONICAL, ExtractColumnsError, ExtractError, Sniffed

#: Header names that mark THL's Avohilmo layout.
AVOHILMO_MARKERS: Final = frozenset({"AVOHILMO_ID", "AVOHILMOID", "KAYNTI_ALKOI"})
_PARQUET_MAGIC: Final = b"PAR1"
_UTF8_BOM: Final = b"\xef\xbb\xbf"


def sniff(path: Path) -> Sniffed:
    """Tell CSV from Parquet by the first bytes and read a CSV header line; raise :class:`ExtractError` otherwise."""
    if not path.exists():
        raise ExtractError(path, "no such file", key="file_missing")
    if not path.is_file():
        raise ExtractError(path, "not a file", key="file_missing")
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
    except OSError as exc:
        raise ExtractError(path, f"cannot be opened: {exc.strerror or exc}", key="file_missing") from exc
    if not head:
        raise ExtractError(
            path, "the file is empty; expected a CSV file with a header row or a Parquet file", key="empty_file"
        )
    if head.startswith(_PARQUET_MAGIC):
        try:
            schema = pl.read_parquet_schema(path)
        except Exception as exc:  # polars and the OS raise several types for a damaged file
            raise ExtractError(
                path, f"not a readable Parquet file (truncated or damaged?): {exc}", key="damaged_parquet"
            ) from exc
        return Sniffed(path=path, file_format="parquet", columns=tuple(schema), size=path.stat().st_size)
    if path.suffix.lower() == ".parquet":
        raise ExtractError(
            path, "named .parquet but not a Parquet file (it does not start with 'PAR1')", key="not_parquet"
        )
    if b"\x00" in head:
        raise ExtractError(path, "neither a CSV text file nor a Parquet file (it holds binary data)", key="binary_file")
    has_bom = head.startswith(_UTF8_BOM)
    start = len(_UTF8_BOM) if has_bom else 0
    end = head.find(b"\n", start)
    if end == -1:
        if len(head) == 1 << 20:
            raise ExtractError(
                path, "no line break in the first MiB: not a CSV file with a header row", row=0, key="no_line_break"
            )
        end = len(head)
    header = _header_text(path, head[start:end])
    return Sniffed(
        path=path,
        file_format="csv",
        columns=(),
        header_line=header,
        data_offset=min(end + 1, len(head)) if end < len(head) else end,
        has_bom=has_bom,
        size=path.stat().st_size,
    )


def _header_text(path: Path, line: bytes) -> str:
    """The header line as text (UTF-8, else latin-1); an empty line or CR-only line breaks are errors."""
    raw_header = line.rstrip(b"\r")
    if b"\r" in raw_header:
        raise ExtractError(
            path,
            "the lines end in a carriage return only (CR, as in old Mac files); save the file with LF or CRLF line "
            "breaks",
            row=0,
            key="cr_line_breaks",
        )
    try:
        header = raw_header.decode("utf-8")
    except UnicodeDecodeError:
        header = raw_header.decode("latin-1")
    if not header.strip():
        raise ExtractError(
            path, "the first line is empty; expected a header row with the column names", row=0, key="empty_header"
        )
    return header


def header_columns(sniffed: Sniffed, separator: str) -> tuple[str, ...]:
    """The column names of a CSV header (quotes honoured), or the Parquet columns."""
    if sniffed.file_format == "parquet":
        return sniffed.columns
    try:
        names = next(csv.reader([sniffed.header_line], delimiter=separator), [])
    except csv.Error as exc:
        raise ExtractError(sniffed.path, f"the header row cannot be read ({exc})", row=0, key="bad_header") from exc
    return tuple(name.strip() for name in names)


def detect_layout(sniffed: Sniffed) -> str:
    names = sniffed.columns if sniffed.file_format == "parquet" else header_columns(sniffed, ";")
    return AVOHILMO if {name.strip().upper() for name in names} & AVOHILMO_MARKERS else CANONICAL


def resolve_columns(
    path: Path,
    available: Sequence[str],
    wanted: Mapping[str, Sequence[str]],
    *,
    layout: str,
    table: str,
    optional: frozenset[str] = frozenset(),
    hint: str = "",
    hint_key: str | None = None,
) -> dict[str, str | None]:
    """Map each wanted name to the file's column (first alias present), ignoring case; None for absent optional ones."""
    lookup = {name.strip().upper(): name for name in available}
    found: dict[str, str | None] = {}
    missing = []
    for key, aliases in wanted.items():
        match = next((lookup[alias.upper()] for alias in aliases if alias.upper() in lookup), None)
        if match is None and key not in optional:
            missing.append(aliases[0])
        found[key] = match
    if missing:
        used = [name for name in found.values() if name is not None]
        raise ExtractColumnsError(
            path,
            layout=layout,
            table=table,
            missing=missing,
            available=list(available),
            hint=hint,
            hint_key=hint_key,
            expected=used,
        )
    return found
