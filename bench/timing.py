"""What the benchmarks share: where they write their reports, and how a list of timings is summed up and shown."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = PROJECT / "bench" / "output"


def percentiles(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, median, 95th percentile (inclusive method), min and max of ``values`` (seconds); None for each of an
    empty list but n."""
    if not values:
        return {"n": 0, "median": None, "p95": None, "min": None, "max": None}
    p95 = statistics.quantiles(values, n=100, method="inclusive")[94] if len(values) > 1 else values[0]
    return {"n": len(values), "median": statistics.median(values), "p95": p95, "min": min(values), "max": max(values)}


def milliseconds(seconds: float | None) -> str:
    """``seconds`` as whole milliseconds with thousands separators ("1,234"); "-" for none."""
    return "-" if seconds is None else f"{seconds * 1000:,.0f}"
