"""The age group filter in the pages' words: which group an indicator's cells are of, and the line that says so.

Only computed access and continuity have age groups (:func:`views.cells.has_age_groups`). With a group chosen,
their charts are of that group and name it; every other chart shows all ages and says why, next to the chart,
never silently.
"""

from __future__ import annotations

import polars as pl

from i18n import t
from metrics.age_groups import AGE_GROUPS, ALL_AGES
from store.results import Results
from views.cells import Grain, has_age_groups, indicator_cells
from views.indicators import Indicator
from views.state import ViewState

#: The catalogue key of each group's name (TOML keys cannot hold '-' or '+').
_LABEL_KEYS = {ALL_AGES: "all", **{group: "g" + group.replace("-", "_").rstrip("+") for group in AGE_GROUPS}}


def age_label(group: str, language: str) -> str:
    """The group's name in ``language`` ('75 vuotta täyttäneet')."""
    return t(f"age_group.{_LABEL_KEYS[group]}", language)


def cells_age(state: ViewState, indicator: Indicator) -> str:
    """The age group the indicator's cells are of in ``state``: the chosen one where the indicator has groups."""
    return state.age_group if has_age_groups(indicator) else ALL_AGES


def state_cells(
    results: Results,
    indicator: Indicator,
    state: ViewState,
    *,
    threshold: int,
    grain: Grain = "year",
    age_of: Indicator | None = None,
) -> pl.DataFrame:
    """The suppressed cells of ``indicator`` for the state's profession and age group (the group of ``age_of``'s
    cells when given: two indicators drawn against each other share one group)."""
    return indicator_cells(
        results,
        indicator,
        grain=grain,
        profession=state.profession,
        threshold=threshold,
        age_group=cells_age(state, age_of or indicator),
    )


def age_line(state: ViewState, indicator: Indicator | None) -> str:
    """What the chosen age group means for a chart of ``indicator``: its name, or why it does not apply (THL's
    series have no age split; the appointment books and the survey answers carry no ages); '' for all ages."""
    if state.age_group == ALL_AGES:
        return ""
    group = age_label(state.age_group, state.lang)
    if indicator is not None and has_age_groups(indicator):
        return t("age_group.subtitle", state.lang, group=group)
    key = "age_group.published" if indicator is not None and indicator.published else "age_group.not_applicable"
    return t(key, state.lang, group=group)


def with_age(subtitle: str, state: ViewState, indicator: Indicator | None) -> str:
    """``subtitle`` with :func:`age_line` after it (unchanged for all ages)."""
    line = age_line(state, indicator)
    return f"{subtitle} · {line}" if line and subtitle else line or subtitle


def no_split_line(state: ViewState) -> str:
    """For a chart not computed by age group (the COC distribution, heavy users, named providers): that the chosen
    group does not narrow it; '' for all ages."""
    if state.age_group == ALL_AGES:
        return ""
    return t("age_group.no_split", state.lang, group=age_label(state.age_group, state.lang))


def joined(*parts: str) -> str:
    """The non-empty ``parts`` as one subtitle line."""
    return " · ".join(part for part in parts if part)
