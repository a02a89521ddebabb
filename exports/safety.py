"""The two guards every export passes: no identifier columns, and no text a spreadsheet would run.

Identifiers. Patient, professional, visit, answer and appointment-book ids
may enter the metrics but never leave the dashboard. A column is refused when
its name, lower-cased with separators removed, contains one of those names
("patient_id", "Patient ID", "pseudo_patient_id" are all refused).

Formula injection (OWASP, "CSV Injection"). A text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed may be run
as a formula when a spreadsheet opens the file; so may one that starts with an
array formula ``{=`` or with any of these after leading spaces or invisible
control characters (spreadsheets trim them), and the full-width forms
``＝ ＋ － ＠`` that some spreadsheets read as the ASCII signs. Such a cell
gets a leading apostrophe, which makes every spreadsheet read it as text. Text
that is a plain number ("-1.5", " +2") is left alone: a spreadsheet reads it
as that number and nothing runs.

Workbooks are written only through :mod:`exports.workbook`, whose sheets pass
every text cell through :func:`neutralise` and write no formula or link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from core import columns as c
from exports.errors import IdentifierColumnError

IDENTIFIER_NAMES = frozenset({*c.IDENTIFIER_COLUMNS, c.BOOK_ID})
_IDENTIFIER_STEMS = tuple(sorted(name.replace("_", "") for name in IDENTIFIER_NAMES))
_SEPARATORS = re.compile(r"[\s_\-.]+")

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
#: The signs that start a formula, in ASCII and in their full-width forms.
_FORMULA_SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20"
#: Leading characters a spreadsheet may trim before it reads a formula: white space and invisible controls.
_LEADING = r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]*"
_RISKY = re.compile(rf"{_LEADING}(?:[{re.escape(_FORMULA_SIGNS)}]|\{{{_LEADING}[{re.escape(_FORMULA_SIGNS)}])")
_PLAIN_NUMBER = re.compile(rf"{_LEADING}[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?\s*")


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


def could_start_a_formula(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula (see the module docstring); plain numbers are not."""
    return bool(text.startswith(FORMULA_TRIGGERS) or _RISKY.match(text)) and not _PLAIN_NUMBER.fullmatch(text)


@lru_cache(maxsize=65536)  # exports write the same labels, periods and names again and again
def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: a leading apostrophe when it could start a formula."""
    return "'" + text if could_start_a_formula(text) else text
