"""How a chart view appears on a page: the figure, its table alternative, downloads and the deck basket."""

from __future__ import annotations

import base64
import functools
import html
import logging
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa
import streamlit as st
from polars.exceptions import PanicException

from charts.theme import COMPARISON_BADGES, PRIMARY
from core.errors import DashboardError
from exports.disclosure import CheckReport, check_report
from exports.names import export_filename
from exports.provenance import Provenance
from i18n import region_name, t
from i18n.format import date_text
from store.audits import AuditRecord, latest_audit
from store.results import Results
from ui import basket, cache, session
from ui.text import literal
from views.common import DOWNLOAD_KEYS, ChartView, chart_source, table_for_page, table_headers, table_values
from views.definitions import DEFINED, definition
from views.indicators import INDICATORS
from views.overview import Headline

PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["lasso2d", "select2d"], "responsive": True}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MIME = "application/zip"
#: The browser tab's icon: bundled, and sent inline as a data URL (no request to any other host).
ICON = str(Path(__file__).with_name("assets") / "icon.svg")

#: The page's own style rules: narrow windows get one column (see the file).
LAYOUT_CSS = Path(__file__).with_name("assets") / "layout.css"

#: Unexpected errors: one line with the error id and the traceback, for the operator only.
ERROR_LOG = logging.getLogger("dashboard.errors")


def _file_name(view: ChartView, language: str, extension: str) -> str:
    region = "" if view.region == "all" else region_name(view.region, language, short=True)
    return export_filename(
        indicator=view.indicator or view.key,
        kind=view.key.split("_")[-1] if view.indicator else "",
        region=region,
        period=view.period,
        language=language,
        extension=extension,
    )


def _provenance(results: Results, view: ChartView, language: str) -> Provenance:
    source, data_date = chart_source(results, view, language)
    return Provenance(
        source=source,
        licence=t("source.licence", language),
        filters=view.text.subtitle,
        data_date=date_text(data_date, language) if data_date else "",
    )


def show_chart(view: ChartView, language: str) -> None:
    """The figure, then "show as table", the downloads (PNG, SVG, CSV, XLSX) and "add to deck".

    A chart with nothing to draw is not shown as empty axes: its title and the reason are shown instead,
    for a selection without rows and for one whose every cell the suppression rule hides.
    """
    empty = view.nothing_to_show()
    definition_button(view.indicator, language, key=view.key)
    if empty is not None:
        st.markdown(f"**{view.text.title}**")
        if empty == "no_data":
            st.info(t("common.no_data", language), icon=":material/search_off:")
        else:
            st.info(t("common.all_hidden", language, note=view.text.suppression_note), icon=":material/visibility_off:")
        return
    st.plotly_chart(view.figure, width="stretch", config=PLOTLY_CONFIG, key=f"chart_{view.key}", theme=None)
    _table(view, language)
    _export_controls(view, language)


@functools.cache
def _layout_rules() -> str:
    """:data:`LAYOUT_CSS` as read once: it ships with the code and never changes while the server runs."""
    return LAYOUT_CSS.read_text(encoding="utf-8")


def layout_css() -> None:
    """The page's style rules (:data:`LAYOUT_CSS`), sent once per run in a style element that takes no room."""
    st.html(f"<style>{_layout_rules()}</style>")


def definition_button(indicator: str, language: str, *, key: str) -> None:
    """The ⓘ that opens the indicator's definition in the reader's language: what is counted, the good
    direction, the source and comparability with THL's figures. Nothing for a chart of no defined indicator."""
    if indicator not in DEFINED:
        return
    explained = definition(indicator, language, threshold=session.threshold())
    with st.popover(
        t("common.definition_button", language),
        icon=":material/info:",  # the ⓘ, drawn from Streamlit's bundled icon font (no font lacks it)
        help=t("common.definition_help", language),
        key=f"definition_{key}",
    ):
        st.markdown(f"**{explained.title}**")
        st.markdown(explained.markdown(language))


def show_table(frame: pl.DataFrame, **options: Any) -> None:
    """``st.dataframe`` for a polars frame, handed over as Arrow without an index.

    Streamlit converts a polars frame through pandas (``DataFrame.to_pandas``), which runs on polars' worker
    threads while the script thread holds the interpreter lock; an Arrow table is sent as it is.
    """
    st.dataframe(frame.to_arrow(), hide_index=True, **options)


def show_static_table(frame: pl.DataFrame) -> None:
    """A small table of sentences that wrap (the Methods page's comparability table), sent as Arrow like
    :func:`show_table`; a data grid would cut the sentences off."""
    st.table(frame.to_arrow(), hide_index=True)


@st.fragment
def _table(view: ChartView, language: str) -> None:
    """The chart's "show as table" alternative, built only while its expander is open.

    Numbers as the language writes them, the country's value beside each area's, the marker for a hidden value.
    Opening or closing it reruns this fragment alone, not the page: nothing else is rebuilt or greyed out.
    """
    indicator = INDICATORS.get(view.indicator)
    percent = bool(indicator and indicator.percent)
    table_box = st.expander(t("common.show_table", language), key=f"table_{view.key}_{language}", on_change="rerun")
    with table_box, handled_errors(language):  # a fragment's own rerun is not inside the page's handler
        if table_box.open:
            if view.text.suppression_note:
                st.caption(view.text.suppression_note)
            shown, numbers = table_for_page(view.data, language, percent=percent)
            config = {name: st.column_config.TextColumn(name, alignment="right") for name in numbers}
            # long target labels leave room for the numbers
            label, group = t("table.label", language), t("table.group", language)
            config[label] = st.column_config.TextColumn(label, width="medium")
            config[group] = st.column_config.TextColumn(group, width="small")
            show_table(shown, width="stretch", column_config=config)
            st.caption(view.text.caption)


def _image(extension: str) -> Callable[..., bytes]:
    """The image writer for ``extension``, imported when a file is first asked for: Kaleido and its browser
    driver take a while to import, which every cold start would otherwise pay."""
    from exports import images  # noqa: PLC0415

    writer: Callable[..., bytes] = images.figure_to_png if extension == "png" else images.figure_to_svg
    return writer


@dataclass(frozen=True)
class ExportCheck:
    """How this viewer's exports are checked: the store, the viewer's role, the settings' threshold and the data
    set the page shows.

    Taken while the page is drawn (:func:`export_check`, which reads nothing from the store): a download's
    callable runs after the page's run, in a thread without the viewer's session, where neither the signed-in
    viewer nor the data set they chose is known.
    """

    engine: sa.Engine
    role: str
    threshold: int
    dataset: str

    def audit(self) -> AuditRecord | None:
        """The latest audit of the role on the data set shown, of the store as it is now (a read of the store)."""
        return latest_audit(self.engine, self.role, self.dataset)


def export_check(results: Results) -> ExportCheck:
    """This viewer's :class:`ExportCheck` for exports of ``results`` (of their data set)."""
    return ExportCheck(session.current_engine(), session.access_policy().role, session.threshold(), results.dataset)


def check_for(cells: pl.DataFrame, checking: ExportCheck) -> CheckReport:
    """The output check report of ``cells`` as this viewer exports them: the settings' threshold, the viewer's
    role and the latest audit of that role on the data set shown, of the store as it is now (none after a change
    since, none of another data set)."""
    return check_report(
        cells, threshold=checking.threshold, role=checking.role, audit=checking.audit(), dataset=checking.dataset
    )


def table_files(view: ChartView, language: str) -> tuple[Callable[[], bytes], Callable[[], bytes]]:
    """The CSV bundle (a ZIP of the table and its ``.check.txt``) and the XLSX of ``view``, made when asked for.

    Both hold the table as the page shows it (the chart's units, the reader's headings, codes in words), with
    the area codes first for programs that join on them.
    """
    indicator = INDICATORS.get(view.indicator)
    percent = bool(indicator and indicator.percent)
    results = cache.results()  # the page's: the files are made outside its run, where the data set is not known
    checking = export_check(results)
    threshold = checking.threshold

    def parts() -> tuple[pl.DataFrame, Provenance, CheckReport]:
        frame = table_values(view.data, language, percent=percent, keys=DOWNLOAD_KEYS)
        return frame, _provenance(results, view, language), check_for(view.data, checking)

    def csv_zip() -> bytes:
        from exports.tables import csv_bundle  # noqa: PLC0415  (XlsxWriter: imported on the first download)

        frame, provenance, check = parts()
        return csv_bundle(
            frame,
            name=_file_name(view, language, "csv").removesuffix(".csv"),
            title=view.text.title,
            provenance=provenance,
            language=language,
            check=check,
            headers=table_headers(frame.columns, language),
            threshold=threshold,
        )

    def xlsx() -> bytes:
        from exports.tables import table_to_xlsx  # noqa: PLC0415

        frame, provenance, check = parts()
        return table_to_xlsx(
            frame,
            title=view.text.title,
            provenance=provenance,
            language=language,
            headers=table_headers(frame.columns, language),
            threshold=threshold,
            check=check,
        )

    return csv_zip, xlsx


def _export_controls(view: ChartView, language: str) -> None:
    """One "Download" menu with the four files under their full names, and "add to deck" beside it.

    Both sit in a wrapping row at their natural width, so no label is cut short in a half-width column
    in any language (a narrow column moves the deck button to the next line instead). The files are
    made only when their button is pressed: the callables below run on download, never on a rerun,
    and the tables' provenance lines, column headings and check reports are made then too. The CSV
    comes as a ZIP with its check report beside it (one click, one file), which its label says.
    """
    csv_zip, xlsx = table_files(view, language)

    def image(extension: str) -> Callable[[], bytes]:
        return lambda: _image(extension)(view.figure)

    stem = _file_name(view, language, "csv").removesuffix(".csv")
    files: tuple[tuple[str, Callable[[], bytes], str, str, str], ...] = (
        ("png", image("png"), _file_name(view, language, "png"), "image/png", ":material/image:"),
        ("svg", image("svg"), _file_name(view, language, "svg"), "image/svg+xml", ":material/draw:"),
        ("csv_zip", csv_zip, f"{stem}.zip", ZIP_MIME, ":material/folder_zip:"),
        ("xlsx", xlsx, _file_name(view, language, "xlsx"), XLSX_MIME, ":material/grid_on:"),
    )
    with st.container(horizontal=True, gap="small"):
        with st.popover(t("export.download", language), icon=":material/download:"):
            for kind, data, file_name, mime, icon in files:
                st.download_button(
                    t(f"export.{kind}", language),
                    data=data,
                    file_name=file_name,
                    mime=mime,
                    key=f"{kind}_{view.key}",
                    icon=icon,
                    on_click="ignore",
                    width="stretch",
                )
        key = basket.basket_key(view, language)
        added = key in basket.basket()
        st.button(
            t("deck.added" if added else "deck.add", language),
            key=f"deck_{view.key}",
            icon=":material/check:" if added else ":material/slideshow:",
            disabled=added,
            on_click=basket.add,
            args=(key, view, language),
        )
        basket.announce(language)


@contextmanager
def handled_errors(language: str | None = None) -> Iterator[None]:
    """The one place pages meet failures: show our message in the reader's language and stop this part.

    A handled failure (the :class:`DashboardError` family) shows its own message, as text. Anything else
    (a bug, a database gone mid-session, a native library's panic) is logged on ``dashboard.errors``
    with a short error id and the traceback, and the reader sees only our message with that id: no
    traceback, path or SQL reaches the page. Streamlit's stop and rerun signals pass through.
    ``language`` is the page's; None reads it from the link (``?lang=``) when an error happens.
    """
    try:
        yield
    except DashboardError as error:
        reader = language or session.linked_language()
        st.error(f"**{t('error.title', reader)}**\n\n{literal(error)}")
        st.stop()
    except (Exception, PanicException) as error:  # PyO3's panic derives from BaseException only
        reader = language or session.linked_language()
        error_id = secrets.token_hex(4)
        ERROR_LOG.error("unexpected error %s on a page", error_id, exc_info=error)
        st.error(f"**{t('error.title', reader)}**\n\n{t('error.unexpected', reader, id=error_id)}")
        st.stop()


def sample_badge(language: str, sample: bool) -> None:
    if sample:
        st.warning(t("common.sample_badge", language), icon=":material/warning:")


#: A headline card's width: fixed, so the cards wrap four across on a wide page and two by two in a 1024 px
#: window, where a quarter of the page cannot hold '63,7 %' at the card's type size.
CARD_WIDTH = 220


#: A card's sparkline: its box in pixels (the card's inner width) and the room kept for the line's width.
SPARKLINE_WIDTH, SPARKLINE_HEIGHT, SPARKLINE_PAD = 180, 36, 3


def sparkline_svg(values: Sequence[float], spoken: str) -> str:
    """A small line of ``values`` as an SVG image whose text alternative is ``spoken`` (the values year by year).

    Streamlit's own metric sparkline has no text alternative for screen readers; this one says what it shows.
    """
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = (SPARKLINE_WIDTH - 2 * SPARKLINE_PAD) / (len(values) - 1)
    height = SPARKLINE_HEIGHT - 2 * SPARKLINE_PAD
    points = " ".join(
        f"{SPARKLINE_PAD + index * step:.1f},{SPARKLINE_PAD + height * (1 - (value - low) / span):.1f}"
        for index, value in enumerate(values)
    )
    label = html.escape(spoken, quote=True)
    return (
        f'<svg role="img" aria-label="{label}" width="{SPARKLINE_WIDTH}" height="{SPARKLINE_HEIGHT}" '
        f'viewBox="0 0 {SPARKLINE_WIDTH} {SPARKLINE_HEIGHT}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{label}</title>"
        f'<polyline points="{points}" fill="none" stroke="{PRIMARY}" stroke-width="2" '
        'stroke-linejoin="round" stroke-linecap="round"/></svg>'
    )


def sparkline_img(values: Sequence[float], spoken: str) -> str:
    """:func:`sparkline_svg` as an ``<img>`` whose ``alt`` is ``spoken``: the form Streamlit's markdown keeps."""
    source = base64.b64encode(sparkline_svg(values, spoken).encode("utf-8")).decode("ascii")
    label = html.escape(spoken, quote=True)
    return (
        f'<img alt="{label}" width="{SPARKLINE_WIDTH}" height="{SPARKLINE_HEIGHT}" '
        f'src="data:image/svg+xml;base64,{source}">'
    )


def headline_cards(items: Sequence[Headline], language: str) -> None:
    """Headline cards of a fixed width in a wrapping row (see :func:`headline_card`)."""
    with st.container(horizontal=True, horizontal_alignment="left", gap="small"):  # a short row leaves no hole
        for item in items:
            headline_card(item, language)


def headline_card(item: Headline, language: str) -> None:
    """One card: the value with its change (and from which year) and the yearly sparkline, then its year, the
    country's value and the gap, the comparison with the country (a coloured badge only when judged better,
    similar or worse), why there is no change when there is none, and the target. The tooltip holds the full
    title and n."""
    with st.container(border=True, width=CARD_WIDTH):
        st.metric(
            item.short_title,
            item.value,
            delta=item.change or None,
            delta_color=item.delta_color,
            delta_arrow=item.delta_arrow,
            delta_description=item.since or None,
            help=item.help,
        )
        if item.sparkline:
            # Our own markup (an image of our own SVG, its alternative escaped): st.html strips SVG.
            st.markdown(sparkline_img(item.sparkline, item.sparkline_text), unsafe_allow_html=True)
        st.caption(item.detail)
        if item.versus:
            st.caption(item.versus)
        colour = COMPARISON_BADGES.get(item.comparison)
        if colour:
            st.badge(item.comparison_text, color=colour)  # type: ignore[arg-type]
        elif item.comparison_text:
            st.caption(item.comparison_text)
        if item.no_change:
            st.caption(item.no_change)
        if item.target:
            st.caption(item.target)
