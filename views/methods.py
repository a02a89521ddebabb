"""Methods page content: indicator definitions, the care-guarantee timeline and the metrics contract."""

from __future__ import annotations

import polars as pl

from core.settings import PROJECT_ROOT
from i18n import t
from i18n.format import date_text
from metrics.care_guarantee import CARE_GUARANTEE_TIMELINE

INDICATOR_ORDER = ("access_7d", "access_14d", "t3", "coc", "upc", "nps", "enps")
METRICS_DOCUMENT = PROJECT_ROOT / "docs" / "metrics.md"


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


def metrics_document() -> str:
    """The metrics contract (English), as the Methods page's full reference."""
    return METRICS_DOCUMENT.read_text(encoding="utf-8")
