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
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

#: The websocket path of a Streamlit server.
STREAM_PATH = "/_stcore/stream"
#: Larger than any page's message (a figure or a table travels in one ForwardMsg).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
#: Seconds a run may take before it counts as not answered.
DEFAULT_TIMEOUT = 120.0

#: Messages a session keeps for the server to refer to (the browser keeps a similar number).
MESSAGE_CACHE_ENTRIES = 500
#: How Streamlit's generated element ids start (``$$ID-<hash>-<key>``).
_GENERATED_ID_PREFIX = "$$ID"

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


@dataclass(frozen=True)
class Widget:
    """A widget the last runs put on the page, as the browser would know it from the deltas.

    ``kind`` is the element's type (``selectbox``, ``radio``, ``button``, ``tabs``, ``expander``); ``options``
    the labels shown (a tab container's tab labels); ``value`` what it shows now (the open tab, an
    expander's state, the chosen label), None when the deltas do not say; ``fragment_id`` the fragment it
    was drawn in ('' for the page): a change to it reruns that fragment alone, as in the browser.
    """

    id: str
    kind: str
    label: str = ""
    options: tuple[str, ...] = ()
    value: str | bool | None = None
    fragment_id: str = ""
    disabled: bool = False
    path: tuple[int, ...] = ()

    @property
    def key(self) -> str:
        """The app's key for it (``st.selectbox(..., key=KEY)``): the end of a keyed widget's id, else ''."""
        prefix, _, rest = self.id.partition("-")
        if prefix != _GENERATED_ID_PREFIX:
            return ""
        _, _, key = rest.partition("-")
        return key


class ProtocolSession:
    """One Streamlit session over its websocket; use ``async with``.

    >>> async with ProtocolSession("http://127.0.0.1:8501") as session:  # doctest: +SKIP
    ...     first = await session.run()  # the default page; fills session.pages
    ...     data = await session.run("data")
    ...     await session.change(session.widget("f_region_fi"), "Pohjois-Savo")

    Like the browser, it keeps the widgets the runs drew (:attr:`widgets`) and the widget states it has
    set, sends those states with every run (a whole-page run forgets the widgets it no longer drew), and
    keeps the large messages the server marks cacheable so that the server may send a reference instead.
    """

    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.url = stream_url(url)
        self.timeout = timeout
        self.pages: list[AppPage] = []
        self.query_string = ""
        self.session_id = ""
        self.current_page = ""
        self.widgets: dict[str, Widget] = {}
        self._states: dict[str, WidgetState] = {}
        self._drawn: dict[str, Widget] = {}
        self._run_paths: list[tuple[int, ...]] = []
        self._tab_containers: dict[tuple[int, ...], str] = {}
        self._cache: OrderedDict[str, ForwardMsg] = OrderedDict()
        self._socket: ClientConnection | None = None
        self._broken: str | None = None

    async def __aenter__(self) -> Self:
        # Streamlit reads the subprotocol list as: protocol, XSRF token, session to resume; a visitor sends
        # only the protocol. No proxy: the server is addressed directly. Messages are compressed
        # (permessage-deflate) when the server agrees, as a browser asks for: the server pays for that too.
        self._socket = await connect(
            self.url,
            subprotocols=["streamlit"],  # type: ignore[list-item]  # a Subprotocol is a str
            max_size=MAX_MESSAGE_BYTES,
            open_timeout=self.timeout,
            proxy=None,
            compression="deflate",
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

    @property
    def broken(self) -> str | None:
        """Why the session cannot go on (a run not answered in time, the connection closed), or None."""
        return self._broken

    def page(self, address: str) -> AppPage:
        """The navigation entry whose address (``url_pathname``) or title is ``address``."""
        for page in self.pages:
            if address in (page.url_pathname, page.name):
                return page
        known = ", ".join(page.url_pathname or page.name for page in self.pages) or "none yet"
        raise ProtocolError(f"the app has no page {address!r}; its pages: {known}")

    def widget(self, key: str) -> Widget:
        """The widget drawn with the app's ``key`` (see :attr:`Widget.key`)."""
        for widget in self.widgets.values():
            if widget.key == key:
                return widget
        known = ", ".join(sorted(widget.key for widget in self.widgets.values() if widget.key)) or "none"
        raise ProtocolError(f"no widget with the key {key!r} on the page; keyed widgets: {known}")

    def widgets_keyed(self, prefix: str, kind: str | None = None) -> list[Widget]:
        """The drawn widgets whose key starts with ``prefix`` (of ``kind`` when given), in the order drawn."""
        return [
            widget
            for widget in self.widgets.values()
            if widget.key.startswith(prefix) and (kind is None or widget.kind == kind)
        ]

    async def change(
        self, widget: Widget, value: str | bool | None = None, *, timeout: float | None = None
    ) -> RunReport:
        """Set ``widget`` as a user would and read the run that follows (the widget's fragment's, if it has one).

        A select box, radio or tab container takes the label shown (``value``), an expander True or False,
        a button is clicked (``value`` is ignored): its trigger is sent with this run only.
        """
        state = WidgetState(id=widget.id)
        if widget.kind == "button":
            state.trigger_value = True
        elif widget.kind == "expander":
            state.bool_value = bool(value)
        elif isinstance(value, str):
            if widget.options and value not in widget.options:
                raise ProtocolError(f"{widget.key or widget.id} offers no {value!r}; it offers {widget.options}")
            state.string_value = value
        else:
            raise ProtocolError(f"a {widget.kind} takes a label, not {value!r}")
        states = WidgetStates()
        states.widgets.extend(held for held_id, held in self._states.items() if held_id != widget.id)
        states.widgets.append(state)
        if widget.kind != "button":
            self._states[widget.id] = state
        return await self.run(self.current_page, widget_states=states, fragment_id=widget.fragment_id, timeout=timeout)

    async def run(
        self,
        page: str = "",
        *,
        query_string: str | None = None,
        widget_states: WidgetStates | None = None,
        fragment_id: str = "",
        timeout: float | None = None,
    ) -> RunReport:
        """Ask for a run of ``page`` (an address from :attr:`pages`; '' is the default page) and read it to its end.

        The query string is the one the app last set (as the browser's address bar holds it) unless given;
        the widget states are the ones this session has set unless given. With ``fragment_id`` only that
        fragment runs. A run that does not finish within ``timeout`` seconds leaves the session broken:
        later runs on it report that instead of reading the late run's messages as their own.
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
        if widget_states is None:
            widget_states = WidgetStates(widgets=list(self._states.values()))
        state.widget_states.CopyFrom(widget_states)
        if fragment_id:
            state.fragment_id = fragment_id
        state.cached_message_hashes.extend(self._cache)
        message = BackMsg()
        message.rerun_script.CopyFrom(state)
        limit = self.timeout if timeout is None else timeout
        self._drawn = {}
        self._run_paths = []
        self._tab_containers = {}
        started = time.perf_counter()
        try:
            await self._socket.send(message.SerializeToString())
            await asyncio.wait_for(self._read_run(report, fragment=bool(fragment_id)), timeout=limit)
        except TimeoutError:
            report.error = f"no script_finished within {limit:.0f} s"
            self._broken = report.error
        except ConnectionClosed as closed:
            report.error = f"the connection closed: {_closed_reason(closed)}"
            self._broken = report.error
        report.duration = time.perf_counter() - started
        if report.status is not None:
            self.current_page = page
            self._settle_widgets(fragment=bool(fragment_id))
        return report

    def _settle_widgets(self, *, fragment: bool) -> None:
        """After a run, the widgets on the page, as the browser clears what a run did not draw again.

        A whole-page run replaces them all. A fragment's run replaces the fragments' widgets inside the
        part of the page it drew (below the deepest place all its deltas share), and leaves the page's own
        widgets and everything elsewhere alone. States of widgets no longer drawn are dropped.
        """
        if fragment:
            root = _common_prefix(self._run_paths)
            self.widgets = {
                key: widget
                for key, widget in self.widgets.items()
                if not (widget.fragment_id and root and widget.path[: len(root)] == root)
            }
            self.widgets.update(self._drawn)
        else:
            self.widgets = dict(self._drawn)
        self._states = {key: state for key, state in self._states.items() if key in self.widgets}

    async def _read_run(self, report: RunReport, *, fragment: bool) -> None:
        socket = self._socket
        if socket is None:
            raise ProtocolError("the session is not connected")
        while True:
            payload = await socket.recv()
            if isinstance(payload, str):
                raise ProtocolError("Streamlit sent a text frame; its protocol is binary")
            if self._take(self._resolve(ForwardMsg.FromString(payload)), report, fragment=fragment):
                return

    def _resolve(self, message: ForwardMsg) -> ForwardMsg:
        """A reference to a message this session keeps, as the message itself (with the reference's place)."""
        if message.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                raise ProtocolError(f"the server referred to a message this session never kept ({message.ref_hash})")
            self._cache.move_to_end(message.ref_hash)
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(message.metadata)
            return resolved
        if message.metadata.cacheable and message.hash:
            self._cache[message.hash] = message
            while len(self._cache) > MESSAGE_CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return message

    def _take(self, message: ForwardMsg, report: RunReport, *, fragment: bool = False) -> bool:
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
            self._take_delta(message, report)
        elif kind == "script_finished":
            report.status = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            if fragment:  # the fragment's own run ends it, unless the app asked for a whole rerun
                return bool(report.status != _EARLY_FOR_RERUN)
            # The app asked for another run (st.rerun), or a fragment finished: the page's run goes on.
            return report.status not in (_EARLY_FOR_RERUN, _FRAGMENT_RUN)
        return False

    def _take_delta(self, message: ForwardMsg, report: RunReport) -> None:
        delta = message.delta
        fragment_id = delta.fragment_id
        path = tuple(message.metadata.delta_path)
        self._run_paths.append(path)
        if delta.WhichOneof("type") == "add_block":
            block = delta.add_block
            kind = block.WhichOneof("type")
            if kind == "tab_container" and block.tab_container.id:
                self._tab_containers[path] = block.tab_container.id
                default = block.tab_container.default_tab_label or None
                self._draw(Widget(block.tab_container.id, "tabs", value=default, fragment_id=fragment_id, path=path))
            elif kind == "tab" and path[:-1] in self._tab_containers:
                container = self._drawn[self._tab_containers[path[:-1]]]
                options = (*container.options, block.tab.label)
                opened = container.value if container.value is not None else options[0]
                self._draw(replace(container, options=options, value=opened))
            elif kind == "expandable" and block.expandable.id:
                expander = block.expandable
                self._draw(
                    Widget(
                        expander.id,
                        "expander",
                        expander.label,
                        value=expander.expanded,
                        fragment_id=fragment_id,
                        path=path,
                    )
                )
            return
        element = delta.new_element if delta.WhichOneof("type") == "new_element" else None
        if element is None:
            return
        shown = element.WhichOneof("type")
        if shown == "exception":
            failure = element.exception
            report.exceptions.append(ShownException(failure.type, _first_line(failure.message), failure.is_warning))
        elif shown == "alert" and element.alert.format == Alert.ERROR:
            report.errors_shown.append(" ".join(element.alert.body.split())[:300])
        elif shown in ("selectbox", "radio"):
            choice = getattr(element, shown)
            options = tuple(choice.options)
            if choice.set_value and choice.HasField("raw_value"):
                value: str | None = choice.raw_value
            elif choice.HasField("default") and 0 <= choice.default < len(options):
                value = options[choice.default]
            else:
                value = None
            self._draw(Widget(choice.id, shown, choice.label, options, value, fragment_id, choice.disabled, path))
        elif shown == "button":
            button = element.button
            self._draw(
                Widget(button.id, "button", button.label, fragment_id=fragment_id, disabled=button.disabled, path=path)
            )

    def _draw(self, widget: Widget) -> None:
        self._drawn[widget.id] = widget

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


def _common_prefix(paths: Sequence[tuple[int, ...]]) -> tuple[int, ...]:
    """The longest start all ``paths`` share (() for none)."""
    if not paths:
        return ()
    first, last = min(paths), max(paths)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]


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
