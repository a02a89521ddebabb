"""One real reader in Chromium while the load runs: the time from a click until the page is idle again.

On the county page, two actions taken in turn every ``every`` seconds until stopped: a filter change (the
sidebar's county select box moved to another county) and a tab switch (another of the page's tabs).
A sample runs from the click until the server has finished the run the click caused (its
``script_finished``, read on the page's websocket) and Streamlit's own state says idle: no script
running, nothing stale, every chart drawn (:data:`tests.browser.driver.IDLE_SCRIPT`). It is what the
reader sees: the server's run, the websocket and the browser drawing the result.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from playwright.async_api import Browser, Page, async_playwright
from playwright.async_api import Error as PlaywrightError

from tests.browser.driver import IDLE_SCRIPT, ScriptRuns
from tests.browser.server import chromium_executable

IDLE_IS_EMPTY = f"() => ({IDLE_SCRIPT.strip()})() === ''"
SIDEBAR_COUNTY = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'
TAB = '[data-testid="stTab"]'
#: A click not idle within this is a failed sample.
STEP_TIMEOUT = 60.0


@dataclass
class Probe:
    """Click-to-idle samples per action, and what went wrong."""

    samples: dict[str, list[float]] = field(default_factory=lambda: {"filter": [], "tab": []})
    errors: list[str] = field(default_factory=list)


async def _idle(page: Page, runs: ScriptRuns, before: int, deadline: float) -> None:
    while runs.finished <= before or runs.in_flight:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished run within {STEP_TIMEOUT:.0f} s")
        await asyncio.sleep(0.01)
    remaining = max(deadline - time.monotonic(), 0.1)
    await page.wait_for_function(IDLE_IS_EMPTY, polling=20, timeout=remaining * 1000)


async def _timed(page: Page, runs: ScriptRuns, click: object) -> float:
    before = runs.finished
    started = time.perf_counter()
    await click  # type: ignore[misc]
    await _idle(page, runs, before, time.monotonic() + STEP_TIMEOUT)
    return time.perf_counter() - started


async def change_county(page: Page, runs: ScriptRuns, turn: int) -> float:
    """Move the sidebar's county select box (its second select box) to another county; the seconds to idle."""
    box = page.locator(SIDEBAR_COUNTY).nth(1).get_by_role("combobox")
    await box.click()
    options = page.get_by_role("listbox").get_by_role("option")
    await options.first.wait_for(timeout=STEP_TIMEOUT * 1000)
    count = await options.count()
    return await _timed(page, runs, options.nth(1 + turn % max(count - 1, 1)).click())


async def switch_tab(page: Page, runs: ScriptRuns, turn: int) -> float:
    """Open another tab of the county page (the second, third and fourth in turn); the seconds to idle."""
    tabs = page.locator(TAB)
    await tabs.first.wait_for(timeout=STEP_TIMEOUT * 1000)
    count = await tabs.count()
    selected = await tabs.evaluate_all(
        "nodes => nodes.findIndex(node => node.getAttribute('aria-selected') === 'true')"
    )
    target = (selected + 1 + turn % max(count - 1, 1)) % count
    return await _timed(page, runs, tabs.nth(target).click())


async def _open(page: Page, runs: ScriptRuns, url: str) -> None:
    before = runs.finished
    await page.goto(url, wait_until="domcontentloaded")
    await _idle(page, runs, before, time.monotonic() + STEP_TIMEOUT * 2)


async def probe(url: str, stop: asyncio.Event, *, every: float = 5.0, probe_result: Probe | None = None) -> Probe:
    """Take the two actions in turn every ``every`` seconds until ``stop`` is set."""
    result = probe_result or Probe()
    executable = chromium_executable()
    if executable is None:
        result.errors.append("Debian's chromium is not installed: no browser figures")
        return result
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=executable, args=["--disable-gpu"])
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            runs = ScriptRuns()
            page.on("websocket", runs.on_websocket)  # type: ignore[call-overload]  # the same events, async or not
            page.set_default_timeout(STEP_TIMEOUT * 1000)
            turn = 0
            opened = False
            while not stop.is_set():
                try:
                    if not opened:  # the county page, where both actions are; opened again after a failure
                        await _open(page, runs, f"{url.rstrip('/')}/county?lang=fi")
                        opened = True
                    result.samples["filter"].append(await change_county(page, runs, turn))
                    await _pause(stop, every)
                    if stop.is_set():
                        break
                    result.samples["tab"].append(await switch_tab(page, runs, turn))
                except (PlaywrightError, TimeoutError) as failure:
                    result.errors.append(f"{type(failure).__name__}: {str(failure).splitlines()[0][:300]}")
                    opened = False
                turn += 1
                await _pause(stop, every)
        finally:
            await browser.close()
    return result


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
