"""Data: every source with its freshness, licence and attribution, the refresh status, the import history."""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from core.errors import DashboardError
from i18n import region_name, t
from store import tables
from store.imports import ImportReport, import_report
from store.queries import import_history, source_status
from store.repository import read_table
from views.results import SAMPLE_IMPORTER

ATTRIBUTION = {
    "sotkanet": "THL, Sotkanet",
    "thl_cube": "THL, tilastokuutiot",
    "extract": "",
}


def published_series(engine: sa.Engine, language: str) -> pl.DataFrame:
    """One row per published series: source, id, title in ``language``, updated, fetched, licence, rows, latest."""
    meta = read_table(engine, tables.indicators)
    counts = (
        read_table(engine, tables.indicator_values)
        .group_by("source", "indicator_id")
        .agg(pl.len().alias("rows"), pl.col("period").max().alias("latest_period"))
    )
    title = pl.coalesce(pl.col(f"title_{language}"), pl.col("title_fi"))
    return (
        meta.join(counts, on=["source", "indicator_id"], how="left")
        .select(
            pl.col("source").replace_strict(ATTRIBUTION, default=pl.col("source")).alias("attribution"),
            "indicator_id",
            title.alias("title"),
            _moment(pl.col("data_updated"), "%Y-%m-%d"),
            _moment(pl.col("fetched_at"), "%Y-%m-%d %H:%M"),
            "licence",
            "rows",
            "latest_period",
        )
        .sort("attribution", "indicator_id")
    )


def refresh_status(engine: sa.Engine, language: str) -> list[str]:
    """One sentence per remote source: as of when, and why the last attempt failed if it did."""
    lines = []
    for row in source_status(engine).sort("source").iter_rows(named=True):
        name = ATTRIBUTION.get(row["source"], row["source"])
        as_of = str(row["last_success_at"])[:16] if row["last_success_at"] else "–"
        if row["last_error"]:
            lines.append(t("data.status_failed", language, source=name, as_of=as_of, reason=row["last_error"]))
        else:
            lines.append(t("data.status_ok", language, source=name, as_of=as_of))
    return lines


def imports_table(engine: sa.Engine, language: str) -> pl.DataFrame:
    """The import history in the reader's words: layouts and the sample generator named in ``language``."""
    layouts = {layout: t(f"data.layout_{layout}", language) for layout in ("sample", "canonical", "avohilmo")}
    history = import_history(engine).with_columns(
        pl.col("layout").replace(layouts),
        pl.col("imported_by").replace({SAMPLE_IMPORTER: t("data.sample_importer", language)}),
        _moment(pl.col("imported_at"), "%Y-%m-%d %H:%M"),
    )
    return history.rename({name: t(f"data.col_{name}", language) for name in history.columns})


def _moment(column: pl.Expr, pattern: str) -> pl.Expr:
    """A date or time as text to the minute (a dash when unknown), the same in every language."""
    return (
        column.cast(pl.Datetime("us"), strict=False)
        .dt.strftime(pattern)
        .fill_null("–")
        .alias(column.meta.output_name())
    )


TABLES = ("visits", "appointment_slots", "survey_answers")


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
        pl.col("key")
        .map_elements(lambda key: t(f"reason.{key}", language), return_dtype=pl.String)
        .alias("description"),
        "column",
        "count",
        (pl.col("share_of_rows") * 100).round(2),
        "example_rows",
    )
    return shown.rename({name: t(f"data.col_{name}", language) for name in shown.columns})


def coverage_table(report: ImportReport, language: str) -> pl.DataFrame:
    """Per county and month, the share of kept non-urgent visits that carry an assessment date (THL's measure)."""
    return report.coverage if report.coverage.is_empty() else coverage_rows(report.coverage, language)


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


def import_labels(engine: sa.Engine) -> dict[int, str]:
    """'#3 · visits · kela_2025.csv · 2025-11-02 10:15' per import id."""
    history = import_history(engine)
    return {
        row["id"]: f"#{row['id']} · {row['table_name']} · {row['file_name']} · {str(row['imported_at'])[:16]}"
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


def coverage_rows(coverage: pl.DataFrame, language: str) -> pl.DataFrame:
    """Coverage cells as a readable table (county name, month, counts, share in %)."""
    names = {code: region_name_or_code(code, language) for code in coverage["region_code"].unique().to_list()}
    shown = coverage.select("region_code", "month", "n_non_urgent", "n_with_assessment", "share").with_columns(
        pl.col("region_code").replace_strict(names, return_dtype=pl.String), (pl.col("share") * 100).round(1)
    )
    return shown.rename({name: t(f"data.col_{name}", language) for name in shown.columns})
