"""Hypothesis strategies for malformed extract files, and a tally of how many generated inputs ran.

:func:`csv_files` draws the bytes of a CSV file that starts from a valid
layout (the rows of :mod:`tests.data_sources.extract_fixtures`) and breaks it
in the ways real uploads break: wrong delimiters and encodings (latin-1,
cp1252, UTF-16, with and without a byte-order mark), missing, extra and
duplicated header names, names in other cases or with spaces, ragged rows,
huge fields, mixed value types, quotes left open, CR, CRLF and LF line ends,
empty files, blank lines and binary junk. :func:`parquet_frames` draws frames
whose columns have the right or wrong names and any of many dtypes.

Both the tests and the full run (``make fuzz``, :mod:`bench.fuzz`) judge an
input the same way: :func:`read_outcome` runs one file through one of the
:data:`READERS`, :class:`ImportTarget` runs one upload through the import on
a store, and each returns an :class:`Outcome`: a validation report (every row
kept, or with rejections), a typed error (a DashboardError, by class), an
upload already imported, or one of the three that must never happen: a
*crash* (an untyped exception, escaped or wrapped by the import's catch-all),
a *partial write* (a failed import that changed the store or the data folder)
or an *inconsistent* result (a report that does not add up, data that is not
canonical, an error without a message).

:data:`TALLY` counts every input a fuzz test ran, by test and by outcome, so
the number can be quoted; :func:`record_tally` writes it to
``tests/artifacts/fuzz_counts.json`` and prints it after the module.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import strategies as st

from core import columns as c
from core.errors import DashboardError
from core.schema import VISITS, Kind, reader_dtypes
from core.settings import DEFAULT_EARLIEST_DATE
from core.validation import ValidationReport
from data_sources import extracts
from data_sources.extracts import ExtractResult, avohilmo
from data_sources.extracts.common import years_after
from pipeline.imports import ImportFailedError, failed_imports, import_upload
from store import tables
from store.catalogue import ImportOutcome
from store.repository import read_table
from tests.data_sources.extract_fixtures import (
    AVOHILMO_COLUMNS,
    AVOHILMO_ROW,
    CANONICAL_ANSWER,
    CANONICAL_SLOT,
    CANONICAL_VISIT,
    TODAY,
)
from tests.store.conftest import dump

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

#: The id columns: a mild file's valid rows get ids of their own, so that later imports have new rows to add.
ID_COLUMNS = frozenset({"AVOHILMO_ID", "VISIT_ID", "RESPONSE_ID"})
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
    """A value for one field: the valid one, an odd value, random text or a huge field.

    ``mild`` values are the valid one 12 times in 13 (weighted by :func:`~hypothesis.strategies.sampled_from`:
    ``one_of`` gives each distinct branch an equal chance, however often it is repeated).
    """
    good = st.just(valid or "")
    odd = st.one_of(
        st.sampled_from(ODD_VALUES),
        st.text(max_size=12),
        st.integers().map(str),
        st.floats().map(str),
        huge_fields(),
    )
    if mild:
        return st.sampled_from((True,) * 12 + (False,)).flatmap(lambda valid_one: good if valid_one else odd)
    return st.one_of(good, odd)


@st.composite
def headers(draw: st.DrawFn, names: Sequence[str], *, mild: bool = False) -> list[str]:
    """The layout's names, complete or not, reordered, with extra and duplicated names, in odd cases."""
    if draw(st.sampled_from((True,) * (9 if mild else 3) + (False,))):  # weighted; integers() favour 0
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


def _valid_value(lookup: Mapping[str, str | None], name: str, number: int) -> str:
    key = name.strip().upper()
    value = lookup.get(key) or ""
    return f"{value}{number}" if key in ID_COLUMNS and value else value


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
        if mild and draw(st.sampled_from((True, True, True, False))):  # a valid row
            number = draw(st.integers(1, 10**9))
            rows.append([_valid_value(lookup, name, number) for name in names])
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


# --- Judging one input -------------------------------------------------------------------------------------------

REPORT = "report, every row kept"
REPORT_WITH_REJECTIONS = "report with rejections"
TYPED_ERROR = "typed error"
ALREADY_IMPORTED = "already imported"
CRASH = "crash"
PARTIAL_WRITE = "partial write"
INCONSISTENT = "inconsistent"
#: The endings a fuzzed input may have; any other is a bug.
ACCEPTED = frozenset({REPORT, REPORT_WITH_REJECTIONS, TYPED_ERROR, ALREADY_IMPORTED})
#: Exceptions that stop a run rather than describe an input.
_STOPS = (KeyboardInterrupt, SystemExit)


@dataclass(frozen=True)
class Outcome:
    """How one input ended: ``kind`` (one of the constants above) and ``detail`` (an error's class, or what broke)."""

    kind: str
    detail: str = ""
    trace: str = ""

    @property
    def ok(self) -> bool:
        return self.kind in ACCEPTED

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}\n{self.trace}".strip()


def _trace(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


Reader = Callable[[Path], ExtractResult | pl.LazyFrame]

#: Every reader, with the layout whose files it is fed and the canonical table it returns.
READERS: dict[str, tuple[str, str, Reader]] = {
    "read_extract visits (auto layout)": (
        "canonical visits",
        "visits",
        lambda p: extracts.read_extract(p, table="visits", today=TODAY),
    ),
    "read_visits, canonical layout": (
        "canonical visits",
        "visits",
        lambda p: extracts.read_visits(p, layout="canonical", today=TODAY),
    ),
    "read_slots": ("canonical slots", "appointment_slots", lambda p: extracts.read_slots(p, today=TODAY)),
    "read_answers": ("canonical answers", "survey_answers", lambda p: extracts.read_answers(p, today=TODAY)),
    "read_visits, avohilmo layout": (
        "avohilmo visits",
        "visits",
        lambda p: extracts.read_visits(p, layout="avohilmo", today=TODAY),
    ),
    "avohilmo.read_visits_with_report": (
        "avohilmo visits",
        "visits",
        lambda p: avohilmo.read_visits_with_report(p, today=TODAY),
    ),
    "avohilmo.read_visits_with_report, region_code and latin-1": (
        "avohilmo visits",
        "visits",
        lambda p: avohilmo.read_visits_with_report(p, today=TODAY, region_code="7", encoding="latin-1"),
    ),
    "avohilmo.read_visits (contract)": ("avohilmo visits", "visits", avohilmo.read_visits),
}
#: The readers that take Parquet files as well as CSV.
PARQUET_READERS = ("read_extract visits (auto layout)", "read_slots", "read_answers")


def check_result(result: ExtractResult, table: str) -> None:
    """The report adds up and the data is canonical with exactly the kept rows (AssertionError if not)."""
    report = result.report
    assert report.rows_read == report.rows_kept + sum(finding.count for finding in report.rejected)
    for finding in (*report.rejected, *report.flagged):
        assert finding.count > 0
        assert all(1 <= row <= report.rows_read for row in finding.examples), finding
    frame = result.data.collect()
    assert frame.schema == pl.Schema(reader_dtypes(extracts.TABLES[table].name))
    assert frame.height == report.rows_kept
    assert report.from_json(report.to_json()) == report
    check_plausible_values(frame, table)


def check_plausible_values(frame: pl.DataFrame, table: str) -> None:
    """No kept id or text is too long or holds a control character; no kept time lies outside the allowed range."""
    schema = extracts.TABLES[table]
    for column in schema.columns:
        values = frame.get_column(column.name)
        if column.kind in (Kind.ID, Kind.TEXT) and column.max_length is not None:
            assert not (values.str.len_chars() > column.max_length).any(), column.name
            assert not values.str.contains(r"[\x00-\x1f\x7f]").any(), column.name
        if column.kind is Kind.TIME and values.len():
            assert not (values < dt.datetime.combine(DEFAULT_EARLIEST_DATE, dt.time())).any(), column.name
            latest = dt.datetime.combine(TODAY, dt.time()) + dt.timedelta(days=1)
            if column.name == c.SLOT_AT:
                latest = dt.datetime.combine(years_after(TODAY, 2), dt.time()) + dt.timedelta(days=1)
            assert not (values >= latest).any(), column.name


def _check(result: ExtractResult | pl.LazyFrame, table: str) -> Outcome:
    if isinstance(result, pl.LazyFrame):  # the Avohilmo contract: canonical visits, no report
        assert result.collect().schema == pl.Schema(reader_dtypes(VISITS.name))
        return Outcome(REPORT)
    check_result(result, table)
    return Outcome(REPORT_WITH_REJECTIONS if result.report.rejected else REPORT)


def read_outcome(name: str, data: bytes, suffix: str = ".csv") -> Outcome:
    """Read ``data`` as a file with ``suffix`` through the reader ``name`` (a key of :data:`READERS`) and judge it."""
    _layout, table, read = READERS[name]
    with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            result = read(path)
        except DashboardError as exc:
            if not str(exc).strip():
                return Outcome(INCONSISTENT, f"{type(exc).__name__} without a message", _trace(exc))
            return Outcome(TYPED_ERROR, type(exc).__name__)
        except _STOPS:
            raise
        except BaseException as exc:  # also a native panic (PyO3's PanicException)
            return Outcome(CRASH, type(exc).__name__, _trace(exc))
        try:
            return _check(result, table)
        except AssertionError as exc:
            return Outcome(INCONSISTENT, f"the result does not add up: {exc}", _trace(exc))
        except _STOPS:
            raise
        except BaseException as exc:  # the lazy frame failed when collected
            return Outcome(CRASH, f"{type(exc).__name__} when the kept rows are collected", _trace(exc))


def store_state(engine: sa.Engine, data_dir: Path) -> tuple[object, list[str]]:
    """The store's rows and every path under the data directory except the failure records."""
    paths = sorted(
        str(path.relative_to(data_dir))
        for path in data_dir.rglob("*")
        if path != data_dir / "imports" and not (path.parent == data_dir / "imports" and path.suffix == ".json")
    )
    return dump(engine), paths


#: The fuzzed import layouts and the table each is offered as.
UPLOADS = {
    "avohilmo visits": "visits",
    "canonical visits": "visits",
    "canonical answers": "survey_answers",
}
UPLOAD_NAME = "fuzzed upload.csv"


def valid_visits(visit_id: str) -> bytes:
    """A canonical visits file of one valid row with ``visit_id``."""
    header = ",".join(CANONICAL_VISIT)
    row = ",".join(visit_id if name == "visit_id" else value or "" for name, value in CANONICAL_VISIT.items())
    return f"{header}\n{row}\n".encode()


@dataclass
class ImportTarget:
    """Uploads of one layout imported into one store; :meth:`outcome` checks the store after every one."""

    engine: sa.Engine
    data_dir: Path
    layout: str

    def outcome(self, content: bytes, *, file_name: str = UPLOAD_NAME) -> Outcome:
        before = store_state(self.engine, self.data_dir)
        failures = len(failed_imports(self.engine, self.data_dir))
        catalogue = read_table(self.engine, tables.imports).height
        try:
            done = import_upload(
                self.engine,
                self.data_dir,
                content,
                file_name=file_name,
                table_name=UPLOADS[self.layout],
                imported_by="fuzz",
                today=TODAY,
            )
        except ImportFailedError as exc:
            return self._failed(exc, before, failures, file_name)
        except _STOPS:
            raise
        except BaseException as exc:  # escaped the import's own handling
            unchanged = store_state(self.engine, self.data_dir) == before
            kind = CRASH if unchanged else PARTIAL_WRITE
            return Outcome(kind, f"{type(exc).__name__} escaped the import", _trace(exc))
        return self._accepted(done, before, catalogue)

    def _accepted(self, done: ImportOutcome, before: tuple[object, list[str]], catalogue: int) -> Outcome:
        if done.already_imported:
            if store_state(self.engine, self.data_dir) != before:
                return Outcome(PARTIAL_WRITE, "a file imported before changed the store")
            return Outcome(ALREADY_IMPORTED)
        report = ValidationReport.from_json(done.report_json)
        if (done.rows_read, done.rows_rejected) != (report.rows_read, report.rows_rejected):
            return Outcome(INCONSISTENT, "the catalogue's counts differ from the validation report")
        if read_table(self.engine, tables.imports).height != catalogue + 1:
            return Outcome(INCONSISTENT, "an accepted import did not add exactly one catalogue row")
        return Outcome(REPORT_WITH_REJECTIONS if done.rows_rejected else REPORT)

    def _failed(
        self, exc: ImportFailedError, before: tuple[object, list[str]], failures: int, file_name: str
    ) -> Outcome:
        if store_state(self.engine, self.data_dir) != before:
            return Outcome(PARTIAL_WRITE, f"{type(exc).__name__} while {exc.stage}", _trace(exc))
        if len(failed_imports(self.engine, self.data_dir)) != failures + 1:
            return Outcome(INCONSISTENT, "the failed attempt was not recorded once", _trace(exc))
        if file_name == UPLOAD_NAME and not str(exc).startswith(UPLOAD_NAME):
            return Outcome(INCONSISTENT, "the error does not name the upload", _trace(exc))
        cause = exc.__cause__ if exc.__cause__ is not exc else None
        if cause is not None and not isinstance(cause, DashboardError):  # a library's error, caught by the catch-all
            return Outcome(CRASH, f"{type(cause).__name__} (wrapped in {type(exc).__name__})", _trace(exc))
        detail = type(exc).__name__ if cause is None else f"{type(exc).__name__} <- {type(cause).__name__}"
        return Outcome(TYPED_ERROR, f"{detail} ({exc.stage})")
