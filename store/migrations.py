"""Versioned schema migrations, applied in order, each in its own transaction.

A migration that fails leaves the store at the version before it: its DDL is
rolled back with it. PostgreSQL's DDL is transactional anyway; on SQLite the
Python driver starts a transaction only before a data change, so a
``CREATE TABLE`` or ``ALTER TABLE`` run first would be committed at once.
Each migration therefore runs in :func:`store.engine.write_transaction`, which
issues ``BEGIN`` itself (on SQLite ``BEGIN IMMEDIATE``: other writers wait).

Migration 1 creates the tables of ``store/tables.py`` as they stood at
version 1. To change the schema later: copy the affected version-1 table
definitions into a frozen helper here first, then edit ``tables.py`` and add
a migration that alters the database to match. A test migrates an empty
database and compares it with ``tables.py``, so a forgotten step fails there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from store import measure_tables, tables
from store.engine import write_transaction


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    upgrade: Callable[[sa.Connection], None]


#: Tables created by a later migration than the first, which must not create them.
_ADDED_LATER = (
    tables.coc_distribution_results,
    tables.import_failures,
    tables.audits,
    tables.linked_suppression,
    *measure_tables.MEASURE_TABLES,
)

#: Version-1 definitions of the tables a later migration altered (frozen: never edit these).
_VERSION_ONE = sa.MetaData()
_INDICATORS_V1 = sa.Table(
    "indicators",
    _VERSION_ONE,
    sa.Column("source", sa.String(32), primary_key=True),
    sa.Column("indicator_id", sa.String(64), primary_key=True),
    sa.Column("title_fi", sa.Text),
    sa.Column("title_sv", sa.Text),
    sa.Column("title_en", sa.Text),
    sa.Column("description_fi", sa.Text),
    sa.Column("description_sv", sa.Text),
    sa.Column("description_en", sa.Text),
    sa.Column("organization", sa.Text),
    sa.Column("data_updated", sa.Date),
    sa.Column("decimals", sa.Integer),
    sa.Column("limits", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("licence", sa.Text),
    sa.Column("fetched_at", sa.DateTime, nullable=False),
)
_ALTERED_LATER = {"indicators": _INDICATORS_V1}

#: Version-1 and version-2 definitions of the visit aggregates, before migration 6 added their service-type
#: scope (frozen: never edit these).
_CELL_V1 = (
    ("region_code", sa.String(4)),
    ("unit_id", sa.String(64)),
    ("profession", sa.String(8)),
    ("period", sa.String(16)),
)
_ACCESS_RESULTS_V1 = sa.Table(
    "access_results",
    _VERSION_ONE,
    *(sa.Column(name, kind, primary_key=True) for name, kind in _CELL_V1),
    sa.Column("days", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n_visits", sa.Integer, nullable=False),
    sa.Column("n_eligible", sa.Integer, nullable=False),
    sa.Column("n_within", sa.Integer, nullable=False),
    sa.Column("share", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("median_wait_days", sa.Float),
    sa.Column("n_urgent", sa.Integer, nullable=False),
    sa.Column("n_missing_urgency", sa.Integer, nullable=False),
    sa.Column("n_missing_assessment", sa.Integer, nullable=False),
    sa.Column("n_negative_wait", sa.Integer, nullable=False),
)
_CONTINUITY_RESULTS_V1 = sa.Table(
    "continuity_results",
    _VERSION_ONE,
    *(sa.Column(name, kind, primary_key=True) for name, kind in _CELL_V1),
    sa.Column("n_patients", sa.Integer, nullable=False),
    sa.Column("n_eligible", sa.Integer, nullable=False),
    sa.Column("n_visits", sa.Integer, nullable=False),
    sa.Column("n_missing_provider", sa.Integer, nullable=False),
    sa.Column("mean_coc", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
    sa.Column("visit_weighted_coc", sa.Float),
    sa.Column("mean_upc", sa.Float),
    sa.Column("mean_secon", sa.Float),
)
_T3_RESULTS_V1 = sa.Table(
    "t3_results",
    _VERSION_ONE,
    *(sa.Column(name, kind, primary_key=True) for name, kind in _CELL_V1),
    sa.Column("n_books", sa.Integer, nullable=False),
    sa.Column("n_censored", sa.Integer, nullable=False),
    sa.Column("t3_median_days", sa.Float),
    sa.Column("t3_median_days_thl", sa.Float),
)
_NPS_RESULTS_V1 = sa.Table(
    "nps_results",
    _VERSION_ONE,
    *(sa.Column(name, kind, primary_key=True) for name, kind in _CELL_V1),
    sa.Column("respondent", sa.String(8), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("n_invalid", sa.Integer, nullable=False),
    sa.Column("promoters", sa.Integer, nullable=False),
    sa.Column("passives", sa.Integer, nullable=False),
    sa.Column("detractors", sa.Integer, nullable=False),
    sa.Column("nps", sa.Float),
    sa.Column("ci_low", sa.Float),
    sa.Column("ci_high", sa.Float),
)
_IMPORTS_V1 = sa.Table(
    "imports",
    _VERSION_ONE,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("layout", sa.String(16), nullable=False),
    sa.Column("rows_read", sa.Integer, nullable=False),
    sa.Column("rows_rejected", sa.Integer, nullable=False),
    sa.Column("parquet_path", sa.Text, nullable=False),
    sa.Column("report_json", sa.Text, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
    sa.Column("imported_by", sa.Text, nullable=False),
    sa.UniqueConstraint("table_name", "checksum", name="uq_imports_table_checksum"),
)
_ALTERED_LATER.update(
    {
        "access_results": _ACCESS_RESULTS_V1,
        "continuity_results": _CONTINUITY_RESULTS_V1,
        "t3_results": _T3_RESULTS_V1,
        "nps_results": _NPS_RESULTS_V1,
        "imports": _IMPORTS_V1,
    }
)

#: The COC distribution as migration 2 creates it (frozen).
_VERSION_TWO = sa.MetaData()
_COC_DISTRIBUTION_V2 = sa.Table(
    "coc_distribution_results",
    _VERSION_TWO,
    sa.Column("region_code", sa.String(4), primary_key=True),
    sa.Column("profession", sa.String(8), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("bin", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("n", sa.Integer, nullable=False),
)

#: The failed-imports table as migration 4 creates it (frozen: a later change gets a migration of its own).
_VERSION_FOUR = sa.MetaData()
_IMPORT_FAILURES_V4 = sa.Table(
    "import_failures",
    _VERSION_FOUR,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("failed_at", sa.DateTime, nullable=False),
    sa.Column("error", sa.Text, nullable=False),
    sa.Column("error_id", sa.String(16), nullable=False),
)


def _initial_schema(connection: sa.Connection) -> None:
    version_one = [
        _ALTERED_LATER.get(table.name, table)
        for table in tables.metadata.sorted_tables
        if table is not tables.schema_version and table not in _ADDED_LATER
    ]
    for table in version_one:
        table.create(connection)


def _coc_distribution_table(connection: sa.Connection) -> None:
    """A store from before version 2 has no distribution rows until its next visit import; the county
    page computes the distribution from the visits meanwhile."""
    _COC_DISTRIBUTION_V2.create(connection)


def _recorded_flag(connection: sa.Connection) -> None:
    """Mark the series that are still the bundled copies, so their charts can say so.

    A store from before version 3 loaded those copies on its first start, all with one fetch time, the
    earliest in the table; a live refresh rewrote a series with its own, later time. So the series whose
    fetch time is the earliest are marked recorded. Where that errs (a store whose first series were all
    fetched live at once), it errs towards the sample badge, and the next refresh replaces them anyway.
    """
    connection.execute(sa.text("ALTER TABLE indicators ADD COLUMN recorded BOOLEAN NOT NULL DEFAULT FALSE"))
    first = sa.select(sa.func.min(tables.indicators.c.fetched_at)).scalar_subquery()
    connection.execute(tables.indicators.update().where(tables.indicators.c.fetched_at == first).values(recorded=True))


def _import_failures_table(connection: sa.Connection) -> None:
    """Failed imports were marker files in the data directory, never pruned; they are recorded here now, and the
    markers a store still has are moved in on its next start (:func:`pipeline.imports.recover_interrupted_imports`)."""
    _IMPORT_FAILURES_V4.create(connection)


def _retrieved_date(connection: sa.Connection) -> None:
    """The bundled copies that hold THL's published values carry the day they were copied; the examples with
    made-up numbers do not. A store from before version 5 holds only the made-up examples, so every row
    stays null (sample badge) until a refresh or a new store loads the real copies."""
    connection.execute(sa.text("ALTER TABLE indicators ADD COLUMN retrieved DATE"))


#: The aggregates of visits that carry their service-type scope from version 6 on.
_SCOPED_RESULTS = ("access_results", "continuity_results", "coc_distribution_results")


def _service_type_scope(connection: sa.Connection) -> None:
    """Access and continuity are computed on curative outpatient visits (T11) from version 6 on, and every row
    says which service types it covers. The rows a store holds from before were computed on every service type,
    so they read ``all`` until the next import or ``python -m pipeline aggregate`` recomputes them."""
    for name in _SCOPED_RESULTS:
        connection.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN service_types VARCHAR(64) NOT NULL DEFAULT 'all'"))


def _min_visits(connection: sa.Connection) -> None:
    """Every continuity figure records the fewest visits a patient needed to count (THL's own threshold is not
    known, so it is a parameter). The figures stored before version 7 all used 2."""
    for name in ("continuity_results", "coc_distribution_results"):
        connection.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN min_visits INTEGER NOT NULL DEFAULT 2"))


#: The result tables that exist at version 7 and get the data set column at version 8 (part of their key).
_RESULTS_AT_V7 = ("access_results", "continuity_results", "t3_results", "nps_results", "coc_distribution_results")
#: The migration that keeps data sets apart (a store migrated past it has each data set's results of its own).
DATASETS_MIGRATION = 8
#: The data set of the imports a store holds from before version 8 that are not the sample's.
IMPORTED_BEFORE_DATASETS = "imported"
SAMPLE_IMPORTER_V7 = "synthetic sample data generator"  # imports.imported_by of the sample's imports (frozen)


def _datasets(connection: sa.Connection) -> None:
    """Every import and every result cell belongs to one data set: the synthetic sample, or a named set of
    imported extracts, whose results are never blended. The sample's imports become ``sample``; the others, which
    a store from before version 8 blended with the sample, become ``imported``. The result tables get the data
    set in their key (rebuilt: neither store alters a primary key in place). Their rows are the sample's when the
    store holds only the sample; otherwise they blend both and are dropped, and
    :func:`pipeline.bootstrap.open_store` recomputes each data set's results on the same start.
    """
    connection.execute(
        sa.text(f"ALTER TABLE imports ADD COLUMN dataset VARCHAR(64) NOT NULL DEFAULT '{tables.SAMPLE_DATASET}'")
    )
    connection.execute(
        sa.text("UPDATE imports SET dataset = :imported WHERE imported_by <> :sample"),
        {"imported": IMPORTED_BEFORE_DATASETS, "sample": SAMPLE_IMPORTER_V7},
    )
    blended = connection.execute(
        sa.text("SELECT 1 FROM imports WHERE dataset <> :sample LIMIT 1"), {"sample": tables.SAMPLE_DATASET}
    ).first()
    for name in _RESULTS_AT_V7:
        _rebuild_with_dataset(connection, name, keep_rows=blended is None)


def _rebuild_with_dataset(connection: sa.Connection, name: str, *, keep_rows: bool) -> None:
    """``name`` rebuilt as it stands (read from the database) with ``dataset`` first in its key."""
    old = sa.Table(name, sa.MetaData(), autoload_with=connection)
    rebuilt_name = f"{name}_v8"
    columns = [sa.Column(tables.DATASET, sa.String(64), primary_key=True)]
    for column in old.columns:
        default = column.server_default.arg if isinstance(column.server_default, sa.DefaultClause) else None
        if default is not None and not isinstance(default, str):
            default = sa.text(str(default))
        columns.append(
            sa.Column(
                column.name,
                column.type,
                primary_key=column.primary_key,
                autoincrement=False,
                nullable=column.nullable,
                server_default=default,
            )
        )
    rebuilt = sa.Table(rebuilt_name, sa.MetaData(), *columns)
    rebuilt.create(connection)
    if keep_rows:
        names = [column.name for column in old.columns]
        connection.execute(
            rebuilt.insert().from_select(
                [tables.DATASET, *names],
                sa.select(sa.literal(tables.SAMPLE_DATASET), *(old.c[n] for n in names)),
            )
        )
    old.drop(connection)
    connection.execute(sa.text(f"ALTER TABLE {rebuilt_name} RENAME TO {name}"))


#: The audits table as migration 10 creates it (frozen: a later change gets a migration of its own).
_VERSION_TEN = sa.MetaData()
_AUDITS_V10 = sa.Table(
    "audits",
    _VERSION_TEN,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("threshold", sa.Integer, nullable=False),
    sa.Column("cells_seen", sa.Integer, nullable=False),
    sa.Column("cells_hidden", sa.Integer, nullable=False),
    sa.Column("findings", sa.Integer, nullable=False),
    sa.Column("findings_by_kind", sa.Text, nullable=False),
    sa.Column("store_version", sa.Text, nullable=False),
    sa.Column("seconds", sa.Float, nullable=False),
    sa.Column("ran_at", sa.DateTime, nullable=False),
)


def _audits_table(connection: sa.Connection) -> None:
    """Each disclosure audit's summary per role is kept with the store version it audited; a store from before
    version 10 has none until ``python -m pipeline audit`` runs."""
    _AUDITS_V10.create(connection)


#: The measures' tables as migration 9 creates them (frozen: a later change gets a migration of its own). It was
#: written after migration 8, so their cells carry the data set.
_VERSION_NINE = sa.MetaData()


def _cell_v9() -> list[sa.Column[Any]]:
    return [sa.Column(name, kind, primary_key=True) for name, kind in (("dataset", sa.String(64)), *_CELL_V1)]


def _counts_v9(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Integer, nullable=False) for name in names]


def _floats_v9(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Float) for name in names]


def _age_group_v9() -> sa.Column[str]:
    return sa.Column("age_group", sa.String(8), primary_key=True)


def _scope_v9() -> sa.Column[str]:
    return sa.Column("service_types", sa.String(64), nullable=False, server_default="all")


_MEASURES_V9 = (
    sa.Table(
        "remote_results",
        _VERSION_NINE,
        *_cell_v9(),
        _age_group_v9(),
        *_counts_v9("n_visits", "n_eligible", "n_remote"),
        *_floats_v9("share", "ci_low", "ci_high"),
        *_counts_v9("n_in_person", "n_phone", "n_video", "n_message", "n_home"),
        *_counts_v9("n_urgent", "n_missing_urgency", "n_missing_mode"),
        _scope_v9(),
    ),
    sa.Table(
        "access_age_results",
        _VERSION_NINE,
        *_cell_v9(),
        _age_group_v9(),
        sa.Column("days", sa.Integer, primary_key=True, autoincrement=False),
        *_counts_v9("n_visits", "n_eligible", "n_within"),
        *_floats_v9("share", "ci_low", "ci_high", "median_wait_days"),
        *_counts_v9("n_urgent", "n_missing_urgency", "n_missing_assessment", "n_negative_wait"),
        _scope_v9(),
    ),
    sa.Table(
        "continuity_age_results",
        _VERSION_NINE,
        *_cell_v9(),
        _age_group_v9(),
        *_counts_v9("n_patients", "n_eligible", "n_visits", "n_missing_provider"),
        *_floats_v9("mean_coc", "ci_low", "ci_high", "visit_weighted_coc", "mean_upc", "mean_secon"),
        sa.Column("min_visits", sa.Integer, nullable=False, server_default="2"),
        _scope_v9(),
    ),
    sa.Table(
        "heavy_user_results",
        _VERSION_NINE,
        *_cell_v9(),
        *_counts_v9("n_patients", "n_heavy"),
        *_floats_v9("patient_share", "patient_ci_low", "patient_ci_high"),
        *_counts_v9("n_visits", "n_heavy_visits"),
        *_floats_v9("visit_share"),
        *_counts_v9("heavy_n_eligible"),
        *_floats_v9("heavy_mean_coc", "heavy_coc_ci_low", "heavy_coc_ci_high"),
        *_counts_v9("other_n_eligible"),
        *_floats_v9("other_mean_coc", "other_coc_ci_low", "other_coc_ci_high"),
        sa.Column("threshold", sa.Integer, nullable=False),
        _scope_v9(),
    ),
    sa.Table(
        "named_provider_results",
        _VERSION_NINE,
        *_cell_v9(),
        *_counts_v9("n_visits", "n_covered", "n_named"),
        *_floats_v9("share", "ci_low", "ci_high", "coverage"),
        *_counts_v9("n_patients", "n_patients_assigned"),
        *_floats_v9("patient_coverage", "patient_ci_low", "patient_ci_high"),
        *_counts_v9("n_other_profession", "n_not_assigned", "n_missing_provider"),
        _scope_v9(),
    ),
    sa.Table(
        "list_size_results",
        _VERSION_NINE,
        *(column for column in _cell_v9() if column.name != "profession"),
        sa.Column("provider_kind", sa.String(8), primary_key=True),
        *_counts_v9("n_assigned", "n_providers"),
        *_floats_v9("median_list_size"),
        *_counts_v9("n_below_guide", "n_within_guide", "n_above_guide"),
        sa.Column("at", sa.Date, nullable=False),
        *_counts_v9("guide_low", "guide_high"),
    ),
)


def _measure_tables(connection: sa.Connection) -> None:
    """The remote share, age groups, heavy users and named providers get their result tables; a store from
    before version 9 has them empty until its next visit import or ``python -m pipeline aggregate``."""
    for table in _MEASURES_V9:
        table.create(connection)


def _audited_dataset(connection: sa.Connection) -> None:
    """Every audit names the data set it audited, so that an export of one data set never reports another's
    audit. On a store holding only the sample's imports, the audits it has from before version 11 can only be the
    sample's. On a store holding a real data set too they may be either (the audit command audited the data set
    the pages show first, and later the one ``--dataset`` named) and are left unattributed: no export reports
    them, and the next ``python -m pipeline audit`` records its data set."""
    connection.execute(
        sa.text(f"ALTER TABLE audits ADD COLUMN dataset VARCHAR(64) NOT NULL DEFAULT '{tables.UNATTRIBUTED_AUDIT}'")
    )
    other = connection.execute(
        sa.text("SELECT 1 FROM imports WHERE dataset <> :sample LIMIT 1"), {"sample": tables.SAMPLE_DATASET}
    ).first()
    if other is None:
        connection.execute(sa.text("UPDATE audits SET dataset = :sample"), {"sample": tables.SAMPLE_DATASET})


#: The kept linked decisions as migration 12 creates them (frozen: a later change gets a migration of its own).
_VERSION_TWELVE = sa.MetaData()
_LINKED_SUPPRESSION_V12 = sa.Table(
    "linked_suppression",
    _VERSION_TWELVE,
    sa.Column("dataset", sa.String(64), primary_key=True),
    sa.Column("family", sa.String(16), primary_key=True),
    sa.Column("threshold", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("region_code", sa.String(4), primary_key=True),
    sa.Column("profession", sa.String(8), primary_key=True),
    sa.Column("respondent", sa.String(8), primary_key=True),
    sa.Column("grain", sa.String(8), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("suppressed", sa.Boolean, nullable=False),
    sa.Column("suppressed_by", sa.String(16)),
    sa.Column("inputs", sa.String(64), nullable=False),
)


def _linked_suppression_table(connection: sa.Connection) -> None:
    """The linked step's decisions are kept in the store; a store from before version 12 has none until its next
    start (``python -m pipeline bootstrap`` decides and keeps them), and its pages decide them meanwhile."""
    _LINKED_SUPPRESSION_V12.create(connection)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", _initial_schema),
    Migration(2, "COC distribution per county, year and profession", _coc_distribution_table),
    Migration(3, "recorded flag on published indicators", _recorded_flag),
    Migration(4, "failed imports recorded in the store", _import_failures_table),
    Migration(5, "retrieval date of the bundled copies of published series", _retrieved_date),
    Migration(6, "service-type scope (T11 by default) recorded with every visit aggregate", _service_type_scope),
    Migration(7, "minimum visits recorded with every continuity figure", _min_visits),
    Migration(
        DATASETS_MIGRATION,
        "data sets: the sample and each imported data set kept apart in every result table",
        _datasets,
    ),
    Migration(9, "the remote share, age groups, heavy users and named providers", _measure_tables),
    Migration(10, "disclosure audits per role and store version", _audits_table),
    Migration(11, "the data set each disclosure audit audited", _audited_dataset),
    Migration(12, "the linked suppression decided when the figures are written", _linked_suppression_table),
)


def current_version(connection: sa.Connection) -> int:
    """The highest applied migration, 0 for an empty database."""
    if not sa.inspect(connection).has_table(tables.schema_version.name):
        return 0
    return int(
        connection.execute(sa.select(sa.func.coalesce(sa.func.max(tables.schema_version.c.version), 0))).scalar_one()
    )


def migrate(engine: sa.Engine, *, up_to: int | None = None) -> int:
    """Apply every pending migration (up to version ``up_to``, if given); returns the version reached."""
    with write_transaction(engine) as connection:
        tables.schema_version.create(connection, checkfirst=True)
    version = 0
    for migration in MIGRATIONS:
        if up_to is not None and migration.version > up_to:
            break
        with write_transaction(engine) as connection:
            version = current_version(connection)
            # by its own number, not the highest: a migration numbered below one already applied still runs
            if migration.version in applied_versions(connection):
                continue
            migration.upgrade(connection)
            connection.execute(
                tables.schema_version.insert().values(
                    version=migration.version,
                    description=migration.description,
                    applied_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                )
            )
            version = max(version, migration.version)
    return version


def applied_versions(connection: sa.Connection) -> frozenset[int]:
    """Every migration applied to the database."""
    if not sa.inspect(connection).has_table(tables.schema_version.name):
        return frozenset()
    return frozenset(int(row[0]) for row in connection.execute(sa.select(tables.schema_version.c.version)))
