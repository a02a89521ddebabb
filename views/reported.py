"""The counties' own reported figures (``reference_data/reported_figures.csv``): the points drawn on the charts,
the sources in words, and the county's other figures as a table.

The page reads the file (``data_sources.reference.reported_figures``) and hands this module the frame;
:func:`reported_points` turns a county's plotted rows into hashable :class:`ReportedPoint` values, so a chart
view built from them is cached like any other. Which indicator and period a row belongs to is data (the file's
``indicator``, ``period_code`` and ``plot_value`` columns, curated from the seed text), never guessed here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from i18n import t
from i18n.format import number

#: The seed documents by their file's three-digit prefix (``reference/seeds_digest.md``).
SEED_DOCUMENTS = ("000", "001", "002", "003", "004")


@dataclass(frozen=True)
class ReportedPoint:
    """One figure a county reported, as drawn on a chart: its indicator, canonical period and value in the
    indicator's unit (a share as a proportion), with the seed's own wording and where it stands."""

    region_code: str
    indicator: str
    period: str
    value: float
    seed_file: str
    line: int
    period_text: str
    value_text: str
    unit: str
    name_fi: str
    name_en: str

    def name(self, language: str) -> str:
        """The figure's name as the seed gives it (Finnish), in English for an English reader."""
        return self.name_en if language == "en" else self.name_fi


def seed_reference(seed_file: str, line: int) -> str:
    """'000:37': the seed's prefix and the line, as the reference notes cite them."""
    return f"{seed_file[:3]}:{line}"


def source_text(seed_file: str, line: int, language: str) -> str:
    """The source of a figure in words: 'Tilannekatsaus kevät 2025, 000:37'."""
    prefix = seed_file[:3]
    document = t(f"reported.document_{prefix}", language) if prefix in SEED_DOCUMENTS else seed_file
    return t("reported.source", language, document=document, reference=seed_reference(seed_file, line))


def reported_points(frame: pl.DataFrame, region: str) -> tuple[ReportedPoint, ...]:
    """The area's figures that belong to a dashboard indicator, in file order (none for '' or a frame without
    the curated columns)."""
    if frame.is_empty() or "indicator" not in frame.columns:
        return ()
    rows = frame.filter((pl.col("region_code") == region) & pl.col("indicator").is_not_null())
    return tuple(
        ReportedPoint(
            region_code=row["region_code"],
            indicator=row["indicator"],
            period=row["period_code"],
            value=float(row["plot_value"]),
            seed_file=row["seed_file"],
            line=int(row["line"]),
            period_text=row["period"],
            value_text=row["value"],
            unit=row["unit"],
            name_fi=row["indicator_fi"],
            name_en=row["indicator_en"],
        )
        for row in rows.iter_rows(named=True)
    )


def points_for(points: Collection[ReportedPoint], indicators: Collection[str]) -> list[ReportedPoint]:
    return [point for point in points if point.indicator in indicators]


def chart_period(period: str, *, yearly: bool) -> str:
    """Where a figure of canonical ``period`` sits on a chart's time axis: its year on a yearly chart
    (THL's series); its quarter on a quarterly one (a month's quarter; a year's figure at its last quarter)."""
    year = period[:4]
    if yearly:
        return year
    if "Q" in period:
        return period
    if "-" in period:
        return f"{year}Q{(int(period[5:7]) - 1) // 3 + 1}"
    return f"{year}Q4"


def period_words(period: str) -> str:
    """A canonical period as people write it: '2025', 'Q1/2025', '3/2025'."""
    if "Q" in period:
        return f"{period[4:]}/{period[:4]}"
    if "-" in period:
        return f"{int(period[5:7])}/{period[:4]}"
    return period


def other_figures(
    frame: pl.DataFrame, region: str, language: str, *, drawn: Collection[tuple[str, int, str]] = ()
) -> pl.DataFrame:
    """The area's reported figures not drawn on any chart of the page, as a readable table: the figure's name,
    period, value and unit as the seed states them, and the source line. ``drawn`` holds the
    ``(seed_file, line, indicator_en)`` of the figures a chart shows."""
    if frame.is_empty():
        return pl.DataFrame()
    rows = frame.filter(pl.col("region_code") == region)
    if drawn:
        key = pl.concat_str("seed_file", pl.col("line").cast(pl.String), "indicator_en", separator="\x1f")
        keys = ["\x1f".join((file, str(line), name)) for file, line, name in drawn]
        rows = rows.filter(~key.is_in(keys))
    name = "indicator_en" if language == "en" else "indicator_fi"
    sources = [source_text(file, line, language) for file, line in rows.select("seed_file", "line").iter_rows()]
    return rows.select(
        pl.col(name).alias(t("reported.col_indicator", language)),
        pl.col("period").alias(t("reported.col_period", language)),
        pl.col("value").alias(t("reported.col_value", language)),
        pl.col("unit").alias(t("reported.col_unit", language)),
        pl.Series(t("reported.col_source", language), sources, dtype=pl.String),
        pl.col("note").alias(t("reported.col_note", language)),
    )


def point_value(point: ReportedPoint, percent: bool, language: str) -> str:
    """The figure as drawn: '77 %' for a share (the seed's own digits), the number otherwise."""
    stated = point.value_text.strip()
    digits = min(len(stated.split(".")[1]), 2) if "." in stated else 0
    if percent:
        return f"{number(point.value * 100, language, digits=digits)} %"
    return number(point.value, language, digits=digits)
