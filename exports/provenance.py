"""Where exported numbers come from: the source, the licence, the filters and the data date."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Provenance:
    """The lines every export carries, already in the export's language.

    ``source`` and ``licence`` are written as given, so pass them as the
    chart caption shows them ("Source: THL, Sotkanet …", "Licence: CC BY 4.0").
    ``filters`` is the active selection ("Pohjois-Savo · 2025 · Doctor"),
    ``data_date`` the date the numbers describe or were computed.
    """

    source: str
    licence: str
    filters: str = ""
    data_date: str = ""

    def footnote(self, *extra: str) -> str:
        """One line: source · licence · filters, then any ``extra`` parts."""
        return " · ".join(part for part in (self.source, self.licence, self.filters, *extra) if part)
