"""Numbers as the active language writes them: decimal comma in Finnish and Swedish, a space before %."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from i18n import t
from views.indicators import Indicator

DAYS = {"fi": "vrk", "sv": "dygn", "en": "days"}
#: Short forms, as a headline card is narrow; the hyphen does not break (U+2011), nor the space before the unit.
PERCENTAGE_POINTS = {"fi": "%\u2011yks.", "sv": "%\u2011enh.", "en": "pp"}
#: The one minus sign in text values (U+2212), as the charts' ticks and the unit labels ("−100…100") write it.
MINUS = "\u2212"


#: Languages that write a decimal comma.
DECIMAL_COMMA = ("fi", "sv")


def separators(language: str) -> str:
    """Plotly's ``separators`` (decimal, then thousands) for hover values and axis ticks, as :func:`number` writes."""
    return ",\u202f" if language in DECIMAL_COMMA else ".,"


def number(value: float | None, language: str, *, digits: int = 1) -> str:
    """'1 234,5' in Finnish and Swedish (narrow no-break space between thousands), '1,234.5' in English; '−' minus."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}".replace("-", MINUS)
    if language in DECIMAL_COMMA:
        return text.replace(",", "\u202f").replace(".", ",")
    return text


def count(value: int | None, language: str) -> str:
    """A whole count with the language's grouping: '1 188 553', '1,188,553'; a dash when unknown."""
    return number(value, language, digits=0)


def indicator_value(value: float | None, indicator: Indicator, language: str) -> str:
    """An indicator's value with its unit: '77,3 %', '12 vrk'-style days are left to the caller's label."""
    if value is None:
        return "–"
    if indicator.percent:
        return f"{number(value * 100, language)} %"
    if indicator.family == "continuity":
        return number(value, language, digits=2)
    if indicator.family == "t3":
        return f"{number(value, language)} {DAYS[language]}"
    return number(value, language, digits=0)


def _change_scale(indicator: Indicator) -> tuple[int, int]:
    """How a change is shown: the factor (percentage points for shares) and the digits kept."""
    return (100, 1) if indicator.percent else (1, 2 if indicator.family == "continuity" else 1)


def shows_no_change(delta: float | None, indicator: Indicator) -> bool:
    """True when a change rounds to zero as shown ('±0,0'): neither better nor worse."""
    if delta is None:
        return False
    scale, digits = _change_scale(indicator)
    return round(abs(delta) * scale, digits) == 0


def indicator_change(delta: float | None, indicator: Indicator, language: str) -> str:
    """A change between periods: percentage points for shares, the indicator's own unit otherwise."""
    if delta is None:
        return ""
    scale, digits = _change_scale(indicator)
    shown = round(abs(delta) * scale, digits)
    # The sign follows what is shown: a change that rounds to zero is '±0,0', never '-0,0'.
    sign = "±" if shown == 0 else "+" if delta > 0 else MINUS  # the card's arrow: delta_look
    text = f"{sign}{number(shown, language, digits=digits)}"
    if indicator.percent:
        return f"{text}\u00a0{PERCENTAGE_POINTS[language]}"
    return text


DeltaColor = Literal["green", "red", "gray"]
DeltaArrow = Literal["up", "down", "off"]


def delta_look(delta: float | None, indicator: Indicator) -> tuple[DeltaColor, DeltaArrow]:
    """The colour and arrow of a card's change ``delta`` (Streamlit cannot read a direction from '−').

    None, or a change that rounds to zero as shown ('±0,0'): grey, no arrow. Otherwise up or down with the
    change, green when that is the better direction for ``indicator``, red when it is the worse.
    """
    if delta is None or shows_no_change(delta, indicator):
        return "gray", "off"
    arrow: DeltaArrow = "up" if delta > 0 else "down"
    return ("green" if (arrow == "up") == indicator.higher_is_better else "red"), arrow


_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def date_text(value: dt.date | str | None, language: str) -> str:
    """A date as the language writes it: '1.5.2011' in Finnish and Swedish, '1 May 2011' in English; '–' if unknown.

    Accepts a date, a datetime (its date) or ISO text ('2011-05-01', '2026-11-23 18:46:34').
    """
    day = _as_datetime(value)
    if day is None:
        return "–"
    if language in DECIMAL_COMMA:
        return f"{day.day}.{day.month}.{day.year}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def moment_text(value: dt.datetime | str | None, language: str) -> str:
    """A time to the minute: '23.11.2026 klo 18.46', '23.11.2026 kl. 18.46', '23 Nov 2026, 18:46'; '–' if unknown."""
    moment = _as_datetime(value)
    if moment is None:
        return "–"
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
