"""The full data set download on the Data page: CSV (a ZIP with its check report), XLSX and Parquet.

The rows are :func:`exports.dataset.dataset_cells` of the viewer's results (so the viewer's scope). The page
shows how many there are, counted from the suppressed cells the rows are made of
(:func:`exports.dataset.dataset_rows`); the frame itself is built when a button is first pressed, once per
results, threshold and language, and each file carries the output check report of the viewer's role
(:func:`ui.render.check_for`).
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
from ui import cache
from ui.render import XLSX_MIME, ZIP_MIME, check_for, export_check

PARQUET_MIME = "application/vnd.apache.parquet"


def _cells(results: Results, threshold: int, language: str) -> pl.DataFrame:
    """The data set's frame, built once per results, threshold and language (on the first download)."""
    return results.derived(
        ("dataset_cells", threshold, language),
        lambda: dataset.dataset_cells(results, threshold=threshold, language=language),
    )


def dataset_downloads(language: str) -> None:
    """A heading, what the data set holds and for whom, its size, and the three downloads (XLSX only up to
    :data:`exports.dataset.XLSX_MAX_ROWS` rows, with the reason said when it is larger).

    What the files need is taken here, while the page is drawn: they are made after its run, outside the
    viewer's session (:class:`ui.render.ExportCheck`).
    """
    results = cache.results()
    checking = export_check(results)
    threshold = checking.threshold
    rows = dataset.dataset_rows(results, threshold=threshold)
    st.subheader(t("dataset.heading", language))
    st.caption(t("dataset.intro", language))
    rows_text = tn("dataset.rows", rows, language, n=count(rows, language))
    st.caption(f"{dataset.scope_line(results, language)} · {rows_text}")
    stem = export_filename(indicator="dataset", extension="csv", language=language).removesuffix(".csv")

    def about() -> list[str]:
        return dataset.dataset_about(results, language, threshold=threshold)

    def csv_zip() -> bytes:
        cells = _cells(results, threshold, language)
        return dataset.dataset_csv(cells, name=stem, about=about(), check=check_for(cells, checking), language=language)

    def xlsx() -> bytes:
        cells = _cells(results, threshold, language)
        return dataset.dataset_xlsx(cells, about=about(), check=check_for(cells, checking), language=language)

    def parquet() -> bytes:
        cells = _cells(results, threshold, language)
        return dataset.dataset_parquet(cells, about=about(), check=check_for(cells, checking), language=language)

    files: list[tuple[str, Callable[[], bytes], str, str, str]] = [
        ("export.csv_zip", csv_zip, f"{stem}.zip", ZIP_MIME, ":material/folder_zip:"),
        ("export.parquet", parquet, f"{stem}.parquet", PARQUET_MIME, ":material/database:"),
    ]
    if rows <= dataset.XLSX_MAX_ROWS:
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
    if rows > dataset.XLSX_MAX_ROWS:
        st.caption(t("dataset.xlsx_too_big", language, limit=count(dataset.XLSX_MAX_ROWS, language)))
