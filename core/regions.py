"""Wellbeing services counties: codes, names in three languages, Sotkanet ids.

Read from ``reference_data/regions.csv`` (a copy of the reference list). The
22 areas the dashboard compares are the 21 wellbeing services counties and
the City of Helsinki; Åland (91) is listed for completeness but is not part of
the Finnish care-guarantee statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from core.errors import InvalidInputError

REGIONS_CSV = Path(__file__).resolve().parent.parent / "reference_data" / "regions.csv"
ALAND = "91"
LANGUAGES = ("fi", "sv", "en")


@dataclass(frozen=True)
class Region:
    code: str
    name_fi: str
    name_sv: str
    name_en: str
    sotkanet_id: int
    sotkanet_id_old: int | None

    def name(self, language: str) -> str:
        if language not in LANGUAGES:
            raise InvalidInputError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        return str(getattr(self, f"name_{language}"))


@cache
def regions_frame() -> pl.DataFrame:
    """All rows of regions.csv, codes as zero-padded text."""
    return pl.read_csv(
        REGIONS_CSV,
        schema_overrides={"hva_code": pl.String, "sotkanet_id": pl.Int64, "sotkanet_id_old": pl.Int64},
    )


@cache
def all_regions() -> tuple[Region, ...]:
    """Every listed area, Åland included, in code order."""
    return tuple(Region(*row) for row in regions_frame().sort("hva_code").iter_rows())


def dashboard_regions() -> tuple[Region, ...]:
    """The 22 areas compared in the dashboard: 21 counties and Helsinki."""
    return tuple(region for region in all_regions() if region.code != ALAND)


def region_codes() -> frozenset[str]:
    """Codes of the 22 compared areas."""
    return frozenset(region.code for region in dashboard_regions())


def region_by_code(code: str) -> Region:
    for region in all_regions():
        if region.code == code:
            return region
    known = ", ".join(region.code for region in all_regions())
    raise InvalidInputError(f"unknown region code {code!r}; known codes: {known}")


def region_by_sotkanet_id(sotkanet_id: int) -> Region | None:
    """The area with this Sotkanet id (current or pre-2023), or None."""
    for region in all_regions():
        if sotkanet_id in (region.sotkanet_id, region.sotkanet_id_old):
            return region
    return None
