"""What a viewer may do to the store from the Data page: refresh the published series and upload an extract.

Each is checked against the viewer's role first, refusals are logged on ``dashboard.access``, and the
store's version is forgotten afterwards so that every cache (:mod:`ui.cache`) reads the new data.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
import streamlit as st

from core.access import AccessPolicy
from core.errors import AccessDeniedError
from core.settings import Settings
from i18n import t, tn
from i18n.format import count
from pipeline.imports import ImportFailedError, ImportRefusedError, import_upload
from pipeline.indicators import refresh_all
from pipeline.kept_decisions import keep_linked_decisions
from ui import cache, session
from views import data

UPLOAD_LIMIT_MB = 1024  # server.maxUploadSize in .streamlit/config.toml
ACCESS_LOG = logging.getLogger("dashboard.access")


def counties(regions: frozenset[str] | None) -> str:
    """The county codes a role covers, listed in a refusal message."""
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
        if not outcome.already_imported:  # decided now, so no visitor's page waits for it
            keep_linked_decisions(engine, settings.suppression_threshold, dataset=outcome.dataset or None)
        cache.forget_version()
        if outcome.already_imported:
            st.info(t("data.already_imported", language))
        else:
            kept = outcome.rows_read - outcome.rows_rejected
            st.success(
                t(
                    "data.imported",
                    language,
                    accepted=tn("data.rows_accepted", kept, language, n=count(kept, language)),
                    rejected=tn(
                        "data.rows_rejected", outcome.rows_rejected, language, n=count(outcome.rows_rejected, language)
                    ),
                )
            )
        st.session_state["report_import"] = outcome.import_id


def refresh_allowed(policy: AccessPolicy, language: str) -> None:
    """A refresh replaces national series: refused (and logged) unless the role covers every county."""
    if not policy.may_refresh:
        ACCESS_LOG.warning("refused a refresh of the national series to %s", policy.log_identity)
        raise AccessDeniedError(t("error.refused_refresh", language, allowed=counties(policy.unit_regions)))


def refresh(engine: sa.Engine, settings: Settings, policy: AccessPolicy, language: str) -> None:
    """Refresh Sotkanet and the THL cube with a progress bar, and say per source what changed."""
    refresh_allowed(policy, language)
    bar = st.progress(0.0, text=t("data.refreshing", language))

    def progress(fraction: float, message: str) -> None:
        bar.progress(fraction, text=message)

    sotkanet, cube = refresh_all(engine, settings, progress=progress)
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
