"""The two guards every export passes: no identifier columns, and no text a spreadsheet would run.

Identifiers. Patient, professional, visit, answer and appointment-book ids
may enter the metrics but never leave the dashboard. A column is refused when
its name, lower-cased with separators removed, contains one of those names
("patient_id", "Patient ID", "pseudo_patient_id" are all refused).

Formula injection (OWASP, "CSV Injection"). A text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as a formula
when a spreadsheet opens the file, so it gets a leading apostrophe, which
makes every spreadsheet read the cell as text. Text that is a plain number
("-1.5") is left alone: a spreadsheet reads it as that number and nothing runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core import columns as c
from exports.errors import IdentifierColumnError

IDENTIFIER_NAMES = frozenset({*c.IDENTIFIER_COLUMNS, c.BOOK_ID})
_IDENTIFIER_STEMS = tuple(sorted(name.replace("_", "") for name in IDENTIFIER_NAMES))
_SEPARATORS = re.compile(r"[\s_\-.]+")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def is_identifier_column(name: str) -> bool:
    """True when ``name`` looks like a patient, professional, visit, answer or book identifier."""
    squashed = _SEPARATORS.sub("", name.lower())
    return any(stem in squashed for stem in _IDENTIFIER_STEMS)


def refuse_identifiers(columns: Iterable[str], *, table: str) -> None:
    """Raise :class:`IdentifierColumnError` when any of ``columns`` is an identifier."""
    names = tuple(columns)
    refused = tuple(name for name in names if is_identifier_column(name))
    if refused:
        raise IdentifierColumnError(table=table, refused=refused, available=names)


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: a leading apostrophe when it could start a formula."""
    if text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text
