"""The load benchmark (``make bench-load``): many readers at once on a fresh and on a warm server.

Usage::

    python -m bench.load_bench [--processes 2] [--sessions 50] [--duration 300] [--think 5] \\
        [--burst-sessions 20] [--burst-journeys 2] [--sample-scale 0.5] [--fresh-scale 0.03] \\
        [--data-dir DIR] [--out bench/output] [--skip fresh,load,burst,browser] [--url URL]

Three phases, each against servers this command starts (``deploy.cluster``: ``--processes`` Streamlit
processes behind HAProxy, or one process on its own with ``--processes 1``):

1. **fresh**: a new store (``--fresh-scale``, small so that it is built in seconds) and servers just
   started; at once ``--burst-sessions`` sessions follow the journey ``--burst-journeys`` times without
   pause. The first runs race through the store's first build and every first import.
2. **load**: servers just started on the benchmark store (``--sample-scale``, the app's default; built
   once and reused), ``--sessions`` sessions with a think time around ``--think`` seconds for
   ``--duration`` seconds, while one Chromium reader (:mod:`bench.click_probe`) changes a filter and
   switches a tab in turn and measures click-to-idle.
3. **burst**: on the same, now warm, servers: ``--burst-sessions`` sessions without pause.

The sessions are protocol clients (:mod:`bench.load_client`), which cost almost nothing: the server's
work is what is measured. The server's CPU seconds and peak memory (every process and the proxy,
sampled every 0.25 s) and the load average before and after each phase are recorded with the figures.
Writes ``OUT/load_bench.json`` and ``OUT/load_bench.md`` and exits with 1 when a target is missed.
With ``--url`` nothing is started and the phases run against that address (no server figures).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.click_probe import Probe, probe
from bench.load_client import load, result, summary_lines
from bench.resources import ResourceSampler
from bench.timing import DEFAULT_OUT, PROJECT, percentiles
from deploy.cluster import Cluster, port_free

#: The targets of the issue, as (phase, figure) -> limit.
TARGETS = {
    "load_errors": 0,
    "load_median_s": 0.3,
    "load_p95_s": 1.0,
    "load_peak_mib": 2048,
    "burst_errors": 0,
    "burst_p95_s": 2.0,
    "fresh_errors": 0,
    "browser_median_s": 1.5,
}
PHASES = ("fresh", "load", "burst", "browser")


def free_ports(count: int, start: int = 18500) -> int:
    """The first port from ``start`` on with ``count`` + 11 free ports after it (the proxy's and the processes')."""
    port = start
    while not all(port_free(candidate) for candidate in range(port, port + count + 11)):
        port += 50
    return port


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


def build_store(data_dir: Path, scale: float) -> float:
    """Fill the benchmark store if it is empty (``python -m pipeline bootstrap``); the seconds it took."""
    started = time.perf_counter()
    env = {**os.environ, "DASHBOARD_DATA_DIR": str(data_dir), "DASHBOARD_SAMPLE_SCALE": f"{scale:g}"}
    env.pop("DASHBOARD_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "pipeline", "bootstrap"], cwd=PROJECT, env=env, check=True)
    return time.perf_counter() - started


async def run_phase(
    url: str,
    pids: Sequence[int],
    *,
    sessions: int,
    duration: float,
    think: float,
    ramp: float,
    journeys: int,
    browser: bool = False,
) -> dict[str, Any]:
    """One phase of load, with the server sampled and (``browser``) a Chromium reader alongside."""
    before = load_average()
    sampler = ResourceSampler(pids) if pids else None
    if sampler is not None:
        sampler.start()
    stop, clicks = asyncio.Event(), Probe()
    reader = asyncio.create_task(probe(url, stop, probe_result=clicks)) if browser else None
    started = time.perf_counter()
    tally = await load(url, sessions=sessions, duration=duration, think=think, ramp=ramp, journeys=journeys)
    seconds = time.perf_counter() - started
    stop.set()
    if reader is not None:
        await reader
    resources = sampler.stop() if sampler is not None else None
    options = {"sessions": sessions, "duration": duration, "think": think, "ramp": ramp, "journeys": journeys}
    outcome = result(tally, options=options, seconds=seconds, resources=resources)
    outcome["load_average_before"] = before
    print("\n".join(summary_lines(outcome)), flush=True)
    if browser:
        every = [value for values in clicks.samples.values() for value in values]
        outcome["browser"] = {
            "click_to_idle": percentiles(every),
            "actions": {action: percentiles(values) for action, values in clicks.samples.items()},
            "errors": clicks.errors,
        }
    return outcome


def verdicts(phases: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each target with the measured figure and whether it holds (None: that phase did not run)."""
    load_phase, burst, fresh = phases.get("load"), phases.get("burst"), phases.get("fresh")
    browser = (load_phase or {}).get("browser", {}).get("click_to_idle", {})
    measured: dict[str, float | None] = {
        "load_errors": load_phase["errors"] if load_phase else None,
        "load_median_s": load_phase["rerun"]["median"] if load_phase else None,
        "load_p95_s": load_phase["rerun"]["p95"] if load_phase else None,
        "load_peak_mib": (load_phase.get("server") or {}).get("peak_mib") if load_phase else None,
        "burst_errors": burst["errors"] if burst else None,
        "burst_p95_s": burst["rerun"]["p95"] if burst else None,
        "fresh_errors": fresh["errors"] if fresh else None,
        "browser_median_s": browser.get("median"),
    }
    verdict: dict[str, dict[str, Any]] = {}
    for name, limit in TARGETS.items():
        figure = measured[name]
        verdict[name] = {"limit": limit, "measured": figure, "holds": None if figure is None else figure <= limit}
    return verdict


def report(outcome: dict[str, Any]) -> str:
    lines = [
        f"# Load benchmark, {outcome['when']}",
        "",
        f"{outcome['processes']} server process(es){' behind HAProxy' if outcome['processes'] > 1 else ''}, "
        f"{outcome['machine']['cpus']} cores; store scale {outcome['sample_scale']:g}.",
        "",
    ]
    for name, phase in outcome["phases"].items():
        lines += [f"## {name}", "", "```", *summary_lines(phase)]
        lines.append(f"load average before: {', '.join(f'{value:.2f}' for value in phase['load_average_before'])}")
        browser = phase.get("browser")
        if browser:
            for action, data in browser["actions"].items():
                median = "-" if data["median"] is None else f"{data['median'] * 1000:,.0f}"
                p95 = "-" if data["p95"] is None else f"{data['p95'] * 1000:,.0f}"
                lines.append(f"browser {action}: n {data['n']}, click-to-idle median {median} ms, p95 {p95} ms")
            lines += [f"browser error: {error}" for error in browser["errors"][:5]]
        lines += ["```", ""]
    lines += ["## Targets", "", "| target | limit | measured | holds |", "|---|---:|---:|---|"]
    for name, verdict in outcome["targets"].items():
        measured = verdict["measured"]
        shown = "-" if measured is None else f"{measured:,.3f}".rstrip("0").rstrip(".")
        holds = {True: "yes", False: "**no**", None: "not run"}[verdict["holds"]]
        lines.append(f"| {name} | {verdict['limit']} | {shown} | {holds} |")
    return "\n".join(lines) + "\n"


async def main_async(args: argparse.Namespace, out: Path) -> dict[str, Any]:
    skip = set(args.skip)
    phases: dict[str, dict[str, Any]] = {}
    burst = {"sessions": args.burst_sessions, "duration": 300.0, "think": 0.0, "ramp": 0.0}
    load_options = {"sessions": args.sessions, "duration": args.duration, "think": args.think, "ramp": args.ramp}
    if args.url:
        if "load" not in skip:
            phases["load"] = await run_phase(
                args.url, args.server_pid, **load_options, journeys=0, browser="browser" not in skip
            )
        if "burst" not in skip:
            phases["burst"] = await run_phase(args.url, args.server_pid, **burst, journeys=args.burst_journeys)
        return phases
    data_dir = (args.data_dir or out / "load-bench-data" / f"scale-{args.sample_scale:g}").resolve()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    if "fresh" not in skip:
        fresh_dir = out / "load-bench-data" / f"fresh-{stamp}"
        env = {"DASHBOARD_DATA_DIR": str(fresh_dir / "data"), "DASHBOARD_SAMPLE_SCALE": f"{args.fresh_scale:g}"}
        with Cluster(processes=args.processes, port=free_ports(args.processes), run_dir=fresh_dir, env=env) as cluster:
            phases["fresh"] = await run_phase(cluster.url, cluster.pids, **burst, journeys=args.burst_journeys)
            phases["fresh"]["server_logs"] = str(fresh_dir)
    if {"load", "burst"} - skip:
        build_store(data_dir, args.sample_scale)
        run_dir = out / "load-bench-data" / f"run-{stamp}"
        env = {"DASHBOARD_DATA_DIR": str(data_dir), "DASHBOARD_SAMPLE_SCALE": f"{args.sample_scale:g}"}
        with Cluster(processes=args.processes, port=free_ports(args.processes), run_dir=run_dir, env=env) as cluster:
            if "load" not in skip:
                phases["load"] = await run_phase(
                    cluster.url, cluster.pids, **load_options, journeys=0, browser="browser" not in skip
                )
            if "burst" not in skip:
                phases["burst"] = await run_phase(cluster.url, cluster.pids, **burst, journeys=args.burst_journeys)
    return phases


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="server processes (default 2, behind HAProxy)")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of the load phase (default 300)")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time, s (default 5)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which the sessions start")
    parser.add_argument("--burst-sessions", type=int, default=20)
    parser.add_argument("--burst-journeys", type=int, default=2, help="journeys per burst session (default 2)")
    parser.add_argument("--sample-scale", type=float, default=0.5, help="the benchmark store's sample scale")
    parser.add_argument("--fresh-scale", type=float, default=0.03, help="the fresh phase's new store's scale")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--skip", default="", help=f"comma-separated phases to leave out: {', '.join(PHASES)}")
    parser.add_argument("--url", default="", help="a running server: nothing is started")
    parser.add_argument("--server-pid", type=int, action="append", default=[], help="with --url: a process to sample")
    args = parser.parse_args(argv)
    args.skip = [part.strip() for part in args.skip.split(",") if part.strip()]
    if unknown := set(args.skip) - set(PHASES):
        parser.error(f"--skip takes {', '.join(PHASES)}; got {sorted(unknown)}")
    if not 1 <= args.processes <= 16 or not 1 <= args.sessions <= 500 or not 1 <= args.burst_sessions <= 500:
        parser.error("--processes must be 1-16 and the sessions 1-500")
    if not 0 < args.duration <= 3600:
        parser.error("--duration must be more than 0 and at most 3600 seconds")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    phases = asyncio.run(main_async(args, out))
    outcome = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "processes": 1 if args.url else args.processes,
        "sample_scale": args.sample_scale,
        "machine": {"cpus": os.cpu_count(), "load_average_end": load_average()},
        "phases": phases,
        "targets": verdicts(phases),
    }
    (out / "load_bench.json").write_text(json.dumps(outcome, indent=2, ensure_ascii=False), encoding="utf-8")
    text = report(outcome)
    (out / "load_bench.md").write_text(text, encoding="utf-8")
    print(text)
    missed = [name for name, verdict in outcome["targets"].items() if verdict["holds"] is False]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
