"""What the running server offers a visitor besides the pages: headers, metrics, the websocket's cache
clearing, and requests to other hosts.

The server is the one every browser test uses (``python -m ui.serve``), on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import ClientConnection, connect

from tests.browser.driver import open_app
from tests.browser.server import AppServer
from ui.serve import SECURITY_HEADERS

pytestmark = pytest.mark.browser

#: Seconds a script run may take before the test gives up on it.
RUN_TIMEOUT = 120.0
#: Messages read for one run at most (a page sends a few hundred).
MAX_MESSAGES = 20_000


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {name.lower(): value for name, value in response.headers.items()}
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {name.lower(): value for name, value in error.headers.items()}


@pytest.mark.parametrize("path", ["/", "/_stcore/health", "/_stcore/host-config", "/compare"])
def test_every_answer_forbids_framing_by_other_sites_and_sniffing(app_server: AppServer, path: str) -> None:
    status, headers = get(app_server.url + path)
    assert status == 200
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name.lower()) == value, (path, name, headers)
    assert "frame-ancestors 'self'" in headers["content-security-policy"]


def test_metrics_answer_only_this_machine_and_never_through_a_proxy(app_server: AppServer) -> None:
    status, _ = get(app_server.url + "/_stcore/metrics")
    assert status == 200  # an operator's scraper on the same host
    for header in ("X-Forwarded-For", "Forwarded", "X-Real-IP"):  # what a reverse proxy adds for a visitor
        status, _ = get(app_server.url + "/_stcore/metrics", {header: "203.0.113.9"})
        assert status == 404, header


def test_the_agent_api_is_off(app_server: AppServer) -> None:
    request = urllib.request.Request(
        app_server.url + "/_stcore/agent/interact", data=b"{}", headers={"Content-Type": "application/json"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    refused.value.close()
    assert refused.value.code in {403, 404, 405}


# -- the websocket's "clear cache" message -------------------------------------------------------------


async def run_script(socket: ClientConnection, query: str) -> list[str]:
    """Ask for a run of the default page with ``query`` as a browser does; the query strings the app set."""
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_script_hash = ""
    await socket.send(message.SerializeToString())
    queries: list[str] = []
    for _ in range(MAX_MESSAGES):
        forward = ForwardMsg()
        forward.ParseFromString(await asyncio.wait_for(socket.recv(decode=False), timeout=RUN_TIMEOUT))
        kind = forward.WhichOneof("type")
        if kind == "page_info_changed":
            queries.append(forward.page_info_changed.query_string)
        elif kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return queries
    raise AssertionError(f"no script_finished within {MAX_MESSAGES} messages")


async def clear_cache_between_runs(url: str) -> list[str]:
    """Run in English, send "clear cache", run again with a bare link: the query strings the second run set.

    Streamlit's handler clears the shared caches and, in the same call, the session's state; the view
    state (English) lives there, so a second run that still speaks English shows the handler did nothing.
    """
    address = urlsplit(url)
    async with connect(
        f"ws://{address.netloc}/_stcore/stream", subprotocols=["streamlit"], max_size=64 * 1024 * 1024
    ) as socket:  # a visitor: no cookie, no token
        await run_script(socket, "lang=en")
        clear = BackMsg()
        clear.clear_cache = True
        await socket.send(clear.SerializeToString())
        return await run_script(socket, "")  # handled after the clear: a session's messages are taken in order


def test_a_visitor_cannot_clear_the_shared_caches_through_the_websocket(app_server: AppServer) -> None:
    with ThreadPoolExecutor(max_workers=1) as thread:  # Playwright's own loop runs in this thread
        queries = thread.submit(asyncio.run, clear_cache_between_runs(app_server.url)).result(timeout=3 * RUN_TIMEOUT)
    assert queries, "the second run set no query string"
    assert all("lang=en" in query for query in queries), queries
    assert "ignored a request to clear the shared caches" in app_server.log_text()


# -- requests to other hosts ----------------------------------------------------------------------------


def local(url: str) -> bool:
    return urlsplit(url).hostname == "127.0.0.1"


def test_a_page_load_requests_nothing_from_another_host(page: Page, app_server: AppServer) -> None:
    """The tab icon, fonts and icons are bundled: an offline or locked-down network shows the same page."""
    requested: list[str] = []

    def record(request: Request) -> None:
        requested.append(request.url)

    page.on("request", record)
    open_app(page, app_server.url + "/?lang=en")
    open_app(page, app_server.url + "/compare?lang=en")
    assert requested
    inline = {"data", "blob"}
    foreign = sorted({url for url in requested if urlsplit(url).scheme not in inline and not local(url)})
    assert not foreign, foreign
