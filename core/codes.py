"""Codes that stand for "all of them" in the stored cells and the published series, defined once."""

from typing import Final

WHOLE_COUNTRY: Final = "SSS"
"""The region code of the whole country (Sotkanet's and THL's national rows, our national cells)."""
ALL_UNITS: Final = ""
"""The unit id of a county's or the country's own cell (not one health centre's)."""
ALL_PROFESSIONS: Final = "all"
"""The profession of a cell that pools every profession."""
PROFESSIONS: Final = (ALL_PROFESSIONS, "doctor", "nurse")
"""The professions the cells are computed for and the pages offer, pooled first."""
DEFAULT_PROFESSION: Final = "doctor"
"""The profession a view opens with: THL publishes continuity (Sotkanet 5502) and the 7-day share (6411) for
doctor visits, so a pooled figure is shown only when the user picks it, and then labelled as pooled."""
