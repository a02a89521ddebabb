"""Numbers as the active language writes them: decimal comma in Finnish and Swedish, a space before %."""

from __future__ import annotations

from views.indicators import Indicator

DAYS = {"fi": "vrk", "sv": "dygn", "en": "days"}
PERCENTAGE_POINTS = {"fi": "%-yks.", "sv": "procentenheter", "en": "pp"}


#: Languages that write a decimal comma.
DECIMAL_COMMA = ("fi", "sv")


def separators(language: str) -> str:
    """Plotly's ``separators`` (decimal, then thousands) for hover values and axis ticks, as :func:`number` writes."""
    return ",\u202f" if language in DECIMAL_COMMA else ".\u202f"


def number(value: float | None, language: str, *, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}".replace(",", "\u202f")
    return text.replace(".", ",") if language in DECIMAL_COMMA else text


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
    sign = "±" if shown == 0 else "+" if delta > 0 else "-"  # ASCII minus: st.metric reads it for the arrow
    text = f"{sign}{number(shown, language, digits=digits)}"
    if indicator.percent:
        return f"{text} {PERCENTAGE_POINTS[language]}"
    return text
