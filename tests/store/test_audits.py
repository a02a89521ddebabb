"""Audit summaries are kept per role, data set and store version; the latest one is only valid for its data set and
the store as it is."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from store import tables
from store.audits import AuditRecord, latest_audit, save_audit
from store.results import store_version

RAN_AT = dt.datetime(2026, 12, 1, 9, 0)


def record(engine: sa.Engine, **changes: object) -> AuditRecord:
    base = AuditRecord(
        role="public",
        dataset="sample",
        scope="",
        threshold=5,
        cells_seen=120,
        cells_hidden=30,
        findings=0,
        store_version=store_version(engine),
        seconds=1.5,
        ran_at=RAN_AT,
        findings_by_kind={},
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_no_audit_is_known_before_one_is_saved(engine: sa.Engine) -> None:
    assert latest_audit(engine, "public", "sample") is None


def test_a_saved_audit_is_read_back_whole(engine: sa.Engine) -> None:
    saved = record(engine, role="county", scope="HV01", findings=3, findings_by_kind={"narrow": 2, "shown_small": 1})
    save_audit(engine, saved)
    assert latest_audit(engine, "county", "sample") == saved
    assert latest_audit(engine, "public", "sample") is None


def test_the_newest_audit_of_a_role_is_the_latest(engine: sa.Engine) -> None:
    save_audit(engine, record(engine, findings=4, findings_by_kind={"narrow": 4}))
    newer = record(engine, ran_at=RAN_AT + dt.timedelta(hours=1))
    save_audit(engine, newer)
    latest = latest_audit(engine, "public", "sample")
    assert latest == newer
    assert latest is not None
    assert latest.passed


def test_an_audit_of_an_earlier_store_version_is_not_the_latest(engine: sa.Engine) -> None:
    save_audit(engine, record(engine))
    with engine.begin() as connection:  # a refresh lands: the store's version changes
        connection.execute(tables.indicators.insert().values(source="sotkanet", indicator_id="5081", fetched_at=RAN_AT))
    assert latest_audit(engine, "public", "sample") is None


def test_an_audit_of_the_sample_is_not_the_latest_of_a_real_data_set(engine: sa.Engine) -> None:
    save_audit(engine, record(engine, dataset="sample"))
    assert latest_audit(engine, "public", "Oma 2025") is None
    assert latest_audit(engine, "public", "sample") is not None


def test_each_data_sets_latest_audit_is_its_own(engine: sa.Engine) -> None:
    save_audit(engine, record(engine, dataset="Oma 2025", findings=2, findings_by_kind={"narrow": 2}))
    save_audit(engine, record(engine, dataset="sample", ran_at=RAN_AT + dt.timedelta(hours=1)))  # newer, other set
    real = latest_audit(engine, "public", "Oma 2025")
    assert real is not None
    assert (real.dataset, real.findings) == ("Oma 2025", 2)


def test_an_audit_that_does_not_name_its_data_set_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInputError, match="data set it audited"):
        save_audit(engine, record(engine, dataset=tables.UNATTRIBUTED_AUDIT))
    assert latest_audit(engine, "public", "sample") is None


def test_an_audit_is_looked_up_for_a_named_data_set_only(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInputError, match="named data set"):
        latest_audit(engine, "public", "")


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "everyone"},  # not a role
        {"findings": -1},  # counts are at least 0
        {"threshold": 0},  # the threshold is at least 1
    ],
)
def test_an_invalid_audit_is_refused_and_nothing_is_stored(engine: sa.Engine, changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInputError):
        save_audit(engine, record(engine, **changes))
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(tables.audits)).scalar_one() == 0
