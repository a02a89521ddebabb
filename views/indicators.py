"""The indicators the pages show: where each lives in the store, its scale, its good direction and how it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from i18n import t
from i18n.format import MISSING, number, percent, signed
from store import tables

Family = Literal["access", "t3", "continuity", "nps", "published", "remote", "named", "heavy"]
Source = Literal["computed", "published"]


@dataclass(frozen=True)
class Indicator:
    """One selectable indicator.

    ``percent``: the value is a proportion drawn as a percentage. ``proportion``:
    a 0-1 share with a binomial denominator (funnel plots make sense).

    ``source`` says where the figures come from: ``computed`` by our engine from
    the store's extracts (``table``), or ``published`` by THL in Sotkanet
    (``sotkanet_id``, yearly, no intervals). A published percentage is stored as
    Sotkanet gives it and shown as a 0-1 share; ``complement`` shows 100 minus
    the published value (6411 counts visits over 7 days, we show those within).
    ``context``: there is no good direction (visits per 1,000 residents), so the
    indicator is never coloured better or worse. ``digits``: decimals shown for
    a value that is neither a percentage nor days. ``column``: the stored column
    a T3 indicator reads (THL's convention, or with the books that cannot give a
    time left out).
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
    source: Source = "computed"
    sotkanet_id: str = ""
    complement: bool = False
    context: bool = False
    digits: int = 0
    column: str = ""

    @property
    def published(self) -> bool:
        return self.source == "published"

    @property
    def title_key(self) -> str:
        return f"indicator.{self.key}"


INDICATORS: dict[str, Indicator] = {
    item.key: item
    for item in (
        Indicator("access_7d", "access", tables.access_results.name, True, True, "unit.share", proportion=True, days=7),
        Indicator(
            "access_14d", "access", tables.access_results.name, True, True, "unit.share", proportion=True, days=14
        ),
        # THL's convention: a book that cannot give an appointment counts as 182 days (metrics.t3).
        Indicator("t3", "t3", tables.t3_results.name, False, False, "unit.days", column="t3_median_days_thl"),
        # The alternative: those books left out (their number is in the cells' n_censored).
        Indicator("t3_open_books", "t3", tables.t3_results.name, False, False, "unit.days", column="t3_median_days"),
        Indicator("coc", "continuity", tables.continuity_results.name, False, True, "unit.index", digits=2),
        Indicator("upc", "continuity", tables.continuity_results.name, False, True, "unit.index", digits=2),
        Indicator(
            "nps", "nps", tables.nps_results.name, False, True, "unit.score", respondent="patient", by_profession=False
        ),
        Indicator(
            "enps", "nps", tables.nps_results.name, False, True, "unit.score", respondent="staff", by_profession=False
        ),
    )
}


def _published(
    key: str,
    sotkanet_id: str,
    *,
    percent: bool,
    higher_is_better: bool,
    unit_key: str,
    complement: bool = False,
    context: bool = False,
    digits: int = 0,
) -> Indicator:
    """A THL series from Sotkanet: yearly, for every profession together (the options as :class:`Indicator`'s)."""
    return Indicator(
        key,
        "published",
        tables.indicator_values.name,
        percent,
        higher_is_better,
        unit_key,
        by_profession=False,
        source="published",
        sotkanet_id=sotkanet_id,
        complement=complement,
        context=context,
        digits=digits,
    )


#: THL's published Sotkanet series as indicators of their own (``reference/sotkanet_published.md``).
PUBLISHED_INDICATORS: dict[str, Indicator] = {
    item.key: item
    for item in (
        # 6411 is the share of realised non-urgent doctor visits over 7 days: 100 minus it is within 7 days.
        _published(
            "thl_access_7d", "6411", percent=True, higher_is_better=True, unit_key="unit.share", complement=True
        ),
        _published("thl_coc", "5502", percent=False, higher_is_better=True, unit_key="unit.index", digits=2),
        _published("thl_reached", "5186", percent=True, higher_is_better=True, unit_key="unit.share"),
        _published("thl_insufficient", "4909", percent=True, higher_is_better=False, unit_key="unit.share"),
        _published(
            "thl_doctor_visits", "1080", percent=False, higher_is_better=True, unit_key="unit.per_1000", context=True
        ),
        _published(
            "thl_emergency_visits",
            "5081",
            percent=False,
            higher_is_better=False,
            unit_key="unit.per_1000",
            context=True,
        ),
    )
}
INDICATORS.update(PUBLISHED_INDICATORS)
DEFAULT_INDICATOR = "thl_access_7d"
#: The four families' headline indicators computed from extracts, in the order the overview shows them.
HEADLINES = ("access_7d", "t3", "coc", "nps")
#: THL's published headline indicators, in the order the overview shows them (before the computed ones).
PUBLISHED_HEADLINES = ("thl_access_7d", "thl_coc", "thl_reached", "thl_insufficient")
#: The programme's other measures (``views/measures.py``), computed from the extracts like the four indicators.
#: They are not in :data:`INDICATORS` (the indicator pickers of the ranking and the funnel offer those): the county
#: page shows them in a tab of their own. ``column`` names the stored share each one reads.
MEASURE_INDICATORS: dict[str, Indicator] = {
    item.key: item
    for item in (
        # The national indicator's targets are a rising share of contacts handled remotely.
        Indicator("remote", "remote", "remote_results", True, True, "unit.share", proportion=True, column="share"),
        # Visits with the patient's named doctor or nurse, of their visits to that profession (SLICC).
        Indicator(
            "known_provider",
            "named",
            "named_provider_results",
            True,
            True,
            "unit.share",
            proportion=True,
            column="share",
        ),
        # Patients seen with a named doctor, nurse or team in force on a visit day.
        Indicator(
            "named_coverage",
            "named",
            "named_provider_results",
            True,
            True,
            "unit.share",
            proportion=True,
            column="patient_coverage",
        ),
        # Heavy users' share of patients: context, no good direction.
        Indicator(
            "heavy_users",
            "heavy",
            "heavy_user_results",
            True,
            False,
            "unit.share",
            proportion=True,
            context=True,
            column="patient_share",
        ),
    )
}
#: The computed indicators and THL's published counterpart drawn beside them (same idea, THL's definition).
PUBLISHED_COUNTERPART = {"access_7d": "thl_access_7d", "coc": "thl_coc"}


def indicator_value(value: float | None, indicator: Indicator, language: str) -> str:
    """An indicator's value with its unit: '77,3 %' for shares, '12,0 vrk' for T3 days, two digits for indices."""
    if value is None:
        return MISSING
    if indicator.percent:
        return percent(value, language)
    if indicator.family == "t3":
        return f"{number(value, language)} {t('unit.days_short', language)}"
    return number(value, language, digits=indicator.digits)


def _change_scale(indicator: Indicator) -> tuple[int, int]:
    """How a change is shown: the factor (percentage points for shares) and the digits kept."""
    return (100, 1) if indicator.percent else (1, max(indicator.digits, 1))


def shows_no_change(delta: float | None, indicator: Indicator) -> bool:
    """True when a change rounds to zero as shown ('±0,0'): neither better nor worse."""
    if delta is None:
        return False
    scale, digits = _change_scale(indicator)
    return round(abs(delta) * scale, digits) == 0


def indicator_change(delta: float | None, indicator: Indicator, language: str) -> str:
    """A change between periods: percentage points for shares, days for T3, the indicator's own scale otherwise."""
    if delta is None:
        return ""
    scale, digits = _change_scale(indicator)
    text = signed(delta * scale, language, digits=digits)  # the card's arrow: delta_look
    if indicator.percent:
        return f"{text}\u00a0{t('unit.percentage_points', language)}"
    if indicator.family == "t3":
        return f"{text}\u00a0{t('unit.days_short', language)}"
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
