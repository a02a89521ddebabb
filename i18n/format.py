"""Numbers and dates as the active language writes them, for the charts, the views and the exports alike.

Finnish and Swedish write a decimal comma and a narrow no-break space between thousands ('1 234,5'), English
a point and commas ('1,234.5'); every language writes the minus sign (U+2212), never a hyphen, and a dash
('–') for a value that is not known (None or NaN).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Final

from i18n import check_language, t

#: The one minus sign in text values (U+2212), as the charts' ticks and the unit labels ("−100…100") write it.
MINUS: Final = "\u2212"
#: What a value that is not known (None, NaN) is written as.
MISSING: Final = "–"
#: The statistical offices' sign for "confidential / not published", in tables and notes.
SUPPRESSED_MARKER: Final = ".."
#: Languages that write a decimal comma.
DECIMAL_COMMA: Final = ("fi", "sv")


def separators(language: str) -> str:
    """Plotly's ``separators`` (decimal, then thousands) for hover values and axis ticks, as :func:`number` writes."""
    return ",\u202f" if check_language(language) in DECIMAL_COMMA else ".,"


def number(value: float | None, language: str, *, digits: int = 1) -> str:
    """'1 234,5' in Finnish and Swedish (narrow no-break space between thousands), '1,234.5' in English; '−' minus.

    None and NaN are not known: '–'. An unknown ``language`` is an :class:`~core.errors.InvalidInputError`.
    """
    check_language(language)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = f"{value:,.{digits}f}".replace("-", MINUS)
    if language in DECIMAL_COMMA:
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def count(value: int | None, language: str) -> str:
    """A whole count with the language's grouping: '1 188 553', '1,188,553'; a dash when unknown."""
    return number(value, language, digits=0)


def percent(share: float | None, language: str, *, digits: int = 1) -> str:
    """A proportion as a percentage with its sign after a space: 0.6361 → '63,6 %', '63.6 %'; a dash when unknown."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return number(None, language)
    return f"{number(share * 100, language, digits=digits)} %"


def signed(value: float, language: str, *, digits: int = 1) -> str:
    """A change with its sign as shown: '+4,0', '−1,0', and '±0,0' when it rounds to zero (never '−0,0')."""
    shown = round(abs(value), digits)
    sign = "±" if shown == 0 else "+" if value > 0 else MINUS
    return f"{sign}{number(shown, language, digits=digits)}"


_MONTHS_EN: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(value: dt.date | str | None, language: str) -> str:
    """A date as the language writes it: '1.5.2011' in Finnish and Swedish, '1 May 2011' in English; '–' if unknown.

    Accepts a date, a datetime (its date) or ISO text ('2011-05-01', '2026-11-23 18:46:34').
    """
    check_language(language)
    day = _as_datetime(value)
    if day is None:
        return MISSING
    if language in DECIMAL_COMMA:
        return f"{day.day}.{day.month}.{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def moment_text(value: dt.datetime | str | None, language: str) -> str:
    """A time to the minute: '23.11.2026 klo 18.46', '23.11.2026 kl. 18.46', '23 Nov 2026, 18:46'; '–' if unknown."""
    check_language(language)
    moment = _as_datetime(value)
    if moment is None:
        return MISSING
    time = (
        f"{moment.hour}.{moment.minute:02d}" if language in DECIMAL_COMMA else f"{moment.hour:02d}:{moment.minute:02d}"
    )
    return t("common.date_time", language, date=date_text(moment, language), time=time)


def _as_datetime(value: dt.date | str | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None
