"""The server's CPU seconds and peak resident memory while a benchmark runs (psutil, sampled in a thread).

One or more root processes (one server, or several behind a proxy) are sampled with all their
children. CPU time is remembered per process at every sample, so a process that exits during the run
still counts with its last reading; memory is the sum of every process's resident set at one sample,
and the peak is the largest such sum.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import psutil

MIB = 2**20


def process_tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


class ResourceSampler(threading.Thread):
    """Samples the process trees of ``pids`` every ``every`` seconds until :meth:`stop`."""

    def __init__(self, pids: Iterable[int], every: float = 0.25) -> None:
        super().__init__(daemon=True, name="resource-sampler")
        self.roots = [psutil.Process(pid) for pid in pids]
        self.every = every
        self.peak = 0
        self.samples: list[tuple[float, int]] = []
        self._cpu: dict[int, float] = {}
        self._stop_event = threading.Event()
        self._began = time.perf_counter()
        self._sample()
        self._baseline = sum(self._cpu.values())

    def _processes(self) -> list[psutil.Process]:
        seen: dict[int, psutil.Process] = {}
        for root in self.roots:
            for process in process_tree(root):
                seen.setdefault(process.pid, process)
        return list(seen.values())

    def _sample(self) -> int:
        rss = 0
        for process in self._processes():
            try:
                with process.oneshot():
                    times = process.cpu_times()
                    rss += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            self._cpu[process.pid] = times.user + times.system
        return rss

    def run(self) -> None:
        while not self._stop_event.wait(self.every):
            rss = self._sample()
            self.peak = max(self.peak, rss)
            self.samples.append((round(time.perf_counter() - self._began, 2), rss))

    def stop(self) -> dict[str, Any]:
        """Stop sampling; the CPU seconds since the start, the peak and last memory, the processes seen."""
        self._stop_event.set()
        if self.is_alive():
            self.join()
        last = self._sample()
        self.peak = max(self.peak, last)
        return {
            "cpu_seconds": round(sum(self._cpu.values()) - self._baseline, 1),
            "peak_mib": round(self.peak / MIB, 1),
            "last_mib": round(last / MIB, 1),
            "processes": len(self._cpu),
            "seconds": round(time.perf_counter() - self._began, 1),
        }
