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

import dataclasses
import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Final

import polars as pl

from core import columns as c
from core import validation as v
from core.errors import InvalidInputError
from core.notes import note
from core.settings import DEFAULT_EARLIEST_DATE
from data_sources.extracts.common import (
    AVOHILMO,
    VISITS_TABLE,
    ExtractError,
    ExtractResult,
    FieldKind,
    FieldSpec,
    ReadSpec,
    normalise_region,
    normalise_region_argument,
)
from data_sources.extracts.reader import run_reader
from data_sources.extracts.sniffing import header_columns, resolve_columns, sniff
from data_sources.municipalities import CLASSIFICATION_SOURCE, CLASSIFICATION_YEAR, county_of

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
    c.AGE_YEARS: ("ASIAKAS_IKA", "IKA"),
}
CANCELLED_COLUMN: Final = "PERUUTUS_AJANKOHTA"
OPTIONAL: Final = frozenset({c.PROFESSIONAL_ID, c.REGION_CODE, c.SERVICE_TYPE, c.AGE_YEARS})
#: The patient's home municipality and the provider's municipality (codes of Statistics Finland's classification).
HOME_MUNICIPALITY: Final = ("ASIAKAS_KOTIKUNTA",)
PROVIDER_MUNICIPALITY: Final = ("PALVELUNTUOTTAJA_KUNTA",)
#: The patient's birth year, read into ``age_years`` (visit year minus birth year) when there is no age column.
BIRTH_YEAR: Final = ("ASIAKAS_SYNTYMAVUOSI", "SYNTYMAVUOSI")

#: How a visit's county is found (``county_from``): by the provider (THL's access statistics place a visit in
#: the county that provided it), by the patient's home municipality, or ``auto``: the provider where the
#: extract names it, else the home municipality. See ``docs/avohilmo-extracts.md``.
COUNTY_RULES: Final = ("auto", "provider", "home")

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
    county_from: str = "auto",
) -> ExtractResult:
    """Read an Avohilmo-layout extract (CSV or Parquet): kept visits and the validation report.

    ``county_from`` is the rule that places a visit in a county
    (:data:`COUNTY_RULES`): ``provider`` reads ``HYVINVOINTIALUE``, else the
    provider's municipality ``PALVELUNTUOTTAJA_KUNTA``; ``home`` the patient's
    home municipality ``ASIAKAS_KOTIKUNTA``; ``auto`` (the default) the
    provider where the extract names it, else the home municipality. A
    municipality's county comes from Statistics Finland's classification
    (:mod:`data_sources.municipalities`); the report notes the rule, the
    column and the classification's year. ``region_code`` only overrides: it
    fills empty ``HYVINVOINTIALUE`` values, and in a file without that column
    it is the county of every visit instead of the municipalities; it is not
    needed when the extract names municipalities. A ``HYVINVOINTIALUE``
    column that is present but empty counts as absent under ``auto`` and
    ``provider``: when no row was kept and rows were rejected because that
    column was empty, the file is read again by the municipality the rule
    names next, and the report notes it (``county_column_empty``); a file
    without such a municipality is refused with a message naming the rule or
    the ``region_code`` that would place it (``reader.county_column_empty``,
    ``reader.county_column_empty_home``). Rows with an empty county beside
    kept ones are rejected as ``missing_value``, and the report suggests the
    ``home`` rule where the extract names home municipalities
    (``county_column_gaps``). ``urgency_codes`` maps
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
        hint_key="separator_avohilmo" if _separator_hint(available) else None,
    )
    if county_from not in COUNTY_RULES:
        raise InvalidInputError(f"county_from must be one of {', '.join(COUNTY_RULES)}, got {county_from!r}")
    county = _county_field(file, available, found[c.REGION_CODE], county_from, fill)
    lookup = {name.strip().upper(): name for name in available}
    cancelled = lookup.get(CANCELLED_COLUMN)
    birth_year = None if found[c.AGE_YEARS] else next((lookup[n] for n in BIRTH_YEAR if n in lookup), None)

    def read(county: FieldSpec, county_notes: tuple[str, ...]) -> ExtractResult:
        spec = ReadSpec(
            table=VISITS_TABLE,
            layout=AVOHILMO,
            fields=_fields(found, county, codes, birth_year),
            cancelled_source=cancelled,
            duplicate_key=v.DUPLICATE_VISIT_ID,
            notes=(*county_notes, *_county_notes(county, county_from), *_notes(found, codes)),
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

    result = read(county, ())
    if not _county_column_was_empty(result.report, county):
        return _with_gaps_hint(result, county, county_from, _municipality_column(available, HOME_MUNICIPALITY))
    del result  # its staged rows are deleted with it
    empty = str(county.source)
    return read(
        _county_field_without(file, available, empty, county_from), (note("county_column_empty", column=empty),)
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


def _county_field(
    file: Path, available: tuple[str, ...], county_column: str | None, rule: str, fill: str | None
) -> FieldSpec:
    """The region field the rule reads: the county column, or a municipality column through the classification."""
    home = _municipality_column(available, HOME_MUNICIPALITY)
    provider = _municipality_column(available, PROVIDER_MUNICIPALITY)

    def through_classification(column: str) -> FieldSpec:
        return FieldSpec(c.REGION_CODE, FieldKind.REGION, column, codes=_municipality_county, fill=fill)

    if rule in ("auto", "provider") and county_column is not None:
        return FieldSpec(c.REGION_CODE, FieldKind.REGION, county_column, fill=fill)
    if fill is not None:  # the county given by hand overrides the municipalities
        return FieldSpec(c.REGION_CODE, FieldKind.REGION, None, fill=fill)
    if rule in ("auto", "provider") and provider is not None:
        return through_classification(provider)
    if rule in ("auto", "home") and home is not None:
        return through_classification(home)
    wanted = {"provider": "HYVINVOINTIALUE, PALVELUNTUOTTAJA_KUNTA", "home": "ASIAKAS_KOTIKUNTA"}.get(
        rule, "HYVINVOINTIALUE, PALVELUNTUOTTAJA_KUNTA, ASIAKAS_KOTIKUNTA"
    )
    raise ExtractError(
        file,
        f"the extract has no column that places a visit in a county ({wanted}); "
        "pass region_code (an HVA code: 01-21, or 90 for Helsinki) for the county whose extract this is",
        key="no_county",
        params={"columns": wanted},
    )


def _county_column_was_empty(report: v.ValidationReport, county: FieldSpec) -> bool:
    """Whether the county column, read as it is, placed no row: nothing was kept, rows were rejected because it
    was empty, and none for a value in it (an unknown county). Rows rejected by an earlier check (a missing
    id, a cancellation) are unusable whatever their county, so they do not count."""
    if county.source is None or county.codes is not None or county.fill is not None or report.rows_kept:
        return False
    on_county = {finding.key for finding in report.rejected if finding.column == county.source}
    return on_county == {v.MISSING_VALUE}


def _county_field_without(file: Path, available: tuple[str, ...], empty: str, rule: str) -> FieldSpec:
    """The rule's next source of a county once the county column ``empty`` is set aside, or a refusal saying
    which rule or county would place the visits."""
    try:
        return _county_field(file, available, None, rule, None)
    except ExtractError:
        home = _municipality_column(available, HOME_MUNICIPALITY)
    if home is not None:  # the provider rule, in an extract naming only the patients' home municipalities
        raise ExtractError(
            file,
            f"the county column {empty} is empty on every usable row, and the rule {rule!r} has no provider "
            f"municipality ({', '.join(PROVIDER_MUNICIPALITY)}) to read instead; place each visit by the patient's "
            f"home municipality ({home}) with the rule 'home' (command line: --county-from home; the Data page's "
            "'Each visit's county': the patient's home municipality)",
            column=empty,
            key="county_column_empty_home",
            params={"column": empty, "home": home},
        )
    raise ExtractError(
        file,
        f"the county column {empty} is empty on every usable row, and the extract names no municipality "
        f"({', '.join((*PROVIDER_MUNICIPALITY, *HOME_MUNICIPALITY))}) to place a visit by; pass region_code "
        "(command line: --region CODE, an HVA code: 01-21, or 90 for Helsinki) for the county whose extract this is",
        column=empty,
        key="county_column_empty",
        params={"column": empty},
    )


def _with_gaps_hint(result: ExtractResult, county: FieldSpec, rule: str, home: str | None) -> ExtractResult:
    """``result``, its report noting the ``home`` rule where rows were rejected for an empty county column and
    the extract names the patients' home municipalities (the column ``home``)."""
    if county.source is None or county.codes is not None or home is None or rule == "home":
        return result
    if not any(f.key == v.MISSING_VALUE and f.column == county.source for f in result.report.rejected):
        return result
    hint = note("county_column_gaps", column=county.source, home=home, rule="home")
    return dataclasses.replace(result, report=dataclasses.replace(result.report, notes=(hint, *result.report.notes)))


def _municipality_column(available: tuple[str, ...], names: tuple[str, ...]) -> str | None:
    """The file's spelling of the first of ``names`` it has (names are matched ignoring case and spaces)."""
    lookup = {name.strip().upper(): name for name in available}
    return next((lookup[name] for name in names if name in lookup), None)


def _municipality_county(value: str) -> str | None:
    county = county_of(value)
    return None if county is None else normalise_region(county)


def _county_notes(county: FieldSpec, rule: str) -> tuple[str, ...]:
    if county.source is None:
        return (note("county_given", county=str(county.fill)),)
    if county.codes is None:
        return (note("county_column", column=county.source, rule=rule),)
    return (
        note(
            "county_municipality",
            column=county.source,
            rule=rule,
            year=str(CLASSIFICATION_YEAR),
            source=CLASSIFICATION_SOURCE,
        ),
    )


def _fields(
    found: Mapping[str, str | None], county: FieldSpec, codes: Mapping[str, bool], birth_year: str | None
) -> tuple[FieldSpec, ...]:
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
        county,
        spec(c.VISIT_AT, FieldKind.TIME, time_formats=TIMESTAMP_FORMATS, no_future=True),
        spec(c.ASSESSMENT_AT, FieldKind.TIME, required=False, time_formats=TIMESTAMP_FORMATS, no_future=True),
        spec(c.URGENT, FieldKind.BOOL, required=False, codes=urgency, unknown_is_null=True),
        spec(c.CONTACT_MODE, FieldKind.CODE, codes=contact_mode),
        spec(c.SERVICE_TYPE, FieldKind.TEXT, required=False),
        FieldSpec(c.AGE_YEARS, FieldKind.NUMBER, birth_year, required=False, birth_year_of=c.VISIT_AT)
        if birth_year is not None
        else spec(c.AGE_YEARS, FieldKind.NUMBER, required=False),
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
        notes.append(note("no_professional_id", column="AMMATTIHENKILO_PSEUDO"))
    if found[c.SERVICE_TYPE] is None:
        notes.append(note("column_absent", column="KAYNTI_PALVELUMUOTO"))
    if codes == _check_urgency_codes(URGENCY_CODES):
        notes.append(note("default_urgency", column="KAYNTI_KIIREELLISYYS"))
    return tuple(notes)


def _separator_hint(available: tuple[str, ...]) -> str:
    if len(available) == 1 and "," in available[0]:
        return "Hint: the header holds ',' but Avohilmo extracts are ';'-separated."
    return ""
