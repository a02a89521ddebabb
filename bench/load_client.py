"""Many readers at once, without a browser: sessions that follow a user's journey over Streamlit's protocol.

Usage::

    python -m bench.load_client --url http://127.0.0.1:8501 [--sessions 50] [--duration 300] [--think 5] \\
        [--ramp 10] [--journeys 0] [--seed 1] [--server-pid PID ...] [--out bench/output] [--name NAME]

Each session is one websocket (:class:`bench.protocol.ProtocolSession`), one Streamlit session on the
server, in a random language. It opens the app and then follows the journey of a reader, step by step,
each step one script run (a whole page's, or a fragment's where the browser would rerun only that):

    open         the app (the overview), or back to it on later rounds
    county       the sidebar's county select box moved to another county        (a widget state)
    year         the sidebar's year moved to another year                       (a widget state)
    indicator    the overview's indicator picker moved to another indicator     (a widget state)
    county_page  the county page
    tab          another tab of the county page                                 (the tabs' fragment)
    table        a chart's "show as table" opened                               (its fragment)
    deck         a chart not yet in the deck basket added to it                 (a button)

Widget changes are sent as widget states with the ids the server drew them with, exactly as the
browser sends them; the query string the app last wrote travels along, as the address bar's would.
Between steps a session waits a think time drawn uniformly between half and one and a half times
``--think`` (0: no pause, a burst). Sessions start spread over ``--ramp`` seconds; a session repeats the
journey until ``--duration`` has passed (or it has made ``--journeys`` rounds), then the step in flight
ends and the session closes. A session whose connection drops opens a new one and goes on.

Errors: a run that shows an exception element or an error message (our pages show unexpected failures
that way), a dropped connection, a run not finished within ``--timeout``, a rerun that took longer than
30 seconds (:data:`SLOW_RUN_SECONDS`), and a step the page did not offer (a widget missing).

With ``--server-pid`` (repeatable: one per server process, or the proxy's children) the server's CPU
seconds and peak resident memory are sampled (its process trees, every 0.25 s). Writes
``OUT/load-NAME.json`` and prints the summary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed

from bench.protocol import ProtocolError, ProtocolSession, RunReport, Widget
from bench.resources import ResourceSampler
from bench.timing import DEFAULT_OUT, milliseconds, percentiles

#: The journey's steps, in order.
STEPS = ("open", "county", "year", "indicator", "county_page", "tab", "table", "deck")
#: A rerun slower than this is an error, whatever it showed.
SLOW_RUN_SECONDS = 30.0
#: How long the client waits for one run before it gives the session up as not answered.
DEFAULT_TIMEOUT = 60.0
LANGUAGES = ("fi", "sv", "en")


class StepUnavailableError(RuntimeError):
    """The page did not offer what the step needs (the widget is missing or has no other choice)."""


@dataclass
class Tally:
    """What every session measured (one event loop, so no locks)."""

    durations: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    served: int = 0
    sessions_opened: int = 0
    journeys: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    slow_after: float = SLOW_RUN_SECONDS

    def error(self, kind: str, message: str) -> None:
        self.errors[kind] += 1
        examples = self.examples.setdefault(kind, [])
        if len(examples) < 5:
            examples.append(message[:400])

    def record(self, step: str, session: int, report: RunReport) -> None:
        where = f"session {session}, step {step}"
        if report.status is not None:
            self.served += 1
            self.durations[step].append(report.duration)
        if report.error is not None:
            kind = "dropped connection" if "connection closed" in report.error else "not answered"
            self.error(kind, f"{where}: {report.error}")
        for shown in report.exceptions:
            self.error("exception shown", f"{where}: {shown.type}: {shown.message}")
        for message in report.errors_shown:
            self.error("error message shown", f"{where}: {message}")
        if report.duration > self.slow_after and report.status is not None:
            self.error(f"slower than {self.slow_after:g} s", f"{where}: {report.duration:.1f} s")


class Reader:
    """One session's journey: which choice each step makes, drawn from its own random stream."""

    def __init__(self, number: int, rng: random.Random, think: float) -> None:
        self.number = number
        self.rng = rng
        self.think = think
        self.language = rng.choice(LANGUAGES)
        self.open_tab: str | None = None

    def pause(self) -> float:
        return self.rng.uniform(0.5, 1.5) * self.think if self.think > 0 else 0.0

    def other(self, widget: Widget) -> str:
        choices = [option for option in widget.options if option != widget.value]
        if not choices:
            raise StepUnavailableError(f"{widget.key} offers no other choice than {widget.value!r}")
        return self.rng.choice(choices)

    async def step(self, session: ProtocolSession, step: str, first: bool) -> RunReport:
        """Take ``step`` on ``session``; returns the run it caused."""
        if step == "open":
            return await session.run("", query_string=f"lang={self.language}" if first else None)
        if step == "county_page":
            self.open_tab = None
            return await session.run("county")
        actions = {
            "county": self._move_filter,
            "year": self._move_filter,
            "indicator": self._switch_indicator,
            "tab": self._open_tab,
            "table": self._open_table,
            "deck": self._add_to_deck,
        }
        if step not in actions:
            raise ValueError(f"no step {step!r}")
        return await actions[step](session, step)

    async def _move_filter(self, session: ProtocolSession, step: str) -> RunReport:
        widget = _one(session, f"f_region_{self.language}" if step == "county" else f"f_period_{self.language}")
        return await session.change(widget, self.other(widget))

    async def _switch_indicator(self, session: ProtocolSession, step: str) -> RunReport:
        pickers = session.widgets_keyed("indicator_", "selectbox")
        if not pickers:
            raise StepUnavailableError("the overview shows no indicator picker")
        return await session.change(pickers[0], self.other(pickers[0]))

    async def _open_tab(self, session: ProtocolSession, step: str) -> RunReport:
        tabs = _one(session, f"county_tab_{self.language}")
        current = self.open_tab or (tabs.options[0] if tabs.options else None)
        choices = [label for label in tabs.options if label != current]
        if not choices:
            raise StepUnavailableError("the county page shows no other tab")
        self.open_tab = self.rng.choice(choices)
        return await session.change(tabs, self.open_tab)

    async def _open_table(self, session: ProtocolSession, step: str) -> RunReport:
        closed = [widget for widget in session.widgets_keyed("table_", "expander") if not widget.value]
        if not closed:  # this tab has no chart: back to the first tab, whose charts all have tables
            tabs = _one(session, f"county_tab_{self.language}")
            self.open_tab = tabs.options[0]
            report = await session.change(tabs, self.open_tab)
            if not report.ok:
                return report
            closed = [widget for widget in session.widgets_keyed("table_", "expander") if not widget.value]
            if not closed:
                raise StepUnavailableError("no chart on the county page has a table to open")
        return await session.change(self.rng.choice(closed), True)

    async def _add_to_deck(self, session: ProtocolSession, step: str) -> RunReport:
        buttons = [widget for widget in session.widgets_keyed("deck_", "button") if not widget.disabled]
        if not buttons:
            raise StepUnavailableError("no chart on the page can be added to the deck")
        return await session.change(self.rng.choice(buttons))


def _one(session: ProtocolSession, key: str) -> Widget:
    try:
        return session.widget(key)
    except ProtocolError as missing:
        raise StepUnavailableError(str(missing)) from missing


async def run_reader(
    url: str, reader: Reader, tally: Tally, *, start_in: float, deadline: float, journeys: int, timeout: float
) -> None:
    """One reader: connect, follow the journey until the deadline (or ``journeys`` rounds), reconnect on a drop."""
    await asyncio.sleep(start_in)
    rounds = 0
    while time.monotonic() < deadline and (journeys <= 0 or rounds < journeys):
        tally.sessions_opened += 1
        try:
            async with ProtocolSession(url, timeout=timeout) as session:
                first = True
                while time.monotonic() < deadline and (journeys <= 0 or rounds < journeys):
                    for step in STEPS:
                        if time.monotonic() >= deadline:
                            return
                        try:
                            report = await reader.step(session, step, first)
                        except StepUnavailableError as missing:
                            tally.error("step not offered", f"session {reader.number}, step {step}: {missing}")
                            continue
                        first = False
                        tally.record(step, reader.number, report)
                        if session.broken is not None:
                            break
                        await asyncio.sleep(reader.pause())
                    if session.broken is not None:
                        break
                    rounds += 1
                    tally.journeys += 1
        except (OSError, TimeoutError, ConnectionClosed, ProtocolError) as failure:
            tally.error("dropped connection", f"session {reader.number}: {type(failure).__name__}: {failure}")
            await asyncio.sleep(1.0)


async def load(
    url: str,
    *,
    sessions: int,
    duration: float,
    think: float,
    ramp: float,
    journeys: int = 0,
    seed: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
    slow_after: float = SLOW_RUN_SECONDS,
) -> Tally:
    """``sessions`` readers against ``url`` at once (see the module's description); a run slower than
    ``slow_after`` seconds counts as an error."""
    tally = Tally(slow_after=slow_after)
    deadline = time.monotonic() + duration
    readers = [Reader(number, random.Random(seed * 1000 + number), think) for number in range(sessions)]
    await asyncio.gather(
        *(
            run_reader(
                url,
                reader,
                tally,
                start_in=ramp * reader.number / max(sessions, 1),
                deadline=deadline,
                journeys=journeys,
                timeout=timeout,
            )
            for reader in readers
        )
    )
    return tally


def result(
    tally: Tally, *, options: dict[str, Any], seconds: float, resources: dict[str, Any] | None
) -> dict[str, Any]:
    every = [value for values in tally.durations.values() for value in values]
    return {
        "options": options,
        "seconds": round(seconds, 1),
        "sessions_opened": tally.sessions_opened,
        "journeys": tally.journeys,
        "reruns_served": tally.served,
        "errors": sum(tally.errors.values()),
        "errors_by_kind": dict(tally.errors),
        "error_examples": tally.examples,
        "rerun": percentiles(every),
        "steps": {step: percentiles(values) for step, values in tally.durations.items()},
        "server": resources,
        "load_average_after": list(os.getloadavg()),
    }


def summary_lines(outcome: dict[str, Any]) -> list[str]:
    rerun = outcome["rerun"]
    lines = [
        f"{outcome['options']['sessions']} sessions, think {outcome['options']['think']:g} s, "
        f"{outcome['seconds']:.0f} s: {outcome['reruns_served']} reruns, {outcome['errors']} errors, "
        f"median {milliseconds(rerun['median'])} ms, p95 {milliseconds(rerun['p95'])} ms, "
        f"max {milliseconds(rerun['max'])} ms",
    ]
    server = outcome.get("server")
    if server:
        lines.append(
            f"server: {server['cpu_seconds']:.0f} CPU s, peak {server['peak_mib']:,.0f} MiB "
            f"({server['processes']} processes)"
        )
    lines.append("step          n  median ms  p95 ms")
    lines += [
        f"{step:<12}{data['n']:>4}  {milliseconds(data['median']):>9}  {milliseconds(data['p95']):>6}"
        for step, data in outcome["steps"].items()
    ]
    for kind, count in outcome["errors_by_kind"].items():
        lines.append(f"error: {kind} x{count}: {outcome['error_examples'][kind][0]}")
    load_average = ", ".join(f"{value:.2f}" for value in outcome["load_average_after"])
    lines.append(f"load average after: {load_average}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_client", description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the dashboard, e.g. http://127.0.0.1:8501")
    parser.add_argument("--sessions", type=int, default=50, help="sessions at once (default 50; at most 500)")
    parser.add_argument("--duration", type=float, default=300, help="seconds (default 300; at most 3600)")
    parser.add_argument("--think", type=float, default=5.0, help="mean think time between steps, s (default 5)")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which sessions start (default 10)")
    parser.add_argument("--journeys", type=int, default=0, help="rounds per session, 0: until the duration ends")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds one run may take")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--server-pid", type=int, action="append", default=[], help="a server process to sample")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--name", default="", help="the report's name (default: SESSIONS-sessions)")
    args = parser.parse_args(argv)
    if not 1 <= args.sessions <= 500:
        parser.error("--sessions must be between 1 and 500")
    if not 0 < args.duration <= 3600:
        parser.error("--duration must be more than 0 and at most 3600 seconds")
    if args.think < 0 or args.ramp < 0:
        parser.error("--think and --ramp cannot be negative")
    sampler = ResourceSampler(args.server_pid) if args.server_pid else None
    if sampler is not None:
        sampler.start()
    started = time.perf_counter()
    tally = asyncio.run(
        load(
            args.url,
            sessions=args.sessions,
            duration=args.duration,
            think=args.think,
            ramp=args.ramp,
            journeys=args.journeys,
            seed=args.seed,
            timeout=args.timeout,
        )
    )
    seconds = time.perf_counter() - started
    resources = sampler.stop() if sampler is not None else None
    options = {key: value for key, value in vars(args).items() if key not in ("out", "server_pid")}
    options["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    outcome = result(tally, options=options, seconds=seconds, resources=resources)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"load-{args.name or f'{args.sessions}-sessions'}.json"
    path.write_text(json.dumps(outcome, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n".join(summary_lines(outcome)))
    print(f"written: {path}")
    return 0 if outcome["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
