"""Every cache of what the pages read from the store, with one invalidation rule: the store's version.

Anything read from the store, or built from what was read, is kept under a key that holds the store's
version (:func:`version`), which changes when an import or a refresh lands. Nothing is ever cleared by
hand: a new version simply asks for new entries, and the old ones age out of the least-recently-used map.

* :func:`results` - the store's results as the viewer may see them (one load per version and allowed units);
* :func:`view` - anything built from those results (chart views, the COC distribution), shared by sessions;
* :func:`stored` - anything read from the store's catalogue directly (the import reports' coverage).

Two kinds of memo stay where they are, on purpose:

* ``Results.derived`` (``store/results.py``) memoises tables derived from one immutable :class:`Results`
  (indicator cells, health-centre rows read on first use). The pure views and the command line's decks
  call it without Streamlit, so it cannot live here; and since every :class:`Results` the pages use comes
  from :func:`results`, keyed by version, what it holds is dropped with the version it was read at.
* ``functools.cache`` on reference data shipped with the code (the region list, the catalogues, the
  counties' targets, reference tables): it never changes while the server runs, so no version applies.

The process's resources (the settings, the roles file, the store's engine) are ``st.cache_resource``
singletons in :mod:`ui.session`: they hold no store data (the version is read through the engine).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import polars as pl
import sqlalchemy as sa
import streamlit as st

from store.catalogue import scan_extracts
from store.results import Results, load_results, store_version
from ui.session import access_policy, current_engine, threshold
from views import county, data
from views.state import ViewState

V = TypeVar("V")

#: How long a read of the store's version is reused. A page run asks for it once per chart; an import
#: or refresh made in this process resets it at once (:func:`forget_version`), others are seen within this.
VERSION_REUSE_SECONDS = 1.0
#: How many loaded results are kept (store versions times the sets of allowed units in use).
RESULTS_KEPT = 16


class _Building:
    """A value one thread is building while others wait for it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.failed = False


class SharedMemo:
    """A least-recently-used map shared by every session, safe across the server's script threads.

    Keys are plain hashable values, hashed by Python: Streamlit's cache decorators hash their
    arguments by content on every call, which cost more than many of the lookups they saved.

    A value is built once even when many sessions ask for it at the same moment (a fresh server's first
    visitors, a burst after an import): the first builds it, outside the lock so that other keys are not
    held up, and the others wait for its value instead of building the same thing again. A build that
    fails is not shared: each waiting session then builds (and fails, or not) on its own.
    """

    def __init__(self, max_entries: int) -> None:
        self._items: OrderedDict[Hashable, object] = OrderedDict()
        self._building: dict[Hashable, _Building] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]  # type: ignore[return-value]
                pending = self._building.get(key)
                if pending is None:
                    pending = self._building[key] = _Building()
                    break
            pending.done.wait()
            if not pending.failed:
                return pending.value  # type: ignore[return-value]
            # the build failed: this session tries again (and builds it, unless another one already does)
        try:
            value = build()
        except BaseException:
            with self._lock:
                del self._building[key]
            pending.failed = True
            pending.done.set()
            raise
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._max_entries:
                self._items.popitem(last=False)
            del self._building[key]
        pending.value = value
        pending.done.set()
        return value


# -- the version clock --------------------------------------------------------------------------------


class _VersionClock:
    def __init__(self) -> None:
        self.read_at = -float("inf")
        self.value = ""
        self.lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _version_clock() -> _VersionClock:
    return _VersionClock()


def version() -> str:
    """The store's version: changes when an import or a refresh lands (the key of everything cached here)."""
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


# -- the caches ---------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _loaded() -> SharedMemo:
    """Loaded results, per store version and allowed units (a few: each holds the store's result tables)."""
    return SharedMemo(max_entries=RESULTS_KEPT)


def _results(store: sa.Engine, version: str, unit_regions: frozenset[str] | None, dataset: str) -> Results:
    """The results of ``dataset`` ('' the default) at ``version`` for a viewer allowed ``unit_regions``: loaded
    once, however many sessions ask.

    Kept in a memo of ours rather than behind ``st.cache_resource`` with arguments: Streamlit inspects the
    function's signature and hashes the arguments on every call, and a page run asks for the results once
    per chart.
    """
    return _loaded().get_or_build(
        (version, unit_regions, dataset),
        lambda: load_results(store, unit_regions=unit_regions, dataset=dataset or None),
    )


def _shown_dataset() -> str:
    """The data set the viewer's pages show (the view state's; '' the store's default)."""
    state = st.session_state.get("view")
    return str(getattr(state, "dataset", "") or "")


def results() -> Results:
    """The store's results as the viewer may see them, reloaded only when an import or refresh changed the store."""
    return _results(current_engine(), version(), access_policy().unit_regions, _shown_dataset())


@st.cache_resource(show_spinner=False)
def _memo() -> SharedMemo:
    """Built values; lives (and is cleared) with the other cached resources, so a new store never meets old ones."""
    return SharedMemo(max_entries=1024)


def _key(build: Callable[..., object], store_at: str, unit_regions: frozenset[str] | None, *rest: Hashable) -> Hashable:
    return (build.__module__, build.__qualname__, store_at, unit_regions, *rest)


def view(build: Callable[..., V], *arguments: Hashable, **options: Hashable) -> V:
    """``build(results, *arguments, **options)``, built once per store version, allowed units, data set shown
    and arguments.

    A filter change that returns to a state seen before (by anyone) costs no computation and no new
    figure. The key holds the viewer's allowed units, so a view built from one viewer's unit-level rows
    is never handed to a viewer with other rights, and the data set shown, so a view of one data set is
    never shown for another. Cached views are shared: callers must not mutate them.
    """
    store_at = version()
    unit_regions = access_policy().unit_regions
    dataset = _shown_dataset()
    key = _key(build, store_at, unit_regions, dataset, arguments, tuple(sorted(options.items())))
    loaded = _results(current_engine(), store_at, unit_regions, dataset)
    return _memo().get_or_build(key, lambda: build(loaded, *arguments, **options))


def stored(build: Callable[..., V], *arguments: Hashable) -> V:
    """``build(engine, *arguments)`` for what is read from the store's catalogue itself, once per store version
    (and allowed units, as :func:`view`). Shared: callers must not mutate the value."""
    key = _key(build, version(), access_policy().unit_regions, arguments)
    return _memo().get_or_build(key, lambda: build(current_engine(), *arguments))


# -- what the pages read through the caches -------------------------------------------------------------


def _coc_distribution(results: Results, region: str, period: str, profession: str, *, threshold: int) -> pl.DataFrame:
    """From the store; for a store from before it kept the distribution, computed from the visits once."""
    return county.coc_distribution(
        results,
        lambda: scan_extracts(current_engine(), "visits", results.dataset),  # the shown data set's visits only
        region=region,
        year=period,
        profession=profession,
        threshold=threshold,
    )


def coc_distribution(state: ViewState) -> pl.DataFrame:
    """Eligible patients per COC bin for the state's area, year and profession (suppressed under the threshold)."""
    return view(_coc_distribution, county.area_of(state), state.period, state.profession, threshold=threshold())


def _coverage(engine: sa.Engine, region: str) -> tuple[bool, pl.DataFrame]:
    reports = data.visit_reports(engine)
    return data.coverage_known(reports, region), data.coverage_flags(reports, region)


def coverage(region: str) -> tuple[bool, pl.DataFrame]:
    """Whether the import reports cover ``region``, and the months whose assessment-date coverage is too low."""
    return stored(_coverage, region)
