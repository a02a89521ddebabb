"""Who is looking and at what store: the settings, the store's engine, the viewer's access policy and identity.

Everything here lives for the server process (the settings, the engine, the roles file) or is read from the
viewer's session (the signed-in identity, the link's language). Caches of what is read from the store are in
:mod:`ui.cache`, the view state and the sidebar in :mod:`ui.filters`.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import streamlit as st

from core.access import AccessPolicy, Rule, as_role, load_rules, policy_for
from core.errors import DashboardError
from core.settings import Settings
from i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from pipeline.bootstrap import bootstrap
from ui.text import literal


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

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(fraction, 1.0), text=message)

    store = bootstrap(config, sample_scale=config.sample_scale, progress=progress)
    bar.empty()
    return store


class _StoreHolder:
    """Where the process keeps the current store's engine once :func:`engine` has made it."""

    def __init__(self) -> None:
        self.engine: sa.Engine | None = None


@st.cache_resource(show_spinner=False)
def _store_holder() -> _StoreHolder:
    return _StoreHolder()


def current_engine() -> sa.Engine:
    """The store for the current settings (looked up without hashing the settings on every call).

    The engine is kept in a holder that draws nothing: a cached function that drew elements (the first
    start's progress bar, drawn by :func:`engine`) has them replayed on every later call, and a page run
    asks for the engine dozens of times. The holder lives and is cleared with the other cached resources.
    """
    holder = _store_holder()
    if holder.engine is None:
        holder.engine = engine(settings())
    return holder.engine


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
    """The smallest count shown (cells under it are suppressed)."""
    return settings().suppression_threshold


def user_name() -> str:
    """Who is importing: the signed-in user's e-mail or name, otherwise 'dashboard upload'."""
    user = getattr(st, "user", None)
    if user is not None and getattr(user, "is_logged_in", False):
        return str(user.get("email") or user.get("name") or "signed-in user")
    return "dashboard upload"
