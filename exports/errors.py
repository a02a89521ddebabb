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


class FormulaRefusedError(ExportError):
    """Something tried to write a formula, a link or an unguarded sheet into an export's workbook."""

    def __init__(self, *, what: str, cell: str) -> None:
        self.what = what
        self.cell = cell
        place = f" at cell {cell}" if cell else ""
        super().__init__(
            f"refusing to write a {what}{place} into an exported workbook; exports write text, numbers and "
            f"booleans only, and every text cell passes the formula guard"
        )
