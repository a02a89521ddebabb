"""The full data set a viewer may download: every indicator × area × period at every grain, as the pages show it.

Built only from :func:`views.cells.indicator_cells`, the suppressed cells every chart reads, so the download
shows nothing a page would not and the disclosure audit that covers the pages covers it: a hidden cell is here
with its value, interval and counts empty, ``suppressed`` true and ``suppressed_by`` naming the rule. The
viewer's scope comes with the results (:func:`store.results.load_results` reads only the health centres the
viewer may see): the public gets counties and the whole country only, a county role its own counties' health
centres too, an analyst every health centre.

One row per indicator, grain, profession, area (or health centre) and period, in the chart's units (shares in
percent, as the charts show them) with the ``unit`` said on every row. THL's published series are yearly, as
published. Continuity has no monthly figure (it is served quarterly), so it has no month rows.

:func:`dataset_cells` gives the frame with codes (the Parquet file); :func:`dataset_table` the same rows with
codes in words and :func:`dataset_headers` the headings in the reader's language (CSV and XLSX).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from typing import Final

import polars as pl

from core import columns as c
from core.codes import ALL_UNITS, PROFESSIONS
from exports.disclosure import CheckReport
from exports.provenance import Provenance
from exports.tables import description, sidecar_lines, table_to_csv, table_to_xlsx, text_file, zip_files
from i18n import region_name, t
from i18n.format import date_text
from metrics.privacy import SUPPRESSED_BY
from store.results import Level, Results
from views.cells import Grain, indicator_cells
from views.common import codes_in_words, in_chart_units, source_line, table_headers
from views.indicators import INDICATORS, Indicator

GRAINS: Final[tuple[Grain, ...]] = ("month", "quarter", "year")
#: The data set's own columns before the cells': what the row is about.
ROW_KEYS: Final = ("indicator", "indicator_name", "unit", "source", "grain", "profession", c.REGION_CODE, "area")
#: The cells' columns, in order; ``health_centre`` is empty for a county's or the country's own figure.
CELL_COLUMNS: Final = (
    "health_centre",
    c.PERIOD,
    "value",
    "ci_low",
    "ci_high",
    "n",
    "n_within",
    "n_censored",
    "promoter_share",
    "passive_share",
    "detractor_share",
    c.SUPPRESSED,
    SUPPRESSED_BY,
)
#: The most rows a workbook of the data set is made for: XlsxWriter writes some 30,000 cells a second here, so
#: 50,000 rows of 21 columns take about half a minute; a larger data set is offered as CSV and Parquet only.
XLSX_MAX_ROWS: Final = 50_000
#: A hidden cell shows the marker in its value only; its interval and counts are empty (many do not apply to
#: every indicator, and the suppression columns say why the row is empty).
MARKED: Final = ("value",)


def levels_allowed(results: Results) -> tuple[Level, ...]:
    """The levels the viewer of ``results`` may see: counties and the country always; health centres when the
    results hold any county's (the public's results hold none)."""
    unit_regions = results.unit_regions
    return ("region", "unit") if unit_regions is None or unit_regions else ("region",)


def _slices(indicator: Indicator, levels: Sequence[Level]) -> Iterator[tuple[Level, Grain, str]]:
    """The (level, grain, profession) slices of ``indicator`` the pages can show."""
    if indicator.published:
        yield "region", "year", "all"
        return
    grains = tuple(grain for grain in GRAINS if not (indicator.family == "continuity" and grain == "month"))
    professions = PROFESSIONS if indicator.by_profession else ("all",)
    for level in levels:
        for grain in grains:
            for profession in professions:
                yield level, grain, profession


def _viewer_cells(results: Results, threshold: int) -> Iterator[tuple[Indicator, Grain, str, pl.DataFrame]]:
    """(indicator, grain, profession, suppressed cells) of every slice the viewer of ``results`` may see."""
    levels = levels_allowed(results)
    for indicator in INDICATORS.values():
        for level, grain, profession in _slices(indicator, levels):
            cells = indicator_cells(
                results, indicator, grain=grain, profession=profession, level=level, threshold=threshold
            )
            if level == "unit" and results.unit_regions is not None:  # the results hold no other; make sure
                cells = cells.filter(pl.col(c.REGION_CODE).is_in(sorted(results.unit_regions)))
            yield indicator, grain, profession, cells


def dataset_rows(results: Results, *, threshold: int) -> int:
    """How many rows :func:`dataset_cells` gives for ``results``, without building its frame.

    A row is one suppressed cell (a hidden one stays, marked). The cells are memoised with the results and shared
    with every chart; the data set's frame (names in the reader's language, sources, areas) is not built.
    """
    return sum(cells.height for *_slice, cells in _viewer_cells(results, threshold))


def dataset_cells(results: Results, *, threshold: int, language: str) -> pl.DataFrame:
    """Every cell the viewer of ``results`` may see, suppressed at ``threshold`` exactly as on the pages.

    Codes stay codes (indicator key, grain, profession, ``suppressed_by``); names (indicator, unit, area, source)
    are in ``language``. Values are in the chart's units, rounded as the tables show them.
    """
    frames = [
        _shaped(cells, indicator, grain=grain, profession=profession, language=language)
        for indicator, grain, profession, cells in _viewer_cells(results, threshold)
        if cells.height
    ]
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys((*ROW_KEYS, *CELL_COLUMNS), pl.String))
    frame = pl.concat(frames, how="diagonal_relaxed")
    frame = _with_sources(frame, results, language)
    areas = {code: region_name(code, language, short=True) for code in frame[c.REGION_CODE].unique().to_list()}
    frame = frame.with_columns(pl.col(c.REGION_CODE).replace_strict(areas, return_dtype=pl.String).alias("area"))
    columns = [name for name in (*ROW_KEYS, *CELL_COLUMNS) if name in frame.columns]
    return frame.select(columns)


def _shaped(cells: pl.DataFrame, indicator: Indicator, *, grain: Grain, profession: str, language: str) -> pl.DataFrame:
    """One slice's cells with what they are about, in the chart's units."""
    return in_chart_units(cells, percent=indicator.percent).with_columns(
        pl.lit(indicator.key).alias("indicator"),
        pl.lit(t(indicator.title_key, language)).alias("indicator_name"),
        pl.lit(t(indicator.unit_key, language)).alias("unit"),
        pl.lit("published" if indicator.published else "computed").alias("source"),
        pl.lit(grain).alias("grain"),
        pl.lit(profession).alias("profession"),
        pl.when(pl.col(c.UNIT_ID) == ALL_UNITS).then(None).otherwise(pl.col(c.UNIT_ID)).alias("health_centre"),
    )


def _with_sources(frame: pl.DataFrame, results: Results, language: str) -> pl.DataFrame:
    if results.sample_data:
        computed = t("dataset.source_sample", language)
    else:  # the imported data set the figures are of, by name
        named = t("datasets.chart_source", language, name=results.dataset)
        computed = f"{t('dataset.source_computed', language)} · {named}"
    words = {"computed": computed, "published": t("dataset.source_published", language)}
    return frame.with_columns(pl.col("source").replace_strict(words, return_dtype=pl.String))


def dataset_table(cells: pl.DataFrame, language: str) -> pl.DataFrame:
    """:func:`dataset_cells` for a reader: grain, profession and the suppression rule in words."""
    grains = {grain: t(f"dataset.grain_{grain}", language) for grain in GRAINS}
    professions = {code: t(f"profession.{code}", language) for code in PROFESSIONS}
    worded = codes_in_words(cells, language)
    return worded.with_columns(
        pl.col("grain").replace_strict(grains, return_dtype=pl.String),
        pl.col("profession").replace_strict(professions, return_dtype=pl.String),
    )


def dataset_headers(columns: Sequence[str], language: str) -> dict[str, str]:
    """The reader's headings of the data set's columns."""
    own = {
        name: t(f"dataset.{name}", language)
        for name in ("indicator", "indicator_name", "unit", "source", "grain", "profession", "area", "health_centre")
        if name in columns
    }
    return {**table_headers(columns, language), **own}


def dataset_provenance(results: Results, language: str) -> Provenance:
    """Source, licence and the data date of the full data set (its scope is a note: it is no filter)."""
    return Provenance(
        source=f"{source_line(results, language)}; {t('dataset.source_published', language)}",
        licence=t("source.licence", language),
        data_date=date_text(results.computed_at(), language) if results.computed_at() else "",
    )


def scope_line(results: Results, language: str) -> str:
    """Which areas and health centres the viewer's data set holds, in words."""
    regions = results.unit_regions
    if regions is None:
        return t("dataset.scope_all", language)
    if not regions:
        return t("dataset.scope_public", language)
    names = ", ".join(region_name(code, language, short=True) for code in sorted(regions))
    return t("dataset.scope_units", language, regions=names)


def dataset_about(results: Results, language: str, *, threshold: int) -> list[str]:
    """The data set's description: title, source, licence, scope, date, the units and the marker's meaning."""
    return description(
        title=t("dataset.title", language),
        provenance=dataset_provenance(results, language),
        language=language,
        notes=(scope_line(results, language), t("dataset.units_note", language)),
        has_suppressed=True,
        threshold=threshold,
    )


def dataset_csv(cells: pl.DataFrame, *, name: str, about: Sequence[str], check: CheckReport, language: str) -> bytes:
    """A ZIP of ``<name>.csv`` (the data set in the reader's conventions) and ``<name>.check.txt``."""
    table = dataset_table(cells, language)
    data = table_to_csv(
        table,
        language=language,
        headers=dataset_headers(table.columns, language),
        marked=MARKED,
        table="full data set",
    )
    return zip_files({f"{name}.csv": data, f"{name}.check.txt": text_file(sidecar_lines(about, check, language))})


def dataset_xlsx(cells: pl.DataFrame, *, about: Sequence[str], check: CheckReport, language: str) -> bytes:
    """The data set on the first sheet, its description on the second, the check report on the third."""
    table = dataset_table(cells, language)
    return table_to_xlsx(
        table,
        title=about[0],
        provenance=Provenance(source="", licence=""),  # the description is ``about``
        language=language,
        headers=dataset_headers(table.columns, language),
        marked=MARKED,
        check=check,
        about=about,
    )


def dataset_parquet(cells: pl.DataFrame, *, about: Sequence[str], check: CheckReport, language: str) -> bytes:
    """The data set with codes as Parquet; its description and check report are in the file's key-value metadata
    (``description``, ``output_check``), so they travel with it."""
    buffer = io.BytesIO()
    cells.write_parquet(
        buffer,
        metadata={"description": "\n".join(about), "output_check": check.text(language), "language": language},
    )
    return buffer.getvalue()
