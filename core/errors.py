"""The one exception family the project raises.

Every handled failure derives from :class:`DashboardError`, so callers (pages,
the command line, external checks) can tell a reported problem from a crash.
A message always says what was wrong, where (file, row, column, request) and
what is allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class DashboardError(Exception):
    """Base class of every error the dashboard raises on purpose."""


class InvalidInputError(DashboardError, ValueError):
    """An argument or a data value is outside what is allowed."""


class MissingColumnsError(InvalidInputError):
    """A frame lacks columns that a metric or reader needs."""

    def __init__(
        self, *, table: str, missing: Sequence[str], available: Sequence[str], expected: Sequence[str] = ()
    ) -> None:
        self.table = table
        self.missing = tuple(missing)
        self.available = tuple(available)
        # Hints come only from columns nobody asked for: a present, expected column is no typo.
        spare = [name for name in self.available if name not in set(expected)]
        super().__init__(_missing_columns_message(table, self.missing, self.available, spare))


class ColumnTypeError(InvalidInputError):
    """A column exists but has a data type that cannot be used."""


class DataSourceError(DashboardError):
    """A remote or local source could not be read."""

    def __init__(self, *, source: str, request: str, reason: str, status: int | None = None) -> None:
        self.source = source
        self.request = request
        self.reason = reason
        self.status = status
        status_text = f" (HTTP {status})" if status is not None else ""
        super().__init__(f"{source}: {request} failed{status_text}: {reason}")


class AccessDeniedError(DashboardError):
    """The signed-in role may not see the requested data."""


def _missing_columns_message(table: str, missing: Sequence[str], available: Sequence[str], spare: Sequence[str]) -> str:
    hints = [_did_you_mean(name, spare) for name in missing]
    hint_text = "".join(
        f"\nHint: did you mean {hint!r} for {name!r}?" for name, hint in zip(missing, hints, strict=True) if hint
    )
    return (
        f"{table}: missing column(s) {_quoted(missing)}. "
        f"Available columns: {_quoted(available) or '(none)'}.{hint_text}"
    )


def _did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)
