"""THL's Avohilmo research-extract layout, translated to the canonical visit table at the boundary.

The layout (``../shared/reference/data_sources.md`` §5): ``;``-separated,
latin-1 text, timestamps ``dd.mm.yyyy HH:MM``, THL's column names. How each
canonical column is read:

=================  =====================================================================
canonical          Avohilmo
=================  =====================================================================
visit_id           ``AVOHILMO_ID`` (or ``AVOHILMOID``)
patient_id         ``TNRO``, else ``FINREGISTRYID``, else ``SHNRO`` (the first present)
professional_id    ``AMMATTIHENKILO_PSEUDO``: a name we invented; no extract found carries
                   a pseudonymised professional id. Optional: null when absent, and the
                   report then notes that continuity cannot be computed.
profession         ``KAYNTI_AMMATTI`` (Ammattiluokitus 2001): codes starting ``222`` are
                   doctors, ``323`` nurses, any other code of 1-5 digits ``other``
unit_id            ``PALVELUNTUOTTAJA_YKSIKKO``
region_code        ``HYVINVOINTIALUE`` (HVA code, ``2`` read as ``02``); where the column is
                   absent or a value is empty, the ``region_code`` argument
visit_at           ``KAYNTI_ALKOI``
assessment_at      ``HOIDONTARVE_AJANKOHTA`` (may be empty)
urgent             ``KAYNTI_KIIREELLISYYS`` through ``urgency_codes`` (see below)
contact_mode       ``KAYNTI_YHTEYSTAPA`` through :data:`CONTACT_MODES`
service_type       ``KAYNTI_PALVELUMUOTO`` as written (``T11`` = curative outpatient care);
                   optional, null when absent
=================  =====================================================================

A row with ``PERUUTUS_AJANKOHTA`` set is a cancelled appointment, not a
realised visit, and is rejected as ``cancelled``.

**Contact modes.** ``R10`` (at the practice), ``R30`` (workplace), ``R40``
(hospital) and ``R41`` (elsewhere) are ``in_person``; ``R20`` is ``home``;
``R50``, ``R51`` and ``R52`` (real-time remote contact) are ``phone``: the code
cannot tell a video call from a telephone call, so video visits recorded as
``R52`` count as phone; ``R55`` is ``video``; ``R56`` (remote contact without a
real-time exchange, such as a message) is ``message``. Other codes (``R60``
consultation between professionals, ``R71``, ``R72``, ``R80``, ``R90``) are
not patient visits and are rejected as ``invalid_code``.

**Urgency (an assumption).** THL's code values for ``KAYNTI_KIIREELLISYYS``
could not be confirmed. :data:`URGENCY_CODES` assumes ``K`` (kiireellinen)
and ``1`` are urgent, ``E`` (ei kiireellinen) ``2`` and ``0`` non-urgent;
values are compared after trimming, ignoring case. Pass ``urgency_codes`` to
use THL's code list. A value outside the mapping, or an empty one, gives a
null ``urgent``: the row is kept, flagged ``missing_urgency``, and the
metrics count it as ``n_missing_urgency``; if nearly every row is flagged, the
mapping is wrong.

Timestamps are read as ``dd.mm.yyyy HH:MM``; ``dd.mm.yyyy HH:MM:SS`` and
``dd.mm.yyyy`` are accepted too. Text is read as latin-1 unless the file
starts with a UTF-8 byte-order mark or its first non-ASCII bytes are valid
UTF-8 (``encoding="auto"``); pass ``encoding`` to decide. The same rules read
an Avohilmo-layout Parquet file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import polars as pl

from core import columns as c
from core import validation as v
from core.errors import InvalidInputError
from core.settings import DEFAULT_EARLIEST_DATE
from data_sources.extracts.common import (
    AVOHILMO,
    VISITS_TABLE,
    ExtractResult,
    FieldKind,
    FieldSpec,
    ReadSpec,
    normalise_region_argument,
)
from data_sources.extracts.reader import run_reader
from data_sources.extracts.sniffing import header_columns, resolve_columns, sniff

SEPARATOR: Final = ";"
DEFAULT_ENCODING: Final = "auto"
TIMESTAMP_FORMATS: Final = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y")

#: Canonical column → the Avohilmo column(s) it is read from, first match wins.
COLUMNS: Final[Mapping[str, tuple[str, ...]]] = {
    c.VISIT_ID: ("AVOHILMO_ID", "AVOHILMOID"),
    c.PATIENT_ID: ("TNRO", "FINREGISTRYID", "SHNRO"),
    c.PROFESSIONAL_ID: ("AMMATTIHENKILO_PSEUDO",),
    c.PROFESSION: ("KAYNTI_AMMATTI",),
    c.UNIT_ID: ("PALVELUNTUOTTAJA_YKSIKKO",),
    c.REGION_CODE: ("HYVINVOINTIALUE",),
    c.VISIT_AT: ("KAYNTI_ALKOI",),
    c.ASSESSMENT_AT: ("HOIDONTARVE_AJANKOHTA",),
    c.URGENT: ("KAYNTI_KIIREELLISYYS",),
    c.CONTACT_MODE: ("KAYNTI_YHTEYSTAPA",),
    c.SERVICE_TYPE: ("KAYNTI_PALVELUMUOTO",),
}
CANCELLED_COLUMN: Final = "PERUUTUS_AJANKOHTA"
OPTIONAL: Final = frozenset({c.PROFESSIONAL_ID, c.REGION_CODE, c.SERVICE_TYPE})

#: Ammattiluokitus 2001 prefixes of the professions the dashboard compares; other codes are "other".
PROFESSION_PREFIXES: Final[Mapping[str, str]] = {"222": "doctor", "323": "nurse"}
#: KAYNTI_YHTEYSTAPA (2018 classification) → canonical contact mode; other codes are not patient visits.
CONTACT_MODES: Final[Mapping[str, str]] = {
    "R10": "in_person",
    "R30": "in_person",
    "R40": "in_person",
    "R41": "in_person",
    "R20": "home",
    "R50": "phone",
    "R51": "phone",
    "R52": "phone",
    "R55": "video",
    "R56": "message",
}
#: KAYNTI_KIIREELLISYYS → urgent. An ASSUMPTION: THL's code values are unconfirmed (see the module docstring).
URGENCY_CODES: Final[Mapping[str, bool]] = {"K": True, "1": True, "E": False, "2": False, "0": False}


def read_visits(path: str | Path) -> pl.LazyFrame:
    """The kept visits of an Avohilmo-layout extract, as a lazy frame in the canonical columns and dtypes.

    This is a contract that external checks call. It reads ``HYVINVOINTIALUE``
    for the region (use :func:`read_visits_with_report` with ``region_code``
    for a file without it) and the default urgency mapping; rejected rows are
    left out. A file it cannot read raises
    :class:`~data_sources.extracts.ExtractError` (a
    :class:`~core.errors.DashboardError`) naming the file, row and column.
    """
    return read_visits_with_report(path).data


def read_visits_with_report(
    path: str | Path,
    *,
    region_code: str | None = None,
    urgency_codes: Mapping[str, bool] = URGENCY_CODES,
    today: dt.date | None = None,
    encoding: str = DEFAULT_ENCODING,
    staging_dir: Path | None = None,
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE,
) -> ExtractResult:
    """Read an Avohilmo-layout extract (CSV or Parquet): kept visits and the validation report.

    ``region_code`` is the county of a file without a ``HYVINVOINTIALUE``
    column, and fills its empty values. ``urgency_codes`` maps
    ``KAYNTI_KIIREELLISYYS`` values to urgent (``True``) or not. ``today``
    (default: today's date): later visit or assessment times are rejected as
    ``future_date``; ``earliest_date`` (default: that of the setting
    ``DASHBOARD_EARLIEST_DATE``, 2000-01-01): earlier ones as
    ``date_too_early``. ``encoding`` is ``"auto"``, ``"latin-1"`` or ``"utf-8"``.
    Row checks, the report and the temporary files are described in
    :mod:`data_sources.extracts`.
    """
    file = Path(path)
    codes = _check_urgency_codes(urgency_codes)
    fill = normalise_region_argument(region_code)
    sniffed = sniff(file)
    available = header_columns(sniffed, SEPARATOR)
    found = resolve_columns(
        file,
        available,
        COLUMNS,
        layout=AVOHILMO,
        table=VISITS_TABLE,
        optional=OPTIONAL,
        hint=_separator_hint(available),
    )
    if found[c.REGION_CODE] is None and fill is None:
        raise InvalidInputError(
            f"{file}: the extract has no HYVINVOINTIALUE column, so the region is unknown; "
            "pass region_code (an HVA code: 01-21, or 90 for Helsinki) for the county whose extract this is"
        )
    cancelled = {name.strip().upper(): name for name in available}.get(CANCELLED_COLUMN)
    spec = ReadSpec(
        table=VISITS_TABLE,
        layout=AVOHILMO,
        fields=_fields(found, fill, codes),
        cancelled_source=cancelled,
        duplicate_key=v.DUPLICATE_VISIT_ID,
        notes=_notes(found, codes),
    )
    return run_reader(
        sniffed,
        spec,
        separator=SEPARATOR,
        encoding=encoding,
        today=today,
        staging_dir=staging_dir,
        earliest_date=earliest_date,
    )


def profession(code: str) -> str | None:
    """``doctor``, ``nurse`` or ``other`` for an Ammattiluokitus 2001 code; None when it is not one."""
    text = code.strip()
    if not (text.isascii() and text.isdigit() and 1 <= len(text) <= 5):
        return None
    for prefix, name in PROFESSION_PREFIXES.items():
        if text.startswith(prefix):
            return name
    return "other"


def contact_mode(code: str) -> str | None:
    return CONTACT_MODES.get(code.strip().upper())


def _fields(found: Mapping[str, str | None], fill: str | None, codes: Mapping[str, bool]) -> tuple[FieldSpec, ...]:
    def urgency(value: str) -> bool | None:
        return codes.get(value.strip().upper())

    def spec(target: str, kind: FieldKind, **options: object) -> FieldSpec:
        return FieldSpec(target, kind, found[target], **options)  # type: ignore[arg-type]  # options match FieldSpec

    return (
        spec(c.VISIT_ID, FieldKind.ID),
        spec(c.PATIENT_ID, FieldKind.ID),
        spec(c.PROFESSIONAL_ID, FieldKind.ID, required=False),
        spec(c.PROFESSION, FieldKind.CODE, codes=profession),
        spec(c.UNIT_ID, FieldKind.ID),
        spec(c.REGION_CODE, FieldKind.REGION, fill=fill),
        spec(c.VISIT_AT, FieldKind.TIME, time_formats=TIMESTAMP_FORMATS, no_future=True),
        spec(c.ASSESSMENT_AT, FieldKind.TIME, required=False, time_formats=TIMESTAMP_FORMATS, no_future=True),
        spec(c.URGENT, FieldKind.BOOL, required=False, codes=urgency, unknown_is_null=True),
        spec(c.CONTACT_MODE, FieldKind.CODE, codes=contact_mode),
        spec(c.SERVICE_TYPE, FieldKind.TEXT, required=False),
    )


def _check_urgency_codes(codes: Mapping[str, bool]) -> dict[str, bool]:
    if not isinstance(codes, Mapping) or not codes:
        raise InvalidInputError(f"urgency_codes must be a non-empty mapping of code to True/False, got {codes!r}")
    normalised: dict[str, bool] = {}
    for key, urgent in codes.items():
        if not isinstance(key, str) or not key.strip() or not isinstance(urgent, bool):
            raise InvalidInputError(
                f"urgency_codes maps non-empty text codes to True (urgent) or False, got {key!r}: {urgent!r}"
            )
        normalised[key.strip().upper()] = urgent
    return normalised


def _notes(found: Mapping[str, str | None], codes: Mapping[str, bool]) -> tuple[str, ...]:
    notes = []
    if found[c.PROFESSIONAL_ID] is None:
        notes.append(
            "the extract has no AMMATTIHENKILO_PSEUDO column (a pseudonymised professional id): "
            "professional_id is null on every visit, so continuity cannot be computed"
        )
    if found[c.SERVICE_TYPE] is None:
        notes.append("the extract has no KAYNTI_PALVELUMUOTO column: service_type is null on every visit")
    if codes == _check_urgency_codes(URGENCY_CODES):
        notes.append(
            "urgency read with the default, assumed mapping of KAYNTI_KIIREELLISYYS "
            "(K, 1: urgent; E, 2, 0: non-urgent); THL's code values are unconfirmed"
        )
    return tuple(notes)


def _separator_hint(available: tuple[str, ...]) -> str:
    if len(available) == 1 and "," in available[0]:
        return "Hint: the header holds ',' but Avohilmo extracts are ';'-separated."
    return ""
