"""The Data page's import: upload an extract into a named data set, with the templates and the column table.

A failed import is said in the reader's language (:func:`views.data.import_error_message`) in place of the
result, never as an exception that would stop the page: the import history and the check reports below stay
visible. An import of real data into a store that holds only the synthetic sample starts a data set of its
own (the sample stays, and is never blended with it).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
import streamlit as st

from core.access import AccessPolicy
from core.errors import InvalidInputError
from core.settings import Settings
from i18n import t, tn
from i18n.format import count
from pipeline.imports import ImportFailedError, ImportRefusedError, import_upload
from pipeline.kept_decisions import keep_linked_decisions
from store.datasets import SAMPLE_DATASET, datasets, holds_only_the_sample
from ui import cache, filters, session
from ui.render import show_table
from ui.text import literal
from views import data

UPLOAD_LIMIT_MB = 1024  # server.maxUploadSize in .streamlit/config.toml
COUNTY_RULES = ("auto", "provider", "home")
NEW = ""  # the data set choice "a new data set"
ACCESS_LOG = logging.getLogger("dashboard.access")


def upload_form(engine: sa.Engine, settings: Settings, policy: AccessPolicy, language: str) -> None:
    """Upload an extract into a data set; the outcome (or why nothing was imported) is shown below the form."""
    st.header(t("data.upload", language))
    st.caption(t("data.upload_help", language, limit=UPLOAD_LIMIT_MB))
    only_sample = holds_only_the_sample(engine)
    real = [item.name for item in datasets(engine) if not item.sample]
    if only_sample or not real:
        st.info(t("datasets.start_real", language), icon=":material/new_label:")
    with st.form("upload", clear_on_submit=False):
        chosen = NEW
        if real:
            chosen = st.selectbox(
                t("datasets.label", language),
                [*real, NEW],
                format_func=lambda name: name or t("datasets.new_option", language),
                key="upload_dataset",
            )
        new_name = st.text_input(
            t("datasets.new_name", language), value=t("datasets.default_name", language), max_chars=64
        )
        table_name = st.selectbox(
            t("data.upload_table", language), data.TABLES, format_func=lambda name: t(f"data.table_{name}", language)
        )
        rule = st.radio(
            t("datasets.county_rule", language),
            COUNTY_RULES,
            format_func=lambda item: t(f"datasets.rule_{item}", language),
        )
        upload = st.file_uploader(t("data.upload_file", language), type=["csv", "txt", "parquet"])
        submitted = st.form_submit_button(t("data.upload_button", language), icon=":material/upload:")
    if submitted and upload is not None:
        _import(
            engine,
            settings,
            policy,
            language,
            upload=upload,
            table_name=table_name,
            dataset=chosen or new_name,
            rule=rule,
        )
    _templates(language)


def _import(
    engine: sa.Engine,
    settings: Settings,
    policy: AccessPolicy,
    language: str,
    *,
    upload: object,
    table_name: str,
    dataset: str,
    rule: str,
) -> None:
    failure = ""  # said below the status box, which folds up when the import fails
    with st.status(t("data.importing", language)) as status:
        try:
            outcome = import_upload(
                engine,
                settings.data_dir,
                upload,  # type: ignore[arg-type]  # Streamlit's UploadedFile is a binary file object
                file_name=str(getattr(upload, "name", "upload")),
                table_name=table_name,
                imported_by=session.user_name(),
                allowed_regions=policy.import_regions,  # checked on the file's rows
                earliest_date=settings.earliest_date,
                slot_horizon_years=settings.slot_horizon_years,
                dataset=dataset,
                county_from=rule,
            )
        except ImportRefusedError as error:
            ACCESS_LOG.warning(
                "refused an import of %s rows outside the counties of %s (error %s)",
                table_name,
                policy.log_identity,
                error.error_id,
            )
            allowed = ", ".join(sorted(policy.import_regions or ())) or "-"
            failure = t("error.refused_import", language, allowed=allowed)
        except ImportFailedError as error:
            failure = data.import_error_message(error, language)
        except InvalidInputError:  # the data set's name
            failure = t("reader.bad_dataset_name", language)
        status.update(state="error" if failure else "complete")
    if failure:
        st.error(literal(failure), icon=":material/error:")
        return
    if not outcome.already_imported:  # decided now, so no visitor's page waits for it
        keep_linked_decisions(engine, settings.suppression_threshold, dataset=outcome.dataset or None)
    cache.forget_version()
    st.session_state["report_import"] = outcome.import_id
    if outcome.already_imported:
        st.info(t("data.already_imported", language))
        return
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
    shown = outcome.dataset or dataset
    st.info(literal(t("datasets.imported_into", language, name=data.dataset_label(shown, language))))
    if shown != SAMPLE_DATASET:
        filters.choose_dataset(shown)


def _templates(language: str) -> None:
    """A CSV template of each canonical table (the header and two example rows) and its columns."""
    with st.expander(t("data.templates", language), icon=":material/table_view:"):
        st.caption(t("data.columns_intro", language))
        for table_name in data.TABLES:
            label = t(f"data.table_{table_name}", language)
            st.subheader(label)
            st.download_button(
                t("data.template_download", language, table=label),
                data.template_csv(table_name),
                file_name=f"{table_name}_template.csv",
                mime="text/csv",
                key=f"template_{table_name}",
                icon=":material/download:",
            )
            show_table(data.column_table(table_name, language), width="stretch")
