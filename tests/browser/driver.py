"""Drive the dashboard in a Playwright page the way a user does, and know when Streamlit is done.

Streamlit reruns the script after every interaction. A step is finished when
the server has sent ``script_finished`` for every run it started (read from
the app's websocket) *and* the browser shows no running script, no stale
elements and no undrawn chart. :func:`wait_for_idle`, :func:`wait_for_rerun`
and :func:`expect_rerun` wait for exactly that; everything else here (open a
page, follow a navigation entry, pick a filter value, read the URL) builds on
them.

>>> page = context.new_page()  # doctest: +SKIP
>>> open_app(page, f"{server.url}/?lang=en")
>>> select_sidebar_option(page, "Wellbeing services county", "Lapland")
>>> go_to_page(page, "Compare counties")
>>> url = current_url(page)  # the link a user would copy
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Locator, Page, WebSocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

#: Generous, because the first visit of a session may build caches; a wait that times out says where it was.
DEFAULT_TIMEOUT = 90.0

# -- what "idle" means in the DOM ------------------------------------------------------------

IDLE_SCRIPT = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return 'no app root yet';
  const connection = app.getAttribute('data-test-connection-state');
  if (connection !== 'CONNECTED') return 'connection ' + connection;
  const state = app.getAttribute('data-test-script-state');
  if (state !== 'notRunning' && state !== 'compilationError') return 'script ' + state;
  if (document.querySelector('[data-testid^="stStatusWidgetRunning"], [data-testid="stStatusWidgetNewYearsIcon"]'))
    return 'status widget says running';
  if (document.querySelector('[data-testid="stAppSkeleton"], [data-testid="stSkeleton"]')) return 'skeleton shown';
  if (document.querySelector('[data-stale="true"]')) return 'stale elements shown';
  if (!document.querySelector('[data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]'))
    return 'main block empty';
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
    if (!chart.querySelector('.main-svg')) return 'a chart is not drawn yet';
  return '';
}
"""

EXCEPTIONS_SCRIPT = """
() => Array.from(document.querySelectorAll('[data-testid="stException"]'), node => {
  const message = node.querySelector('[data-testid="stExceptionMessage"]');
  if (!message) return node.innerText.trim();
  const rows = node.querySelectorAll('[data-testid="stExceptionTraceRow"]');
  const trace = Array.from(rows, row => row.innerText.trimEnd());
  return [message.innerText.trim(), ...trace].join('\\n');
})
"""

#: True when a click at the middle of the element would reach it (on screen, not covered, not overflowed).
CLICKABLE_SCRIPT = """
(node) => {
  const box = node.getBoundingClientRect();
  if (!box.width || !box.height) return false;
  const x = box.left + box.width / 2, y = box.top + box.height / 2;
  if (x < 0 || y < 0 || x > window.innerWidth || y > window.innerHeight) return false;
  const hit = document.elementFromPoint(x, y);
  return !!hit && node.contains(hit);
}
"""

#: The navigation entries wherever Streamlit puts them: the sidebar, or the top bar (wide windows).
NAV_LINKS = '[data-testid="stSidebarNavLink"], [data-testid="stTopNavLink"]'
#: Where a top bar too narrow for every entry keeps the rest ("2 more", or a section's menu).
NAV_OVERFLOW = '[data-testid="stTopNavSection"]'
NAV_DROPDOWN_LINKS = '[data-testid="stTopNavDropdownLink"]'


class AppError(AssertionError):
    """The app showed an exception, or a step did not finish in time; the message says which and where."""


# -- the websocket: which runs the server started and finished ------------------------------


@dataclass
class ScriptRuns:
    """Script runs of one page's session, counted from Streamlit's own messages on the websocket.

    ``started`` counts ``new_session`` messages (one per run), ``finished`` counts ``script_finished``
    (fragment runs included), ``requested`` counts ``rerun_script`` requests the browser sent.
    ``page_deltas`` and ``fragment_deltas`` count the elements sent by whole-page runs and by fragment
    runs: a fragment rerun leaves ``page_deltas`` as it was.
    ``finished_at`` and ``requested_at`` hold ``time.perf_counter()`` when each was seen.
    """

    started: int = 0
    finished: int = 0
    requested: int = 0
    page_deltas: int = 0
    fragment_deltas: int = 0
    statuses: list[str] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    requested_at: list[float] = field(default_factory=list)
    _open: int = 0
    _rerun_follows: bool = False

    @property
    def in_flight(self) -> bool:
        """A run has started and not finished, or one stopped early because another run follows."""
        return self._open > 0 or self._rerun_follows

    def attach(self, page: Page) -> None:
        page.on("websocket", self.on_websocket)

    def on_websocket(self, socket: WebSocket) -> None:
        if socket.url.endswith("/_stcore/stream"):
            socket.on("framereceived", self.on_received)
            socket.on("framesent", self.on_sent)

    def on_received(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        message = ForwardMsg.FromString(payload)
        kind = message.WhichOneof("type")
        if kind == "delta":
            if message.delta.fragment_id:
                self.fragment_deltas += 1
            else:
                self.page_deltas += 1
        elif kind == "new_session":
            self.started += 1
            self._open += 1
            self._rerun_follows = False
        elif kind == "script_finished":
            status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            self.finished += 1
            self._open = max(0, self._open - 1)  # fragment runs may finish without a new_session
            self._rerun_follows = status == "FINISHED_EARLY_FOR_RERUN"
            self.statuses.append(status)
            self.finished_at.append(time.perf_counter())

    def on_sent(self, payload: bytes | str) -> None:
        if isinstance(payload, str):
            return
        if BackMsg.FromString(payload).WhichOneof("type") == "rerun_script":
            self.requested += 1
            self.requested_at.append(time.perf_counter())


_RUNS: weakref.WeakKeyDictionary[Page, ScriptRuns] = weakref.WeakKeyDictionary()


def script_runs(page: Page) -> ScriptRuns:
    """The run counter of ``page``; attaches it on first use (do that before the page opens the app)."""
    runs = _RUNS.get(page)
    if runs is None:
        runs = _RUNS[page] = ScriptRuns()
        runs.attach(page)
    return runs


# -- waiting ---------------------------------------------------------------------------------


def _poll(page: Page, condition: Callable[[], bool], what: str, timeout: float) -> None:
    """Let Playwright deliver events (websocket frames) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AppError(f"{what} did not happen within {timeout:.0f} s on {page.url}")
        page.wait_for_timeout(20)


def wait_for_idle(page: Page, *, timeout: float = DEFAULT_TIMEOUT, allow_exceptions: bool = False) -> None:
    """Wait until no script run is in flight and the page has rendered its result.

    Idle means: the server has finished every run it started, the app is connected, the script
    state is ``notRunning``, the status widget shows no running man, no skeleton or stale
    element is left, the main block has content and every Plotly chart has drawn. Raises
    :class:`AppError` when the page shows an exception (unless ``allow_exceptions``).
    """
    runs = script_runs(page)
    _poll(page, lambda: not runs.in_flight, "the script run to finish", timeout)
    deadline = time.monotonic() + timeout
    reason = "not checked"
    while True:
        reason = page.evaluate(IDLE_SCRIPT)
        if not reason and not runs.in_flight:
            break
        if time.monotonic() > deadline:
            raise AppError(f"the page did not settle within {timeout:.0f} s on {page.url}: {reason}")
        page.wait_for_timeout(30)
    if not allow_exceptions:
        assert_no_app_exception(page)


def wait_for_rerun(
    page: Page,
    *,
    after: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    grace: float = 1.0,
    allow_exceptions: bool = False,
) -> None:
    """Wait for the rerun an interaction caused, then for :func:`wait_for_idle`.

    Pass ``after=script_runs(page).finished`` read *before* the interaction to wait for a run that
    finishes after it (exact). Without it, give the rerun up to ``grace`` seconds to start, then
    wait for idle; prefer :func:`expect_rerun`, which records ``after`` for you.
    """
    runs = script_runs(page)
    if after is not None:
        _poll(page, lambda: runs.finished > after, "a rerun after the interaction", timeout)
    else:
        start, deadline = runs.started, time.monotonic() + grace
        while runs.started == start and time.monotonic() < deadline:
            page.wait_for_timeout(20)
    wait_for_idle(page, timeout=timeout, allow_exceptions=allow_exceptions)


@contextmanager
def expect_rerun(page: Page, *, timeout: float = DEFAULT_TIMEOUT, allow_exceptions: bool = False) -> Iterator[None]:
    """``with expect_rerun(page): widget.click()`` - returns when that click's rerun has rendered."""
    before = script_runs(page).finished
    yield
    wait_for_rerun(page, after=before, timeout=timeout, allow_exceptions=allow_exceptions)


def app_exceptions(page: Page) -> list[str]:
    """The text of every exception box the app shows."""
    texts: list[str] = page.evaluate(EXCEPTIONS_SCRIPT)
    return texts


def assert_no_app_exception(page: Page) -> None:
    if shown := app_exceptions(page):
        raise AppError(f"the app shows {len(shown)} exception(s) on {page.url}:\n\n" + "\n\n".join(shown))


# -- pages and URLs --------------------------------------------------------------------------


def open_app(page: Page, url: str, *, timeout: float = DEFAULT_TIMEOUT, allow_exceptions: bool = False) -> None:
    """Load ``url`` (a full address, query string included) and wait until its first run has rendered."""
    runs = script_runs(page)
    before = runs.finished
    page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    _poll(page, lambda: runs.finished > before, "the first script run", timeout)
    wait_for_idle(page, timeout=timeout, allow_exceptions=allow_exceptions)


def current_url(page: Page) -> str:
    """The address bar: the link a user would copy (the app keeps its view state in the query string)."""
    return page.url


def current_query(page: Page) -> dict[str, str]:
    """The query parameters of the current address, first value of each."""
    return {key: values[0] for key, values in parse_qs(urlsplit(page.url).query).items()}


def current_path(page: Page) -> str:
    """The page's URL path without the leading slash ('' for the default page)."""
    return urlsplit(page.url).path.strip("/")


@dataclass(frozen=True)
class NavLink:
    """One entry of the app's navigation (sidebar or top bar)."""

    label: str
    path: str  # URL path without slashes; '' for the default page
    current: bool


def nav_links(page: Page) -> list[NavLink]:
    """Every navigation entry the app shows, in order, wherever Streamlit put the navigation.

    Entries that do not fit the top bar are listed too (they sit behind its "N more" menu).
    """
    entries: list[dict[str, str | bool | None]] = page.eval_on_selector_all(
        NAV_LINKS,
        """links => links.map(link => ({
            text: link.innerText, href: link.getAttribute('href'),
            current: link.getAttribute('aria-current') === 'page'}))""",
    )
    links: list[NavLink] = []
    for entry in entries:
        lines = [line.strip() for line in str(entry["text"]).splitlines() if line.strip()]
        path = urlsplit(str(entry["href"] or "")).path.strip("/")
        if any(link.path == path for link in links):
            continue
        links.append(NavLink(label=lines[-1] if lines else "", path=path, current=bool(entry["current"])))
    return links


def nav_target(page: Page, path: str) -> Locator:
    """A clickable navigation entry for ``path``: the entry itself, or its copy in the top bar's overflow
    menu (opened here), or the entry in the sidebar (expanded here)."""
    for index in range(page.locator(NAV_LINKS).count()):
        entry = page.locator(NAV_LINKS).nth(index)
        if urlsplit(entry.get_attribute("href") or "").path.strip("/") != path:
            continue
        if entry.evaluate(CLICKABLE_SCRIPT):
            return entry
        for menu in page.locator(NAV_OVERFLOW).all():
            menu.click()
            dropdown = page.locator(NAV_DROPDOWN_LINKS)
            dropdown.first.wait_for()
            for candidate in dropdown.all():
                if urlsplit(candidate.get_attribute("href") or "").path.strip("/") == path:
                    return candidate
            page.keyboard.press("Escape")
        expand = page.locator('[data-testid="stExpandSidebarButton"]')
        if expand.count() and expand.is_visible():
            expand.click()
        return entry
    raise AppError(f"no navigation entry leads to {path!r}; the navigation shows {nav_links(page)}")


def go_to_page(page: Page, label: str, *, timeout: float = DEFAULT_TIMEOUT) -> NavLink:
    """Click the navigation entry called ``label`` and wait until the page has rendered."""
    links = nav_links(page)
    matching = [link for link in links if link.label == label]
    if len(matching) != 1:
        raise AppError(
            f"{len(matching)} navigation entries are called {label!r}; "
            f"the navigation shows {[link.label for link in links]}"
        )
    if matching[0].current:
        return matching[0]
    target = nav_target(page, matching[0].path)
    with expect_rerun(page, timeout=timeout):
        target.click()
    return next(link for link in nav_links(page) if link.label == label)


# -- widgets ---------------------------------------------------------------------------------

Area = Literal["sidebar", "main", "page"]
_AREAS = {
    "sidebar": '[data-testid="stSidebar"]',
    "main": '[data-testid="stMain"]',
    "page": '[data-testid="stApp"]',
}
_CHOICE_WIDGETS = '[data-testid="stSelectbox"], [data-testid="stRadio"], [data-testid="stButtonGroup"]'


def _exact(text: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def widget_labels(page: Page, area: Area = "page") -> list[str]:
    """Labels of the choice widgets (select boxes, radios, pills) in ``area``, in page order."""
    labels: list[str] = (
        page.locator(_AREAS[area])
        .first.locator(_CHOICE_WIDGETS)
        .evaluate_all(
            """widgets => widgets.map(widget => {
            const label = widget.querySelector('[data-testid="stWidgetLabel"]');
            return label ? label.innerText.trim() : '';
        })"""
        )
    )
    return labels


def _widget(page: Page, label: str, area: Area) -> Locator:
    found = (
        page.locator(_AREAS[area])
        .first.locator(_CHOICE_WIDGETS)
        .filter(has=page.locator('[data-testid="stWidgetLabel"]', has_text=_exact(label)))
    )
    if found.count() != 1:
        raise AppError(
            f"{found.count()} choice widgets labelled {label!r} in the {area}; "
            f"the {area} has {widget_labels(page, area)}"
        )
    return found


def selected_option(page: Page, label: str, *, area: Area = "page") -> str:
    """The value the widget labelled ``label`` shows now."""
    widget = _widget(page, label, area)
    kind = widget.get_attribute("data-testid")
    if kind == "stSelectbox":
        return widget.get_by_role("combobox").input_value()
    if kind == "stRadio":
        return widget.locator('[data-testid="stRadioOption"][data-selected="true"]').inner_text().strip()
    return widget.locator('button[aria-checked="true"], button[aria-pressed="true"]').first.inner_text().strip()


def widget_options(page: Page, label: str, *, area: Area = "page") -> list[str]:
    """Every option of the widget labelled ``label`` (opens and closes a select box's list)."""
    widget = _widget(page, label, area)
    kind = widget.get_attribute("data-testid")
    if kind == "stSelectbox":
        widget.get_by_role("combobox").click()
        listbox = page.get_by_role("listbox")
        listbox.wait_for()
        options = [text.strip() for text in listbox.get_by_role("option").all_inner_texts()]
        page.keyboard.press("Escape")
        listbox.wait_for(state="detached")
        return options
    if kind == "stRadio":
        return [text.strip() for text in widget.locator('[data-testid="stRadioOption"]').all_inner_texts()]
    return [text.strip() for text in widget.get_by_role("button").all_inner_texts()]


def select_option(
    page: Page, label: str, option: str, *, area: Area = "page", timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Choose ``option`` (as displayed) in the select box, radio or pills labelled ``label``; wait for the rerun.

    Does nothing when ``option`` is already chosen (Streamlit would not rerun).
    """
    if selected_option(page, label, area=area) == option:
        return
    widget = _widget(page, label, area)
    kind = widget.get_attribute("data-testid")
    if kind == "stSelectbox":
        box = widget.get_by_role("combobox")
        box.click()
        listbox = page.get_by_role("listbox")
        listbox.wait_for()
        choice = listbox.get_by_role("option").filter(has_text=_exact(option))
        if choice.count() == 0:  # a long list may be virtualised: filter it by typing
            box.fill(option)
            choice = listbox.get_by_role("option").filter(has_text=_exact(option))
        if choice.count() != 1:
            offered = [text.strip() for text in listbox.get_by_role("option").all_inner_texts()]
            page.keyboard.press("Escape")
            raise AppError(f"{label!r} has no option {option!r}; it offers {offered}")
    elif kind == "stRadio":
        choice = widget.locator('[data-testid="stRadioOption"]').filter(has_text=_exact(option))
    else:
        choice = widget.get_by_role("button").filter(has_text=_exact(option))
    if choice.count() != 1:
        raise AppError(f"{label!r} has no option {option!r}; it offers {widget_options(page, label, area=area)}")
    with expect_rerun(page, timeout=timeout):
        choice.click()


def select_sidebar_option(page: Page, label: str, option: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """:func:`select_option` for the global filters in the sidebar."""
    select_option(page, label, option, area="sidebar", timeout=timeout)


def main_text(page: Page) -> str:
    """The visible text of the main area (headings, metrics, captions), for assertions."""
    return page.locator('[data-testid="stMain"]').inner_text()


def page_title(page: Page) -> str:
    """The first heading of the main area."""
    return page.locator('[data-testid="stMain"] h1').first.inner_text().strip()
