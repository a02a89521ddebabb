"""A burst of readers on a freshly started server with a new store, over Streamlit's own protocol (no browser).

Eight sessions connect at once to a server that has just started on an empty data folder: the first runs
race through the store's first build and every first import, and each session then follows the load
benchmark's journey (:mod:`bench.load_client`: change county, year and indicator with widget states,
open the county page, a tab, a table, add a chart to the deck) without pause. Every step must be
answered without an exception, an error message, a dropped connection or a run over 30 seconds, and
the health endpoint must answer throughout. A single session checks that what the client sends is
what the browser sends: a county chosen with a widget state reaches the URL state, and a tab switch
reruns only the tabs' fragment.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.load_client import STEPS, Tally, load
from bench.protocol import ProtocolSession
from tests.browser.server import AppServer
from tests.server.test_sessions import HealthWatch, in_own_event_loop

pytestmark = pytest.mark.slow

SESSIONS = 8
#: The whole burst, the store's first build included, must end within this.
BURST_LIMIT = 600.0
#: A bounded wait per run: the first runs wait for the (small) store's first build, which a busy test
#: machine may take longer than the benchmark's 30 seconds over (the benchmark times the build apart).
RUN_LIMIT = 120.0


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("load")
    with AppServer(data_dir=folder / "data", log_path=folder / "server.log") as app:
        app.wait_until_healthy()
        yield app


@pytest.fixture(scope="module")
def burst(fresh_server: AppServer) -> tuple[Tally, HealthWatch]:
    with HealthWatch(fresh_server.url) as health:
        tally = in_own_event_loop(
            lambda: load(
                fresh_server.url,
                sessions=SESSIONS,
                duration=BURST_LIMIT,
                think=0,
                ramp=0,
                journeys=1,
                timeout=RUN_LIMIT,
                slow_after=RUN_LIMIT,
            )
        )
    return tally, health


def test_a_burst_on_a_fresh_server_and_store_is_served_without_an_error(
    fresh_server: AppServer, burst: tuple[Tally, HealthWatch]
) -> None:
    tally, health = burst
    log = fresh_server.tail()
    assert dict(tally.errors) == {}, f"{tally.examples}{log}"
    assert tally.journeys == SESSIONS
    assert {step: len(durations) for step, durations in tally.durations.items()} == dict.fromkeys(STEPS, SESSIONS)
    assert health.failures == [], f"the health endpoint did not answer: {health.failures[:5]}{log}"
    assert health.answers > 0
    assert fresh_server.is_running()


def test_widget_states_and_fragment_runs_reach_the_app_as_the_browser_sends_them(
    fresh_server: AppServer, burst: tuple[Tally, HealthWatch]
) -> None:
    async def walk() -> dict[str, object]:
        async with ProtocolSession(fresh_server.url, timeout=120) as session:
            opened = await session.run("", query_string="lang=sv")
            county = session.widget("f_region_sv")
            chosen = next(option for option in county.options if option != county.value)
            changed = await session.change(county, chosen)
            after_change = session.query_string
            page = await session.run("county")
            tabs = session.widget("county_tab_sv")
            tab = await session.change(tabs, tabs.options[2])
            return {
                "runs_ok": all(run.ok for run in (opened, changed, page, tab)),
                "shown_after": session.widget("f_region_sv").value,
                "chosen": chosen,
                "query": after_change,
                "page_status": page.status,
                "tab_status": tab.status,
                "page_elements": page.elements,
                "tab_elements": tab.elements,
            }

    seen = in_own_event_loop(walk)
    assert seen["runs_ok"] is True
    assert seen["shown_after"] == seen["chosen"]  # the server drew the select box at the county sent
    assert "region=all" not in str(seen["query"])
    assert "region=" in str(seen["query"])
    assert seen["page_status"] == "FINISHED_SUCCESSFULLY"
    assert seen["tab_status"] == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"  # only the tabs' fragment ran
    assert 0 < int(str(seen["tab_elements"])) < int(str(seen["page_elements"]))
