"""Hypothesis strategies for malformed extract files, and a tally of how many generated inputs ran.

:func:`csv_files` draws the bytes of a CSV file that starts from a valid
layout (the rows of :mod:`tests.data_sources.extract_fixtures`) and breaks it
in the ways real uploads break: wrong delimiters and encodings (latin-1,
cp1252, UTF-16, with and without a byte-order mark), missing, extra and
duplicated header names, names in other cases or with spaces, ragged rows,
huge fields, mixed value types, quotes left open, CR, CRLF and LF line ends,
empty files, blank lines and binary junk. :func:`parquet_frames` draws frames
whose columns have the right or wrong names and any of many dtypes.

:data:`TALLY` counts every input a fuzz test ran, by test and by outcome
(``error``: a typed DashboardError; ``report``: read with a validation
report), so the number can be quoted; :func:`record_tally` writes it to
``tests/artifacts/fuzz_counts.json`` and prints it after the module.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
import pytest
from hypothesis import strategies as st

from tests.data_sources.extract_fixtures import (
    AVOHILMO_COLUMNS,
    AVOHILMO_ROW,
    CANONICAL_ANSWER,
    CANONICAL_SLOT,
    CANONICAL_VISIT,
)

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

#: Inputs run per (test, outcome).
TALLY: Counter[tuple[str, str]] = Counter()

#: The valid row each layout starts from, with the separator and encoding the layout documents.
LAYOUTS: Mapping[str, tuple[Mapping[str, str | None], str, str]] = {
    "avohilmo visits": ({name: AVOHILMO_ROW[name] for name in AVOHILMO_COLUMNS}, ";", "latin-1"),
    "canonical visits": (CANONICAL_VISIT, ",", "utf-8"),
    "canonical slots": (CANONICAL_SLOT, ",", "utf-8"),
    "canonical answers": (CANONICAL_ANSWER, ",", "utf-8"),
}

SEPARATORS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "latin-1", "cp1252", "utf-16", "utf-8-sig")
LINE_ENDINGS = ("\n", "\r\n", "\r")
#: Values of other types and formats that land in any column.
ODD_VALUES = (
    "",
    " ",
    "NULL",
    "NaN",
    "-0",
    "1e309",
    "9223372036854775808",
    "true",
    "K",
    "R10",
    "22213",
    "2",
    "91",
    "31.02.2025 09:00",
    "10.03.2025",
    "2025-03-10",
    "2025-03-10T09:00:00+02:00",
    "2999-01-01T00:00:00",
    "0001-01-01",
    "1999-12-31T23:59:59",
    "2000-01-01T00:00:00",
    "01.01.1900 00:00",
    "2027-06-30T23:59:59",
    "9999-12-31T23:59:59",
    "v\x07",
    "u\x7f",
    "t\tab",
    "o" * 65,
    "10.03.25 9.00",
    "Jyväskylän terveysasema",
    "Ålands",
    '"',
    '""',
    "a;b,c|d\te",
    "line\nbreak",
    "\ufeff",
    "\x00",
    "😀",
)
HUGE_CHARACTERS = ("x", "ä", "9", " ", '"', ";", ",", "\n")


def record(test: str, outcome: str) -> None:
    TALLY[(test, outcome)] += 1


def tally_by_test() -> dict[str, dict[str, int]]:
    summary: dict[str, dict[str, int]] = {}
    for (test, outcome), count in sorted(TALLY.items()):
        summary.setdefault(test, {})[outcome] = count
    for counts in summary.values():
        counts["total"] = sum(counts.values())
    return summary


def record_tally(request: pytest.FixtureRequest, name: str) -> None:
    """Write the tally to ``tests/artifacts/<name>.json`` (merged with earlier modules) and print it."""
    summary = tally_by_test()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    previous.update(summary)
    path.write_text(json.dumps(previous, indent=2, ensure_ascii=False), encoding="utf-8")
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("")
        for test, counts in summary.items():
            reporter.write_line(f"fuzz inputs run: {test}: {counts}")


@st.composite
def huge_fields(draw: st.DrawFn) -> str:
    character = draw(st.sampled_from(HUGE_CHARACTERS))
    return character * draw(st.integers(min_value=10_000, max_value=300_000))


def field_values(valid: str | None, *, mild: bool = False) -> st.SearchStrategy[str]:
    """A value for one field: mostly the valid one, else an odd value, random text or a huge field."""
    good = st.just(valid or "")
    odd = st.one_of(
        st.sampled_from(ODD_VALUES),
        st.text(max_size=12),
        st.integers().map(str),
        st.floats().map(str),
        huge_fields(),
    )
    return st.one_of(*([good] * (12 if mild else 3)), odd)


@st.composite
def headers(draw: st.DrawFn, names: Sequence[str], *, mild: bool = False) -> list[str]:
    """The layout's names, complete or not, reordered, with extra and duplicated names, in odd cases."""
    if draw(st.integers(0, 9 if mild else 3)):
        columns = list(names)
    else:
        columns = draw(st.lists(st.sampled_from(list(names)), unique=True, max_size=len(names)))
    if draw(st.booleans()):
        columns = list(draw(st.permutations(columns)))
    columns += draw(st.lists(st.one_of(st.text(max_size=8), st.sampled_from(list(names))), max_size=1 if mild else 3))
    style = draw(st.sampled_from(("as is", "as is", "lower", "upper", "padded")))
    if style == "lower":
        columns = [name.lower() for name in columns]
    elif style == "upper":
        columns = [name.upper() for name in columns]
    elif style == "padded":
        columns = [f" {name} " for name in columns]
    return columns


def _quoted(value: str, separator: str, mode: str) -> str:
    if mode == "all" or (mode == "minimal" and any(ch in value for ch in (separator, '"', "\n", "\r"))):
        return '"' + value.replace('"', '""') + '"'
    return value


@st.composite
def csv_files(draw: st.DrawFn, layout: str, *, mild: bool = False) -> bytes:
    """The bytes of a CSV file in ``layout`` (a key of :data:`LAYOUTS`), more or less broken.

    ``mild`` files are mostly usable (complete headers, the layout's separator and encoding, a row or more,
    mostly valid values), so that imports also get past the reader; every kind of damage still occurs.
    """
    base, separator, encoding = LAYOUTS[layout]
    kinds = ("table",) * (40 if mild else 8) + ("empty", "bom only", "blank lines", "binary")
    kind = draw(st.sampled_from(kinds))
    if kind == "empty":
        return b""
    if kind == "bom only":
        return b"\xef\xbb\xbf"
    if kind == "blank lines":
        return draw(st.sampled_from(LINE_ENDINGS)).encode() * draw(st.integers(1, 5))
    if kind == "binary":
        return draw(st.binary(max_size=300))
    header = draw(headers(list(base), mild=mild))
    lookup = {name.upper(): value for name, value in base.items()}
    rows = []
    ragged = (0,) * (30 if mild else 5) + (-1, 1, 2, -len(header))
    for _ in range(draw(st.integers(1 if mild else 0, 6))):
        width = max(0, len(header) + draw(st.sampled_from(ragged)))
        names = [*header, *([""] * max(0, width - len(header)))][:width]
        if mild and draw(st.integers(0, 3)):  # a valid row
            rows.append([lookup.get(name.strip().upper()) or "" for name in names])
        else:
            rows.append([draw(field_values(lookup.get(name.strip().upper()), mild=mild)) for name in names])
    usual = 30 if mild else 6
    separator = draw(st.sampled_from((separator,) * usual + SEPARATORS))
    quoting = draw(st.sampled_from(("minimal", "minimal", "all", "none")))
    line_end = draw(st.sampled_from(("\n",) * usual + ("\r\n",) * usual + LINE_ENDINGS))
    lines = [separator.join(_quoted(value, separator, quoting) for value in row) for row in [header, *rows]]
    text = line_end.join(lines) + (line_end if draw(st.booleans()) else "")
    text += line_end * draw(st.sampled_from((0, 0, 0, 2)))
    chosen = draw(st.sampled_from((encoding,) * usual + ENCODINGS))
    data = text.encode(chosen, errors="replace")
    if chosen not in ("utf-16", "utf-8-sig") and draw(st.integers(0, 4)) == 0:
        data = b"\xef\xbb\xbf" + data
    return data


_PARQUET_DTYPES: tuple[pl.DataType, ...] = (
    pl.String(),
    pl.String(),
    pl.Int64(),
    pl.Int8(),
    pl.UInt64(),
    pl.Float64(),
    pl.Boolean(),
    pl.Date(),
    pl.Datetime("us"),
    pl.Datetime("ms", time_zone="UTC"),
    pl.Categorical(),
    pl.Null(),
    pl.Binary(),
    pl.Duration("us"),
    pl.Time(),
    pl.List(pl.Int64()),
    pl.Struct({"a": pl.Int64()}),
)


_VALUES: tuple[tuple[type[pl.DataType] | tuple[type[pl.DataType], ...], st.SearchStrategy[object]], ...] = (
    (pl.Int8, st.integers(-128, 127)),
    (pl.UInt64, st.integers(0, 2**64 - 1)),
    (pl.Int64, st.integers(-(2**63), 2**63 - 1)),
    (pl.Float64, st.floats()),
    (pl.Boolean, st.booleans()),
    (pl.Date, st.dates()),
    (pl.Datetime, st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30))),
    (pl.Binary, st.binary(max_size=8)),
    (pl.Duration, st.timedeltas(min_value=dt.timedelta(days=-1000), max_value=dt.timedelta(days=1000))),
    (pl.Time, st.times()),
    (pl.List, st.lists(st.integers(-5, 5), max_size=3)),
    (pl.Struct, st.fixed_dictionaries({"a": st.integers(-5, 5)})),
)


def _values_for(dtype: pl.DataType, valid: str | None) -> st.SearchStrategy[object]:
    if isinstance(dtype, pl.String | pl.Categorical):
        return field_values(valid)
    return next((values for kind, values in _VALUES if isinstance(dtype, kind)), st.none())


@st.composite
def parquet_frames(draw: st.DrawFn, layout: str) -> pl.DataFrame:
    """A frame with the layout's names (complete or not, plus extras) and, per column, a dtype that may be wrong."""
    base, _separator, _encoding = LAYOUTS[layout]
    names = list(dict.fromkeys(draw(headers(list(base)))))
    height = draw(st.integers(0, 5))
    lookup = {name.upper(): value for name, value in base.items()}
    columns = []
    for name in names:
        dtype = draw(st.sampled_from(_PARQUET_DTYPES))
        values = [
            draw(st.one_of(st.none(), _values_for(dtype, lookup.get(name.strip().upper())))) for _ in range(height)
        ]
        try:
            columns.append(pl.Series(name, values, dtype=dtype, strict=False))
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            columns.append(pl.Series(name, [None] * height, dtype=pl.String()))
    return pl.DataFrame(columns, height=height) if columns else pl.DataFrame(height=0)
