"""Data: sources with freshness and licence, refresh with progress, extract uploads with their reports, history."""

from __future__ import annotations

import logging

import polars as pl
import sqlalchemy as sa
import streamlit as st

from core.access import AccessPolicy
from core.errors import AccessDeniedError
from core.settings import Settings
from i18n import t
from i18n.format import count
from pipeline.imports import ImportFailedError, ImportRefusedError, import_upload
from pipeline.indicators import refresh_all
from store.catalogue import import_report
from ui import cache, filters, session
from ui.render import handled_errors, sample_badge, show_table
from ui.text import literal
from views import data

UPLOAD_LIMIT_MB = 1024  # server.maxUploadSize in .streamlit/config.toml
ACCESS_LOG = logging.getLogger("dashboard.access")


def table(frame: pl.DataFrame, language: str) -> None:
    """A table whose numbers (text in the language's format) are aligned right, as numbers are."""
    config = {label: st.column_config.TextColumn(alignment="right") for label in data.number_labels(language)}
    show_table(frame, width="stretch", column_config=config)


def counties(regions: frozenset[str] | None) -> str:
    return ", ".join(sorted(regions)) if regions else "-"


def upload_form(engine: sa.Engine, settings: Settings, policy: AccessPolicy, language: str) -> None:
    """Upload an extract; the import is all or nothing and its validation report is shown below."""
    st.header(t("data.upload", language))
    st.caption(t("data.upload_help", language, limit=UPLOAD_LIMIT_MB))
    with st.form("upload", clear_on_submit=True):
        table_name = st.selectbox(
            t("data.upload_table", language), data.TABLES, format_func=lambda name: t(f"data.table_{name}", language)
        )
        upload = st.file_uploader(t("data.upload_file", language), type=["csv", "txt", "parquet"])
        submitted = st.form_submit_button(t("data.upload_button", language), icon=":material/upload:")
    if submitted and upload is not None:
        with st.status(t("data.importing", language)) as status:
            try:
                outcome = import_upload(
                    engine,
                    settings.data_dir,
                    upload,
                    file_name=upload.name,
                    table_name=table_name,
                    imported_by=session.user_name(),
                    allowed_regions=policy.import_regions,  # checked on the file's rows
                    earliest_date=settings.earliest_date,
                    slot_horizon_years=settings.slot_horizon_years,
                )
            except ImportRefusedError as error:
                status.update(state="error")
                ACCESS_LOG.warning(
                    "refused an import of %s rows outside the counties of %s (error %s)",
                    table_name,
                    policy.log_identity,
                    error.error_id,
                )
                allowed = counties(policy.import_regions)
                raise AccessDeniedError(t("error.refused_import", language, allowed=allowed)) from error
            except ImportFailedError:
                status.update(state="error")
                raise
            status.update(state="complete")
        cache.forget_version()
        if outcome.already_imported:
            st.info(t("data.already_imported", language))
        else:
            kept = outcome.rows_read - outcome.rows_rejected
            st.success(
                t(
                    "data.imported",
                    language,
                    kept=count(kept, language),
                    rejected=count(outcome.rows_rejected, language),
                )
            )
        st.session_state["report_import"] = outcome.import_id


def refresh_allowed(policy: AccessPolicy, language: str) -> None:
    """A refresh replaces national series: refused (and logged) unless the role covers every county."""
    if not policy.may_refresh:
        ACCESS_LOG.warning("refused a refresh of the national series to %s", policy.log_identity)
        raise AccessDeniedError(t("error.refused_refresh", language, allowed=counties(policy.unit_regions)))


state = filters.current_view()
language = state.lang
engine = session.current_engine()
settings = session.settings()

st.title(t("data.title", language))
st.caption(t("data.subtitle", language))
sample_badge(language, cache.results().sample_data)

with handled_errors(language):
    st.header(t("data.published", language))
    for line in data.refresh_status(engine, language):
        st.markdown(f"- {literal(line)}")  # holds the remote source's own words when a refresh failed
    series = data.published_series(engine, language)
    table(series.rename({name: t(f"data.col_{name}", language) for name in series.columns}), language)
    st.caption(t("data.licence_line", language))
    policy = session.access_policy()
    if not policy.may_import:
        st.info(t("data.import_needs_role", language), icon=":material/lock:")
    if policy.may_import and st.button(
        t("data.refresh", language), icon=":material/sync:", disabled=not policy.may_refresh
    ):
        refresh_allowed(policy, language)
        bar = st.progress(0.0, text=t("data.refreshing", language))
        sotkanet, cube = refresh_all(
            engine, settings, progress=lambda fraction, message: bar.progress(fraction, text=message)
        )
        bar.empty()
        cache.forget_version()
        for outcome in (sotkanet, cube):
            message = t(
                "data.refresh_outcome",
                language,
                source=data.source_name(outcome.source, language),
                updated=len(outcome.updated),
                unchanged=len(outcome.unchanged),
                failed=len(outcome.failed),
            )
            (st.success if outcome.ok else st.warning)(message)

    if policy.may_import:
        upload_form(engine, settings, policy, language)

    st.header(t("data.imports", language))
    history = data.imports_table(cache.results().imports, language)
    table(history, language)

    st.header(t("data.report", language))
    ids = data.import_ids(engine)
    if ids:
        chosen = st.selectbox(
            t("data.report_choose", language),
            ids,
            index=ids.index(st.session_state["report_import"]) if st.session_state.get("report_import") in ids else 0,
            format_func=data.import_labels(engine, language).__getitem__,
        )
        report = import_report(engine, chosen)
        if not report.detailed:
            st.caption(t("data.report_counts_only", language))
        else:
            reasons = data.reasons_table(report, language)
            st.markdown(f"**{t('data.report_reasons', language)}**")
            if reasons.is_empty():
                st.caption(t("data.report_clean", language))
            else:
                table(reasons, language)
            coverage = data.coverage_table(report, language)
            if not coverage.is_empty():
                st.markdown(f"**{t('data.report_coverage', language)}**")
                table(coverage, language)
