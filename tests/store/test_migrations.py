"""Migrations build the schema of store/tables.py from an empty database."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from store import tables
from store.engine import create_store_engine
from store.migrations import (
    IMPORTED_BEFORE_DATASETS,
    MIGRATIONS,
    SAMPLE_IMPORTER_V7,
    Migration,
    applied_versions,
    current_version,
    migrate,
)
from store.repository import read_table


def test_migrating_an_empty_database_reaches_the_latest_version(store_url: str) -> None:
    engine = create_store_engine(store_url)
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        assert current_version(connection) == MIGRATIONS[-1].version
    engine.dispose()


def test_migrating_twice_changes_nothing(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        before = connection.execute(sa.select(tables.schema_version)).all()
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(sa.select(tables.schema_version)).all() == before


def test_the_migrated_schema_matches_the_table_definitions(engine: sa.Engine) -> None:
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == set(tables.metadata.tables)
    for table in tables.metadata.sorted_tables:
        columns = {column["name"]: column for column in inspector.get_columns(table.name)}
        assert set(columns) == set(table.columns.keys()), table.name
        for column in table.columns:
            assert bool(columns[column.name]["nullable"]) == (column.nullable and not column.primary_key), (
                f"{table.name}.{column.name}"
            )
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert set(primary_key) == {column.name for column in table.primary_key.columns}, table.name


def test_version_3_marks_the_series_never_rewritten_since_the_first_start_as_recorded(store_url: str) -> None:
    """A store from before the flag: the first start loaded the bundled copies at one time; a refresh since
    rewrote one Sotkanet series and skipped the other (its update date matched), so that one is still a copy."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=2) == 2
    first_start, refresh = dt.datetime(2026, 1, 5, 12, 0), dt.datetime(2026, 2, 1, 9, 30)
    rows = [("sotkanet", "5081", first_start), ("sotkanet", "6411", refresh), ("thl_cube", "c1", first_start)]
    with engine.begin() as connection:
        for source, indicator_id, at in rows:
            connection.execute(
                sa.text("insert into indicators (source, indicator_id, fetched_at) values (:s, :i, :at)"),
                {"s": source, "i": indicator_id, "at": at},
            )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        flags = connection.execute(sa.select(tables.indicators.c.indicator_id, tables.indicators.c.recorded)).all()
    assert sorted(flags) == [("5081", True), ("6411", False), ("c1", True)]
    engine.dispose()


def test_version_5_leaves_the_old_bundled_copies_without_a_retrieval_date(store_url: str) -> None:
    """A store from before version 5 holds the constructed examples (made-up numbers): none of them may be
    taken for a copy of THL's values, so they keep the sample badge until a refresh replaces them."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=4) == 4
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into indicators (source, indicator_id, fetched_at, recorded)"
                " values ('sotkanet', '6411', :at, :r)"
            ),
            {"at": dt.datetime(2026, 1, 5, 12, 0), "r": True},
        )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(tables.indicators.c.indicator_id, tables.indicators.c.recorded, tables.indicators.c.retrieved)
        ).all()
    assert [tuple(row) for row in rows] == [("6411", True, None)]
    engine.dispose()


def test_a_migration_that_fails_half_way_leaves_the_store_at_the_previous_version(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DDL a failed migration ran is rolled back with it (SQLite too: pysqlite would commit it on its own)."""
    version = MIGRATIONS[-1].version

    def create_then_fail(connection: sa.Connection) -> None:
        sa.Table("half_way", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True)).create(connection)
        connection.execute(sa.text("ALTER TABLE regions ADD COLUMN half_way INTEGER"))
        raise InvalidInputError("the migration fails after creating a table")

    failing = Migration(version + 1, "fails half-way", create_then_fail)
    monkeypatch.setattr("store.migrations.MIGRATIONS", (*MIGRATIONS, failing))
    with pytest.raises(InvalidInputError, match="fails after creating a table"):
        migrate(engine)
    inspector = sa.inspect(engine)
    assert "half_way" not in inspector.get_table_names()
    assert "half_way" not in {column["name"] for column in inspector.get_columns("regions")}
    with engine.connect() as connection:
        assert current_version(connection) == version


def test_version_6_labels_the_aggregates_stored_before_it_as_covering_every_service_type(store_url: str) -> None:
    """A store at version 5 holds aggregates computed on every visit, whatever its service type: after the
    migration each row says so ('all'), and nothing else in it changes."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=5) == 5
    cell = {"region_code": "01", "unit_id": "", "profession": "doctor", "period": "2024"}
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into access_results (region_code, unit_id, profession, period, days, n_visits, n_eligible,"
                " n_within, share, n_urgent, n_missing_urgency, n_missing_assessment, n_negative_wait)"
                " values (:region_code, :unit_id, :profession, :period, 7, 10, 8, 6, 0.75, 2, 0, 0, 0)"
            ),
            cell,
        )
        connection.execute(
            sa.text(
                "insert into continuity_results (region_code, unit_id, profession, period, n_patients, n_eligible,"
                " n_visits, n_missing_provider, mean_coc)"
                " values (:region_code, :unit_id, :profession, :period, 5, 3, 9, 1, 0.4)"
            ),
            cell,
        )
        connection.execute(
            sa.text(
                "insert into coc_distribution_results (region_code, profession, period, bin, n)"
                " values ('01', 'doctor', '2024', 4, 3)"
            )
        )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        access = connection.execute(
            sa.select(tables.access_results.c.share, tables.access_results.c.service_types)
        ).all()
        continuity = connection.execute(
            sa.select(tables.continuity_results.c.mean_coc, tables.continuity_results.c.service_types)
        ).all()
        bins = connection.execute(
            sa.select(tables.coc_distribution_results.c.n, tables.coc_distribution_results.c.service_types)
        ).all()
    assert [tuple(row) for row in access] == [(0.75, "all")]
    assert [tuple(row) for row in continuity] == [(0.4, "all")]
    assert [tuple(row) for row in bins] == [(3, "all")]
    engine.dispose()


def test_version_7_records_that_the_continuity_figures_stored_before_it_counted_patients_with_two_visits(
    store_url: str,
) -> None:
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=6) == 6
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "insert into continuity_results (region_code, unit_id, profession, period, n_patients, n_eligible,"
                " n_visits, n_missing_provider, mean_coc, service_types)"
                " values ('01', '', 'doctor', '2024', 5, 3, 9, 1, 0.4, 'T11')"
            )
        )
        connection.execute(
            sa.text(
                "insert into coc_distribution_results (region_code, profession, period, bin, n, service_types)"
                " values ('01', 'doctor', '2024', 4, 3, 'T11')"
            )
        )
    assert migrate(engine) == MIGRATIONS[-1].version
    with engine.connect() as connection:
        continuity = connection.execute(
            sa.select(tables.continuity_results.c.service_types, tables.continuity_results.c.min_visits)
        ).all()
        bins = connection.execute(
            sa.select(tables.coc_distribution_results.c.service_types, tables.coc_distribution_results.c.min_visits)
        ).all()
    assert [tuple(row) for row in continuity] == [("T11", 2)]
    assert [tuple(row) for row in bins] == [("T11", 2)]
    engine.dispose()


def _v7_store(store_url: str, importers: list[str]) -> sa.Engine:
    """A store at version 7 with one import per importer and one result row of the whole country."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=7) == 7
    with engine.begin() as connection:
        for index, importer in enumerate(importers):
            connection.execute(
                sa.text(
                    "insert into imports (table_name, file_name, checksum, layout, rows_read, rows_rejected,"
                    " parquet_path, report_json, imported_at, imported_by)"
                    " values ('survey_answers', 'f.csv', :c, 'canonical', 1, 0, 'p', '{}', :at, :by)"
                ),
                {"c": f"c{index}", "at": dt.datetime(2026, 1, 5), "by": importer},
            )
        connection.execute(
            sa.text(
                "insert into nps_results (region_code, unit_id, profession, period, respondent, n, n_invalid,"
                " promoters, passives, detractors) values ('SSS', '', 'all', '2025', 'patient', 3, 0, 1, 1, 1)"
            )
        )
    return engine


def test_version_8_keeps_a_sample_only_stores_results_as_the_samples(store_url: str) -> None:
    engine = _v7_store(store_url, [SAMPLE_IMPORTER_V7])

    migrate(engine)

    with engine.connect() as connection:
        assert connection.execute(sa.select(tables.imports.c.dataset)).scalars().all() == ["sample"]
        assert connection.execute(sa.select(tables.nps_results.c.dataset, tables.nps_results.c.n)).all() == [
            ("sample", 3)
        ]
    engine.dispose()


def test_version_8_drops_the_results_that_blended_the_sample_with_imported_extracts(store_url: str) -> None:
    """Which part of a blended figure was the sample's cannot be told: the figures go, and the next start
    recomputes each data set's (pipeline.bootstrap.open_store)."""
    engine = _v7_store(store_url, [SAMPLE_IMPORTER_V7, "analyst@example.fi"])

    migrate(engine)

    with engine.connect() as connection:
        datasets = connection.execute(sa.select(tables.imports.c.dataset).order_by(tables.imports.c.id)).scalars()
        assert datasets.all() == ["sample", IMPORTED_BEFORE_DATASETS]
        assert connection.execute(sa.select(tables.nps_results)).all() == []
    engine.dispose()


def test_a_migration_numbered_below_one_already_applied_still_runs(store_url: str) -> None:
    """Migrations 9 and 10 may reach a store before 8 does (they were written side by side)."""
    engine = create_store_engine(store_url)
    migrate(engine)
    with engine.begin() as connection:
        connection.execute(tables.schema_version.delete().where(tables.schema_version.c.version == 8))
    calls = []
    original = {migration.version: migration for migration in MIGRATIONS}[8]
    replaced = tuple(
        Migration(8, original.description, lambda _connection: calls.append(8)) if m.version == 8 else m
        for m in MIGRATIONS
    )

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("store.migrations.MIGRATIONS", replaced)
        migrate(engine)

    assert calls == [8]
    with engine.connect() as connection:
        assert 8 in applied_versions(connection)
    engine.dispose()


def _v10_store_with_an_audit(store_url: str, datasets: list[str]) -> sa.Engine:
    """A store at version 10 with one import per data set and one audit of the public role."""
    engine = create_store_engine(store_url)
    assert migrate(engine, up_to=10) == 10
    with engine.begin() as connection:
        for index, dataset in enumerate(datasets):
            connection.execute(
                sa.text(
                    "insert into imports (table_name, file_name, checksum, layout, rows_read, rows_rejected,"
                    " parquet_path, report_json, imported_at, imported_by, dataset)"
                    " values ('visits', 'f.csv', :c, 'canonical', 1, 0, 'p', '{}', :at, 'someone', :dataset)"
                ),
                {"c": f"c{index}", "at": dt.datetime(2026, 11, 5), "dataset": dataset},
            )
        connection.execute(
            sa.text(
                "insert into audits (role, scope, threshold, cells_seen, cells_hidden, findings, findings_by_kind,"
                " store_version, seconds, ran_at) values ('public', '', 5, 120, 30, 0, '{}', 'v', 1.5, :at)"
            ),
            {"at": dt.datetime(2026, 12, 1, 9, 0)},
        )
    return engine


def test_version_11_keeps_the_audits_of_a_sample_only_store_as_the_samples(store_url: str) -> None:
    engine = _v10_store_with_an_audit(store_url, ["sample"])

    migrate(engine)

    with engine.connect() as connection:
        assert connection.execute(sa.select(tables.audits.c.role, tables.audits.c.dataset)).all() == [
            ("public", "sample")
        ]
    engine.dispose()


def test_version_11_leaves_unattributed_the_audits_of_a_store_holding_a_real_data_set(store_url: str) -> None:
    """The audit command audited the data set the pages showed first (the real one), and later the one
    --dataset named (either): which one an old row describes cannot be told, so no export reports it."""
    engine = _v10_store_with_an_audit(store_url, ["sample", "Oma 2025"])

    migrate(engine)

    with engine.connect() as connection:
        assert connection.execute(sa.select(tables.audits.c.dataset)).scalars().all() == [tables.UNATTRIBUTED_AUDIT]
    engine.dispose()


def test_version_12_adds_the_kept_linked_decisions_empty(store_url: str) -> None:
    """A store from before keeps no decision: its pages decide until its next start keeps them."""
    engine = create_store_engine(store_url)
    migrate(engine, up_to=11)
    assert not sa.inspect(engine).has_table(tables.linked_suppression.name)

    assert migrate(engine) >= 12

    assert read_table(engine, tables.linked_suppression).is_empty()
    engine.dispose()
