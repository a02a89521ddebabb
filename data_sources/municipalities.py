"""Which wellbeing services county a municipality belongs to: Statistics Finland's classification, bundled.

``reference_data/municipalities_2025.csv`` holds the municipality → wellbeing
services county key of Statistics Finland's classifications (municipalities
``kunta_1_20250101``, wellbeing services counties ``hyvinvointialue_1_20250101``):
all 309 municipalities of the 2025 division with their three-digit codes and
their county's code as in ``reference_data/regions.csv`` (Helsinki is its own
area, 90; Åland's 16 municipalities are 91, which is not a compared area).
Provenance and the municipalities whose county changed: ``reference_data/README.md``.

An Avohilmo extract names municipalities by these codes (``ASIAKAS_KOTIKUNTA``);
a code is read with or without its leading zeros (``91`` is ``091``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final

import polars as pl

from core.errors import InvalidInputError
from core.regions import ALAND, region_codes

CLASSIFICATION_FILE: Final = Path(__file__).resolve().parent.parent / "reference_data" / "municipalities_2025.csv"
#: The year of the municipal division the bundled classification describes (valid from 1 January).
CLASSIFICATION_YEAR: Final = 2025
CLASSIFICATION_SOURCE: Final = "Statistics Finland, municipality → wellbeing services county classification 2025"
_COLUMNS: Final = ("municipality_code", "name_fi", "hva_code")


@cache
def municipalities() -> pl.DataFrame:
    """Every municipality of the bundled classification: ``municipality_code`` (three digits), ``name_fi``,
    ``hva_code`` (the county, as in regions.csv). Checked on first read: a damaged file raises
    :class:`~core.errors.InvalidInputError` naming the row."""
    frame = pl.read_csv(CLASSIFICATION_FILE, schema=dict.fromkeys(_COLUMNS, pl.String))
    if tuple(frame.columns) != _COLUMNS:
        raise InvalidInputError(f"{CLASSIFICATION_FILE}: the header must be {', '.join(_COLUMNS)}")
    known = region_codes() | {ALAND}
    for row, (code, name, county) in enumerate(frame.iter_rows(), start=1):
        if not (code and len(code) == 3 and code.isdigit()) or not name or county not in known:
            raise InvalidInputError(
                f"{CLASSIFICATION_FILE}, row {row}: expected a three-digit municipality code, a name and a county "
                f"code of regions.csv, got {code!r}, {name!r}, {county!r}"
            )
    if frame["municipality_code"].is_duplicated().any():
        raise InvalidInputError(f"{CLASSIFICATION_FILE}: a municipality code is listed twice")
    return frame


@cache
def county_by_municipality() -> Mapping[str, str]:
    """Municipality code (three digits) → county code."""
    return dict(zip(municipalities()["municipality_code"], municipalities()["hva_code"], strict=True))


def municipality_code(value: str) -> str | None:
    """A municipality code as three digits (``"91"`` → ``"091"``), or None when ``value`` is not 1-3 digits."""
    text = value.strip()
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 3):
        return None
    return text.zfill(3)


def county_of(value: str) -> str | None:
    """The county code of a municipality code; None for a code not in the classification (or not a code)."""
    code = municipality_code(value)
    return None if code is None else county_by_municipality().get(code)
