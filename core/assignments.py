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
from core.schema import (
    ASSIGNMENTS,
    CANONICAL_DTYPES,
    PROVIDER_ID,
    PROVIDER_KIND,
    PROVIDER_KINDS,
    VALID_FROM,
    VALID_TO,
)

__all__ = [
    "ASSIGNMENTS",
    "DTYPES",
    "ENDS_BEFORE_START",
    "IDENTIFIERS",
    "PROVIDER_ID",
    "PROVIDER_KIND",
    "PROVIDER_KINDS",
    "TABLE_NAME",
    "VALID_FROM",
    "VALID_TO",
]

TABLE_NAME: Final = ASSIGNMENTS.name

#: The reason a reader rejects an assignment whose last day is before its first (a key of
#: :data:`core.validation.REASONS`).
ENDS_BEFORE_START: Final = "ends_before_start"

DTYPES: Final[Mapping[str, pl.DataType]] = CANONICAL_DTYPES[ASSIGNMENTS.name]
"""Exact polars dtypes of a canonical assignments frame (validity is by calendar day)."""

#: Columns that identify a person in this table: they may enter the metrics, never an output.
IDENTIFIERS: Final = frozenset({c.PATIENT_ID, PROVIDER_ID})
