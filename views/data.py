"""Data: every source with its freshness, licence and attribution, the refresh status, the import history."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import polars as pl
import sqlalchemy as sa

from core.assignments import ASSIGNMENTS
from core.codes import PROFESSIONS
from core.errors import DashboardError
from core.notes import parse_note
from core.schema import (
    APPOINTMENT_SLOTS,
    READER_OPTIONAL_COLUMNS,
    SURVEY_ANSWERS,
    VISITS,
    Column,
    Kind,
    TableSchema,
)
from i18n import catalogue, region_name, t, tn
from i18n.format import count, date_text, moment_text, number
from store import tables
from store.catalogue import ImportReport, import_report
from store.datasets import SAMPLE_DATASET
from store.queries import import_history, source_status
from store.repository import read_table
from store.results import SAMPLE_IMPORTER
from views.text import written, written_rows

#: The remote sources, as the Data page names them (``data.source_<source>``).
SOURCES = ("sotkanet", "thl_cube")
_WAIT = re.compile(r"^wait_(?:(?P<low>\d+)_(?P<high>\d+)|over_(?P<over>\d+))_days$")
_WITHIN = re.compile(r"^within_(?P<days>\d+)_days$")


def source_name(source: str, language: str) -> str:
    """'THL, Sotkanet', 'THL, statistikkuber': a source in ``language``, its code when it is not a remote one."""
    return t(f"data.source_{source}", language) if source in SOURCES else source


def cube_series_name(indicator_id: str, language: str) -> str:
    """A cube series ('ahil_pthjono01:within_7_days:doctor') in words: 'Besök inom 7 dygn (%), läkare'.

    The measure and the profession are ours to name; a part that is not understood is shown as its code.
    """
    _cube, _, rest = indicator_id.partition(":")
    measure, _, profession = rest.partition(":")
    wait, within = _WAIT.match(measure), _WITHIN.match(measure)
    if measure == "visits":
        name = t("data.cube_visits", language)
    elif wait and wait["over"]:
        name = t("data.cube_wait_over", language, days=wait["over"])
    elif wait:
        name = t("data.cube_wait_range", language, low=wait["low"], high=wait["high"])
    elif within:
        name = t("data.cube_within", language, days=within["days"])
    else:
        name = measure or indicator_id
    if profession in PROFESSIONS:
        return f"{name}, {t(f'data.cube_profession_{profession}', language)}"
    return f"{name}, {profession}" if profession else name


def series_title(source: str, indicator_id: str, titles: dict[str, str | None], language: str) -> str:
    """A series' name in ``language``; THL's Finnish title, where it has no other, is labelled as Finnish.

    A cube has one Finnish title for all its series: each is named by its measure and profession, then the cube.
    """
    finnish = titles.get("fi") or ""
    if source == "thl_cube":
        return t("data.cube_title", language, series=cube_series_name(indicator_id, language), title=finnish)
    return titles.get(language) or t("data.finnish_title", language, title=finnish)


def published_series(engine: sa.Engine, language: str) -> pl.DataFrame:
    """One row per published series: source, id, title in ``language``, updated, fetched, licence, rows, latest."""
    meta = read_table(engine, tables.indicators)
    counts = (
        read_table(engine, tables.indicator_values)
        .group_by("source", "indicator_id")
        .agg(pl.len().alias("rows"), pl.col("period").max().alias("latest_period"))
    )
    joined = meta.join(counts, on=["source", "indicator_id"], how="left")
    titled = joined.with_columns(
        written_rows(
            joined,
            ("source", "indicator_id", "title_fi", "title_sv", "title_en"),
            lambda source, indicator_id, fi, sv, en: series_title(
                source, indicator_id, {"fi": fi, "sv": sv, "en": en}, language
            ),
            name="title",
        )
    )
    return titled.select(
        written(titled, pl.col("source"), lambda source: source_name(source, language)).alias("attribution"),
        "indicator_id",
        "title",
        _moment(titled, pl.col("data_updated"), language, date_text),
        # the bundled copies were never fetched by this store: they say what they are instead of a time
        pl.when(pl.col("recorded") & pl.col("retrieved").is_not_null())
        .then(_published_copy(titled, language))
        .when(pl.col("recorded"))
        .then(pl.lit(t("data.recorded_copy", language)))
        .otherwise(_moment(titled, pl.col("fetched_at"), language, moment_text))
        .alias("fetched_at"),
        "licence",
        _as_text(titled, pl.col("rows"), language),
        "latest_period",
    ).sort("attribution", "indicator_id")


def refresh_status(engine: sa.Engine, language: str) -> list[str]:
    """One sentence per remote source: as of when, and why the last attempt failed if it did."""
    lines = []
    for row in source_status(engine).sort("source").iter_rows(named=True):
        name = source_name(row["source"], language)
        as_of = moment_text(row["last_success_at"], language)
        if row["last_error"]:
            lines.append(t("data.status_failed", language, source=name, as_of=as_of, reason=row["last_error"]))
        else:
            lines.append(t("data.status_ok", language, source=name, as_of=as_of))
    return lines


def imports_table(history: pl.DataFrame, language: str) -> pl.DataFrame:
    """The import history in the reader's words: tables, layouts and the sample generator named in ``language``.

    ``history`` is the viewer's own copy (``Results.imports``), in which the importers' e-mails are blanked for
    viewers without unit access.
    """
    layouts = {layout: t(f"data.layout_{layout}", language) for layout in ("sample", "canonical", "avohilmo")}
    sets = {name: dataset_label(name, language) for name in history["dataset"].unique().to_list()}
    history = history.with_columns(
        pl.col("dataset").replace(sets) if "dataset" in history.columns else pl.lit(None).alias("dataset"),
        pl.col("table_name").replace(table_names(language)),
        pl.col("layout").replace(layouts),
        pl.col("imported_by").replace({SAMPLE_IMPORTER: t("data.sample_importer", language)}),
        _moment(history, pl.col("imported_at"), language, moment_text),
        _as_text(history, pl.col("rows_read"), language),
        _as_text(history, pl.col("rows_rejected"), language),
    )
    return history.rename({name: t(f"data.col_{name}", language) for name in history.columns})


#: Columns shown as text in the language's number format; the page aligns them right.
NUMBER_COLUMNS = (
    "rows",
    "rows_read",
    "rows_rejected",
    "count",
    "share_of_rows",
    "n_non_urgent",
    "n_with_assessment",
    "share",
)


def number_labels(language: str) -> list[str]:
    """The headers of :data:`NUMBER_COLUMNS` in ``language``."""
    return [t(f"data.col_{name}", language) for name in NUMBER_COLUMNS]


def _as_text(frame: pl.DataFrame, column: pl.Expr, language: str, *, digits: int | None = None) -> pl.Expr:
    """A count (or, with ``digits``, a decimal) as the language writes it: '1 188 553', '1,188,553', '0,25'."""
    if digits is None:
        return written(frame, column, lambda value: count(value, language))
    return written(frame, column, lambda value: number(value, language, digits=digits))


def _moment(
    frame: pl.DataFrame, column: pl.Expr, language: str, write: Callable[[dt.datetime | None, str], str]
) -> pl.Expr:
    """A date (``date_text``) or a time to the minute (``moment_text``) as ``language`` writes it; '–' if unknown."""
    return written(frame, column.cast(pl.Datetime("us"), strict=False), lambda value: write(value, language))


def _published_copy(frame: pl.DataFrame, language: str) -> pl.Expr:
    """'THL's published figures, copy retrieved 18.8.2026 …' for a bundled copy with its retrieval date."""
    return written(
        frame,
        pl.col("retrieved"),
        lambda day: t("data.published_copy", language, retrieved=date_text(day, language)),
    )


TABLES = ("visits", "appointment_slots", "survey_answers", "assignments")
TABLES_BY_NAME: dict[str, TableSchema] = {
    "visits": VISITS,
    "appointment_slots": APPOINTMENT_SLOTS,
    "survey_answers": SURVEY_ANSWERS,
    "assignments": ASSIGNMENTS,
}


def table_names(language: str) -> dict[str, str]:
    """'visits' → 'Käynnit': the imported tables as the reader knows them."""
    return {name: t(f"data.table_{name}", language) for name in TABLES}


def reasons_table(report: ImportReport, language: str) -> pl.DataFrame:
    """Rejected and flagged rows by reason, with example row numbers, as a readable table."""
    reasons = report.reasons
    if reasons.is_empty():
        return reasons
    shown = reasons.select(
        pl.col("kind").replace_strict(
            {"rejected": t("data.kind_rejected", language), "flagged": t("data.kind_flagged", language)},
            default=pl.col("kind"),
        ),
        written(reasons, pl.col("key"), lambda key: t(f"reason.{key}", language)).alias("description"),
        "column",
        _as_text(reasons, pl.col("count"), language),
        _as_text(reasons, pl.col("share_of_rows") * 100, language, digits=2),
        "example_rows",
    )
    return shown.rename({name: t(f"data.col_{name}", language) for name in shown.columns})


def report_visible(unit_regions: frozenset[str] | None) -> bool:
    """Whether a viewer with unit access to ``unit_regions`` (None: every county) may see import check reports.

    Their counts (rows rejected for a reason, a county's non-urgent visits in a month and those with an
    assessment date) are raw, unsuppressed and often small: the public role (no unit access) never sees them.
    """
    return unit_regions is None or bool(unit_regions)


def coverage_table(report: ImportReport, language: str, unit_regions: frozenset[str] | None = None) -> pl.DataFrame:
    """Per county and month, the share of kept non-urgent visits that carry an assessment date (THL's measure);
    only the counties in ``unit_regions`` (None: all) and nothing for a viewer without unit access."""
    coverage = report.coverage
    if not coverage.is_empty() and unit_regions is not None:
        coverage = coverage.filter(pl.col("region_code").is_in(sorted(unit_regions)))
    return coverage if coverage.is_empty() else coverage_rows(coverage, language)


def region_name_or_code(code: str, language: str) -> str:
    try:
        return region_name(code, language, short=True)
    except DashboardError:
        return code


#: Below this share of non-urgent visits with an assessment date, a month's access figures are flagged.
COVERAGE_FLAG = 0.9


def coverage_flags(reports: list[ImportReport], region: str) -> pl.DataFrame:
    """Months in which the county's extracts carried an assessment date on too few non-urgent visits."""
    frames = [report.coverage for report in reports if report.detailed and not report.coverage.is_empty()]
    if not frames:
        return pl.DataFrame()
    coverage = pl.concat(frames, how="diagonal_relaxed")
    return coverage.filter((pl.col("region_code") == region) & (pl.col("share") < COVERAGE_FLAG)).sort("month")


def import_ids(engine: sa.Engine) -> list[int]:
    """Completed imports, newest first."""
    return import_history(engine)["id"].to_list()


def import_labels(engine: sa.Engine, language: str) -> dict[int, str]:
    """'#3 · Käynnit · kela_2025.csv · 2.11.2025 klo 10.15' per import id, in ``language``."""
    history = import_history(engine)
    names = table_names(language)
    return {
        row["id"]: (
            f"#{row['id']} · {names.get(row['table_name'], row['table_name'])} · {row['file_name']}"
            f" · {moment_text(row['imported_at'], language)}"
        )
        for row in history.iter_rows(named=True)
    }


def visit_reports(engine: sa.Engine) -> list[ImportReport]:
    """The validation reports of every completed visits import, oldest first."""
    history = import_history(engine).filter(pl.col("table_name") == "visits").sort("id")
    return [import_report(engine, import_id) for import_id in history["id"].to_list()]


def coverage_known(reports: list[ImportReport], region: str) -> bool:
    """Whether any detailed report covers the county (sample data and count-only imports do not)."""
    return any(
        report.detailed and not report.coverage.filter(pl.col("region_code") == region).is_empty() for report in reports
    )


def coverage_months(coverage: pl.DataFrame, language: str) -> pl.DataFrame:
    """The flagged county-months named without their counts or shares, for a viewer without unit access."""
    return coverage_rows(coverage, language).select(pl.nth(0, 1))


def coverage_rows(coverage: pl.DataFrame, language: str) -> pl.DataFrame:
    """Coverage cells as a readable table (county name, month, counts, share in %)."""
    names = {code: region_name_or_code(code, language) for code in coverage["region_code"].unique().to_list()}
    shown = coverage.select(
        pl.col("region_code").replace_strict(names, return_dtype=pl.String),
        "month",
        _as_text(coverage, pl.col("n_non_urgent"), language),
        _as_text(coverage, pl.col("n_with_assessment"), language),
        _as_text(coverage, pl.col("share") * 100, language, digits=1),
    )
    return shown.rename({name: t(f"data.col_{name}", language) for name in shown.columns})


# --- data sets -------------------------------------------------------------------------------------------------------


def dataset_label(name: str, language: str) -> str:
    """A data set as the reader knows it: the sample in ``language``, an imported one by its own name."""
    return t("datasets.sample", language) if name == SAMPLE_DATASET else name


# --- the reader's words for a failed import ----------------------------------------------------------------------


def import_error_message(error: object, language: str) -> str:
    """A failed import (:class:`pipeline.imports.ImportFailedError`) in ``language``.

    The reasons the readers and the import know by a key (``reader.<key>``) are said in the reader's language,
    with a close column name or the layout's hint where there is one; any other reason is quoted as it was
    given, inside a sentence in the reader's language. Nothing was imported in either case.
    """
    key = getattr(error, "key", None)
    params: dict[str, str] = dict(getattr(error, "params", None) or {})
    file_name = str(getattr(error, "file_name", ""))
    strings = catalogue(language)
    if not isinstance(key, str) or not (f"reader.{key}" in strings or f"reader.{key}.other" in strings):
        reason = str(getattr(error, "reason", error))
        text = t("reader.failed", language, file=file_name, reason=reason)
    elif key == "missing_columns":
        text = t("reader.missing_columns", language, file=file_name, **_only(params, "missing", "available"))
        close = getattr(getattr(error, "__cause__", None), "close", None) or {}
        text += "".join(
            f" {t('reader.close_name', language, found=found, wanted=wanted)}" for wanted, found in close.items()
        )
        hint = params.get("hint")
        if hint and f"reader.hint_{hint}" in catalogue(language):
            text += f" {t(f'reader.hint_{hint}', language)}"
    elif key == "nothing_kept_because":
        reason = t(f"reason.{params.get('reason', '')}", language) if params.get("reason") else ""
        rows = int(params.get("rows", "0"))
        text = tn(
            "reader.nothing_kept_because",
            rows,
            language,
            n=count(rows, language),
            reason=reason,
            column=params.get("column", ""),
            examples=params.get("examples", ""),
        )
    elif key in ("nothing_kept", "all_imported_before"):
        rows = int(params.get("rows", "0"))
        text = tn(f"reader.{key}", rows, language, **{**_without(params, "rows"), "n": count(rows, language)})
    else:
        text = t(f"reader.{key}", language, **params)
    row, column = getattr(error, "row", None), getattr(error, "column", None)
    if row is not None and column:
        text += f" {t('reader.where', language, row=row, column=column)}"
    return f"{text} {t('reader.unchanged', language)}"


def _without(params: dict[str, str], *names: str) -> dict[str, str]:
    return {name: value for name, value in params.items() if name not in names}


def _only(params: dict[str, str], *names: str) -> dict[str, str]:
    return {name: params.get(name, "") for name in names}


def report_notes(report: ImportReport, language: str) -> list[str]:
    """The validation report's remarks on the whole file, in ``language`` (a plain-text note as it was written),
    and the text encoding a CSV file was read in."""
    lines = []
    if report.report.encoding:
        lines.append(t("extract_note.encoding", language, encoding=report.report.encoding))
    for text in report.report.notes:
        parsed = parse_note(text)
        if parsed is None or f"extract_note.{parsed[0]}" not in catalogue(language):
            lines.append(text)
            continue
        key, params = parsed
        if "rule" in params:
            params["rule"] = t(f"datasets.rule_{params['rule']}", language)
        lines.append(t(f"extract_note.{key}", language, **params))
    return lines


# --- templates and the column table -------------------------------------------------------------------------------

#: Two example rows per canonical table for the downloadable templates (made-up values, valid as they stand).
TEMPLATE_ROWS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "visits": (
        {
            "visit_id": "v000001",
            "patient_id": "p000001",
            "professional_id": "d0001",
            "profession": "doctor",
            "unit_id": "tk-keskusta",
            "region_code": "13",
            "visit_at": "2025-03-10 09:00",
            "assessment_at": "2025-03-03 08:14",
            "urgent": "false",
            "contact_mode": "in_person",
            "service_type": "T11",
            "age_years": "67",
        },
        {
            "visit_id": "v000002",
            "patient_id": "p000002",
            "professional_id": "n0001",
            "profession": "nurse",
            "unit_id": "tk-keskusta",
            "region_code": "13",
            "visit_at": "2025-03-11 14:30",
            "assessment_at": "",
            "urgent": "true",
            "contact_mode": "phone",
            "service_type": "T11",
            "age_years": "",
        },
    ),
    "appointment_slots": (
        {
            "captured_at": "2025-03-03 07:00",
            "book_id": "kirja-01",
            "unit_id": "tk-keskusta",
            "region_code": "13",
            "profession": "doctor",
            "slot_at": "2025-03-12 10:00",
            "status": "free",
            "slot_type": "non_urgent",
        },
        {
            "captured_at": "2025-03-03 07:00",
            "book_id": "kirja-01",
            "unit_id": "tk-keskusta",
            "region_code": "13",
            "profession": "doctor",
            "slot_at": "2025-03-12 10:20",
            "status": "booked",
            "slot_type": "non_urgent",
        },
    ),
    "survey_answers": (
        {
            "response_id": "r000001",
            "region_code": "13",
            "unit_id": "tk-keskusta",
            "answered_at": "2025-03-10 10:05",
            "score": "9",
            "respondent": "patient",
            "weight": "1.0",
        },
        {
            "response_id": "r000002",
            "region_code": "13",
            "unit_id": "tk-keskusta",
            "answered_at": "2025-03-10 11:40",
            "score": "6",
            "respondent": "patient",
            "weight": "0.8",
        },
    ),
    "assignments": (
        {
            "patient_id": "p000001",
            "provider_kind": "doctor",
            "provider_id": "d0001",
            "region_code": "13",
            "unit_id": "tk-keskusta",
            "valid_from": "2024-01-01",
            "valid_to": "",
        },
        {
            "patient_id": "p000002",
            "provider_kind": "team",
            "provider_id": "tiimi-3",
            "region_code": "13",
            "unit_id": "tk-keskusta",
            "valid_from": "2024-06-01",
            "valid_to": "2025-05-31",
        },
    ),
}
_HOLDS = {
    Kind.ID: "holds_id",
    Kind.TEXT: "holds_text",
    Kind.CODE: "holds_code",
    Kind.TIME: "holds_time",
    Kind.BOOL: "holds_bool",
    Kind.NUMBER: "holds_number",
}


def template_csv(table: str) -> bytes:
    """A canonical CSV template of ``table``: the header and two example rows, UTF-8 with a byte-order mark (a
    spreadsheet then reads it right), comma-separated."""
    rows = TEMPLATE_ROWS[table]
    names = [column.name for column in TABLES_BY_NAME[table].columns]
    lines = [",".join(names), *(",".join(row.get(name, "") for name in names) for row in rows)]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def _required(column: Column) -> bool:
    """Whether a canonical file must have the column (the readers fill the optional ones with null)."""
    return column.required and column.name not in READER_OPTIONAL_COLUMNS


def column_table(table: str, language: str) -> pl.DataFrame:
    """Every canonical column of ``table``: its name, whether a file must have it, whether a value may be empty,
    what it holds and its allowed values."""
    rows = [
        {
            t("data.col_column", language): column.name,
            t("data.col_required", language): t("data.answer_yes" if _required(column) else "data.answer_no", language),
            t("data.col_may_be_empty", language): t(
                "data.answer_yes" if column.nullable else "data.answer_no", language
            ),
            t("data.col_holds", language): t(f"data.{_HOLDS[column.kind]}", language),
            t("data.col_allowed", language): ", ".join(sorted(column.allowed)) if column.allowed else "",
        }
        for column in TABLES_BY_NAME[table].columns
    ]
    return pl.DataFrame(rows)
