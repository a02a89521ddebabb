"""The compare view's axis titles name their units."""

from __future__ import annotations

import pytest

from views.compare import with_unit
from views.indicators import INDICATORS


@pytest.mark.parametrize(
    ("key", "language", "shown"),
    [
        # shares in percent, whatever the language
        ("access_7d", "fi", "Access (%)"),
        ("access_14d", "en", "Access (%)"),
        # T3 in days, in the language's word
        ("t3", "fi", "Access (vrk)"),
        ("t3", "sv", "Access (dygn)"),
        ("t3", "en", "Access (days)"),
        # an index carries its unit in its name already
        ("coc", "en", "Access"),
    ],
)
def test_the_scatters_access_axis_names_its_unit(key: str, language: str, shown: str) -> None:
    assert with_unit("Access", INDICATORS[key], language) == shown
