"""The optional canonical table of named-provider assignments: who is whose named doctor, nurse or team.

One row per assignment: a patient (pseudonymised, never shown), the kind of
named provider (``doctor``, ``nurse`` or ``team``), the provider's id (for a
doctor or a nurse the same pseudonym as the visits' ``professional_id``; for a
team the team's id), the county and unit that made it, and the day it starts
and the day it ends (inclusive; null while it is in force). It feeds the
named-provider measures (``metrics/named_provider.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import polars as pl

from core import columns as c
from core.schema import Column, Kind, TableSchema

TABLE_NAME: Final = "assignments"
PROVIDER_KIND: Final = "provider_kind"  # doctor | nurse | team
PROVIDER_ID: Final = "provider_id"  # pseudonymised; never shown
VALID_FROM: Final = "valid_from"
VALID_TO: Final = "valid_to"  # nullable: still in force

PROVIDER_KINDS: Final = ("doctor", "nurse", "team")

#: The reason a reader rejects an assignment whose last day is before its first (a key of
#: :data:`core.validation.REASONS`).
ENDS_BEFORE_START: Final = "ends_before_start"

ASSIGNMENTS = TableSchema(
    "assignments",
    (
        Column(c.PATIENT_ID, Kind.ID),
        Column(PROVIDER_KIND, Kind.CODE, allowed=frozenset(PROVIDER_KINDS)),
        Column(PROVIDER_ID, Kind.ID),
        Column(c.REGION_CODE, Kind.CODE),
        Column(c.UNIT_ID, Kind.ID),
        Column(VALID_FROM, Kind.TIME),
        Column(VALID_TO, Kind.TIME, nullable=True),
    ),
)

DTYPES: Final[Mapping[str, pl.DataType]] = {
    c.PATIENT_ID: pl.String(),
    PROVIDER_KIND: pl.String(),
    PROVIDER_ID: pl.String(),
    c.REGION_CODE: pl.String(),
    c.UNIT_ID: pl.String(),
    VALID_FROM: pl.Date(),
    VALID_TO: pl.Date(),
}
"""Exact polars dtypes of a canonical assignments frame (validity is by calendar day)."""

#: Columns that identify a person in this table: they may enter the metrics, never an output.
IDENTIFIERS: Final = frozenset({c.PATIENT_ID, PROVIDER_ID})
