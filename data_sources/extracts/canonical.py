"""The canonical layout: the canonical column names, ISO times and plain booleans, read into a :class:`ReadSpec`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from core import columns as c
from core import validation as v
from core.assignments import PROVIDER_ID, PROVIDER_KIND, PROVIDER_KINDS, VALID_FROM, VALID_TO
from core.notes import note
from core.schema import CONTACT_MODES, PROFESSIONS, READER_OPTIONAL_COLUMNS, RESPONDENTS, SLOT_STATUSES, SLOT_TYPES
from data_sources.extracts.common import (
    ANSWERS_TABLE,
    ASSIGNMENTS_TABLE,
    CANONICAL,
    TABLES,
    VISITS_TABLE,
    CodeMap,
    FieldKind,
    FieldSpec,
    ReadSpec,
    Sniffed,
    normalise_region_argument,
)
from data_sources.extracts.sniffing import header_columns, resolve_columns

TRUE_TEXTS: Final = frozenset({"true", "t", "1", "yes", "y"})
FALSE_TEXTS: Final = frozenset({"false", "f", "0", "no", "n"})


SEPARATORS: Final = (",", ";")


def choose_separator(sniffed: Sniffed, table: str) -> str:
    """``,`` or ``;``: the one whose header names more of ``table``'s canonical columns (``,`` when equal).

    A spreadsheet saved as CSV in a Finnish or Swedish locale is ``;``-separated with decimal commas.
    """
    if sniffed.file_format != "csv":
        return ","
    wanted = {column.name for column in TABLES[table].columns}

    def matches(separator: str) -> int:
        return len({name.strip().lower() for name in header_columns(sniffed, separator)} & wanted)

    return max(SEPARATORS, key=lambda separator: (matches(separator), separator == ","))


def canonical_spec(
    path: Path, table: str, available: Sequence[str], *, region_code: str | None, separator: str = ","
) -> ReadSpec:
    """The reading rules of the canonical layout for ``table``, given the file's columns and separator."""
    fill_region = normalise_region_argument(region_code)
    optional = set(READER_OPTIONAL_COLUMNS) | ({c.REGION_CODE} if fill_region else set())
    schema = TABLES[table]
    wanted = {column.name: [column.name] for column in schema.columns}
    hint, hint_key = "", None
    if len(available) == 1 and any(other in available[0] for other in SEPARATORS if other != separator):
        hint = "Hint: canonical CSV files are separated by ',' or ';', the same one on every line."
        hint_key = "separator"
    found = resolve_columns(
        path,
        available,
        wanted,
        layout=CANONICAL,
        table=table,
        optional=frozenset(optional) | {col.name for col in schema.columns if not col.required},
        hint=hint,
        hint_key=hint_key,
    )
    notes = tuple(
        note("column_absent", column=name)
        for name in (c.PROFESSIONAL_ID, c.SERVICE_TYPE)
        if name in found and found[name] is None
    )
    if separator != ",":
        notes = (note("separator", separator=separator), *notes)

    def spec(target: str, kind: FieldKind, **options: Any) -> FieldSpec:
        return FieldSpec(target=target, kind=kind, source=found[target], **options)

    region = spec(c.REGION_CODE, FieldKind.REGION, fill=fill_region)
    if table == ANSWERS_TABLE:
        fields: tuple[FieldSpec, ...] = (
            spec(c.RESPONSE_ID, FieldKind.ID),
            region,
            spec(c.UNIT_ID, FieldKind.ID),
            spec(c.ANSWERED_AT, FieldKind.TIME, no_future=True),
            spec(c.SCORE, FieldKind.NUMBER, required=False),
            spec(c.RESPONDENT, FieldKind.CODE, codes=_member_of(RESPONDENTS)),
            spec(c.WEIGHT, FieldKind.NUMBER, required=False),
        )
        return ReadSpec(table, CANONICAL, fields, duplicate_key=v.DUPLICATE_RESPONSE_ID, notes=notes)
    if table == ASSIGNMENTS_TABLE:
        fields = (
            spec(c.PATIENT_ID, FieldKind.ID),
            spec(PROVIDER_KIND, FieldKind.CODE, codes=_member_of(frozenset(PROVIDER_KINDS))),
            spec(PROVIDER_ID, FieldKind.ID),
            region,
            spec(c.UNIT_ID, FieldKind.ID),
            spec(VALID_FROM, FieldKind.TIME),
            spec(VALID_TO, FieldKind.TIME, required=False, open_ended=True),
        )
        return ReadSpec(table, CANONICAL, fields, notes=notes, period=(VALID_FROM, VALID_TO))
    profession = spec(c.PROFESSION, FieldKind.CODE, codes=_member_of(PROFESSIONS))
    if table == VISITS_TABLE:
        fields = (
            spec(c.VISIT_ID, FieldKind.ID),
            spec(c.PATIENT_ID, FieldKind.ID),
            spec(c.PROFESSIONAL_ID, FieldKind.ID, required=False),
            profession,
            spec(c.UNIT_ID, FieldKind.ID),
            region,
            spec(c.VISIT_AT, FieldKind.TIME, no_future=True),
            spec(c.ASSESSMENT_AT, FieldKind.TIME, required=False, no_future=True),
            spec(c.URGENT, FieldKind.BOOL, required=False, codes=text_to_bool),
            spec(c.CONTACT_MODE, FieldKind.CODE, codes=_member_of(CONTACT_MODES)),
            spec(c.SERVICE_TYPE, FieldKind.TEXT, required=False),
            spec(c.AGE_YEARS, FieldKind.NUMBER, required=False),
        )
        return ReadSpec(table, CANONICAL, fields, duplicate_key=v.DUPLICATE_VISIT_ID, notes=notes)
    fields = (  # appointment slots
        spec(c.CAPTURED_AT, FieldKind.TIME, no_future=True),
        spec(c.BOOK_ID, FieldKind.ID),
        spec(c.UNIT_ID, FieldKind.ID),
        region,
        profession,
        spec(c.SLOT_AT, FieldKind.TIME),
        spec(c.STATUS, FieldKind.CODE, codes=_member_of(SLOT_STATUSES)),
        spec(c.SLOT_TYPE, FieldKind.CODE, codes=_member_of(SLOT_TYPES)),
    )
    return ReadSpec(table, CANONICAL, fields, notes=notes)


def _member_of(allowed: frozenset[str]) -> CodeMap:
    def code(value: str) -> str | None:
        text = value.strip()
        return text if text in allowed else None

    return code


def text_to_bool(value: str) -> bool | None:
    text = value.strip().lower()
    if text in TRUE_TEXTS:
        return True
    if text in FALSE_TEXTS:
        return False
    return None
