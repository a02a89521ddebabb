"""Export file names say what is inside and use safe characters only."""

from __future__ import annotations

import re

import pytest

from core.errors import InvalidInputError
from exports.names import export_filename, slug

SAFE = re.compile(r"[a-z0-9_-]+\.(png|svg|csv|xlsx|pptx)")


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            {"indicator": "access_7d", "region": "Pohjois-Savo", "period": "2025", "language": "fi"},
            "access-7d_pohjois-savo_2025_fi.png",
        ),
        ({"indicator": "coc", "region": "Länsi-Uusimaa", "language": "sv"}, "coc_lansi-uusimaa_sv.png"),
        ({"indicator": "t3", "region": "Åland / Ahvenanmaa", "period": "2024Q3"}, "t3_aland-ahvenanmaa_2024q3.png"),
        ({"indicator": "nps", "kind": "Funnel plot", "period": "2025-03"}, "nps_funnel-plot_2025-03.png"),
        ({"indicator": ""}, "chart.png"),
    ],
)
def test_file_name_names_indicator_county_period_and_language(parts: dict[str, str], expected: str) -> None:
    assert export_filename(**parts, extension="png") == expected


@pytest.mark.parametrize(
    "hostile", ["../../etc/passwd", 'a\\b:c*d?e"f<g>h|i', "name\x00with\nnull", "   ", "€ 100 %", "con"]
)
def test_file_name_has_only_safe_characters(hostile: str) -> None:
    name = export_filename(indicator=hostile, region=hostile, extension="csv")
    assert SAFE.fullmatch(name), name
    assert ".." not in name.removesuffix(".csv")


def test_windows_reserved_names_are_avoided() -> None:
    assert export_filename(indicator="CON", extension="xlsx") == "con_.xlsx"


def test_long_names_are_cut() -> None:
    name = export_filename(indicator="x" * 300, extension="pptx")
    assert len(name) <= 125


def test_unknown_extension_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'exe'"):
        export_filename(indicator="t3", extension="exe")


def test_slug_folds_finnish_and_swedish_letters() -> None:
    assert slug("Keski-Pohjanmaa ÄÖÅ äöå") == "keski-pohjanmaa-aoa-aoa"


def test_a_deck_profile_is_named_like_its_deck_with_pdf() -> None:
    assert export_filename(indicator="deck", period="2025", language="fi", extension="pdf") == "deck_2025_fi.pdf"
    assert export_filename(indicator="deck", period="2025", language="fi", extension="PDF") == "deck_2025_fi.pdf"
