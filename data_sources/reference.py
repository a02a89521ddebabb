"""The seeds' own facts as reference tables: investments, participants, status reports, reported figures.

Each loader reads one CSV under ``reference_data/`` (provenance and extraction
notes in ``reference_data/README.md``), checks it completely and returns an
eager polars frame with explicit dtypes, columns in file order. A malformed
file raises :class:`~core.errors.InvalidInputError` (or its subclass
:class:`~core.errors.MissingColumnsError` for a wrong header) naming the file,
the data row (1 = the first row after the header) and the column.

Codes: ``round`` is ``RRP2`` or ``RRP4``; investment numbers are the seeds'
own (RRP2: pillar 4 investments 1-4; RRP4: investments 1, 2 and 4, a
different round with its own numbering, so the key is ``(round, number)``).
``region_code`` is a code of :func:`core.regions.region_codes`.
Results are cached per directory; a frame is never modified in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from core.errors import InvalidInputError, MissingColumnsError
from core.regions import region_codes

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference_data"

ROUNDS = ("RRP2", "RRP4")
# Status-report sections in the order the report (and the dashboard) shows them.
SECTIONS = ("general", "deviations", "achievements", "next_tasks", "costs")
SCOPES = ("region", "all")
TRAFFIC_LIGHTS = ("green", "yellow", "red")

_SEED_FILE = r"\d{3}_[0-9a-f]{16}\.txt"
# A canonical period of the dashboard: a year, a quarter or a month (2025, 2025Q1, 2025-03).
_PERIOD = r"\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?"
#: The region code of a figure for the whole country (the code the indicator tables use).
NATIONAL_CODE = "SSS"
#: The indicators a reported figure may be drawn on, with the unit ``plot_value`` is in: ``share`` a proportion
#: in [0, 1], ``days`` calendar days, ``index`` a COC-type index in [0, 1], ``points`` the NPS scale -100…100.
#: Computed indicators' keys stand for the county's own measure of the same idea (drawn beside THL's
#: counterpart); the ``thl_`` keys for a figure of THL's own survey or register quoted by the county.
REPORTED_INDICATORS = {
    "access_7d": "share",
    "access_14d": "share",
    "t3": "days",
    "coc": "index",
    "upc": "index",
    "nps": "points",
    "enps": "points",
    "thl_access_7d": "share",
    "thl_coc": "index",
    "thl_reached": "share",
    "thl_insufficient": "share",
}
_UNIT_RANGES = {"share": (0.0, 1.0), "index": (0.0, 1.0), "points": (-100.0, 100.0), "days": (0.0, 3650.0)}
# A date or a period, as precise as the seed states it: 2023, 2024-09 or 2024-07-01.
_START = r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?"


@dataclass(frozen=True)
class _Field:
    """One column of a reference file: its dtype and what its values may be."""

    name: str
    dtype: type[pl.String] | type[pl.Int64] | type[pl.Float64] = pl.String
    nullable: bool = False
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: int | None = None


_SEED = (
    _Field("seed_file", pattern=_SEED_FILE),
    _Field("seed_line", pl.Int64, minimum=1),
)

INVESTMENTS = (
    _Field("round", allowed=ROUNDS),
    _Field("pillar", pl.Int64, nullable=True, minimum=1),
    _Field("number", pl.Int64, minimum=1),
    _Field("name_fi"),
    _Field("name_en"),
    _Field("name_sv"),
    _Field("funding_eur", pl.Float64, nullable=True, minimum=0),
    _Field("description_en"),
    *_SEED,
)

PARTICIPANTS = (
    _Field("round", allowed=ROUNDS),
    _Field("investment", pl.Int64, minimum=1),
    _Field("region_code"),
    _Field("start", nullable=True, pattern=_START),
    _Field("start_fi", nullable=True),
    _Field("start_seed_file", nullable=True, pattern=_SEED_FILE),
    _Field("start_seed_line", pl.Int64, nullable=True, minimum=1),
    *_SEED,
    # The day the county's model or service went live, where a seed states it as well as the start of work.
    _Field("go_live", nullable=True, pattern=_START),
    _Field("go_live_fi", nullable=True),
    _Field("go_live_seed_file", nullable=True, pattern=_SEED_FILE),
    _Field("go_live_seed_line", pl.Int64, nullable=True, minimum=1),
)

STATUS_REPORTS = (
    _Field("report"),
    _Field("round", allowed=ROUNDS),
    _Field("investment", pl.Int64, minimum=1),
    _Field("section", allowed=SECTIONS),
    _Field("scope", allowed=SCOPES),
    _Field("region_code", nullable=True),
    _Field("heading_fi"),
    _Field("subheading_fi", nullable=True),
    _Field("text_fi"),
    _Field("traffic_light", nullable=True, allowed=TRAFFIC_LIGHTS),
    *_SEED,
)

REPORTED_FIGURES = (
    _Field("seed_file", pattern=_SEED_FILE),
    _Field("line", pl.Int64, minimum=1),
    _Field("region"),
    _Field("investment"),
    _Field("indicator_fi"),
    _Field("indicator_en"),
    _Field("period"),
    _Field("value"),
    _Field("unit"),
    _Field("note", nullable=True),
    # Curated by hand from the seed text: which area, dashboard indicator and period a figure belongs to, and its
    # value in that indicator's unit. Empty for a figure no chart of the dashboard shows.
    _Field("region_code", nullable=True),
    _Field("indicator", nullable=True, allowed=tuple(REPORTED_INDICATORS)),
    _Field("period_code", nullable=True, pattern=_PERIOD),
    _Field("plot_value", pl.Float64, nullable=True),
)


#: Each status report's period (a report is a periodic snapshot: its entries belong to it).
STATUS_REPORT_PERIODS = (
    _Field("report"),
    _Field("round", allowed=ROUNDS),
    _Field("period", pattern=_PERIOD),
    _Field("period_fi"),
    *_SEED,
)

#: Data-quality caveats a county itself reports, attached to the charts of the indicators they affect.
_PERIOD_SPAN = rf"{_PERIOD}(-{_PERIOD})?"
CAVEATS = (
    _Field("region_code"),
    _Field("indicators"),
    _Field("period", pattern=_PERIOD_SPAN),
    _Field("text_fi"),
    _Field("note_fi"),
    _Field("note_sv"),
    _Field("note_en"),
    *_SEED,
)
#: The indicators a caveat may name (``;``-separated): the computed ones, THL's, and the other measures.
CAVEAT_INDICATORS = (*REPORTED_INDICATORS, "t3_open_books", "remote", "known_provider", "named_coverage", "heavy_users")


@cache
def investments(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """The RRP2 and RRP4 investments: names in fi/en/sv, pillar and total funding where the seeds state them.

    One row per ``(round, number)``. ``funding_eur`` is the grant awarded in
    total for the investment (null where the seeds state none).
    """
    frame = _read(directory / "investments.csv", INVESTMENTS)
    _unique(frame, "investments.csv", ("round", "number"))
    return frame


@cache
def participants(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Which counties take part in which investment, with the start where a seed states one.

    One row per ``(round, investment, region_code)``. ``start`` is text as
    precise as the seed (``2023``, ``2024-09``, ``2024-07-01``); ``start_fi``
    quotes the seed and ``start_seed_file``/``start_seed_line`` say where.
    ``go_live`` (with ``go_live_fi`` and its place) is when the county's model
    went live, where a seed gives it besides the start of development work.
    """
    name = "participants.csv"
    frame = _read(directory / name, PARTICIPANTS)
    _known_regions(frame, name)
    _known_investments(frame, name, investments(directory))
    _unique(frame, name, ("round", "investment", "region_code"))
    for column in ("start_fi", "start_seed_file", "start_seed_line"):
        given, start_given = pl.col(column).is_not_null(), pl.col("start").is_not_null()
        _fail_first(frame, name, given & ~start_given, column, "is given but 'start' is empty")
        _fail_first(frame, name, start_given & ~given, column, "required because 'start' is given")
    for column in ("go_live_fi", "go_live_seed_file", "go_live_seed_line"):
        given, live = pl.col(column).is_not_null(), pl.col("go_live").is_not_null()
        _fail_first(frame, name, given != live, column, "is given exactly when 'go_live' is")
    return frame


@cache
def status_reports(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Entries of the RRP4 status report, verbatim, one row per bullet (plus the quoted cost statements).

    ``scope`` is ``region`` when the entry belongs to one county
    (``region_code`` set) and ``all`` for summary bullets (``region_code`` null).
    ``traffic_light`` is set only where the seed states a colour.
    """
    name = "status_reports.csv"
    frame = _read(directory / name, STATUS_REPORTS)
    _known_regions(frame, name)
    _known_investments(frame, name, investments(directory))
    scoped = (pl.col("scope") == "region") != pl.col("region_code").is_not_null()
    _fail_first(frame, name, scoped, "region_code", "must be set exactly when scope is 'region'")
    return frame


@cache
def reported_figures(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Every plottable figure in the seeds, as the seeds state it (``value`` stays text: ranges, '>3', garbles).

    ``region_code`` is a code of :func:`core.regions.region_codes` or ``SSS`` (the whole country), empty for a
    figure of several counties. A row with an ``indicator`` (a key of :data:`REPORTED_INDICATORS`) is drawn on
    that indicator's chart: it then has a ``region_code``, a ``period_code`` (``2025``, ``2025Q1``,
    ``2025-03``) and a ``plot_value`` in the indicator's unit; a row without one has neither.
    """
    name = "reported_figures.csv"
    frame = _read(directory / name, REPORTED_FIGURES)
    known = sorted(region_codes() | {NATIONAL_CODE})
    message = f"is not a known region code or {NATIONAL_CODE!r}; known codes: {', '.join(known)}"
    _fail_first(frame, name, ~pl.col("region_code").is_in(known), "region_code", message)
    plotted = pl.col("indicator").is_not_null()
    for column in ("region_code", "period_code", "plot_value"):
        _fail_first(frame, name, plotted & pl.col(column).is_null(), column, "required because 'indicator' is given")
    for column in ("period_code", "plot_value"):
        _fail_first(frame, name, ~plotted & pl.col(column).is_not_null(), column, "is given but 'indicator' is empty")
    for unit, (low, high) in _UNIT_RANGES.items():
        keys = [key for key, of in REPORTED_INDICATORS.items() if of == unit]
        outside = pl.col("indicator").is_in(keys) & ~pl.col("plot_value").is_between(low, high)
        problem = f"must be between {low:g} and {high:g} for a {unit} indicator"
        _fail_first(frame, name, outside, "plot_value", problem)
    return frame


@cache
def status_report_periods(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """The period of each status report (``2025Q1``), with the seed text that dates it.

    One row per ``report``; every report of ``status_reports.csv`` has one, so its entries can be shown by period.
    """
    name = "status_report_periods.csv"
    frame = _read(directory / name, STATUS_REPORT_PERIODS)
    _unique(frame, name, ("report",))
    reports = status_reports(directory)["report"].unique()
    undated = sorted(set(reports.to_list()) - set(frame["report"].to_list()))
    if undated:
        raise InvalidInputError(f"{name}: no period for the status report(s) {', '.join(map(repr, undated))}")
    return frame


@cache
def caveats(directory: Path = REFERENCE_DIR) -> pl.DataFrame:
    """Data-quality caveats the seeds report for a county, with the indicators (``;``-separated keys) and the
    period (``2025Q1`` or a span ``2023-2025``) they affect; ``text_fi`` quotes the seed, ``note_*`` says it for
    the chart in each language."""
    name = "caveats.csv"
    frame = _read(directory / name, CAVEATS)
    _known_regions(frame, name)
    unknown = ~pl.col("indicators").str.split(";").list.eval(pl.element().is_in(CAVEAT_INDICATORS)).list.all()
    _fail_first(
        frame, name, unknown, "indicators", f"names an unknown indicator; known: {', '.join(CAVEAT_INDICATORS)}"
    )
    return frame


def _read(path: Path, fields: Sequence[_Field]) -> pl.DataFrame:
    name = path.name
    try:
        raw = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except FileNotFoundError as exc:
        raise InvalidInputError(f"{name}: reference file not found at {path}") from exc
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"{name}: not a readable UTF-8 CSV file: {exc}") from exc
    expected = [field.name for field in fields]
    missing = [column for column in expected if column not in raw.columns]
    if missing:
        raise MissingColumnsError(table=name, missing=missing, available=raw.columns, expected=expected)
    extra = [column for column in raw.columns if column not in expected]
    if extra:
        raise InvalidInputError(
            f"{name}: unexpected column(s) {', '.join(map(repr, extra))}; expected {', '.join(map(repr, expected))}"
        )
    frame = raw.select(expected)
    for field in fields:
        frame = _check_field(frame, name, field)
    return frame


def _check_field(frame: pl.DataFrame, name: str, field: _Field) -> pl.DataFrame:
    column = pl.col(field.name)
    if not field.nullable:
        _fail_first(frame, name, column.is_null(), field.name, "a value is required")
    if field.dtype is not pl.String:
        kind = "an integer" if field.dtype is pl.Int64 else "a number"
        converted = column.cast(field.dtype, strict=False)
        _fail_first(frame, name, column.is_not_null() & converted.is_null(), field.name, f"must be {kind}")
        frame = frame.with_columns(converted)
    if field.minimum is not None:
        _fail_first(frame, name, column < field.minimum, field.name, f"must be at least {field.minimum}")
    if field.allowed:
        allowed = ", ".join(map(repr, field.allowed))
        _fail_first(frame, name, ~column.is_in(field.allowed), field.name, f"must be one of {allowed}")
    if field.pattern is not None:
        bad = ~column.str.contains(f"^(?:{field.pattern})$")
        _fail_first(frame, name, bad, field.name, f"must match {field.pattern!r}")
    return frame


def _known_regions(frame: pl.DataFrame, name: str) -> None:
    known = sorted(region_codes())
    message = f"is not a known region code; known codes: {', '.join(known)}"
    _fail_first(frame, name, ~pl.col("region_code").is_in(known), "region_code", message)


def _known_investments(frame: pl.DataFrame, name: str, known: pl.DataFrame) -> None:
    keys = known.select(pl.concat_str("round", pl.lit(" investment "), "number").alias("key"))["key"].to_list()
    key = pl.concat_str("round", pl.lit(" investment "), "investment")
    message = f"with 'round' is not an investment in investments.csv; known: {', '.join(keys)}"
    _fail_first(frame, name, ~key.is_in(keys), "investment", message)


def _unique(frame: pl.DataFrame, name: str, key: Sequence[str]) -> None:
    repeated = ~pl.struct(key).is_first_distinct()
    _fail_first(frame, name, repeated, key[-1], f"repeats the key ({', '.join(key)}) of an earlier row")


def _fail_first(frame: pl.DataFrame, name: str, bad: pl.Expr, column: str, problem: str) -> None:
    """Raise for the first row where ``bad`` is true (null counts as fine), naming file, row and column."""
    hits = frame.with_row_index("_row", offset=1).filter(bad.fill_null(value=False)).head(1)
    if hits.is_empty():
        return
    row = hits["_row"][0]
    value = hits[column][0]
    if value is None:
        raise InvalidInputError(f"{name}: row {row}, column {column!r}: empty; {problem}")
    text = str(value)
    shown = repr(text if len(text) <= 60 else text[:57] + "...")
    raise InvalidInputError(f"{name}: row {row}, column {column!r}: {shown} {problem}")
