"""Numbers as the active language writes them: decimal comma in Finnish and Swedish, a space before %."""

from __future__ import annotations

from views.indicators import Indicator

DAYS = {"fi": "vrk", "sv": "dygn", "en": "days"}


def number(value: float | None, language: str, *, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}".replace(",", "\u202f")
    return text.replace(".", ",") if language in ("fi", "sv") else text


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


def indicator_change(delta: float | None, indicator: Indicator, language: str) -> str:
    """A change between periods: percentage points for shares, the indicator's own unit otherwise."""
    if delta is None:
        return ""
    sign = "+" if delta > 0 else "-" if delta < 0 else "±"  # ASCII minus: st.metric reads it for the arrow
    magnitude = abs(delta)
    if indicator.percent:
        unit = {"fi": "%-yks.", "sv": "procentenheter", "en": "pp"}[language]
        return f"{sign}{number(magnitude * 100, language)} {unit}"
    digits = 2 if indicator.family == "continuity" else 1
    return f"{sign}{number(magnitude, language, digits=digits)}"
