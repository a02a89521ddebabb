"""Ten sessions at once through every page, over Streamlit's own websocket protocol (no browser).

The server is started the way the browser tests start it (:class:`tests.browser.server.AppServer`), on a
new data folder. The first round of ten sessions races through the store's first build and every first
import of the page code; the second runs on the then warm server. Each session opens the app, then every
page its navigation lists (the Data and Investments pages among them), each session starting from a
different page, so that every page is loaded while the others are. Every run must finish within a bounded
wait without an exception or an error message on the page (the pages show unexpected failures as our
message with an id), and the health endpoint must answer throughout: a server whose threads deadlock
(polars workers waiting for the interpreter lock held by a script thread that waits for them) stops
answering both, and two sessions importing a library at once (pandas, imported lazily by Plotly's
checks) show an error on the page unless the launcher imported it before serving.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from bench.protocol import SessionReport, drive, summary
from i18n import t
from tests.browser.server import AppServer

pytestmark = pytest.mark.slow

T = TypeVar("T")
SESSIONS = 10
#: The app's pages by address, with their titles' catalogue keys; the default page (the overview) has none.
ADDRESSES = {
    "": "nav.overview",
    "compare": "nav.compare",
    "county": "nav.county",
    "investments": "nav.investments",
    "deck": "nav.deck",
    "data": "nav.data",
    "methods": "nav.methods",
}
#: A bounded wait per run; the first run of a fresh server builds the (small) sample store.
RUN_TIMEOUT = 120.0
#: A bounded wait per health request; a deadlocked server never answers.
HEALTH_TIMEOUT = 10.0
HEALTH_INTERVAL = 0.25
#: No round may keep the watcher polling longer than this.
WATCH_LIMIT = 600.0


@dataclass
class HealthWatch:
    """Polls ``/_stcore/health`` from its own thread while a round runs; records every failed answer."""

    url: str
    answers: int = 0
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __enter__(self) -> HealthWatch:
        self._thread = threading.Thread(target=self._poll, name="health-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=HEALTH_TIMEOUT + 5)

    def _poll(self) -> None:
        polls = int(WATCH_LIMIT / HEALTH_INTERVAL)
        for _ in range(polls):
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=HEALTH_TIMEOUT) as response:
                    body = response.read().strip()
                    if response.status == 200 and body == b"ok":
                        self.answers += 1
                    else:
                        self.failures.append(f"status {response.status}: {body[:80]!r}")
            except (urllib.error.URLError, ConnectionError, TimeoutError) as failure:
                self.failures.append(f"{type(failure).__name__}: {failure}")
            if self._stop.wait(HEALTH_INTERVAL):
                return


@dataclass(frozen=True)
class Round:
    reports: list[SessionReport]
    health: HealthWatch


def run_round(server: AppServer) -> Round:
    with HealthWatch(server.url) as health:
        reports = in_own_event_loop(lambda: drive(server.url, SESSIONS, timeout=RUN_TIMEOUT))
    return Round(reports, health)


def in_own_event_loop(start: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to its end in an event loop of its own thread.

    The browser tests' synchronous Playwright keeps an event loop running in the main thread for the rest of
    the session, where ``asyncio.run`` refuses to start another.
    """
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(start())).result()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("sessions")
    with AppServer(data_dir=folder / "data", log_path=folder / "server.log") as app:
        app.wait_until_healthy()
        yield app


@pytest.fixture(scope="module")
def fresh_round(server: AppServer) -> Round:
    """Ten sessions on the server as started: nothing built, nothing imported yet."""
    return run_round(server)


@pytest.fixture(scope="module")
def warm_round(server: AppServer, fresh_round: Round) -> Round:
    """Ten more sessions once the first round has warmed the server."""
    return run_round(server)


def assert_round_held(round_: Round, server: AppServer) -> None:
    result = summary(round_.reports)
    log = server.tail()
    assert result["problems"] == [], f"runs that failed or showed an exception: {result}{log}"
    assert round_.health.failures == [], f"the health endpoint did not answer: {round_.health.failures[:5]}{log}"
    assert round_.health.answers > 0
    assert server.is_running(), f"the server stopped{log}"
    for report in round_.reports:
        addresses = sorted(page.url_pathname for page in report.pages)
        assert addresses == sorted(ADDRESSES), f"session {report.session} saw pages {addresses}"
        visited = [run.page for run in report.runs]
        assert set(visited) == set(ADDRESSES), f"session {report.session} ran {visited}"
        assert all(run.status == "FINISHED_SUCCESSFULLY" for run in report.runs)


def test_ten_sessions_open_every_page_of_a_freshly_started_server(server: AppServer, fresh_round: Round) -> None:
    assert_round_held(fresh_round, server)


def test_ten_sessions_open_every_page_of_a_warm_server(server: AppServer, warm_round: Round) -> None:
    assert_round_held(warm_round, server)


def test_every_session_is_shown_every_page_under_its_name(fresh_round: Round, warm_round: Round) -> None:
    # the default page (no address of its own) is the overview; the server speaks Finnish by default
    expected = {address: t(key, "fi") for address, key in ADDRESSES.items()}
    for report in [*fresh_round.reports, *warm_round.reports]:
        assert {page.url_pathname: page.name for page in report.pages} == expected
        assert [page.url_pathname for page in report.pages if page.is_default] == [""]


@pytest.mark.parametrize("address", ["data", "investments"])
def test_the_pages_that_froze_the_server_are_opened_by_every_session(
    fresh_round: Round, warm_round: Round, address: str
) -> None:
    for report in [*fresh_round.reports, *warm_round.reports]:
        assert [run.status for run in report.runs if run.page == address] == ["FINISHED_SUCCESSFULLY"]
