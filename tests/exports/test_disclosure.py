"""The output check report: counts of hidden cells by rule, small counts shown, the audit and the result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInputError
from exports.disclosure import check_report
from store.audits import AuditRecord, latest_audit, save_audit
from store.engine import create_store_engine
from store.migrations import migrate
from store.results import store_version

RAN_AT = dt.datetime(2026, 12, 7, 9, 5)


@dataclass(frozen=True)
class Audit:
    role: str = "public"
    dataset: str = "sample"
    threshold: int = 5
    findings: int = 0
    ran_at: dt.datetime = RAN_AT


def cells(n: list[int | None], by: list[str | None] | None = None) -> pl.DataFrame:
    """One row per count; a null count is a hidden cell (its rule in ``by`` when given)."""
    frame = pl.DataFrame({"n": n, "value": [0.5] * len(n)}, schema={"n": pl.Int64, "value": pl.Float64})
    frame = frame.with_columns(pl.col("n").is_null().alias("suppressed"))
    if by is not None:
        frame = frame.with_columns(pl.Series("suppressed_by", by, dtype=pl.String))
    return frame


# -- counting the cells


def test_hidden_cells_are_counted_by_the_rule_that_hid_them() -> None:
    report = check_report(
        cells([10, None, None, 7, None], [None, "primary", "secondary", None, "primary"]),
        threshold=5,
        role="public",
        audit=Audit(),
    )
    assert (report.cells, report.hidden, report.shown) == (5, 3, 2)
    assert (report.primary, report.secondary) == (2, 1)


def test_without_suppressed_by_the_rule_is_said_to_be_unknown() -> None:
    report = check_report(cells([10, None]), threshold=5, role="public", audit=Audit())
    assert (report.primary, report.secondary) == (None, None)
    assert "Which rule hid each cell is not recorded in this table." in report.lines("en")


def test_a_hidden_cell_without_its_rule_makes_the_split_unknown_rather_than_wrong() -> None:
    report = check_report(cells([None, None], ["primary", None]), threshold=5, role="public", audit=Audit())
    assert (report.primary, report.secondary) == (None, None)


def test_a_frame_without_a_suppressed_column_has_no_hidden_cells() -> None:
    report = check_report(pl.DataFrame({"value": [1.0, 2.0]}), threshold=5, role="public", audit=Audit())
    assert (report.cells, report.hidden, report.small_shown) == (2, 0, 0)


@pytest.mark.parametrize(
    ("counts", "small"),
    [
        ([5, 6, 100], 0),  # the threshold itself is shown
        ([4, 6, 100], 1),  # one under it
        ([0, 1, 100], 2),  # zero is a small count too
        ([None, 1000], 0),  # hidden cells are not shown
    ],
)
def test_shown_counts_under_the_threshold_are_counted_from_the_cells(counts: list[int | None], small: int) -> None:
    report = check_report(cells(counts), threshold=5, role="public", audit=Audit())
    assert report.small_shown == small
    assert (report.outcome == "fail") == bool(small)


def test_every_count_column_is_checked_not_only_n() -> None:
    frame = pl.DataFrame({"n": [100], "n_within": [3], "suppressed": [False]})
    assert check_report(frame, threshold=5, role="public", audit=Audit()).small_shown == 1


# -- the audit and the result


@pytest.mark.parametrize(
    ("audit", "outcome"),
    [
        (Audit(), "pass"),
        (None, "review"),  # nothing wrong seen, but no audit covers this store version
        (Audit(threshold=3), "review"),  # an audit at another threshold does not cover the file
        (Audit(findings=2), "fail"),
    ],
)
def test_the_outcome_follows_the_audit(audit: Audit | None, outcome: str) -> None:
    assert check_report(cells([10, None]), threshold=5, role="public", audit=audit).outcome == outcome


def test_not_audited_is_said_plainly_in_each_language() -> None:
    report = check_report(cells([10]), threshold=5, role="county", audit=None)
    assert "not audited" in report.text("en")
    assert "ei auditoitu" in report.text("fi")
    assert "inte granskad" in report.text("sv")


def test_an_audit_of_another_role_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="'analyst' role"):
        check_report(cells([10]), threshold=5, role="public", audit=Audit(role="analyst"))


def test_an_audit_of_another_data_set_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="data set 'sample', but the export is of 'Oma 2025'"):
        check_report(cells([10]), threshold=5, role="public", audit=Audit(dataset="sample"), dataset="Oma 2025")


@pytest.mark.parametrize(("threshold", "role"), [(0, "public"), (5, "admin")])
def test_a_bad_threshold_or_role_is_refused(threshold: int, role: str) -> None:
    with pytest.raises(InvalidInputError):
        check_report(cells([10]), threshold=threshold, role=role, audit=None)


# -- the text


def test_the_english_report_reads_in_full() -> None:
    report = check_report(
        cells([1200, None, None, 80], [None, "primary", "secondary", None]),
        threshold=5,
        role="public",
        audit=Audit(),
    )
    assert report.lines("en") == [
        "Output check (disclosure control)",
        "Rules: primary suppression hides every cell with fewer than 5 observations (zero included); secondary "
        "suppression hides further cells so that no hidden value can be worked out from totals and their parts "
        "(months, quarters and years; health centres, wellbeing services counties and the whole country; "
        "professions; wait bands and NPS classes).",
        "Threshold (smallest count shown): 5",
        "Viewer's role: public",
        "The export holds 4 cells: 2 shown, 2 hidden.",
        "Hidden by the primary rule: 1; by the secondary rule: 1.",
        "Cells shown with fewer than 5 observations: 0",
        "Audit: passed on 7 Dec 2026, 09:05 for the public role (threshold 5): no hidden count can be narrowed to "
        "a range under the threshold, and no count under it is shown.",
        "Result: pass.",
    ]


def test_the_finnish_report_counts_findings_with_the_right_plural_and_grouping() -> None:
    report = check_report(cells([1200] * 1234), threshold=5, role="analyst", audit=Audit(role="analyst", findings=1))
    text = report.text("fi")
    assert "Tulosteessa on 1\u202f234 solua" in text
    assert "1 löydös:" in text
    assert "Katselijan rooli: analyytikko" in text
    assert text.rstrip().endswith("älä julkaise tiedostoa.")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_line_is_in_the_language_and_none_is_empty(language: str) -> None:
    for audit in (None, Audit(), Audit(findings=3), Audit(threshold=10)):
        lines = check_report(cells([10, None], [None, "primary"]), threshold=5, role="public", audit=audit).lines(
            language
        )
        assert all(line.strip() for line in lines)
        assert "{" not in "".join(lines)


@given(st.lists(st.one_of(st.none(), st.integers(0, 50)), max_size=40), st.integers(1, 20))
def test_shown_plus_hidden_is_every_cell_and_small_is_within_shown(counts: list[int | None], threshold: int) -> None:
    report = check_report(cells(counts), threshold=threshold, role="public", audit=None)
    assert report.shown + report.hidden == report.cells == len(counts)
    assert 0 <= report.small_shown <= report.shown
    assert report.small_shown == sum(1 for n in counts if n is not None and n < threshold)


# -- with the store's recorded audits (that a change of the store makes the latest audit None is tested with them)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    migrate(engine)
    yield engine
    engine.dispose()


def recorded(engine: sa.Engine, *, findings: int = 0, threshold: int = 5, dataset: str = "sample") -> AuditRecord:
    return AuditRecord(
        role="public",
        dataset=dataset,
        scope="",
        threshold=threshold,
        cells_seen=100,
        cells_hidden=10,
        findings=findings,
        store_version=store_version(engine),
        seconds=1.0,
        ran_at=RAN_AT,
    )


def test_the_stores_latest_audit_of_the_role_is_what_the_report_says(store: sa.Engine) -> None:
    unaudited = latest_audit(store, "public", "sample")
    assert check_report(cells([10]), threshold=5, role="public", audit=unaudited).outcome == "review"
    save_audit(store, recorded(store))
    audit = latest_audit(store, "public", "sample")
    report = check_report(cells([10]), threshold=5, role="public", audit=audit, dataset="sample")
    assert report.outcome == "pass"
    assert "Audit: passed on 7 Dec 2026, 09:05 for the public role" in report.text("en")


def test_an_audit_of_the_sample_is_not_reported_for_a_real_data_sets_export(store: sa.Engine) -> None:
    """A store holds the sample and a real data set; only the sample was audited, with no findings."""
    save_audit(store, recorded(store, dataset="sample"))

    audit = latest_audit(store, "public", "Oma 2025")
    report = check_report(cells([10]), threshold=5, role="public", audit=audit, dataset="Oma 2025")

    assert report.outcome == "review"
    assert "not audited" in report.text("en")
