"""The few words the exports write themselves, in Finnish, Swedish and English, and number formatting.

Titles, filters, sources and licences arrive already translated from the
views; these are only the labels around them (the table header block, the
deck's title slide and speaker notes). Numbers follow the language: a decimal
comma and a narrow no-break space between thousands in Finnish and Swedish,
a point and commas in English.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Final

from i18n import check_language

SUPPRESSED_MARKER: Final = ".."  # the statistical offices' sign for "confidential / not published"
MISSING: Final = "–"

STRINGS: Final[Mapping[str, Mapping[str, str]]] = {
    "filters": {"fi": "Rajaukset: {filters}", "sv": "Urval: {filters}", "en": "Filters: {filters}"},
    "data_date": {"fi": "Tiedot ajalta {date}", "sv": "Uppgifter per {date}", "en": "Data as of {date}"},
    "exported": {"fi": "Viety {date}", "sv": "Exporterad {date}", "en": "Exported {date}"},
    "marker_legend": {
        "fi": "{marker} = piilotettu: liian vähän havaintoja (tietosuoja)",
        "sv": "{marker} = dold: för få observationer (dataskydd)",
        "en": "{marker} = hidden: too few observations (privacy)",
    },
    "marker_legend_threshold": {
        "fi": "{marker} = piilotettu: alle {threshold} havaintoa (tietosuoja)",
        "sv": "{marker} = dold: färre än {threshold} observationer (dataskydd)",
        "en": "{marker} = hidden: fewer than {threshold} observations (privacy)",
    },
    "sample_notice": {
        "fi": "Synteettinen esimerkkiaineisto – ei todellisia rekisteritietoja. Luvut eivät kuvaa todellisia alueita.",
        "sv": "Syntetiska exempeldata – inga verkliga registeruppgifter. Siffrorna beskriver inte verkliga områden.",
        "en": "Synthetic sample data – not real register data. The figures do not describe real areas.",
    },
    "sample_short": {
        "fi": "Synteettinen esimerkkiaineisto",
        "sv": "Syntetiska exempeldata",
        "en": "Synthetic sample data",
    },
    "sheet": {"fi": "Tiedot", "sv": "Data", "en": "Data"},
    "notes_heading": {"fi": "Kuvion luvut:", "sv": "Värden i diagrammet:", "en": "Values in the chart:"},
    "notes_hidden": {"fi": "piilotettu (tietosuoja)", "sv": "dold (dataskydd)", "en": "hidden (privacy)"},
    "notes_interval": {"fi": "95 %:n luottamusväli", "sv": "95 % konfidensintervall", "en": "95 % interval"},
    "notes_picture": {
        "fi": "Kuvio on kuvana, koska sen merkintöjä ei voi esittää muokattavana PowerPoint-kaaviona.",
        "sv": "Diagrammet är en bild eftersom dess markeringar inte kan visas som ett redigerbart PowerPoint-diagram.",
        "en": "The chart is a picture because its marks cannot be shown as an editable PowerPoint chart.",
    },
    "dropped_bands": {"fi": "luottamusvälit", "sv": "konfidensintervall", "en": "interval bands"},
    "dropped_reference_lines": {"fi": "viiteviivat", "sv": "referenslinjer", "en": "reference lines"},
    "dropped_dated_markers": {"fi": "päivätyt merkinnät", "sv": "daterade markeringar", "en": "dated markers"},
    "dropped_shapes": {"fi": "muut kuviot", "sv": "andra former", "en": "other shapes"},
    "notes_dropped": {
        "fi": "Muokattavasta kaaviosta puuttuu: {parts}.",
        "sv": "I det redigerbara diagrammet saknas: {parts}.",
        "en": "Not in the editable chart: {parts}.",
    },
}


def text(key: str, language: str, **values: object) -> str:
    """The export string ``key`` in ``language`` with ``{placeholders}`` filled."""
    check_language(language)
    return STRINGS[key][language].format(**values)


def format_number(value: float | None, language: str, *, digits: int = 1) -> str:
    """``value`` rounded to ``digits`` decimals in the language's style; None and NaN (missing) give "–"."""
    check_language(language)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    formatted = f"{value:,.{digits}f}".replace("-", "\u2212")  # the minus sign, as the pages write it
    if language == "en":
        return formatted
    return formatted.replace(",", "\u202f").replace(".", ",")
