"""The benchmarks sum up their timings one way: n, median, 95th percentile, min and max, shown in milliseconds."""

from __future__ import annotations

import pytest

from bench.timing import milliseconds, percentiles


def test_timings_are_summed_up_with_the_inclusive_95th_percentile() -> None:
    # inclusive method: the 95th percentile of 1, 2, 3, 4 lies at 0.95 × 3 = 2.85 places in, 3 + 0.85 × (4 − 3)
    summed = percentiles([4.0, 1.0, 3.0, 2.0])
    assert summed == {"n": 4, "median": 2.5, "p95": pytest.approx(3.85), "min": 1.0, "max": 4.0}


def test_one_timing_is_its_own_median_and_percentile() -> None:
    assert percentiles([0.2]) == {"n": 1, "median": 0.2, "p95": 0.2, "min": 0.2, "max": 0.2}


def test_no_timings_give_no_figures_but_their_count() -> None:
    assert percentiles([]) == {"n": 0, "median": None, "p95": None, "min": None, "max": None}


@pytest.mark.parametrize(("seconds", "shown"), [(None, "-"), (0.0004, "0"), (0.25, "250"), (1.2341, "1,234")])
def test_seconds_are_shown_as_whole_milliseconds(seconds: float | None, shown: str) -> None:
    assert milliseconds(seconds) == shown
