"""Streamlit sessions without a browser: a client of Streamlit's own websocket protocol.

Usage::

    python -m bench.protocol --url http://127.0.0.1:8501 [--sessions 10] [--timeout 120] [--pages data,investments]

A session connects to ``ws://HOST:PORT/_stcore/stream`` as the browser does (subprotocol ``streamlit``;
no XSRF token, so it is a visitor without a sign-in cookie), asks for script runs with the browser's
``rerun_script`` message (the query string the app last set, the page by its script hash, the widget
states) and reads Streamlit's ``ForwardMsg`` messages until the run's ``script_finished``. Each run is
reported with its duration, the exceptions the page showed (``delta.new_element.exception``), the
error messages it showed (an app that catches its failures shows them with ``st.error``), any
failure of the run itself (no answer within the timeout, the connection closed, page not found, a
compile error), and the app's pages as its navigation message lists them.

:func:`walk` takes one session through pages, :func:`drive` many sessions at once; the tests use both
(``tests/server/test_sessions.py``), and run from here they print a summary and exit non-zero on any
exception or failure. Nothing is rendered: what is measured is the server's work for each run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetStates
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

#: The websocket path of a Streamlit server.
STREAM_PATH = "/_stcore/stream"
#: Larger than any page's message (a figure or a table travels in one ForwardMsg).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Seconds a run may take before it counts as not answered.
DEFAULT_TIMEOUT = 120.0

_EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.Name(ForwardMsg.FINISHED_EARLY_FOR_RERUN)
_FRAGMENT_RUN = ForwardMsg.ScriptFinishedStatus.Name(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)


@dataclass(frozen=True)
class AppPage:
    """One entry of the app's navigation: its title, its address (``url_pathname``) and its script hash."""

    name: str
    url_pathname: str
    script_hash: str
    is_default: bool


@dataclass(frozen=True)
class ShownException:
    """An exception element a run put on the page (only the first line of the message)."""

    type: str
    message: str
    is_warning: bool


@dataclass
class RunReport:
    """One script run as the server answered it.

    ``page`` is the address asked for ('' for the app's default page); ``status`` the last
    ``script_finished`` status (None when none came); ``exceptions`` the exception elements shown;
    ``errors_shown`` the error messages shown (``st.error``: how an app that catches its failures shows
    them, so a failure behind a friendly message still counts); ``error`` why the run did not finish
    normally.
    """

    page: str
    duration: float = 0.0
    status: str | None = None
    elements: int = 0
    exceptions: list[ShownException] = field(default_factory=list)
    errors_shown: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.exceptions and not self.errors_shown


class ProtocolError(RuntimeError):
    """The server's answer broke the protocol this client expects, or the session was already broken."""


def stream_url(url: str) -> str:
    """'http://127.0.0.1:8501' (or a ws:// address) → 'ws://127.0.0.1:8501/_stcore/stream'."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not an http(s) or ws(s) address of a Streamlit server: {url!r}")
    base = parts.path.rstrip("/")
    if base.endswith(STREAM_PATH):
        base = base[: -len(STREAM_PATH)]
    return f"{scheme}://{parts.netloc}{base}{STREAM_PATH}"


class ProtocolSession:
    """One Streamlit session over its websocket; use ``async with``.

    >>> async with ProtocolSession("http://127.0.0.1:8501") as session:  # doctest: +SKIP
    ...     first = await session.run()  # the default page; fills session.pages
    ...     data = await session.run("data")
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = stream_url(url)
        self.timeout = timeout
        self.pages: list[AppPage] = []
        self.query_string = ""
        self.session_id = ""
        self._socket: ClientConnection | None = None
        self._broken: str | None = None

    async def __aenter__(self) -> Self:
        # Streamlit reads the subprotocol list as: protocol, XSRF token, session to resume; a visitor sends
        # only the protocol. No proxy: the server is addressed directly.
        self._socket = await connect(
            self.url,
            subprotocols=["streamlit"],  # type: ignore[list-item]  # a Subprotocol is a str
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=self.timeout,
            proxy=None,
            compression=None,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()

    def page(self, address: str) -> AppPage:
        """The navigation entry whose address (``url_pathname``) or title is ``address``."""
        for page in self.pages:
            if address in (page.url_pathname, page.name):
                return page
        known = ", ".join(page.url_pathname or page.name for page in self.pages) or "none yet"
        raise ProtocolError(f"the app has no page {address!r}; its pages: {known}")

    async def run(
        self,
        page: str = "",
        *,
        query_string: str | None = None,
        widget_states: WidgetStates | None = None,
        timeout: float | None = None,
    ) -> RunReport:
        """Ask for a run of ``page`` (an address from :attr:`pages`; '' is the default page) and read it to its end.

        The query string is the one the app last set (as the browser's address bar holds it) unless given.
        A run that does not finish within ``timeout`` seconds leaves the session broken: later runs on it
        report that instead of reading the late run's messages as their own.
        """
        report = RunReport(page=page)
        if self._broken is not None:
            report.error = f"the session is broken: {self._broken}"
            return report
        if self._socket is None:
            raise ProtocolError("the session is not connected (use `async with`)")
        state = ClientState(query_string=self.query_string if query_string is None else query_string)
        if page:
            known = next((entry for entry in self.pages if page in (entry.url_pathname, entry.name)), None)
            if known is not None:
                state.page_script_hash = known.script_hash
            else:  # before the navigation is known, the browser sends the address's path
                state.page_name = page
        if widget_states is not None:
            state.widget_states.CopyFrom(widget_states)
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        limit = self.timeout if timeout is None else timeout
        started = time.perf_counter()
        try:
            await self._socket.send(message.SerializeToString())
            await asyncio.wait_for(self._read_run(report), timeout=limit)
        except TimeoutError:
            report.error = f"no script_finished within {limit:.0f} s"
            self._broken = report.error
        except ConnectionClosed as closed:
            report.error = f"the connection closed: {_closed_reason(closed)}"
            self._broken = report.error
        report.duration = time.perf_counter() - started
        return report

    async def _read_run(self, report: RunReport) -> None:
        socket = self._socket
        if socket is None:
            raise ProtocolError("the session is not connected")
        while True:
            payload = await socket.recv()
            if isinstance(payload, str):
                raise ProtocolError("Streamlit sent a text frame; its protocol is binary")
            if self._take(ForwardMsg.FromString(payload), report):
                return

    def _take(self, message: ForwardMsg, report: RunReport) -> bool:
        """Note what ``message`` says about the run; True when it ends the run."""
        kind = message.WhichOneof("type")
        if kind == "new_session":
            self.session_id = message.new_session.initialize.session_id or self.session_id
            if not self.pages:  # an app without st.navigation lists its pages here
                self._set_pages(message.new_session.app_pages)
        elif kind == "navigation":
            self._set_pages(message.navigation.app_pages)
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "page_not_found":
            report.error = f"page not found: {message.page_not_found.page_name or report.page!r}"
        elif kind == "session_event" and message.session_event.WhichOneof("type") == "script_compilation_exception":
            failure = message.session_event.script_compilation_exception
            report.error = f"the script did not compile: {failure.type}: {_first_line(failure.message)}"
        elif kind == "delta":
            report.elements += 1
            delta = message.delta
            element = delta.new_element if delta.WhichOneof("type") == "new_element" else None
            shown = element.WhichOneof("type") if element is not None else None
            if element is not None and shown == "exception":
                failure = element.exception
                report.exceptions.append(ShownException(failure.type, _first_line(failure.message), failure.is_warning))
            elif element is not None and shown == "alert" and element.alert.format == Alert.ERROR:
                report.errors_shown.append(" ".join(element.alert.body.split())[:300])
        elif kind == "script_finished":
            report.status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            # The app asked for another run (st.rerun), or a fragment finished: the page's run goes on.
            return report.status not in (_EARLY_FOR_RERUN, _FRAGMENT_RUN)
        return False

    def _set_pages(self, pages: Sequence[object]) -> None:
        self.pages = [
            AppPage(
                name=page.page_name,  # type: ignore[attr-defined]
                url_pathname=page.url_pathname,  # type: ignore[attr-defined]
                script_hash=page.page_script_hash,  # type: ignore[attr-defined]
                is_default=page.is_default,  # type: ignore[attr-defined]
            )
            for page in pages
        ]


def _closed_reason(closed: ConnectionClosed) -> str:
    if closed.rcvd is not None:
        return f"the server closed it with code {closed.rcvd.code} {closed.rcvd.reason!r}".rstrip(" '")
    # Closed from this side: the keep-alive pings went unanswered (the server's event loop stopped).
    return "the server stopped answering (keep-alive pings unanswered)"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


@dataclass
class SessionReport:
    """One session's walk: every run in order, and the pages its navigation listed."""

    session: int
    runs: list[RunReport] = field(default_factory=list)
    pages: list[AppPage] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(run.ok for run in self.runs)


async def walk(
    url: str, pages: Sequence[str] = (), *, session: int = 0, timeout: float = DEFAULT_TIMEOUT, offset: int = 0
) -> SessionReport:
    """Open the app (its default page), then each of ``pages`` by address; all of its pages if empty.

    The walk starts ``offset`` pages into the list and wraps around, so sessions given different offsets
    are on different pages at the same time. A session that cannot connect, or asks for a page the app
    does not list, reports it in ``error``.
    """
    report = SessionReport(session=session)
    try:
        async with ProtocolSession(url, timeout=timeout) as client:
            report.runs.append(await client.run())
            report.pages = list(client.pages)
            order = list(pages) or [page.url_pathname for page in report.pages]
            start = offset % len(order) if order else 0
            for address in order[start:] + order[:start]:
                client.page(address)  # the app must list it
                report.runs.append(await client.run(address))
    except (OSError, TimeoutError, ConnectionClosed, ProtocolError) as failure:
        report.error = f"{type(failure).__name__}: {failure}"
    return report


async def drive(
    url: str, sessions: int, pages: Sequence[str] = (), *, timeout: float = DEFAULT_TIMEOUT
) -> list[SessionReport]:
    """``sessions`` sessions walking ``pages`` (see :func:`walk`) at the same time, session n from page n on."""
    walks = (walk(url, pages, session=number, timeout=timeout, offset=number) for number in range(sessions))
    return list(await asyncio.gather(*walks))


def summary(reports: Sequence[SessionReport]) -> dict[str, object]:
    """Counts of runs, exceptions, errors shown and failures, the slowest run, and every problem by session and page."""
    runs = [run for report in reports for run in report.runs]
    problems = [
        {
            "session": report.session,
            "page": run.page,
            "error": run.error,
            "exceptions": [asdict(shown) for shown in run.exceptions],
            "errors_shown": run.errors_shown,
        }
        for report in reports
        for run in report.runs
        if not run.ok
    ] + [{"session": report.session, "error": report.error} for report in reports if report.error]
    return {
        "sessions": len(reports),
        "runs": len(runs),
        "exceptions": sum(len(run.exceptions) for run in runs),
        "errors_shown": sum(len(run.errors_shown) for run in runs),
        "failed_runs": sum(run.error is not None for run in runs),
        "session_errors": sum(report.error is not None for report in reports),
        "slowest_run_s": round(max((run.duration for run in runs), default=0.0), 3),
        "problems": problems,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.protocol", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:8501")
    parser.add_argument("--sessions", type=int, default=10, help="sessions at the same time (default 10)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds per run (default 120)")
    parser.add_argument("--pages", default="", help="addresses, comma-separated (default: every page of the app)")
    options = parser.parse_args(argv)
    pages = [page for page in options.pages.split(",") if page]
    result = summary(asyncio.run(drive(options.url, options.sessions, pages, timeout=options.timeout)))
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0 if not result["problems"] else 1


if __name__ == "__main__":
    sys.exit(main())
