"""The export errors, members of the project's one exception family."""

from __future__ import annotations

from core.errors import DashboardError, InvalidInputError


class ExportError(DashboardError):
    """An image, table or deck could not be produced."""


class BrowserUnavailableError(ExportError):
    """No Chromium could be found or started to render chart images."""


class IdentifierColumnError(InvalidInputError):
    """A frame handed to an export has a column that identifies a person, a visit, an answer or a book."""

    def __init__(self, *, table: str, refused: tuple[str, ...], available: tuple[str, ...]) -> None:
        self.table = table
        self.refused = refused
        self.available = available
        allowed = [name for name in available if name not in refused]
        super().__init__(
            f"{table}: refusing to export identifier column(s) {', '.join(map(repr, refused))}; "
            f"exports carry aggregates only. Drop them first; the other columns are "
            f"{', '.join(map(repr, allowed)) or '(none)'}."
        )
