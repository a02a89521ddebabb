"""Chromium driven from a thread of its own, so the sign-in test never meets another Playwright.

Playwright's sync API allows one running instance per thread, and ``tests/browser`` keeps one
for the whole pytest session in the main thread: a second ``sync_playwright()`` there fails with
"using Playwright Sync API inside the asyncio loop". Playwright supports one instance per
thread, so this module starts its own in a dedicated worker thread and runs each piece of browser
work there with :meth:`BrowserThread.run`, which returns its result or re-raises its exception
(assertion failures included, with their tracebacks) in the caller.

>>> with BrowserThread(shutil.which("chromium")) as browser_thread:  # doctest: +SKIP
...     title = browser_thread.run(lambda browser: browser.new_page().title())
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Concatenate, ParamSpec, Self, TypeVar

from playwright.sync_api import Browser, Playwright, sync_playwright

P = ParamSpec("P")
R = TypeVar("R")

#: Ceiling of one :meth:`BrowserThread.run`; every wait inside has its own, shorter timeout.
RUN_TIMEOUT = 900.0


class BrowserThread:
    """Headless Chromium (``executable_path``) owned by one worker thread."""

    def __init__(self, executable_path: str) -> None:
        self.executable_path = executable_path
        self._executor: ThreadPoolExecutor | None = None
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def start(self) -> Self:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oidc-browser")
        try:
            self._executor.submit(self._launch).result(timeout=120)
        except BaseException:
            self.stop()
            raise
        return self

    def run(self, work: Callable[Concatenate[Browser, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """``work(browser, *args, **kwargs)`` in the browser's thread; its result, or its exception."""
        if self._executor is None:
            raise RuntimeError("the browser thread has not been started")

        def call() -> R:
            if self._browser is None:
                raise RuntimeError("the browser did not start")
            return work(self._browser, *args, **kwargs)

        return self._executor.submit(call).result(timeout=RUN_TIMEOUT)

    def stop(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return
        try:
            executor.submit(self._close).result(timeout=60)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- in the worker thread ------------------------------------------------------------------

    def _launch(self) -> None:
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=self.executable_path, headless=True)

    def _close(self) -> None:
        browser, self._browser = self._browser, None
        driver, self._playwright = self._playwright, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if driver is not None:
                driver.stop()
