"""Builders of small extract files in both layouts and both encodings, for the reader tests.

Every builder starts from one valid row and takes overrides, so a test states
only what differs. Values follow the documented formats: the Avohilmo layout
is ``;``-separated latin-1 with ``dd.mm.yyyy HH:MM`` timestamps and THL's
column names (``data_sources.md`` §5.4); the canonical layout is
comma-separated UTF-8 with ISO times. ``None`` writes an empty field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl

#: The reference date the tests pass as the readers' ``today``.
TODAY = dt.date(2025, 6, 30)

AVOHILMO_COLUMNS = (
    "AVOHILMO_ID",
    "TNRO",
    "PALVELUNTUOTTAJA",
    "PALVELUNTUOTTAJA_YKSIKKO",
    "ASIAKAS_KOTIKUNTA",
    "HOIDONTARVE_AJANKOHTA",
    "HTA_KIIREELLISYYS",
    "HTA_AMMATTI",
    "KAYNTI_ALKOI",
    "KAYNTI_LOPPUI",
    "KAYNTI_KIIREELLISYYS",
    "KAYNTI_LUONNE",
    "KAYNTI_AMMATTI",
    "KAYNTI_AMMATTIOIKEUS",
    "KAYNTI_PALVELUMUOTO",
    "KAYNTI_YHTEYSTAPA",
    "PERUUTUS_AJANKOHTA",
    "HYVINVOINTIALUE",
    "AMMATTIHENKILO_PSEUDO",
)

AVOHILMO_ROW: Mapping[str, str | None] = {
    "AVOHILMO_ID": "1000001",
    "TNRO": "FR0000001",
    "PALVELUNTUOTTAJA": "1.2.246.10.1234567.10.0",
    "PALVELUNTUOTTAJA_YKSIKKO": "1.2.246.10.1234567.10.12",
    "ASIAKAS_KOTIKUNTA": "092",
    "HOIDONTARVE_AJANKOHTA": "03.03.2025 08:14",
    "HTA_KIIREELLISYYS": "E",
    "HTA_AMMATTI": "3231",
    "KAYNTI_ALKOI": "10.03.2025 09:00",
    "KAYNTI_LOPPUI": "10.03.2025 09:20",
    "KAYNTI_KIIREELLISYYS": "E",
    "KAYNTI_LUONNE": "SH",
    "KAYNTI_AMMATTI": "22213",
    "KAYNTI_AMMATTIOIKEUS": "002",
    "KAYNTI_PALVELUMUOTO": "T11",
    "KAYNTI_YHTEYSTAPA": "R10",
    "PERUUTUS_AJANKOHTA": None,
    "HYVINVOINTIALUE": "02",
    "AMMATTIHENKILO_PSEUDO": "P000001",
}

CANONICAL_VISIT: Mapping[str, str | None] = {
    "visit_id": "v1",
    "patient_id": "p1",
    "professional_id": "d1",
    "profession": "doctor",
    "unit_id": "u1",
    "region_code": "02",
    "visit_at": "2025-03-10T09:00:00",
    "assessment_at": "2025-03-03T08:14:00",
    "urgent": "false",
    "contact_mode": "in_person",
    "service_type": "T11",
}

CANONICAL_SLOT: Mapping[str, str | None] = {
    "captured_at": "2025-03-03T06:00:00",
    "book_id": "b1",
    "unit_id": "u1",
    "region_code": "02",
    "profession": "doctor",
    "slot_at": "2025-03-12T09:00:00",
    "status": "free",
    "slot_type": "non_urgent",
}

CANONICAL_ANSWER: Mapping[str, str | None] = {
    "response_id": "r1",
    "region_code": "02",
    "unit_id": "u1",
    "answered_at": "2025-03-10T12:00:00",
    "score": "9",
    "respondent": "patient",
    "weight": "1.0",
}


def avohilmo_row(**overrides: str | None) -> dict[str, str | None]:
    """A valid Avohilmo row with ``overrides`` (keys are THL's column names)."""
    unknown = set(overrides) - set(AVOHILMO_COLUMNS)
    assert not unknown, f"not Avohilmo columns: {unknown}"
    return {**AVOHILMO_ROW, **overrides}


def avohilmo_rows(count: int, **overrides: str | None) -> list[dict[str, str | None]]:
    """``count`` valid rows with ids 1000001, 1000002, ... and patients FR0000001, ..."""
    return [
        avohilmo_row(**{"AVOHILMO_ID": str(1_000_001 + index), "TNRO": f"FR{index + 1:07d}", **overrides})
        for index in range(count)
    ]


def write_avohilmo(
    path: Path,
    rows: Sequence[Mapping[str, str | None]],
    *,
    columns: Sequence[str] = AVOHILMO_COLUMNS,
    encoding: str = "latin-1",
    separator: str = ";",
    line_ending: str = "\n",
    bom: bool = False,
) -> Path:
    """Write rows in the Avohilmo layout (only ``columns``, in that order)."""
    return _write_text(path, columns, rows, encoding=encoding, separator=separator, line_ending=line_ending, bom=bom)


def canonical_visit(**overrides: str | None) -> dict[str, str | None]:
    return {**CANONICAL_VISIT, **overrides}


def canonical_visits(count: int, **overrides: str | None) -> list[dict[str, str | None]]:
    return [canonical_visit(**{"visit_id": f"v{index + 1}", **overrides}) for index in range(count)]


def canonical_slot(**overrides: str | None) -> dict[str, str | None]:
    return {**CANONICAL_SLOT, **overrides}


def canonical_answer(**overrides: str | None) -> dict[str, str | None]:
    return {**CANONICAL_ANSWER, **overrides}


def write_canonical_csv(
    path: Path,
    rows: Sequence[Mapping[str, str | None]],
    *,
    columns: Sequence[str] | None = None,
    encoding: str = "utf-8",
    separator: str = ",",
    line_ending: str = "\n",
    bom: bool = False,
) -> Path:
    """Write rows in the canonical CSV layout (columns default to the first row's keys)."""
    names = list(columns) if columns is not None else list(rows[0])
    return _write_text(path, names, rows, encoding=encoding, separator=separator, line_ending=line_ending, bom=bom)


def write_parquet(path: Path, frame: pl.DataFrame) -> Path:
    frame.write_parquet(path)
    return path


def _write_text(
    path: Path,
    columns: Sequence[str],
    rows: Sequence[Mapping[str, str | None]],
    *,
    encoding: str,
    separator: str,
    line_ending: str,
    bom: bool,
) -> Path:
    lines = [separator.join(columns)]
    lines += [separator.join(_field(row.get(name), separator) for name in columns) for row in rows]
    text = line_ending.join(lines) + line_ending
    data = text.encode(encoding)
    path.write_bytes(b"\xef\xbb\xbf" + data if bom else data)
    return path


def _field(value: str | None, separator: str) -> str:
    if value is None:
        return ""
    if separator in value or '"' in value or "\n" in value:
        return '"' + value.replace('"', '""') + '"'
    return value
