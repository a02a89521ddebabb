"""Methods page content: indicator definitions, their comparability with THL's published series, the
care-guarantee timeline (the definitions themselves are in :mod:`views.definitions`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from i18n import t
from i18n.format import date_text
from metrics.care_guarantee import CARE_GUARANTEE_TIMELINE
from views.indicators import INDICATORS, PUBLISHED_INDICATORS


def care_guarantee_table(language: str) -> pl.DataFrame:
    """The legal maximum waits in primary care over time, one row per rule, dates and laws in ``language``."""
    rows = []
    for rule in CARE_GUARANTEE_TIMELINE:
        ages = f"{rule.min_age}–{rule.max_age - 1}" if rule.max_age is not None else f"{rule.min_age}+"
        limit = (
            t("methods.limit_days", language, days=rule.days)
            if rule.days is not None
            else t("methods.limit_months", language, months=rule.months)
        )
        rows.append(
            {
                t("methods.col_from", language): date_text(rule.starts, language),
                t("methods.col_to", language): date_text(rule.ends, language) if rule.ends else "",
                t("methods.col_ages", language): ages,
                t("methods.col_limit", language): limit,
                # the law as the reader's language cites it
                t("methods.col_source", language): t(f"methods.law.{rule.source}", language),
            }
        )
    return pl.DataFrame(rows)


#: The aspects a definition is compared on, in the order the comparability tables list them.
ASPECTS = ("population", "professions", "service_types", "period", "minimum_visits", "region", "suppression")


@dataclass(frozen=True)
class Comparability:
    """One indicator against THL's published series: ``published`` is the key of THL's series shown beside it
    (None when THL publishes none), ``comparable`` whether the two may be read as the same figure, ``reason``
    the catalogue key of why (or why not). ``ours``/``thl`` give each aspect's words (:data:`ASPECTS`), only for
    the pairs that have a published counterpart."""

    indicator: str
    published: str | None
    comparable: bool
    reason: str
    ours: dict[str, str] = field(default_factory=dict)
    thl: dict[str, str] = field(default_factory=dict)


_SHARED_OURS = {"region": "methods.cmp.region_ours", "suppression": "methods.cmp.suppression_ours"}
_SHARED_THL = {"region": "methods.cmp.region_thl", "suppression": "methods.cmp.suppression_thl"}

#: Every indicator the dashboard shows, computed ones first, each against THL's published counterpart.
COMPARABILITY: tuple[Comparability, ...] = (
    Comparability(
        "access_7d",
        "thl_access_7d",
        comparable=True,
        reason="methods.cmp.why_access_7d",
        ours={
            "population": "methods.cmp.access_population_ours",
            "professions": "methods.cmp.professions_ours",
            "service_types": "methods.cmp.service_types_ours",
            "period": "methods.cmp.period_access_ours",
            "minimum_visits": "methods.cmp.minimum_not_applicable",
            **_SHARED_OURS,
        },
        thl={
            "population": "methods.cmp.access_population_thl",
            "professions": "methods.cmp.professions_thl",
            "service_types": "methods.cmp.service_types_thl",
            "period": "methods.cmp.period_thl",
            "minimum_visits": "methods.cmp.minimum_not_applicable",
            **_SHARED_THL,
        },
    ),
    Comparability("access_14d", None, comparable=False, reason="methods.cmp.why_access_14d"),
    Comparability("t3", None, comparable=False, reason="methods.cmp.why_t3"),
    Comparability("t3_open_books", None, comparable=False, reason="methods.cmp.why_t3_open_books"),
    Comparability(
        "coc",
        "thl_coc",
        comparable=True,
        reason="methods.cmp.why_coc",
        ours={
            "population": "methods.cmp.coc_population_ours",
            "professions": "methods.cmp.professions_ours",
            "service_types": "methods.cmp.service_types_ours",
            "period": "methods.cmp.period_coc_ours",
            "minimum_visits": "methods.cmp.minimum_ours",
            **_SHARED_OURS,
        },
        thl={
            "population": "methods.cmp.coc_population_thl",
            "professions": "methods.cmp.professions_thl",
            "service_types": "methods.cmp.service_types_thl",
            "period": "methods.cmp.period_thl",
            "minimum_visits": "methods.cmp.minimum_thl",
            **_SHARED_THL,
        },
    ),
    Comparability("upc", None, comparable=False, reason="methods.cmp.why_upc"),
    Comparability("nps", None, comparable=False, reason="methods.cmp.why_nps"),
    Comparability("enps", None, comparable=False, reason="methods.cmp.why_nps"),
    *(Comparability(key, key, comparable=True, reason="methods.cmp.why_published") for key in PUBLISHED_INDICATORS),
)


def _series(key: str | None, language: str) -> str:
    """THL's series as a reader looks it up: 'Sotkanet 5502', '100 − Sotkanet 6411', or a dash."""
    if key is None:
        return t("methods.cmp.no_series", language)
    indicator = INDICATORS[key]
    series = f"Sotkanet {indicator.sotkanet_id}"
    return f"100 − {series}" if indicator.complement else series


def comparability_table(language: str) -> pl.DataFrame:
    """One row per indicator: its name, THL's published series, yes/no 'comparable with Sotkanet' and why."""
    rows = [
        {
            t("methods.cmp.col_indicator", language): t(f"indicator.{item.indicator}", language),
            t("methods.cmp.col_series", language): _series(item.published, language),
            t("methods.cmp.col_comparable", language): t(
                "methods.cmp.yes" if item.comparable else "methods.cmp.no", language
            ),
            t("methods.cmp.col_why", language): t(item.reason, language),
        }
        for item in COMPARABILITY
    ]
    return pl.DataFrame(rows)


def definition_pairs() -> tuple[Comparability, ...]:
    """The indicators computed here that have a published counterpart: their definitions side by side."""
    return tuple(item for item in COMPARABILITY if item.ours)


def definitions_side_by_side(item: Comparability, language: str, *, threshold: int) -> pl.DataFrame:
    """Aspect by aspect (:data:`ASPECTS`): our definition of ``item.indicator`` and THL's of its series."""
    return pl.DataFrame(
        [
            {
                t("methods.cmp.col_aspect", language): t(f"methods.cmp.aspect_{aspect}", language),
                t("methods.cmp.col_ours", language): t(item.ours[aspect], language, threshold=threshold),
                t("methods.cmp.col_thl", language): t(
                    item.thl[aspect], language, series=_series(item.published, language)
                ),
            }
            for aspect in ASPECTS
        ]
    )
