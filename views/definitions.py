"""What each indicator means, for the people who read it: what is counted, its good direction, its source and
whether it may be read against THL's published figures. The Methods page lists them all and every chart's ⓘ
opens its own; the developers' contract stays in ``docs/metrics.md``."""

from __future__ import annotations

from dataclasses import dataclass

from i18n import t
from views.indicators import INDICATORS, MEASURE_INDICATORS, Indicator
from views.methods import COMPARABILITY

#: The data each computed family is computed from, as the catalogue names it.
_FAMILY_DATA = {
    "access": "visits",
    "continuity": "visits",
    "remote": "visits",
    "heavy": "visits",
    "named": "assignments",
    "t3": "slots",
    "nps": "answers",
}

#: Every indicator a chart shows: the selectable ones and the programme's other measures.
DEFINED = {**INDICATORS, **MEASURE_INDICATORS}


@dataclass(frozen=True)
class Definition:
    """One indicator's definition in one language, each part a sentence or two."""

    title: str
    what: str
    direction: str
    source: str
    comparability: str

    def markdown(self, language: str) -> str:
        """The four parts under their headings, for the Methods page and the ⓘ popover."""
        parts = (
            ("methods.def_what", self.what),
            ("methods.def_direction", self.direction),
            ("methods.def_source", self.source),
            ("methods.def_comparability", self.comparability),
        )
        return "\n\n".join(f"**{t(key, language)}:** {text}" for key, text in parts)


def definition(key: str, language: str, *, threshold: int) -> Definition:
    """The definition of indicator ``key`` in ``language``; ``threshold`` is the suppression limit in force."""
    indicator = DEFINED[key]
    return Definition(
        title=t(indicator.title_key, language),
        what=t(f"methods.definition_{key}", language),
        direction=_direction(indicator, language),
        source=_source(indicator, language, threshold=threshold),
        comparability=_comparability(key, language),
    )


def _direction(indicator: Indicator, language: str) -> str:
    if indicator.context:
        return t("methods.direction_none", language)
    return t("common.higher_is_better" if indicator.higher_is_better else "common.lower_is_better", language) + "."


def _source(indicator: Indicator, language: str, *, threshold: int) -> str:
    if indicator.published:
        return t("methods.source_published", language, indicator=indicator.sotkanet_id)
    data = t(f"methods.data_{_FAMILY_DATA.get(indicator.family, 'visits')}", language)
    return t("methods.source_computed", language, data=data, threshold=threshold)


def _comparability(key: str, language: str) -> str:
    item = next((item for item in COMPARABILITY if item.indicator == key), None)
    if item is None:
        return t("methods.cmp.why_not_listed", language)
    verdict = t("methods.cmp.yes" if item.comparable else "methods.cmp.no", language)
    return f"{verdict}. {t(item.reason, language)}"
