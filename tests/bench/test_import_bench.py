"""The import benchmark's comparison with a baseline: medians of each side, this one over the baseline, and only
when both sides' reports agree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench import import_bench


def _figures(cpu: float, wall: float, *, kept: int = 90) -> dict[str, Any]:
    return {
        "rows_read": 100,
        "rows_kept": kept,
        "rejected": {"bad_date:KAYNTI_ALKOI": 100 - kept},
        "flagged": {},
        "encoding": "latin-1",
        "seconds_total": wall,
        "cpu_seconds": cpu,
        "peak_rss_mib": 500.0,
        "parquet_mib": 2.0,
    }


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "before"
    (folder / "bench").mkdir(parents=True)
    (folder / "bench" / "import_bench.py").write_text("", encoding="utf-8")
    return folder


def _runs(monkeypatch: pytest.MonkeyPatch, figures: list[dict[str, Any]]) -> list[Path]:
    """Replace the child processes by ``figures``, handed out in turn; return the checkouts each ran from."""
    given: Iterator[dict[str, Any]] = iter(figures)
    sides: list[Path] = []

    def child(_path: Path, _out: Path, checkout: Path, *, file_buckets: bool) -> dict[str, Any]:
        assert not file_buckets
        sides.append(checkout)
        return next(given)

    monkeypatch.setattr(import_bench, "_child", child)
    return sides


def test_the_two_sides_run_in_turn_and_their_medians_are_compared(
    tmp_path: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_bytes(b"x" * 1024)
    # baseline, this, baseline, this, baseline, this
    sides = _runs(
        monkeypatch,
        [_figures(10, 20), _figures(8, 15), _figures(12, 30), _figures(9, 18), _figures(11, 25), _figures(7, 16)],
    )

    record = import_bench.compare(extract, tmp_path / "out", checkout, repeat=3, file_buckets=False)

    assert sides == [checkout.resolve(), Path.cwd()] * 3
    # baseline CPU 10, 12, 11: median 11; this 8, 9, 7: median 8. Wall: 25 against 16.
    assert record["medians"]["baseline"]["cpu_seconds"] == 11
    assert record["medians"]["this"]["cpu_seconds"] == 8
    assert record["ratios"]["cpu_seconds"] == pytest.approx(8 / 11)
    assert record["ratios"]["seconds_total"] == pytest.approx(16 / 25)
    saved = json.loads((tmp_path / "out" / "comparisons.json").read_text(encoding="utf-8"))
    assert saved[-1]["ratios"] == record["ratios"]


def test_sides_whose_reports_differ_are_not_compared(
    tmp_path: Path, checkout: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    extract = tmp_path / "extract.csv"
    extract.write_bytes(b"x")
    _runs(monkeypatch, [_figures(10, 20), _figures(8, 15, kept=89)])

    with pytest.raises(SystemExit, match="rows_kept, rejected"):
        import_bench.compare(extract, tmp_path / "out", checkout, repeat=1, file_buckets=False)
    assert not (tmp_path / "out" / "comparisons.json").exists()


def test_a_baseline_that_is_no_checkout_of_the_project_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a checkout"):
        import_bench.compare(tmp_path / "x.csv", tmp_path / "out", tmp_path, repeat=1, file_buckets=False)
