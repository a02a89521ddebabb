"""Kept linked decisions: read instead of decided, only for the very counts, threshold and rules they were made on."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from metrics import privacy
from store.results import Results
from views import cells as cell_views
from views import kept_decisions
from views.cells import indicator_cells, linked_to_keep
from views.indicators import INDICATORS

from .builders import access_rows, nps_rows, results

#: Two counties and the country, January and February 2025, doctors and nurses: county 02's January doctors
#: have 3 visits (hidden by the primary rule), so partners are hidden around it.
_ACCESS = [
    (region, "", profession, month, days, n, within)
    for region, scale in (("01", 4), ("02", 1), ("SSS", 5))
    for profession in ("all", "doctor", "nurse")
    for month, base in (("2025-01", 3), ("2025-02", 12))
    for days, n, within in (
        (7, base * scale * (2 if profession == "all" else 1), base * scale),
        (14, base * scale * (2 if profession == "all" else 1), base * scale + 1),
    )
]
_NPS = [
    (region, "", month, "patient", promoters, 6, 7)
    for region, promoters in (("01", 9), ("02", 2), ("SSS", 11))
    for month in ("2025-01", "2025-02")
]


def _results(**frames: pl.DataFrame) -> Results:
    return results(access=access_rows(_ACCESS), nps=nps_rows(_NPS), **frames)


def _kept(data: Results, threshold: int = 5) -> Results:
    """``data`` as a store that keeps its decisions would load it."""
    return _results(linked_suppression=linked_to_keep(data, threshold).with_columns(pl.lit("sample").alias("dataset")))


@pytest.fixture
def deciding(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts every time the linked step decides (instead of reading a kept decision)."""
    calls: list[int] = []
    real = privacy.suppress_linked

    def spy(*args: object, **kwargs: object) -> pl.DataFrame:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cell_views, "suppress_linked", spy)
    return calls


@pytest.mark.parametrize("key", ["access_7d", "access_14d", "nps"])
def test_the_pages_read_the_kept_decisions_and_show_what_deciding_would(key: str, deciding: list[int]) -> None:
    decided = indicator_cells(_results(), INDICATORS[key], grain="month", threshold=5)
    assert deciding, "deciding afresh runs the linked step"
    assert decided["suppressed"].any(), "the example hides cells"
    kept = _kept(_results())
    deciding.clear()

    read = indicator_cells(kept, INDICATORS[key], grain="month", threshold=5)

    assert deciding == []
    assert_frame_equal(read, decided)


def test_every_kept_row_names_its_family_threshold_and_inputs() -> None:
    rows = linked_to_keep(_results(), 5)
    assert sorted(rows["family"].unique().to_list()) == ["access", "nps"]
    assert rows["threshold"].unique().to_list() == [5]
    assert rows.group_by("family").agg(pl.col("inputs").n_unique())["inputs"].to_list() == [1, 1]
    assert rows.filter(pl.col("family") == "access")["suppressed"].any()


def test_kept_decisions_of_other_counts_are_not_used(deciding: list[int]) -> None:
    kept = _kept(_results())
    changed = [(*row[:6], row[6] + 1) if row[0] == "01" and row[4] == 7 else row for row in _ACCESS]
    data = results(access=access_rows(changed), nps=nps_rows(_NPS), linked_suppression=kept.linked_suppression)
    deciding.clear()

    cells = indicator_cells(data, INDICATORS["access_7d"], grain="month", threshold=5)

    assert deciding, "decided again: the kept decision is of other counts"
    assert_frame_equal(
        cells,
        indicator_cells(results(access=access_rows(changed)), INDICATORS["access_7d"], grain="month", threshold=5),
    )


def test_kept_decisions_of_another_threshold_are_not_used(deciding: list[int]) -> None:
    data = _kept(_results(), threshold=5)
    deciding.clear()
    indicator_cells(data, INDICATORS["access_7d"], grain="month", threshold=3)
    assert deciding


def test_a_kept_decision_missing_a_cell_is_not_used(deciding: list[int]) -> None:
    stored = linked_to_keep(_results(), 5)
    data = _results(linked_suppression=stored.slice(1))
    deciding.clear()
    indicator_cells(data, INDICATORS["access_7d"], grain="month", threshold=5)
    assert deciding


def test_the_fingerprint_is_of_the_counts_not_their_order() -> None:
    frame = pl.DataFrame({"k": ["a", "b", "c"], "n": [1, 2, 3]})
    same = kept_decisions.fingerprint(frame.reverse(), family="access", threshold=5, keys=["k"])
    assert kept_decisions.fingerprint(frame, family="access", threshold=5, keys=["k"]) == same
    others = {
        kept_decisions.fingerprint(frame, family="nps", threshold=5, keys=["k"]),
        kept_decisions.fingerprint(frame, family="access", threshold=6, keys=["k"]),
        kept_decisions.fingerprint(frame.with_columns(n=pl.col("n") + 1), family="access", threshold=5, keys=["k"]),
    }
    assert same not in others
    assert len(others) == 3
