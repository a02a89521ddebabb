"""The full data set download on the Data page: CSV (a ZIP with its check report), XLSX and Parquet.

The rows are :func:`exports.dataset.dataset_cells` of the viewer's results (so the viewer's scope), built once
per store version, scope, threshold and language and shared; the files are made only when a button is pressed,
each with the output check report of the viewer's role (:func:`ui.render.check_for`).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from exports import dataset
from exports.names import export_filename
from i18n import t, tn
from i18n.format import count
from store.results import Results
from ui import cache, session
from ui.render import XLSX_MIME, ZIP_MIME, check_for

PARQUET_MIME = "application/vnd.apache.parquet"


def _cells(results: Results, threshold: int, language: str) -> pl.DataFrame:
    return dataset.dataset_cells(results, threshold=threshold, language=language)


def dataset_downloads(language: str) -> None:
    """A heading, what the data set holds and for whom, its size, and the three downloads (XLSX only up to
    :data:`exports.dataset.XLSX_MAX_ROWS` rows, with the reason said when it is larger)."""
    threshold = session.threshold()
    results = cache.results()
    cells = cache.view(_cells, threshold, language)
    st.subheader(t("dataset.heading", language))
    st.caption(t("dataset.intro", language))
    rows = tn("dataset.rows", cells.height, language, n=count(cells.height, language))
    st.caption(f"{dataset.scope_line(results, language)} · {rows}")
    stem = export_filename(indicator="dataset", extension="csv", language=language).removesuffix(".csv")

    def about() -> list[str]:
        return dataset.dataset_about(results, language, threshold=threshold)

    def csv_zip() -> bytes:
        return dataset.dataset_csv(cells, name=stem, about=about(), check=check_for(cells), language=language)

    def xlsx() -> bytes:
        return dataset.dataset_xlsx(cells, about=about(), check=check_for(cells), language=language)

    def parquet() -> bytes:
        return dataset.dataset_parquet(cells, about=about(), check=check_for(cells), language=language)

    files: list[tuple[str, Callable[[], bytes], str, str, str]] = [
        ("export.csv_zip", csv_zip, f"{stem}.zip", ZIP_MIME, ":material/folder_zip:"),
        ("export.parquet", parquet, f"{stem}.parquet", PARQUET_MIME, ":material/database:"),
    ]
    if cells.height <= dataset.XLSX_MAX_ROWS:
        files.insert(1, ("dataset.xlsx", xlsx, f"{stem}.xlsx", XLSX_MIME, ":material/grid_on:"))
    with st.container(horizontal=True, gap="small"):
        for label, data, file_name, mime, icon in files:
            st.download_button(
                t(label, language),
                data=data,
                file_name=file_name,
                mime=mime,
                key=f"dataset_{label}",
                icon=icon,
                on_click="ignore",
            )
    if cells.height > dataset.XLSX_MAX_ROWS:
        st.caption(t("dataset.xlsx_too_big", language, limit=count(dataset.XLSX_MAX_ROWS, language)))
