"""The disclosure audits run on a store (``python -m pipeline audit``): one summary row per role, data set and run.

Storage only. The audit itself is :mod:`pipeline.audit`; it records its summary
here with :func:`save_audit`, and the export check reports read the latest one
of the role and of the data set the export shows with :func:`latest_audit`,
which answers None when the store has changed since (an import or a refresh
landed: the audit no longer describes it). A store holds several data sets
(:mod:`store.datasets`): an audit of one never stands for another's.
The rows hold counts only: never a cell's key, a patient or a professional.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from core.errors import InvalidInputError
from store import tables
from store.engine import read_snapshot, write_transaction
from store.results import store_version

ROLES = ("public", "county", "analyst")


@dataclass(frozen=True)
class AuditRecord:
    """One role's audit of one data set at one store version.

    ``dataset`` is the data set audited (old audits of a store that held more than the sample are kept under
    :data:`store.tables.UNATTRIBUTED_AUDIT`, reported for no data set); ``scope`` the county audited for the
    county role ('' for the others);
    ``cells_seen`` the counts the role sees, ``cells_hidden`` the ones shown suppressed; ``findings`` the counts an
    attacker can narrow below the threshold or sees under it (0 when the suppression holds), by kind in
    ``findings_by_kind``; ``seconds`` the audit's run time for the role; ``ran_at`` when it finished (UTC, naive).
    """

    role: str
    scope: str
    threshold: int
    cells_seen: int
    cells_hidden: int
    findings: int
    store_version: str
    seconds: float
    ran_at: dt.datetime
    dataset: str
    findings_by_kind: Mapping[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.findings == 0


def save_audit(engine: sa.Engine, record: AuditRecord) -> None:
    """Store ``record`` (every run is kept; :func:`latest_audit` reads the newest)."""
    if record.role not in ROLES:
        raise InvalidInputError(f"audit role must be one of {', '.join(ROLES)}, got {record.role!r}")
    if not record.dataset:
        raise InvalidInputError("an audit names the data set it audited; got none")
    counts = (record.cells_seen, record.cells_hidden, record.findings)
    if min(counts) < 0 or record.threshold < 1:
        raise InvalidInputError(
            f"an audit's counts are at least 0 and its threshold at least 1, got {counts} and {record.threshold}"
        )
    with write_transaction(engine) as connection:
        connection.execute(
            tables.audits.insert().values(
                role=record.role,
                dataset=record.dataset,
                scope=record.scope,
                threshold=record.threshold,
                cells_seen=record.cells_seen,
                cells_hidden=record.cells_hidden,
                findings=record.findings,
                findings_by_kind=json.dumps(dict(sorted(record.findings_by_kind.items()))),
                store_version=record.store_version,
                seconds=record.seconds,
                ran_at=record.ran_at,
            )
        )


def latest_audit(engine: sa.Engine, role: str, dataset: str) -> AuditRecord | None:
    """The newest audit of ``role`` on ``dataset`` (the data set the export shows: ``Results.dataset``) of the store
    as it is now; None when never run on that data set or the store changed since."""
    if not dataset:
        raise InvalidInputError("an audit is looked up for a named data set (the one the export shows), got ''")
    table = tables.audits
    with read_snapshot(engine) as connection:
        row = connection.execute(
            sa.select(table)
            .where(table.c.role == role, table.c.dataset == dataset)
            .order_by(table.c.ran_at.desc(), table.c.id.desc())
            .limit(1)
        ).first()
    if row is None or row.store_version != store_version(engine):
        return None
    return AuditRecord(
        role=row.role,
        dataset=row.dataset,
        scope=row.scope,
        threshold=row.threshold,
        cells_seen=row.cells_seen,
        cells_hidden=row.cells_hidden,
        findings=row.findings,
        store_version=row.store_version,
        seconds=row.seconds,
        ran_at=row.ran_at,
        findings_by_kind=json.loads(row.findings_by_kind),
    )
