"""Load test: many browser users walk the dashboard's main journey against one server at the same time.

Usage::

    python -m bench.load_test [--users 20] [--duration 120] [--ramp 10] [--sample-scale 0.5] \\
        [--data-dir DIR] [--out bench/output] [--seed 1] [--url URL [--server-pid PID]]

One Streamlit server on an existing store (built first if missing; by default the
page benchmark's, ``OUT/page-bench-data/scale-S``) and ONE Chromium with one
browser context per user (own cookies, own Streamlit session), made as light as
a real browser gets: no GPU, extensions or background traffic, ``--renderers``
renderer processes shared by all users, no fonts or pictures fetched, and the
wait for "idle" checked inside the page rather than polled from here. Users start
spread over ``--ramp`` seconds and repeat the journey until ``--duration`` has
passed since the first start:

    open the first page in a random language -> change a random sidebar filter ->
    for every other navigation entry: open it, change a random sidebar filter ->
    reload the address the user would copy

Pages and filters come from the app's own navigation and sidebar, so the journey
grows with the app (a random filter change sometimes changes the language).

Measured:

* **sessions**: journeys started and completed;
* **page updates served**: script runs the server finished, counted from its
  ``script_finished`` messages on every user's websocket;
* **errors**: exceptions the app showed, steps that did not finish within
  ``--step-timeout``, and browser errors, by kind with examples;
* **update time** per step (median and 95th percentile): *answered* is from the
  action to the server's ``script_finished`` for it, *rendered* until the page
  is idle again in the browser. Both include client-side work, and the browsers
  share the machine's CPUs with the server, so on a small machine they say as
  much about the machine as about the app;
* **peak server memory**: the resident memory of the server's process tree,
  sampled every 0.25 s (psutil), and the CPU seconds of the server, the
  browsers and this driver, which show which side the machine spent itself on.

Twenty Chromium users need more CPU than a small machine has (on 2 cores they
use about 190 CPU seconds of 300 in two minutes, the server about 20): run the
users on another machine with ``--url`` to load the server and not the browsers.

Writes ``OUT/load_test-<users>-users.json`` and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from bench.page_bench import DEFAULT_OUT, machine, milliseconds, point_at_store, summary
from i18n import LANGUAGES
from tests.browser.driver import (
    CLICKABLE_SCRIPT,
    EXCEPTIONS_SCRIPT,
    IDLE_SCRIPT,
    NAV_DROPDOWN_LINKS,
    NAV_LINKS,
    NAV_OVERFLOW,
    ScriptRuns,
)
from tests.browser.server import AppServer, chromium_executable

# Chromium switches that make each user cheaper without changing what the server sees: no GPU
# process, extensions, background traffic or audio, and renderers shared between users (each
# renderer still keeps every page's own JavaScript heap and websocket, so every context stays
# a separate Streamlit session).
LIGHT_BROWSER_ARGS = (
    "--disable-gpu",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--mute-audio",
    "--force-prefers-reduced-motion",
    "--no-first-run",
)

# Requests a user's browser does not need to drive the app: fonts and pictures (charts are SVG
# drawn by the page's script, not fetched). Streamlit serves them as static files, which cost
# the server next to nothing next to a script run.
SKIPPED_RESOURCES = frozenset({"font", "image", "media"})

SIDEBAR_CHOICES = (
    '[data-testid="stSidebar"] [data-testid="stSelectbox"], [data-testid="stSidebar"] [data-testid="stRadio"]'
)


IDLE_IS_EMPTY = f"() => ({IDLE_SCRIPT.strip()})() === ''"


async def skip_resource(route: Route) -> None:
    if route.request.resource_type in SKIPPED_RESOURCES:
        await route.abort()
    else:
        await route.fallback()


class StepError(RuntimeError):
    """A step of the journey failed; ``kind`` groups the errors in the report."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class Tally:
    """Everything the users measured, shared by all of them (one event loop, so no locks)."""

    started: int = 0
    completed: int = 0
    rendered: dict[str, list[float]] = field(default_factory=dict)
    answered: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    runs: list[ScriptRuns] = field(default_factory=list)

    def error(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        examples = self.examples.setdefault(kind, [])
        if len(examples) < 3:
            examples.append(message[:500])


# -- one user's browser, asynchronously ----------------------------------------------------


class User:
    def __init__(self, page: Page, base_url: str, tally: Tally, rng: random.Random, step_timeout: float) -> None:
        self.page, self.base_url, self.tally, self.rng, self.timeout = page, base_url, tally, rng, step_timeout
        page.set_default_timeout(step_timeout * 1000)
        page.set_default_navigation_timeout(step_timeout * 1000)
        self.runs = ScriptRuns()
        page.on("websocket", self.runs.on_websocket)
        tally.runs.append(self.runs)

    async def _wait(self, condition: Callable[[], bool], what: str, deadline: float) -> None:
        while not condition():
            if time.monotonic() > deadline:
                raise StepError("timeout", f"{what} did not happen within {self.timeout:.0f} s on {self.page.url}")
            await asyncio.sleep(0.02)

    async def _idle(self, deadline: float) -> None:
        """Wait until Streamlit's own state says idle: no script run, no running indicator, nothing stale.

        The browser checks that itself (one call, polled inside the page every 50 ms), which costs far
        less than asking it from here in a loop.
        """
        await self._wait(lambda: not self.runs.in_flight, "the script run to finish", deadline)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                reason = await self.page.evaluate(IDLE_SCRIPT)
                raise StepError("timeout", f"the page did not settle on {self.page.url}: {reason}")
            try:
                await self.page.wait_for_function(IDLE_IS_EMPTY, polling=50, timeout=remaining * 1000)
            except PlaywrightTimeoutError:
                continue
            if not self.runs.in_flight:
                break
            await asyncio.sleep(0.02)
        shown: list[str] = await self.page.evaluate(EXCEPTIONS_SCRIPT)
        if shown:
            raise StepError("app exception", f"{self.page.url}: {shown[0]}")

    async def step(self, kind: str, action: Callable[[], Awaitable[object]]) -> None:
        """Run ``action`` (which causes one rerun), wait until it is rendered, and record both times."""
        before = self.runs.finished
        started = time.perf_counter()
        deadline = time.monotonic() + self.timeout
        await action()
        await self._wait(lambda: self.runs.finished > before, f"the rerun after {kind}", deadline)
        answered = self.runs.finished_at[before] - started
        await self._idle(deadline)
        self.tally.rendered.setdefault(kind, []).append(time.perf_counter() - started)
        self.tally.answered.setdefault(kind, []).append(answered)

    async def open(self, url: str) -> None:
        await self.step("open", lambda: self.page.goto(url, wait_until="domcontentloaded"))

    async def change_filter(self) -> None:
        widgets = self.page.locator(SIDEBAR_CHOICES)
        count = await widgets.count()
        if count == 0:
            return
        widget = widgets.nth(self.rng.randrange(count))
        if await widget.get_attribute("data-testid") == "stSelectbox":
            box = widget.get_by_role("combobox")
            current = await box.input_value()
            await box.click()
            listbox = self.page.get_by_role("listbox")
            await listbox.wait_for(timeout=self.timeout * 1000)
            options = listbox.get_by_role("option")
            texts = [text.strip() for text in await options.all_inner_texts()]
            choices = [index for index, text in enumerate(texts) if text != current]
        else:
            options = widget.locator('[data-testid="stRadioOption"]')
            selected = await options.evaluate_all("nodes => nodes.map(node => node.dataset.selected === 'true')")
            choices = [index for index, chosen in enumerate(selected) if not chosen]
        if not choices:
            await self.page.keyboard.press("Escape")
            return
        target = options.nth(self.rng.choice(choices))
        await self.step("filter", target.click)

    async def nav_paths(self) -> list[tuple[str, bool]]:
        """(URL path, is current) of every navigation entry, in order, each path once."""
        entries: list[list[str | bool]] = await self.page.locator(NAV_LINKS).evaluate_all(
            """nodes => nodes.map(node => [new URL(node.href).pathname.replace(/^\\/+|\\/+$/g, ''),
                                          node.getAttribute('aria-current') === 'page'])"""
        )
        seen: dict[str, bool] = {}
        for path, current in entries:
            seen.setdefault(str(path), bool(current))
        return list(seen.items())

    async def click_nav(self, path: str) -> None:
        """Click the entry for ``path``, through the top bar's overflow menu when it does not fit."""
        for entry in await self.page.locator(NAV_LINKS).all():
            if urlsplit(await entry.get_attribute("href") or "").path.strip("/") != path:
                continue
            if not await entry.evaluate(CLICKABLE_SCRIPT):
                for menu in await self.page.locator(NAV_OVERFLOW).all():
                    await menu.click()
                    dropdown = self.page.locator(NAV_DROPDOWN_LINKS)
                    await dropdown.first.wait_for()
                    for candidate in await dropdown.all():
                        if urlsplit(await candidate.get_attribute("href") or "").path.strip("/") == path:
                            await candidate.click()
                            return
                    await self.page.keyboard.press("Escape")
            await entry.click()
            return
        raise StepError("navigation", f"no navigation entry leads to {path!r} on {self.page.url}")

    async def journey(self, deadline: float) -> None:
        await self.open(f"{self.base_url}/?lang={self.rng.choice(LANGUAGES)}")
        await self.change_filter()
        for path, current in await self.nav_paths():
            if current:
                continue
            if time.monotonic() > deadline:
                return
            await self.step("navigate", lambda path=path: self.click_nav(path))
            await self.change_filter()
        if time.monotonic() < deadline:
            await self.step("reload", lambda: self.page.goto(self.page.url, wait_until="domcontentloaded"))
            self.tally.completed += 1

    async def run(self, start_in: float, deadline: float) -> None:
        await asyncio.sleep(start_in)
        while time.monotonic() < deadline:
            self.tally.started += 1
            try:
                await self.journey(deadline)
            except StepError as exc:
                self.tally.error(exc.kind, str(exc))
            except PlaywrightError as exc:
                self.tally.error("browser", f"{type(exc).__name__}: {exc.message}")


# -- the server's memory -------------------------------------------------------------------


def process_tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


class ResourceSampler(threading.Thread):
    """Samples, until stopped, the server's resident memory (keeping the peak) and the CPU time of the
    server, of the browsers (every other process below this one) and of this driver.

    CPU time is remembered per process at every sample, so processes that exit during the run (the
    browser contexts' renderers) still count with their last reading.
    """

    def __init__(self, server_pid: int, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.server = psutil.Process(server_pid)
        self.me = psutil.Process()
        self.every = every
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self._cpu: dict[str, dict[int, float]] = {"server": {}, "browsers": {}, "load_test": {}}
        self._baseline: dict[str, float] = {}
        self._stop_event = threading.Event()
        self._sample()
        self._baseline = self.cpu_seconds()

    def _sample(self) -> int:
        server = process_tree(self.server)
        server_pids = {process.pid for process in server}
        groups = {
            "server": server,
            "browsers": [process for process in process_tree(self.me)[1:] if process.pid not in server_pids],
            "load_test": [self.me],
        }
        rss = 0
        for group, processes in groups.items():
            for process in processes:
                try:
                    with process.oneshot():
                        times = process.cpu_times()
                        if group == "server":
                            rss += process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self._cpu[group][process.pid] = times.user + times.system
        return rss

    def server_memory(self) -> int:
        """Resident bytes of the server's process tree now."""
        total = 0
        for process in process_tree(self.server):
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds per group since the sampler was made."""
        return {group: sum(readings.values()) - self._baseline.get(group, 0.0) for group, readings in self._cpu.items()}

    def run(self) -> None:
        started = time.perf_counter()
        while not self._stop_event.wait(self.every):
            rss = self._sample()
            self.peak = max(self.peak, rss)
            self.samples.append((round(time.perf_counter() - started, 2), rss))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self._sample()


# -- the run --------------------------------------------------------------------------------


async def new_context(browser: Browser) -> BrowserContext:
    """A user's own cookies and storage in the shared browser, without fonts and pictures."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    await context.route("**/*", skip_resource)
    return context


async def load(
    browser: Browser, base_url: str, *, users: int, duration: float, ramp: float, seed: int, step_timeout: float
) -> Tally:
    tally = Tally()
    first_start = time.monotonic()
    deadline = first_start + duration
    contexts = [await new_context(browser) for _ in range(users)]
    try:
        crowd = [
            User(await context.new_page(), base_url, tally, random.Random(seed * 1000 + number), step_timeout)
            for number, context in enumerate(contexts)
        ]
        await asyncio.gather(*(user.run(ramp * number / max(users, 1), deadline) for number, user in enumerate(crowd)))
    finally:
        for context in contexts:
            await context.close()
    return tally


async def warm_up(browser: Browser, base_url: str, timeout: float) -> None:
    """One visit before the clock starts, so the store exists and the first run's caches are filled."""
    context = await new_context(browser)
    try:
        user = User(await context.new_page(), base_url, Tally(), random.Random(0), timeout)
        await user.open(base_url)
    finally:
        await context.close()


async def main_async(args: argparse.Namespace, data_dir: Path, out: Path) -> dict[str, Any]:
    chromium = chromium_executable()
    if chromium is None:
        raise SystemExit("Debian's chromium is not installed (`make system-deps` installs it as root)")
    with contextlib.ExitStack() as stack:
        if args.url:
            base_url, server_pid = args.url.rstrip("/"), args.server_pid
        else:
            server = stack.enter_context(
                AppServer(
                    data_dir=data_dir, log_path=out / "load-test-server.log", sample_scale=f"{args.sample_scale:g}"
                )
            )
            server.wait_until_healthy(timeout=120)
            base_url, server_pid = server.url, server.pid
        async with async_playwright() as driver:
            browser = await driver.chromium.launch(
                executable_path=chromium,
                args=[*LIGHT_BROWSER_ARGS, f"--renderer-process-limit={args.renderers}"],
            )
            print("warming up (builds the store on the first run) ...", flush=True)
            await warm_up(browser, base_url, timeout=args.build_timeout)
            sampler = ResourceSampler(server_pid) if server_pid else None
            memory_before = sampler.server_memory() if sampler else 0
            if sampler:
                sampler.start()
            print(f"{args.users} users for {args.duration:.0f} s ...", flush=True)
            started = time.perf_counter()
            try:
                tally = await load(
                    browser,
                    base_url,
                    users=args.users,
                    duration=args.duration,
                    ramp=args.ramp,
                    seed=args.seed,
                    step_timeout=args.step_timeout,
                )
            finally:
                if sampler:
                    sampler.stop()
            elapsed = time.perf_counter() - started
            await browser.close()
    rendered = [value for values in tally.rendered.values() for value in values]
    answered = [value for values in tally.answered.values() for value in values]
    return {
        "users": args.users,
        "duration_seconds": args.duration,
        "elapsed_seconds": elapsed,
        "sessions_started": tally.started,
        "sessions_completed": tally.completed,
        "page_updates_served": sum(runs.finished for runs in tally.runs),
        "steps_timed": len(rendered),
        "errors": dict(tally.errors),
        "error_examples": tally.examples,
        "update_rendered": summary(rendered),
        "update_answered": summary(answered),
        "by_step": {
            kind: {"rendered": summary(tally.rendered[kind]), "answered": summary(tally.answered.get(kind, []))}
            for kind in sorted(tally.rendered)
        },
        # Only when the server runs on this machine (started here, or --server-pid).
        "server_memory_mib": {"before": memory_before / 2**20, "peak": sampler.peak / 2**20} if sampler else None,
        "cpu_seconds": sampler.cpu_seconds() if sampler else None,
        "cpu_seconds_available": elapsed * (psutil.cpu_count() or 1),
        "memory_samples": sampler.samples[:: max(1, len(sampler.samples) // 240)] if sampler else [],
    }


def report(result: dict[str, Any]) -> str:
    lines = [
        f"users {result['users']}, {result['elapsed_seconds']:.0f} s",
        f"sessions: {result['sessions_started']} started, {result['sessions_completed']} completed",
        f"page updates served: {result['page_updates_served']} ({result['steps_timed']} timed steps)",
        f"errors: {sum(result['errors'].values())} {result['errors'] or ''}",
        "update time, ms:      median      p95      max",
    ]
    for name in ("update_answered", "update_rendered"):
        values = result[name]
        lines.append(
            f"  {name.removeprefix('update_'):10} {milliseconds(values['median']):>12} {milliseconds(values['p95']):>8}"
            f" {milliseconds(values['max']):>8}"
        )
    for kind, values in result["by_step"].items():
        lines.append(
            f"  {kind:10} {milliseconds(values['rendered']['median']):>12} {milliseconds(values['rendered']['p95']):>8}"
            f" {milliseconds(values['rendered']['max']):>8}   (rendered, n={values['rendered']['n']})"
        )
    if (memory := result["server_memory_mib"]) is not None:
        lines.append(f"server memory: {memory['before']:.0f} MiB before, peak {memory['peak']:.0f} MiB")
    if (cpu := result["cpu_seconds"]) is not None:
        lines.append(
            f"CPU seconds: server {cpu['server']:.0f}, browsers {cpu['browsers']:.0f},"
            f" this driver {cpu['load_test']:.0f} (of {result['cpu_seconds_available']:.0f} available)"
        )
    for kind, examples in result["error_examples"].items():
        lines.append(f"  e.g. {kind}: {examples[0][:300]}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20, help="concurrent browser contexts")
    parser.add_argument("--duration", type=float, default=120, help="seconds of load after the first user starts")
    parser.add_argument("--ramp", type=float, default=10, help="seconds over which the users start")
    parser.add_argument("--sample-scale", type=float, default=0.5, help="sample size of the store (the app's default)")
    parser.add_argument("--data-dir", type=Path, help="store folder; default OUT/page-bench-data/scale-S (reused)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where load_test-<users>-users.json goes")
    parser.add_argument("--url", help="load a server that is already running here or elsewhere (none is started)")
    parser.add_argument("--server-pid", type=int, help="with --url on this machine: sample that process tree")
    parser.add_argument(
        "--renderers", type=int, default=4, help="Chromium renderer processes the users share (fewer is lighter)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the users' random choices")
    parser.add_argument(
        "--step-timeout", type=float, default=120, help="seconds one step may take before it counts as an error"
    )
    parser.add_argument("--build-timeout", type=float, default=1800, help="seconds allowed for building the store")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data_dir = (args.data_dir or out / "page-bench-data" / f"scale-{args.sample_scale:g}").resolve()
    point_at_store(data_dir, args.sample_scale)
    result = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": {key: str(value) for key, value in vars(args).items()},
        **asyncio.run(main_async(args, data_dir, out)),
    }
    path = out / f"load_test-{args.users}-users.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(result))
    print(f"\nwritten: {path}")


if __name__ == "__main__":
    main()
