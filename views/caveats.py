"""Data-quality caveats the counties report themselves, attached to the charts of the indicators they affect.

The caveats come from ``reference_data/caveats.csv`` (read by the page with
:func:`data_sources.reference.caveats` and handed in as :class:`Caveat`
values, which are hashable so the cached chart views can take them): each
names a county, the indicators it affects, the period, the county's own words
and where the seeds say it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from i18n import t


@dataclass(frozen=True)
class Caveat:
    """One county's data-quality caveat."""

    region_code: str
    indicators: tuple[str, ...]
    period: str
    notes: tuple[tuple[str, str], ...]  # (language, text)
    seed_file: str
    seed_line: int

    def note(self, language: str) -> str:
        return dict(self.notes)[language]


def caveats_from(frame: pl.DataFrame) -> tuple[Caveat, ...]:
    """The rows of ``caveats.csv`` (:func:`data_sources.reference.caveats`) as :class:`Caveat` values."""
    return tuple(
        Caveat(
            region_code=row["region_code"],
            indicators=tuple(row["indicators"].split(";")),
            period=row["period"],
            notes=tuple((language, row[f"note_{language}"]) for language in ("fi", "sv", "en")),
            seed_file=row["seed_file"],
            seed_line=row["seed_line"],
        )
        for row in frame.iter_rows(named=True)
    )


def of_county(caveats: Sequence[Caveat], region: str) -> tuple[Caveat, ...]:
    return tuple(caveat for caveat in caveats if caveat.region_code == region)


def _source(caveat: Caveat, language: str) -> str:
    document = t(f"seeds.document_{caveat.seed_file[:3]}", language)
    return t("seeds.reference", language, document=document, line=caveat.seed_line)


def caveat_notes(caveats: Sequence[Caveat], region: str, indicator: str, language: str) -> tuple[str, ...]:
    """The notes a chart of ``indicator`` for ``region`` carries: each caveat of that county naming the indicator,
    with its source ('Kanta-Hämeen Syli-hankkeen loppuraportti, rivi 958')."""
    return tuple(
        t(
            "caveats.note",
            language,
            note=caveat.note(language),
            source=_source(caveat, language),
        )
        for caveat in of_county(caveats, region)
        if indicator in caveat.indicators
    )


def caveat_table(caveats: Sequence[Caveat], region: str, language: str) -> pl.DataFrame:
    """A county's caveats as a table in the reader's language: period, what it affects, the note, the source."""
    rows = [
        {
            t("caveats.col_period", language): caveat.period,
            t("caveats.col_indicators", language): "; ".join(
                t(f"indicator.{key}", language) for key in caveat.indicators
            ),
            t("caveats.col_note", language): caveat.note(language),
            t("caveats.col_source", language): _source(caveat, language),
        }
        for caveat in of_county(caveats, region)
    ]
    return pl.DataFrame(rows)
