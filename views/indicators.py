"""The indicators the pages show: where each lives in the store, its scale and its good direction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["access", "t3", "continuity", "nps"]


@dataclass(frozen=True)
class Indicator:
    """One selectable indicator.

    ``percent``: the value is a proportion drawn as a percentage. ``proportion``:
    a 0-1 share with a binomial denominator (funnel plots make sense).
    """

    key: str
    family: Family
    table: str
    percent: bool
    higher_is_better: bool
    unit_key: str
    proportion: bool = False
    days: int | None = None
    respondent: str | None = None
    by_profession: bool = True

    @property
    def title_key(self) -> str:
        return f"indicator.{self.key}"


INDICATORS: dict[str, Indicator] = {
    item.key: item
    for item in (
        Indicator("access_7d", "access", "access_results", True, True, "unit.share", proportion=True, days=7),
        Indicator("access_14d", "access", "access_results", True, True, "unit.share", proportion=True, days=14),
        Indicator("t3", "t3", "t3_results", False, False, "unit.days"),
        Indicator("coc", "continuity", "continuity_results", False, True, "unit.index"),
        Indicator("upc", "continuity", "continuity_results", False, True, "unit.index"),
        Indicator("nps", "nps", "nps_results", False, True, "unit.score", respondent="patient", by_profession=False),
        Indicator("enps", "nps", "nps_results", False, True, "unit.score", respondent="staff", by_profession=False),
    )
}
DEFAULT_INDICATOR = "access_7d"
#: The four families' headline indicators, in the order the overview shows them.
HEADLINES = ("access_7d", "t3", "coc", "nps")
