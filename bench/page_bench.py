"""How fast the dashboard answers: rerender after a filter change, per page, and cold start.

Usage::

    python -m bench.page_bench [--changes 50] [--browser-changes 10] [--cold-starts 3] \\
        [--sample-scale 0.5] [--data-dir DIR] [--out bench/output] [--skip apptest,browser,cold]

Pages and filters are discovered, never listed here: the pages are the ones the
entry point registers with ``st.navigation``, the filters are the choice
widgets (select boxes, radios, checkboxes, toggles) in the sidebar.

* **server rerun** (AppTest, in this process): for each page, ``--changes``
  filter changes, cycling through the sidebar widgets and moving each to its
  next option; each sample is one ``AppTest.run()``, i.e. the script's whole
  rerun on the server with the app's caches as a real server holds them.
  Widgets are chosen by the text the user sees, which is what the browser
  sends, so no option values need to be known.
* **browser update** (Chromium against a real server): ``--browser-changes``
  changes per page through the sidebar as a user makes them; each sample runs
  from the click to the page being idle again (server run, websocket, React
  and Plotly rendering), so it is what a user waits for on this machine.
* **cold start**: ``--cold-starts`` times, a fresh server on the existing
  store, started from precompiled bytecode as ``make run`` starts it: seconds
  until ``/_stcore/health`` answers, and until the first page's main content
  has rendered in Chromium.

The store is built once per sample scale under ``DIR`` (default
``OUT/page-bench-data/scale-S``) and reused, so cold starts measure a server
whose store already exists. Writes ``OUT/page_bench.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: TID251 - the benchmark drives Streamlit itself
from streamlit.testing.v1 import AppTest  # noqa: TID251 - the benchmark drives Streamlit itself

from bench.timing import DEFAULT_OUT, PROJECT, milliseconds, percentiles
from tests.browser.driver import (
    AppError,
    nav_links,
    open_app,
    script_runs,
    select_sidebar_option,
    selected_option,
    widget_labels,
    widget_options,
)
from tests.browser.server import AppServer, chromium_executable

CHOICE_TYPES = ("selectbox", "radio", "checkbox", "toggle")


# -- small helpers -----------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    packages = ("streamlit", "polars", "plotly", "playwright", "sqlalchemy")
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    versions = {}
    for package in packages:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(total_kib / 2**20, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        **versions,
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(cell).rjust(width) for cell, width in zip(cells, widths, strict=True))

    return "\n".join([line(headers), line(["-" * width for width in widths]), *(line(row) for row in rows)])


def point_at_store(data_dir: Path, sample_scale: float) -> None:
    """The app reads its settings from the environment; this process and its servers use ``data_dir``."""
    os.environ["DASHBOARD_DATA_DIR"] = str(data_dir)
    os.environ["DASHBOARD_SAMPLE_SCALE"] = str(sample_scale)
    os.environ.pop("DASHBOARD_DATABASE_URL", None)


# -- (a) server rerun through AppTest ----------------------------------------------------------


def _choose_shown(widget: Any, shown: str) -> None:
    """Select ``shown`` in a select box or radio by its displayed text, as the browser sends it.

    AppTest's ``set_value`` wants the option's value, which a generic benchmark cannot know when the
    widget has a ``format_func``. The browser sends the displayed text and the server maps it back to
    the value, so the widget state is made to carry exactly that.
    """

    class Chosen(type(widget)):  # type: ignore[misc]
        @property
        def _widget_state(self) -> WidgetState:
            state = WidgetState()
            state.id = self.id
            state.string_value = shown
            return state

    widget.__class__ = Chosen


def _sidebar_widgets(app: Any) -> list[tuple[str, str | None, int]]:
    """(type, key, position among the sidebar widgets of that type) for every choice widget in the sidebar."""
    found: list[tuple[str, str | None, int]] = []
    for kind in CHOICE_TYPES:
        for position, widget in enumerate(app.sidebar.get(kind)):
            found.append((kind, widget.key, position))
    return found


def _find(app: Any, kind: str, position: int) -> Any:
    """By position, not key: an app may key its widgets per language, and positions do not change."""
    return app.sidebar.get(kind)[position]


def _change(app: Any, kind: str, position: int) -> str:
    """Move one widget to its next option; returns what was chosen."""
    widget = _find(app, kind, position)
    if kind in ("checkbox", "toggle"):
        checked = not widget.value
        widget.set_value(checked)
        return str(checked)
    options = list(widget.options)
    index = widget.index if widget.index is not None else -1
    shown = options[(index + 1) % len(options)]
    _choose_shown(widget, shown)
    return shown


def registered_pages(app: Any) -> list[str]:
    """The page files ``st.navigation`` registered in ``app``'s last run, relative to the project, in order."""
    registry = getattr(app, "_registered_pages", None)
    if not registry:
        raise RuntimeError("the app registered no pages with st.navigation (AppTest has no page registry)")
    pages = []
    for info in registry.values():
        script = info.get("script_path")
        if script:
            pages.append(Path(str(script)).resolve().relative_to(PROJECT).as_posix())
    return pages


def bench_apptest(changes: int, timeout: float) -> dict[str, Any]:
    entry = str(PROJECT / "app.py")
    started = time.perf_counter()
    first = AppTest.from_file(entry, default_timeout=timeout).run()
    if first.exception:
        raise RuntimeError(f"the entry point raised: {[item.value for item in first.exception]}")
    bootstrap_seconds = time.perf_counter() - started
    pages = registered_pages(first)
    results: dict[str, Any] = {"first_run_seconds": bootstrap_seconds, "pages": {}}
    for page in pages:
        app = AppTest.from_file(entry, default_timeout=timeout).run()
        started = time.perf_counter()
        app.switch_page(page).run()
        open_seconds = time.perf_counter() - started
        widgets = _sidebar_widgets(app)
        samples: list[float] = []
        per_widget: dict[str, list[float]] = {}
        errors: list[str] = []
        for step in range(changes if widgets else 0):
            kind, key, position = widgets[step % len(widgets)]
            chosen = _change(app, kind, position)
            started = time.perf_counter()
            app.run()
            elapsed = time.perf_counter() - started
            samples.append(elapsed)
            per_widget.setdefault(key or f"{kind}[{position}]", []).append(elapsed)
            if app.exception:
                errors.append(f"{key or kind} -> {chosen}: {app.exception[0].value[:300]}")
        results["pages"][page] = {
            "open_seconds": open_seconds,
            "widgets": [key or f"{kind}[{position}]" for kind, key, position in widgets],
            "rerun": percentiles(samples),
            "rerun_by_widget": {name: percentiles(values) for name, values in per_widget.items()},
            "samples": samples,
            "errors": errors,
        }
        print(
            f"  {page}: {len(samples)} changes, median {milliseconds(statistics.median(samples) if samples else None)}"
            f" ms, {len(errors)} errors",
            flush=True,
        )
    return results


# -- (b) browser update and (c) cold start -----------------------------------------------------


def bench_browser(data_dir: Path, sample_scale: float, changes: int, out: Path) -> dict[str, Any]:
    chromium = chromium_executable()
    if chromium is None:
        return {"skipped": "Debian's chromium is not installed"}
    results: dict[str, Any] = {"pages": {}}
    server = AppServer(data_dir=data_dir, log_path=out / "page-bench-server.log", sample_scale=str(sample_scale))
    with sync_playwright() as driver, server:
        server.wait_until_healthy(timeout=120)
        browser = driver.chromium.launch(executable_path=chromium)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        script_runs(page)
        open_app(page, server.url, timeout=600)
        links = nav_links(page)
        for link in links:
            open_app(page, f"{server.url}/{link.path}")
            samples: list[float] = []
            errors: list[str] = []
            for step in range(changes):
                labels = widget_labels(page, "sidebar")
                if not labels:
                    break
                label = labels[step % len(labels)]
                options = widget_options(page, label, area="sidebar")
                if len(options) < 2:
                    continue
                current = selected_option(page, label, area="sidebar")
                option = options[(options.index(current) + 1) % len(options)] if current in options else options[0]
                started = time.perf_counter()
                try:
                    select_sidebar_option(page, label, option)
                except AppError as exc:
                    errors.append(f"{label} -> {option}: {str(exc)[:300]}")
                    open_app(page, f"{server.url}/{link.path}", allow_exceptions=True)
                    continue
                samples.append(time.perf_counter() - started)
            results["pages"][link.path or "(default)"] = {
                "update": percentiles(samples),
                "samples": samples,
                "errors": errors,
            }
            print(f"  browser {link.path or '(default)'}: {len(samples)} changes, {len(errors)} errors", flush=True)
        results["server_memory_mib"] = server.memory_bytes() / 2**20
        browser.close()
    return results


def bench_cold_start(data_dir: Path, sample_scale: float, repeats: int, out: Path) -> dict[str, Any]:
    chromium = chromium_executable()
    if chromium is None:
        return {"skipped": "Debian's chromium is not installed"}
    # As `make run` starts: from bytecode compiled ahead (the environment may switch Python's own cache off).
    subprocess.run(["make", "--quiet", "bytecode", f"PY={sys.executable}"], cwd=PROJECT, check=True)
    health: list[float] = []
    rendered: list[float] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium)
        for _ in range(repeats):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            script_runs(page)
            server = AppServer(
                data_dir=data_dir, log_path=out / "page-bench-server.log", sample_scale=str(sample_scale)
            )
            with server:
                health.append(server.wait_until_healthy(timeout=120))
                open_app(page, server.url, timeout=600)
                rendered.append(time.perf_counter() - (server.started_at or 0.0))
            context.close()
            print(f"  cold start: healthy {health[-1]:.2f} s, rendered {rendered[-1]:.2f} s", flush=True)
        browser.close()
    return {
        "health": percentiles(health),
        "first_render": percentiles(rendered),
        "samples": {"health": health, "first_render": rendered},
    }


# -- the run -------------------------------------------------------------------------------------


def build_store(sample_scale: float, timeout: float) -> float:
    """Build the store for ``sample_scale`` if it is not there yet; returns the seconds it took (0 if reused)."""
    started = time.perf_counter()
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=timeout).run()
    if app.exception:
        raise RuntimeError(f"building the store failed: {[item.value for item in app.exception]}")
    return time.perf_counter() - started


def report(results: dict[str, Any]) -> str:
    lines = []
    if "apptest" in results:
        rows = [
            [
                page,
                str(data["rerun"]["n"]),
                milliseconds(data["rerun"]["median"]),
                milliseconds(data["rerun"]["p95"]),
                milliseconds(data["rerun"]["max"]),
                milliseconds(data["open_seconds"]),
                str(len(data["errors"])),
            ]
            for page, data in results["apptest"]["pages"].items()
        ]
        lines += [
            "Server rerun after a sidebar filter change (AppTest), ms",
            "",
            table(["page", "n", "median", "p95", "max", "open", "errors"], rows),
            "",
        ]
    browser = results.get("browser", {})
    if "pages" in browser:
        rows = [
            [
                page,
                str(data["update"]["n"]),
                milliseconds(data["update"]["median"]),
                milliseconds(data["update"]["p95"]),
                milliseconds(data["update"]["max"]),
                str(len(data["errors"])),
            ]
            for page, data in browser["pages"].items()
        ]
        lines += [
            "Browser: click to rendered after a sidebar filter change (Chromium), ms",
            "",
            table(["page", "n", "median", "p95", "max", "errors"], rows),
            f"server memory afterwards: {browser['server_memory_mib']:.0f} MiB",
            "",
        ]
    cold = results.get("cold_start", {})
    if "health" in cold:
        rows = [
            [
                name,
                str(cold[name]["n"]),
                f"{cold[name]['median']:.2f}",
                f"{cold[name]['min']:.2f}",
                f"{cold[name]['max']:.2f}",
            ]
            for name in ("health", "first_render")
        ]
        lines += ["Cold start on an existing store, s", "", table(["until", "n", "median", "min", "max"], rows), ""]
    for name in ("browser", "cold_start"):
        if "skipped" in results.get(name, {}):
            lines.append(f"{name}: skipped ({results[name]['skipped']})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=50, help="filter changes per page through AppTest")
    parser.add_argument("--browser-changes", type=int, default=10, help="filter changes per page in Chromium")
    parser.add_argument("--cold-starts", type=int, default=3, help="cold starts of a server on the existing store")
    parser.add_argument("--sample-scale", type=float, default=0.5, help="sample size of the store (the app's default)")
    parser.add_argument("--data-dir", type=Path, help="store folder; default OUT/page-bench-data/scale-S (reused)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where page_bench.json goes")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: apptest, browser, cold")
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds allowed for one script run (the store build)"
    )
    args = parser.parse_args(argv)
    skip = {part.strip() for part in args.skip.split(",") if part.strip()}
    if unknown := skip - {"apptest", "browser", "cold"}:
        parser.error(f"--skip takes apptest, browser and cold; got {sorted(unknown)}")

    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    data_dir = (args.data_dir or out / "page-bench-data" / f"scale-{args.sample_scale:g}").resolve()
    point_at_store(data_dir, args.sample_scale)
    sys.path.insert(0, str(PROJECT))
    os.chdir(PROJECT)

    results: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": {key: str(value) for key, value in vars(args).items()},
        "sample_scale": args.sample_scale,
    }
    print(f"store for sample scale {args.sample_scale:g} ...", flush=True)
    results["store_build_seconds"] = build_store(args.sample_scale, args.timeout)
    steps: list[tuple[str, Callable[[], dict[str, Any]]]] = [
        ("apptest", lambda: bench_apptest(args.changes, args.timeout)),
        ("browser", lambda: bench_browser(data_dir, args.sample_scale, args.browser_changes, out)),
        ("cold_start", lambda: bench_cold_start(data_dir, args.sample_scale, args.cold_starts, out)),
    ]
    for name, step in steps:
        if name.split("_")[0] in skip:
            continue
        print(f"{name} ...", flush=True)
        results[name] = step()
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (out / "page_bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(results))
    print(f"\nwritten: {out / 'page_bench.json'}")


if __name__ == "__main__":
    main()
