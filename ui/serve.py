"""Start the dashboard's web server: ``python -m ui.serve [streamlit options]`` (what ``make run`` does).

It takes the same options as ``streamlit run app.py`` (``--server.port=8502``, or the ``STREAMLIT_*``
environment variables) and differs from it in four ways:

* **Libraries first.** Everything a page run imports (pandas, Plotly and the modules that import pandas
  lazily, polars, pyarrow, numpy, SQLAlchemy, our own views, charts and exports) is imported before the
  server accepts a session. Two first sessions importing pandas at once, through Plotly's lazy import,
  see a half-initialised module ("partially initialized module 'pandas' has no attribute 'Series'").
* **Headers.** Through Streamlit's ``st.App`` (its supported way to add middleware) every HTTP answer
  carries ``Content-Security-Policy: frame-ancestors 'self'``, ``X-Frame-Options: SAMEORIGIN``,
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin``, and ``/_stcore/metrics``
  answers only a client on this machine that did not come through a proxy (anything else gets 404).
* **No cache clearing by visitors.** Streamlit's websocket accepts a "clear cache" message from any
  client and clears every user's caches; no setting turns that off, so the handler is replaced by one
  that ignores it (and logs it) unless the toolbar is in developer mode (``client.toolbarMode``).
* **Pages only through ``app.py``.** The files in ``pages/`` are served only as ``st.navigation``'s pages,
  from the very first run (:func:`pages_only_through_navigation`), so a first visit to a page's link gets
  the filters, the URL state and the navigation.
"""

from __future__ import annotations

import ast
import gc
import importlib
import ipaddress
import logging
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import click
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PROJECT = Path(__file__).resolve().parents[1]
ENTRY_POINT = PROJECT / "app.py"

#: Imported up front besides what the entry point and the pages import at their top: what a page run
#: or a download imports lazily (Plotly imports pandas only when it meets a frame; the export writers
#: are imported when a file is first asked for).
LAZY_IMPORTS = (
    "numpy",
    "pandas",
    "pyarrow",
    "polars",
    "sqlalchemy",
    "plotly.graph_objects",
    "plotly.io",
    "plotly.io._json",
    "_plotly_utils.basevalidators",
    "scipy.stats",  # the funnel limits and the difference-in-differences estimate
    "exports.images",
    "exports.tables",
    "streamlit.elements.plotly_chart",
    "streamlit.dataframe_util",
    # Streamlit's emoji catalogue, imported by the first alert or caption with a non-ASCII text (every Finnish
    # page): compiling its pattern holds the interpreter lock for most of a second inside a visitor's run.
    "streamlit.emojis",
)

#: Added to every HTTP answer: the dashboard is never framed by another site, nothing is sniffed.
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

METRICS_PATH = "/_stcore/metrics"
#: Request headers a reverse proxy adds; a metrics request carrying one came from outside.
_PROXY_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")

_LOG = logging.getLogger("dashboard.server")


def page_modules(scripts: Iterator[Path] | None = None) -> list[str]:
    """The modules the entry point and the pages import at their top, read from their source."""
    paths = scripts if scripts is not None else iter([ENTRY_POINT, *sorted((PROJECT / "pages").glob("*.py"))])
    names: list[str] = []
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names.extend(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
                names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return list(dict.fromkeys(names))


def import_ahead() -> list[str]:
    """Import every module a page run needs; returns their names (submodule guesses that are names, skipped).

    What was imported is then moved out of the garbage collector's sight (``gc.freeze``): modules, classes
    and functions live as long as the server, and a full collection no longer walks them every time.
    """
    imported = []
    for name in [*LAZY_IMPORTS, *page_modules()]:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:  # a real missing dependency, not "streamlit.st" being a name, not a module
                raise
            continue
        imported.append(name)
    gc.collect()
    gc.freeze()
    return imported


# -- the cache-clearing guard -------------------------------------------------------------------------


def visitors_may_clear_caches() -> bool:
    """Only a server whose toolbar offers the developer options (where Streamlit offers "Clear cache")."""
    from streamlit import config  # noqa: PLC0415

    return config.get_option("client.toolbarMode") == "developer" or bool(config.get_option("global.developmentMode"))


def guard_cache_clearing() -> None:
    """Make Streamlit's "clear cache" websocket message a logged no-op for visitors.

    The handler is Streamlit's own ``AppSession._handle_clear_cache_request`` (internal; the websocket
    test in ``tests/browser/test_web_surface.py`` fails if it moves).
    """
    from streamlit.runtime.app_session import AppSession  # noqa: PLC0415

    clear = AppSession._handle_clear_cache_request
    if getattr(clear, "dashboard_guard", False):
        return

    def guarded(session: AppSession) -> None:
        if visitors_may_clear_caches():
            clear(session)
            return
        _LOG.warning("ignored a request to clear the shared caches from browser session %s", session.id)

    guarded.dashboard_guard = True  # type: ignore[attr-defined]
    AppSession._handle_clear_cache_request = guarded  # type: ignore[method-assign,assignment]


# -- HTTP middleware --------------------------------------------------------------------------------


def _from_this_machine(scope: Scope) -> bool:
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:
        return False
    headers = {name for name, _ in scope.get("headers", [])}
    return address.is_loopback and not headers.intersection(_PROXY_HEADERS)


class WebSurface:
    """ASGI middleware: the security headers on every answer, and a metrics endpoint for this machine only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if str(scope.get("path", "")).rstrip("/").endswith(METRICS_PATH) and not _from_this_machine(scope):
            await PlainTextResponse("Not Found", status_code=404, headers=dict(SECURITY_HEADERS))(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)


# -- pages only through the entry point -------------------------------------------------------------


def pages_only_through_navigation() -> None:
    """Serve the files in ``pages/`` only as the entry point's ``st.navigation`` pages, from the first run on.

    Streamlit 1.67 has no setting for this. A ``PagesManager`` turns its legacy multipage mode on for the
    whole process when a ``pages/`` folder sits next to the entry point (``runtime/pages_manager.py``,
    ``uses_pages_directory``, set only while it is still None); while it is on, a script run does not run
    ``app.py`` but ``_mpa_v1`` (``runtime/scriptrunner/script_runner.py``), which serves every
    ``pages/*.py`` on its own; only a call of ``st.navigation`` turns it off (``commands/navigation.py``).
    So the first visit to a page's URL after a start (a shared link, a reload) would get the page without
    the filters, the URL state and the navigation. Page files the legacy loader skips (a sub-folder) do not
    help: it then answers such a link with its "Page not found" dialog before ``app.py`` runs.

    Turning the mode off before any session starts is the one switch of a Streamlit internal this
    project keeps; ``tests/ui/test_serve.py`` fails when Streamlit moves or renames it.
    """
    from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415  # internal; see the tests

    PagesManager.uses_pages_directory = False


def dashboard_app() -> Any:
    """The dashboard as a Streamlit ``App`` with the middleware above."""
    import streamlit as st  # noqa: PLC0415

    return st.App(str(ENTRY_POINT), middleware=[Middleware(WebSurface)])


def log_to_standard_error() -> None:
    """The dashboard's own loggers (``dashboard.errors``, ``dashboard.access``, ...) to standard error, with time."""
    logger = logging.getLogger("dashboard")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


# -- the command ------------------------------------------------------------------------------------


def _options(flags: Mapping[str, Any]) -> dict[str, Any]:
    """Click's parameters (``server_port``) as Streamlit option names (``server.port``), the unset ones left out."""
    return {name.replace("_", "."): value for name, value in flags.items() if value is not None and value != ()}


def _command() -> click.Command:
    from streamlit.web.cli import configurator_options  # noqa: PLC0415

    @click.command(name="python -m ui.serve", help="Start the dashboard (options as for `streamlit run app.py`).")
    @configurator_options
    def serve(**flags: Any) -> None:
        log_to_standard_error()
        import_ahead()
        guard_cache_clearing()
        pages_only_through_navigation()
        app = dashboard_app()
        # App.run anchors the config, secrets and sys.path on the launcher it is started from: the entry
        # point, as `streamlit run app.py` does, keeps `.streamlit/` and the project root where they are.
        sys.argv = [str(ENTRY_POINT)]
        app.run(config=_options(flags))

    return serve


def main(arguments: list[str] | None = None) -> None:
    _command().main(args=arguments, prog_name="python -m ui.serve")


if __name__ == "__main__":
    main()
