"""Targets with a verdict: each stated target (``reference_data/targets.csv``) judged by the best figure there is.

A target is judged for an area: a county's own target for that county, the national care-guarantee target
(``SSS``, ``care_guarantee``: 80 % by Q4/2025) for whichever area is shown. The figure it is judged by is
chosen in this order of preference, and the verdict says which was used:

1. **THL's published figure** for the target's indicator (its counterpart, e.g. ``access_7d`` →
   ``thl_access_7d``, within 7 days for doctor visits) in the year the target is due: a real, comparable
   register figure. A quarter's target is judged by its year's figure (THL publishes years only).
2. **The county's own reported figure** (``reported_figures.csv``) for the same indicator, in the due
   period (or, for a yearly due period, in that year).
3. **Computed from an imported extract** for the due period. Never from the synthetic sample.

A target without a due date is judged by the latest figure in the same order and says it has no due date. A
target whose period has not ended (``today``) is *not yet due*; one with no figure has *no data*; one the
seed states without a number (a goal such as "within 7 days") cannot be judged (*no value*).

The care-guarantee target is judged by the 7-day share: the seeds do not define the indicator or its day
limit, and the 7-day share is the closest published figure (stricter than the 14-day limit of 2023–2024).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

import polars as pl

from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from core.targets import load_targets
from i18n import t
from store.results import Results
from views.cells import Grain, indicator_cells
from views.indicators import INDICATORS, PUBLISHED_COUNTERPART, Indicator, indicator_value
from views.reported import ReportedPoint, period_words, point_value, source_text

Status = Literal["met", "not_met", "not_yet_due", "no_data", "no_value"]
Evidence = Literal["thl", "reported", "extract"]

#: The indicator a target of each kind is drawn on and judged by (the care guarantee: the 7-day share).
JUDGED_AS = {"care_guarantee": "access_7d"}
#: THL's counterpart of each computed indicator, and back.
COMPUTED_OF = {published: computed for computed, published in PUBLISHED_COUNTERPART.items()}


@dataclass(frozen=True)
class Verdict:
    """A target, the area it is judged for, and the verdict with the figure (and its source) it rests on."""

    region: str
    indicator: str
    """The dashboard indicator the target is drawn on (``care_guarantee`` is judged as ``access_7d``)."""
    national: bool
    comparison: str | None
    value: float | None
    due: str | None
    status: Status
    figure: float | None = None
    figure_period: str = ""
    evidence: Evidence | None = None
    reported: ReportedPoint | None = None
    seed: str = ""

    @property
    def met(self) -> bool | None:
        return {"met": True, "not_met": False}.get(self.status)


@cache
def _targets() -> pl.DataFrame:
    return load_targets()


def _rows_for(area: str, key: str) -> list[dict[str, object]]:
    """Every target judged on ``key``'s chart for ``area``: the area's own, then the national ones."""
    frame = _targets().with_columns(pl.col("indicator").replace(JUDGED_AS).alias("_judged"))
    own = frame.filter((pl.col("region_code") == area) & (pl.col("_judged") == key))
    national = frame.filter((pl.col("region_code") == NATIONAL) & (pl.col("_judged") == key))
    if area == NATIONAL:
        national = national.clear()
    return [*own.sort("due", nulls_last=True).iter_rows(named=True), *national.iter_rows(named=True)]


def period_end(period: str) -> dt.date:
    """The last day of a canonical period (a year, a quarter, a month)."""
    year = int(period[:4])
    if "Q" in period:
        month = int(period[5]) * 3
    elif "-" in period:
        month = int(period[5:7])
    else:
        month = 12
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _within(period: str, due: str) -> bool:
    """Whether a figure of ``period`` measures the due period ``due`` (a year covers its quarters and months)."""
    if len(due) == 4:
        return period[:4] == due
    if "Q" in due and "-" in period:
        return period[:4] == due[:4] and (int(period[5:7]) - 1) // 3 + 1 == int(due[5])
    return period == due


def _meets(figure: float, comparison: str, value: float) -> bool:
    return {
        "at_least": figure >= value,
        "above": figure > value,
        "at_most": figure <= value,
        "below": figure < value,
    }[comparison]


def _thl_figure(results: Results, key: str, area: str, due: str | None) -> tuple[float, str] | None:
    published = PUBLISHED_COUNTERPART.get(key)
    if published is None:
        return None
    cells = indicator_cells(results, INDICATORS[published], grain="year", threshold=1)
    rows = cells.filter((pl.col(c.REGION_CODE) == area) & pl.col("value").is_not_null())
    if due is not None:
        rows = rows.filter(pl.col(c.PERIOD) == due[:4])
    if rows.is_empty():
        return None
    row = rows.sort(c.PERIOD).row(-1, named=True)
    return float(row["value"]), str(row[c.PERIOD])


def _reported_figure(points: Sequence[ReportedPoint], key: str, area: str, due: str | None) -> ReportedPoint | None:
    mine = [point for point in points if point.region_code == area and point.indicator == key]
    if due is not None:
        mine = [point for point in mine if _within(point.period, due)]
    return max(mine, key=lambda point: point.period) if mine else None


def _extract_figure(results: Results, key: str, area: str, due: str | None) -> tuple[float, str] | None:
    if results.sample_data or INDICATORS[key].published:
        return None
    grain: Grain = "year" if due is None or len(due) == 4 else "quarter" if "Q" in due else "month"
    cells = indicator_cells(results, INDICATORS[key], grain=grain, threshold=1)
    rows = cells.filter((pl.col(c.REGION_CODE) == area) & pl.col("value").is_not_null())
    if due is not None:
        rows = rows.filter(pl.col(c.PERIOD) == due)
    if rows.is_empty():
        return None
    row = rows.sort(c.PERIOD).row(-1, named=True)
    return float(row["value"]), str(row[c.PERIOD])


def verdict(
    results: Results,
    target: dict[str, object],
    area: str,
    reported: Sequence[ReportedPoint] = (),
    *,
    today: dt.date | None = None,
) -> Verdict:
    """The verdict on one target (a row of :func:`core.targets.load_targets`) for ``area``."""
    key = JUDGED_AS.get(str(target["indicator"]), str(target["indicator"]))
    due = target["due"] if target["due"] else None
    value = float(target["value"]) if target["value"] is not None else None  # type: ignore[arg-type]
    base = {
        "region": area,
        "indicator": key,
        "national": target["region_code"] == NATIONAL,
        "comparison": target["comparison"],
        "value": value,
        "due": due,
        "seed": f"{target['seed_file']}:{target['seed_line']}",
    }
    if value is None:
        return Verdict(**base, status="no_value")  # type: ignore[arg-type]
    if due is not None and period_end(str(due)) >= (today or dt.date.today()):
        return Verdict(**base, status="not_yet_due")  # type: ignore[arg-type]
    found: tuple[float, str, Evidence, ReportedPoint | None] | None = None
    thl = _thl_figure(results, key, area, due)  # type: ignore[arg-type]
    if thl is not None:
        found = (*thl, "thl", None)
    else:
        point = _reported_figure(reported, key, area, due)  # type: ignore[arg-type]
        if point is not None:
            found = (point.value, point.period, "reported", point)
        else:
            computed = _extract_figure(results, key, area, due)  # type: ignore[arg-type]
            if computed is not None:
                found = (*computed, "extract", None)
    if found is None:
        return Verdict(**base, status="no_data")  # type: ignore[arg-type]
    figure, period, evidence, point = found
    status: Status = "met" if _meets(figure, str(target["comparison"]), value) else "not_met"
    return Verdict(
        **base,  # type: ignore[arg-type]
        status=status,
        figure=figure,
        figure_period=period,
        evidence=evidence,
        reported=point,
    )


def verdicts(
    results: Results,
    area: str,
    key: str,
    reported: Sequence[ReportedPoint] = (),
    *,
    today: dt.date | None = None,
) -> list[Verdict]:
    """The verdicts on every target drawn on ``key``'s chart for ``area``: its own first, then the national."""
    key = COMPUTED_OF.get(key, key)
    return [verdict(results, row, area, reported, today=today) for row in _rows_for(area, key)]


def all_verdicts(
    results: Results, area: str, reported: Sequence[ReportedPoint] = (), *, today: dt.date | None = None
) -> list[Verdict]:
    """Every target that concerns ``area``: its own (whatever the indicator) and the national ones."""
    keys = sorted({JUDGED_AS.get(key, key) for key in _targets()["indicator"].to_list()})
    return [item for key in keys for item in verdicts(results, area, key, reported, today=today)]


def _indicator(verdict: Verdict) -> Indicator:
    return INDICATORS[verdict.indicator]


def _value_text(value: float, indicator: Indicator, language: str) -> str:
    """A target as the seed states it: '80 %' (whole percentages without decimals), '70'."""
    if indicator.percent and round(value * 100, 6).is_integer():
        return f"{round(value * 100)} %"
    if not indicator.percent and float(value).is_integer():
        return f"{round(value)}"
    return indicator_value(value, indicator, language)


def target_words(verdict: Verdict, language: str) -> str:
    """'Tavoite 80 % Q4/2025', 'Tavoite yli 70 (ei määräaikaa)', 'Valtakunnallinen tavoite 80 % Q4/2025'."""
    indicator = _indicator(verdict)
    if verdict.value is None:
        return t("targets.without_value", language)
    value = _value_text(verdict.value, indicator, language)
    if verdict.comparison in ("above", "below"):
        value = t(f"targets.{verdict.comparison}", language, value=value)
    due = period_words(verdict.due) if verdict.due else t("targets.no_due", language)
    return t("targets.national_target" if verdict.national else "targets.target", language, value=value, due=due)


def evidence_words(verdict: Verdict, language: str) -> str:
    """'THL 2025: 42,1 %', 'alueen oma luku (Tilannekatsaus kevät 2025, 000:37) Q1/2025: 77 %'."""
    if verdict.figure is None or verdict.evidence is None:
        return ""
    indicator = _indicator(verdict)
    figure = indicator_value(verdict.figure, indicator, language)
    period = period_words(verdict.figure_period)
    if verdict.evidence == "reported" and verdict.reported is not None:
        source = source_text(verdict.reported.seed_file, verdict.reported.line, language)
        figure = point_value(verdict.reported, indicator.percent, language)  # with the digits the seed states
        return t("targets.evidence_reported", language, source=source, period=period, value=figure)
    return t(f"targets.evidence_{verdict.evidence}", language, period=period, value=figure)


def verdict_text(verdict: Verdict, language: str) -> str:
    """'Tavoite 80 % Q4/2025: ei saavutettu — THL 2025: 42,1 %'."""
    head = f"{target_words(verdict, language)}: {t(f'targets.status_{verdict.status}', language)}"
    evidence = evidence_words(verdict, language)
    return f"{head} — {evidence}" if evidence else head


def verdict_table(
    results: Results,
    area: str,
    reported: Sequence[ReportedPoint],
    language: str,
    *,
    today: dt.date | None = None,
) -> pl.DataFrame:
    """Every target concerning ``area`` as a readable table: target, measure, verdict, the figure used and the
    seed the target is stated in (no rows when there is none)."""
    items = all_verdicts(results, area, reported, today=today)
    return pl.DataFrame(
        {
            t("targets.col_target", language): [target_words(item, language) for item in items],
            t("targets.col_indicator", language): [t(_indicator(item).title_key, language) for item in items],
            t("targets.col_verdict", language): [t(f"targets.status_{item.status}", language) for item in items],
            t("targets.col_evidence", language): [evidence_words(item, language) for item in items],
            t("targets.col_seed", language): [_seed_words(item.seed, language) for item in items],
        },
        schema_overrides=dict.fromkeys(
            [t(f"targets.col_{name}", language) for name in ("target", "indicator", "verdict", "evidence", "seed")],
            pl.String,
        ),
    )


def _seed_words(seed: str, language: str) -> str:
    file, _, line = seed.partition(":")
    return source_text(file, int(line), language)


def headline_target(
    results: Results,
    region: str,
    key: str,
    language: str,
    *,
    reported: Sequence[ReportedPoint] = (),
    today: dt.date | None = None,
) -> str:
    """The area's headline target for an indicator with its verdict, or '' when it has none.

    ``key`` may be a published indicator (``thl_access_7d``): the targets of its computed counterpart are used.
    The area's own target due last is the headline; without one, the national target (the care guarantee).
    ``reported`` are the county's own figures (:func:`views.reported.reported_points`), the second evidence.
    """
    area = NATIONAL if region == "all" else region
    judged = [item for item in verdicts(results, area, key, reported, today=today) if item.value is not None]
    if not judged:
        return ""
    own = [item for item in judged if not item.national]
    chosen = max(own, key=lambda item: item.due or "") if own else judged[0]
    return verdict_text(chosen, language)
