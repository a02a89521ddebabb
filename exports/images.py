"""Chart images (PNG and SVG) rendered on the server by kaleido in one long-lived headless Chromium.

Starting Chromium takes a few seconds, so a process keeps one browser open
and renders every image in it: :func:`shared_renderer` hands out that one
:class:`ImageRenderer`, started on first use and closed when the process
exits. The renderer runs kaleido on a private event-loop thread, so callers
on any thread (Streamlit runs each session in its own) get plain blocking
calls, and several calls at once share the browser's tabs.

The image is the figure exactly as the page draws it: the chart builders put
the title, subtitle, caption, badge and suppression note into the figure
itself (``charts.theme.framed``), so they are in the picture too, their lines broken again for the image's
width (:mod:`exports.frame_width`). Pages
must draw with ``theme=None`` for the screen to match. MathJax is switched off
and plotly.js comes from the installed plotly package, so rendering needs no
network.

Chromium is looked up with :func:`find_browser`: an explicit path (or command
name) when given, else the usual command names on ``PATH``.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, Final, Literal

import kaleido
import plotly.graph_objects as go

from exports.errors import BrowserUnavailableError, ExportError
from exports.frame_width import for_export

logger = logging.getLogger(__name__)

ImageFormat = Literal["png", "svg"]

#: Layout width in CSS pixels; at scale 2 a PNG is 1920 pixels wide, full HD and sharp on a projector.
EXPORT_WIDTH: Final = 960
EXPORT_SCALE: Final = 2
DEFAULT_HEIGHT: Final = 540
BROWSER_NAMES: Final = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def find_browser(preferred: str | None = None) -> str | None:
    """The path of a Chromium-family browser, or None when there is none.

    ``preferred`` (a path or a command name, e.g. from settings) wins when it
    resolves; otherwise the first of :data:`BROWSER_NAMES` found on ``PATH``.
    """
    candidates = (preferred,) if preferred else BROWSER_NAMES
    for name in candidates:
        if name and (found := shutil.which(name)):
            return found
    return None


def export_size(figure: go.Figure, *, width: int = EXPORT_WIDTH, height: int | None = None) -> tuple[int, int]:
    """Layout width and height for an export: ``width``, and the figure's own height unless ``height`` is given."""
    if height is None:
        layout_height = figure.layout.height
        height = int(layout_height) if layout_height else DEFAULT_HEIGHT
    return width, height


class ImageRenderer:
    """One headless Chromium driven by kaleido, kept open between images.

    ``start()`` opens the browser (it is also called by the first
    ``render()``); ``close()`` shuts it down. ``tabs`` images render at once
    (each image takes a fraction of a second, and every extra tab slows the
    start, so one is the default). ``timeout`` bounds each image in seconds.
    The renderer is thread-safe.
    """

    def __init__(self, *, browser_path: str | None = None, timeout: float = 30.0, tabs: int = 1) -> None:
        self._preferred = browser_path
        self._timeout = timeout
        self._tabs = tabs
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self.browser_path: str | None = None
        self._exit_hook = False

    def __enter__(self) -> ImageRenderer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._kaleido is not None

    def start(self) -> None:
        """Open the browser unless it is open; raises :class:`BrowserUnavailableError` when it cannot."""
        with self._lock:
            if self._kaleido is None:
                self._start()

    def start_in_background(self) -> None:
        """Start the browser on another thread and return at once (a server calls this at start-up).

        An image asked for meanwhile waits for the start; a failed start is
        logged here and reported again by the next ``render()``.
        """

        def start_quietly() -> None:
            try:
                self.start()
            except BrowserUnavailableError as exc:
                logger.warning("Chart images are unavailable: %s", exc)

        threading.Thread(target=start_quietly, name="chart-image-renderer-start", daemon=True).start()

    def close(self) -> None:
        """Close the browser and its thread (a no-op when closed); ``start()`` may open it again."""
        with self._lock:
            self._close()

    def render(
        self,
        figure: go.Figure,
        *,
        image_format: ImageFormat = "png",
        width: int = EXPORT_WIDTH,
        height: int | None = None,
        scale: float = EXPORT_SCALE,
    ) -> bytes:
        """``figure`` as PNG or SVG bytes; ``width`` and ``height`` are layout pixels, ``scale`` multiplies PNGs."""
        return self.render_many([figure], image_format=image_format, width=width, height=height, scale=scale)[0]

    def render_many(
        self,
        figures: Sequence[go.Figure],
        *,
        image_format: ImageFormat = "png",
        width: int = EXPORT_WIDTH,
        height: int | None = None,
        scale: float = EXPORT_SCALE,
    ) -> list[bytes]:
        """Several figures at once (they share the browser's tabs), in the order given."""
        framed = [for_export(figure) for figure in figures]  # the title and footer use the image's width
        specs = [(figure.to_dict(), _options(figure, image_format, width, height, scale)) for figure in framed]
        try:
            return self._render_specs(specs)
        except BrowserUnavailableError:
            raise
        except ExportError:
            if self._browser_alive():
                raise
            logger.warning("The export browser has gone away; starting a new one and retrying once")
            self.close()
            return self._render_specs(specs)

    # -- internals -------------------------------------------------------------------------------------------

    def _render_specs(self, specs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[bytes]:
        self.start()
        loop, kaleido = self._loop, self._kaleido
        if loop is None or kaleido is None:  # closed by another thread between start() and here
            raise ExportError("the image renderer was closed while an image was being rendered")
        futures: list[Future[Any]] = [
            asyncio.run_coroutine_threadsafe(kaleido.calc_fig(spec, opts=options), loop) for spec, options in specs
        ]
        images: list[bytes] = []
        try:
            for future in futures:
                result = future.result(timeout=self._timeout + 5)
                if not isinstance(result, bytes):
                    raise ExportError(f"the browser returned {type(result).__name__} instead of image bytes")
                images.append(result)
        except FutureTimeout as exc:
            raise ExportError(f"rendering a chart image took longer than {self._timeout:.0f} s") from exc
        except ExportError:
            raise
        except Exception as exc:  # kaleido and the browser raise many kinds; all mean "no image"
            raise ExportError(f"rendering a chart image failed: {type(exc).__name__}: {exc}") from exc
        finally:
            for future in futures:
                future.cancel()
        return images

    def _start(self) -> None:
        path = find_browser(self._preferred)
        if path is None:
            wanted = repr(self._preferred) if self._preferred else f"any of {', '.join(BROWSER_NAMES)} on PATH"
            raise BrowserUnavailableError(
                f"no Chromium found ({wanted}); chart images need a Chromium-family browser. "
                "Install Debian's chromium (make system-deps) or name the browser's path."
            )
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="chart-image-renderer", daemon=True)
        thread.start()

        async def open_browser() -> Any:
            browser = kaleido.Kaleido(n=self._tabs, timeout=self._timeout, path=path, mathjax=False)
            await browser.open()
            return browser

        try:
            self._kaleido = asyncio.run_coroutine_threadsafe(open_browser(), loop).result(timeout=60)
        except Exception as exc:  # any failure to start means no images; the reason is reported
            _stop_loop(loop, thread)
            raise BrowserUnavailableError(f"Chromium at {path} did not start: {type(exc).__name__}: {exc}") from exc
        self._loop, self._thread, self.browser_path = loop, thread, path
        if not self._exit_hook:  # registered after the browser's own clean-ups, so it runs before them at exit
            atexit.register(self.close)
            self._exit_hook = True
        logger.info("Chart image renderer started with %s", path)

    def _close(self) -> None:
        kaleido, loop, thread = self._kaleido, self._loop, self._thread
        self._kaleido = self._loop = self._thread = None
        if loop is None or thread is None:
            return
        try:
            if kaleido is not None:
                asyncio.run_coroutine_threadsafe(kaleido.close(), loop).result(timeout=15)
        except Exception:  # a browser that will not close cleanly is logged; the thread still stops
            logger.warning("The export browser did not close cleanly", exc_info=True)
        finally:
            _stop_loop(loop, thread)

    def _browser_alive(self) -> bool:
        process = getattr(self._kaleido, "subprocess", None)
        return process is not None and process.poll() is None


def _options(
    figure: go.Figure, image_format: ImageFormat, width: int, height: int | None, scale: float
) -> dict[str, Any]:
    layout_width, layout_height = export_size(figure, width=width, height=height)
    return {
        "format": image_format,
        "width": layout_width,
        "height": layout_height,
        "scale": scale if image_format == "png" else 1,
    }


def _stop_loop(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    async def cancel_pending() -> None:
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await loop.shutdown_asyncgens()

    try:
        asyncio.run_coroutine_threadsafe(cancel_pending(), loop).result(timeout=10)
    except Exception:  # leftover tasks cannot stop the shutdown
        logger.debug("Pending renderer tasks did not finish", exc_info=True)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    if not thread.is_alive():
        loop.close()


_shared: ImageRenderer | None = None
_shared_lock = threading.Lock()


def shared_renderer(*, browser_path: str | None = None) -> ImageRenderer:
    """The process's one renderer (created on first call, closed at exit); ``browser_path`` counts on first call.

    A Streamlit server is one process, so every session shares this browser.
    """
    global _shared  # noqa: PLW0603 - one browser per process is the point
    with _shared_lock:
        if _shared is None:
            _shared = ImageRenderer(browser_path=browser_path)
        return _shared


def figure_to_png(figure: go.Figure, *, renderer: ImageRenderer | None = None, width: int = EXPORT_WIDTH) -> bytes:
    """``figure`` as a PNG, ``2 × width`` pixels wide (1920 by default)."""
    return (renderer or shared_renderer()).render(figure, image_format="png", width=width)


def figure_to_svg(figure: go.Figure, *, renderer: ImageRenderer | None = None, width: int = EXPORT_WIDTH) -> bytes:
    """``figure`` as an SVG document (UTF-8 bytes)."""
    return (renderer or shared_renderer()).render(figure, image_format="svg", width=width)
