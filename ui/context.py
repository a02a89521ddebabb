"""What every page needs: settings, the store, the results, and the view state kept in the URL."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
import streamlit as st

from core.access import AccessPolicy, Rule, as_role, load_rules, policy_for
from core.errors import DashboardError
from core.settings import Settings
from i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from pipeline.bootstrap import bootstrap
from store.results import Results, load_results, store_version
from ui.text import literal
from views.common import area_label
from views.indicators import INDICATORS
from views.state import PROFESSIONS, ViewState, from_query, region_choices, to_query

V = TypeVar("V")

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return Settings.from_environment(secrets=_secrets())


def _secrets() -> dict[str, object]:
    """``.streamlit/secrets.toml`` as a plain dict (empty when there is none)."""
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:
        return {}


@st.cache_resource(show_spinner=False)
def _rules(path: str | None) -> tuple[Rule, ...]:
    return load_rules(Path(path) if path else None)


def access_policy() -> AccessPolicy:
    """The viewer's rights: from the signed-in identity and the roles file, or the no-sign-in role."""
    config = settings()
    if not config.sign_in:
        return policy_for(None, (), without_sign_in=as_role(config.role_without_sign_in))
    user = st.user.to_dict()
    return policy_for(user, _rules(str(config.roles_file) if config.roles_file else None))


@st.cache_resource(show_spinner=False)
def engine(config: Settings) -> sa.Engine:
    """The store, filled on the very first start (with a progress bar: that takes a little while)."""
    bar = st.progress(0.0, text="Valmistellaan tietoja · Förbereder data · Preparing data")
    store = bootstrap(
        config,
        sample_scale=config.sample_scale,
        progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
    )
    bar.empty()
    return store


@st.cache_resource(show_spinner=False, max_entries=16)
def _results(_store: sa.Engine, version: str, unit_regions: frozenset[str] | None) -> Results:
    return load_results(_store, unit_regions=unit_regions)


def results() -> Results:
    """The store's results as the viewer may see them, reloaded only when an import or refresh changed the store."""
    return _results(current_engine(), version(), access_policy().unit_regions)


class SharedMemo:
    """A least-recently-used map shared by every session, safe across the server's script threads.

    Keys are plain hashable values, hashed by Python: Streamlit's cache decorators hash their
    arguments by content on every call, which cost more than many of the lookups they saved.
    """

    def __init__(self, max_entries: int) -> None:
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]  # type: ignore[return-value]
        value = build()  # outside the lock: other sessions are not held up by a slow build
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max_entries:
                self._items.popitem(last=False)
        return value


@st.cache_resource(show_spinner=False)
def _views() -> SharedMemo:
    """Built views; lives (and is cleared) with the other cached resources, so a new store never meets old views."""
    return SharedMemo(max_entries=1024)


def view(build: Callable[..., V], *arguments: Hashable, **options: Hashable) -> V:
    """``build(results, *arguments, **options)``, built once per store version, allowed units and arguments.

    A filter change that returns to a state seen before (by anyone) costs no computation and no new
    figure. The key holds the viewer's allowed units, so a view built from one viewer's unit-level rows
    is never handed to a viewer with other rights. Cached views are shared: callers must not mutate them.
    """
    store_at = version()
    unit_regions = access_policy().unit_regions
    key = (build.__module__, build.__qualname__, store_at, unit_regions, arguments, tuple(sorted(options.items())))
    loaded = _results(current_engine(), store_at, unit_regions)
    return _views().get_or_build(key, lambda: build(loaded, *arguments, **options))


#: How long a read of the store's version is reused. A page run asks for it once per chart; an import
#: or refresh made in this process resets it at once (:func:`forget_version`), others are seen within this.
VERSION_REUSE_SECONDS = 1.0


class _VersionClock:
    def __init__(self) -> None:
        self.read_at = -float("inf")
        self.value = ""
        self.lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _version_clock() -> _VersionClock:
    return _VersionClock()


def version() -> str:
    """The store's version: changes when an import or a refresh lands (a cache key for derived data)."""
    clock = _version_clock()
    with clock.lock:
        if time.monotonic() - clock.read_at > VERSION_REUSE_SECONDS:
            clock.value = store_version(current_engine())
            clock.read_at = time.monotonic()
        return clock.value


def forget_version() -> None:
    """Make the next :func:`version` read the store (call after an import or a refresh)."""
    clock = _version_clock()
    with clock.lock:
        clock.read_at = -float("inf")


@st.cache_resource(show_spinner=False)
def _current_store() -> sa.Engine:
    return engine(settings())


def current_engine() -> sa.Engine:
    """The store for the current settings (looked up without hashing the settings on every call)."""
    return _current_store()


def linked_language() -> str:
    """The language the link asks for (``?lang=``), before the filters have read the view state: an
    unknown or missing one is Finnish, as the filters take it."""
    language = str(st.query_params.get("lang", DEFAULT_LANGUAGE))
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def store_or_stop() -> sa.Engine:
    """The store; when it cannot be opened (database down, bad settings) a clear message, and the page stops."""
    try:
        return current_engine()
    except DashboardError as error:
        language = linked_language()
        st.error(f"**{t('error.store_title', language)}**\n\n{literal(error)}\n\n{t('error.store_hint', language)}")
        st.stop()
        raise  # st.stop() does not return; this keeps the type checker honest


def threshold() -> int:
    return settings().suppression_threshold


def _state_at_start(periods: list[str]) -> tuple[ViewState, list[str]]:
    """The session's view: read from the URL on its first run, then kept in session state."""
    if "view" in st.session_state:
        return st.session_state["view"], []
    state, rejected = from_query(st.query_params.to_dict(), periods=periods)
    st.session_state["view"] = state
    return state, rejected


def current_view() -> ViewState:
    return st.session_state.get("view", ViewState())


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
        _account(language)
    state = state.with_changes(lang=language, region=region, period=period, profession=profession)
    st.session_state["view"] = state
    keep_url(state)
    if rejected:
        st.toast(t("common.bad_link", language, names=literal(", ".join(rejected))))  # names typed into a link
    return state


def picker_key(allowed: tuple[str, ...] = tuple(INDICATORS), language: str = "fi") -> str:
    """The widget key of the indicator picker offering ``allowed`` in ``language`` (tests find the picker by it).

    The language is part of the key: a browser sends back the label it showed, which a widget in
    another language would not recognise.
    """
    return f"indicator_{'_'.join(allowed)}_{language}"


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


def through_entry_point() -> None:
    """Send a page run that bypassed ``app.py`` back through it.

    Streamlit serves files in ``pages/`` on their own (its older multipage
    mode) until the entry script's ``st.navigation`` has run once in the server
    process. A first visit that lands on a page's URL (a shared link, a reload
    after a restart) would then miss the filters, the URL state and the
    navigation. Every page calls this first; it is a no-op once navigation is
    set up, and otherwise switches the mode off and reruns through ``app.py``,
    which resolves the same page by its URL.
    """
    from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415  # internal; pinned below 2.0

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def user_name() -> str:
    """Who is importing: the signed-in user's e-mail or name, otherwise 'dashboard upload'."""
    user = getattr(st, "user", None)
    if user is not None and getattr(user, "is_logged_in", False):
        return str(user.get("email") or user.get("name") or "signed-in user")
    return "dashboard upload"


def filters_summary() -> str:
    """The active filters in words, for a deck's title slide."""
    state = current_view()
    area = t("filter.county_all", state.lang) if state.region == "all" else area_label(state.region, state.lang)
    return " · ".join([area, state.period, t(f"profession.{state.profession}", state.lang)])
