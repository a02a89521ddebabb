"""The view state and where it lives: the URL, the sidebar's global filters and the indicator pickers.

The view state (:class:`ViewState`) is read from the link on a session's first run, kept in session state,
changed by the widgets' callbacks and written back to the address bar, so a copied link reopens the view.
"""

from __future__ import annotations

import streamlit as st

from core.codes import PROFESSIONS
from i18n import LANGUAGES, t
from metrics.age_groups import AGE_GROUPS, ALL_AGES
from store.datasets import datasets, default_of
from ui import cache
from ui.session import access_policy, settings
from ui.text import literal
from views.ages import age_label
from views.common import area_label
from views.data import dataset_label
from views.indicators import INDICATORS
from views.state import ViewState, from_query, region_choices, to_query

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def _state_at_start(periods: list[str]) -> tuple[ViewState, list[str]]:
    """The session's view: read from the URL on its first run, then kept in session state."""
    if "view" in st.session_state:
        return st.session_state["view"], []
    state, rejected = from_query(st.query_params.to_dict(), periods=periods)
    st.session_state["view"] = state
    return state, rejected


def current_view() -> ViewState:
    state: ViewState = st.session_state.get("view", ViewState())
    return state


def _remember(field: str, key: str) -> None:
    """Widget callback: copy the widget's new value into the view state (runs before the rerun)."""
    st.session_state["view"] = current_view().with_changes(**{field: st.session_state[key]})


def set_indicator(indicator: str) -> None:
    """Pages with an indicator picker call this; the choice is part of the URL state."""
    state = current_view().with_changes(indicator=indicator)
    st.session_state["view"] = state
    keep_url(state)


def keep_url(state: ViewState) -> None:
    """Put ``state`` in the address bar, unless it is there already."""
    query = to_query(state)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def sidebar_filters(periods: list[str]) -> ViewState:
    """Draw the global filters (language, county, period, profession) and keep the URL in step.

    Each widget takes its position from the view state and writes changes back through a
    callback, so the state never depends on a widget surviving between runs.
    """
    state, rejected = _state_at_start(periods)
    if periods and state.period not in periods:
        state = state.with_changes(period=periods[-1])
    language = state.lang
    regions = region_choices()
    with st.sidebar:
        language = st.selectbox(
            t("filter.language", language),
            LANGUAGES,
            index=LANGUAGES.index(state.lang),
            key="f_lang",
            format_func=LANGUAGE_NAMES.__getitem__,
            on_change=_remember,
            args=("lang", "f_lang"),
        )
        region = st.selectbox(
            t("filter.county", language),
            regions,
            index=regions.index(state.region),
            key=f"f_region_{language}",  # labels change with the language: so does the widget
            format_func=lambda code: t("filter.county_all", language) if code == "all" else area_label(code, language),
            on_change=_remember,
            args=("region", f"f_region_{language}"),
        )
        period = state.period
        if periods:
            period = st.selectbox(
                t("filter.period", language),
                periods,
                index=periods.index(state.period),
                key=f"f_period_{language}",  # labels change with the language: so does the widget
                on_change=_remember,
                args=("period", f"f_period_{language}"),
            )
        profession = st.radio(
            t("filter.profession", language),
            PROFESSIONS,
            index=PROFESSIONS.index(state.profession),
            key=f"f_profession_{language}",  # labels change with the language: so does the widget
            format_func=lambda value: t(f"profession.{value}", language),
            horizontal=True,
            on_change=_remember,
            args=("profession", f"f_profession_{language}"),
        )
        age_group = _age_picker(state, language)
        dataset = _dataset_picker(state, language)
        _account(language)
    state = state.with_changes(
        lang=language, region=region, period=period, profession=profession, dataset=dataset, age_group=age_group
    )
    st.session_state["view"] = state
    keep_url(state)
    if rejected:
        st.toast(t("common.bad_link", language, names=literal(", ".join(rejected))))  # names typed into a link
    return state


def _age_picker(state: ViewState, language: str) -> str:
    """The age group of the computed access and continuity figures: offered when the data set shown has ages
    (all ages otherwise, whatever a link said)."""
    if not cache.results().has_ages:
        return ALL_AGES
    groups = (ALL_AGES, *AGE_GROUPS)
    key = f"f_age_{language}"  # labels change with the language: so does the widget
    return str(
        st.selectbox(
            t("age_group.label", language),
            groups,
            index=groups.index(state.age_group),
            key=key,
            format_func=lambda group: age_label(group, language),
            help=t("age_group.help", language),
            on_change=_remember,
            args=("age_group", key),
        )
    )


def _dataset_picker(state: ViewState, language: str) -> str:
    """The data set the computed figures are of: offered when the store holds more than one (never blended)."""
    sets = [item.name for item in cache.stored(datasets)]
    if len(sets) < 2:
        return state.dataset
    current = state.dataset if state.dataset in sets else default_of(cache.stored(datasets))
    key = f"f_dataset_{language}"
    return str(
        st.selectbox(
            t("datasets.label", language),
            sets,
            index=sets.index(current),
            key=key,
            format_func=lambda name: dataset_label(name, language),
            on_change=_remember,
            args=("dataset", key),
        )
    )


def choose_dataset(name: str) -> None:
    """Show the data set ``name`` from now on (after an import into it)."""
    state = current_view().with_changes(dataset=name)
    st.session_state["view"] = state
    for key in [key for key in st.session_state if str(key).startswith("f_dataset_")]:
        del st.session_state[key]  # the picker takes its position from the state again
    keep_url(state)


def _account(language: str) -> None:
    """Sign-in and sign-out when sign-in is configured, with the viewer's identity and role."""
    if not settings().sign_in:
        return
    st.divider()
    if st.user.is_logged_in:
        policy = access_policy()
        role = t(f"auth.role_{policy.role}", language)
        st.caption(t("auth.signed_in_as", language, identity=literal(policy.identity), role=role))
        st.button(t("auth.sign_out", language), on_click=st.logout, icon=":material/logout:")
    else:
        st.button(t("auth.sign_in", language), on_click=st.login, icon=":material/login:")


def picker_key(allowed: tuple[str, ...] = tuple(INDICATORS), language: str = "fi") -> str:
    """The widget key of the indicator picker offering ``allowed`` in ``language`` (tests find the picker by it).

    The language is part of the key: a browser sends back the label it showed, which a widget in
    another language would not recognise.
    """
    return f"indicator_{'_'.join(allowed)}_{language}"


def indicator_picker(state: ViewState, *, allowed: tuple[str, ...] = tuple(INDICATORS)) -> str:
    """A selectbox of indicators whose choice lives in the URL state."""
    key = picker_key(allowed, state.lang)
    current = state.indicator if state.indicator in allowed else allowed[0]
    chosen: str = st.selectbox(
        t("filter.indicator", state.lang),
        allowed,
        index=allowed.index(current),
        format_func=lambda item: t(f"indicator.{item}", state.lang),
        key=key,
        on_change=_remember,
        args=("indicator", key),
    )
    if chosen != state.indicator and chosen in allowed and state.indicator in allowed:
        set_indicator(chosen)
    keep_url(current_view())  # in a fragment's rerun (the county tabs) the sidebar, which does this, does not run
    return chosen


def filters_summary() -> str:
    """The active filters in words, for a deck's title slide."""
    state = current_view()
    area = t("filter.county_all", state.lang) if state.region == "all" else area_label(state.region, state.lang)
    parts = [area, state.period, t(f"profession.{state.profession}", state.lang)]
    if state.age_group != ALL_AGES:
        parts.append(t("age_group.subtitle", state.lang, group=age_label(state.age_group, state.lang)))
    return " · ".join(parts)
