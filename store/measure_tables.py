"""Result tables of the programme's other measures (``pipeline/measures.py``), created by migration 9.

Cells like every result table (``store/tables.py``: data set, county or the
country, unit '' for all, profession, period), stored unsuppressed: every
output suppresses where it shows them. ``age_group`` is ``all`` or one of
0-17, 18-64, 65-74 and 75+ (``metrics/age_groups.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa

from store import tables
from store.engine import read_snapshot
from store.repository import read_table, table_schema


def _counts(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Integer, nullable=False) for name in names]


def _floats(*names: str) -> list[sa.Column[Any]]:
    return [sa.Column(name, sa.Float) for name in names]


def _age_group() -> sa.Column[str]:
    return sa.Column("age_group", sa.String(8), primary_key=True)


def _scope() -> sa.Column[str]:
    return sa.Column("service_types", sa.String(64), nullable=False, server_default="all")


def _access_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("days", sa.Integer, primary_key=True, autoincrement=False),
        *_counts("n_visits", "n_eligible", "n_within"),
        *_floats("share", "ci_low", "ci_high", "median_wait_days"),
        *_counts("n_urgent", "n_missing_urgency", "n_missing_assessment", "n_negative_wait"),
    ]


def _continuity_columns() -> list[sa.Column[Any]]:
    return [
        *_counts("n_patients", "n_eligible", "n_visits", "n_missing_provider"),
        *_floats("mean_coc", "ci_low", "ci_high", "visit_weighted_coc", "mean_upc", "mean_secon"),
        sa.Column("min_visits", sa.Integer, nullable=False, server_default="2"),
    ]


def define(metadata: sa.MetaData) -> tuple[sa.Table, ...]:
    """The tables as they are now, defined on ``metadata`` (migration 9 created them; ``store/migrations.py`` keeps
    a frozen copy of them as they were then)."""
    cell = tables._cell_columns  # the one definition of a cell's key, data set included
    remote = sa.Table(
        "remote_results",
        metadata,
        *cell(),
        _age_group(),
        *_counts("n_visits", "n_eligible", "n_remote"),
        *_floats("share", "ci_low", "ci_high"),
        *_counts("n_in_person", "n_phone", "n_video", "n_message", "n_home"),
        *_counts("n_urgent", "n_missing_urgency", "n_missing_mode"),
        _scope(),
    )
    access_age = sa.Table("access_age_results", metadata, *cell(), _age_group(), *_access_columns(), _scope())
    continuity_age = sa.Table(
        "continuity_age_results", metadata, *cell(), _age_group(), *_continuity_columns(), _scope()
    )
    heavy = sa.Table(
        "heavy_user_results",
        metadata,
        *cell(),
        *_counts("n_patients", "n_heavy"),
        *_floats("patient_share", "patient_ci_low", "patient_ci_high"),
        *_counts("n_visits", "n_heavy_visits"),
        *_floats("visit_share"),
        *_counts("heavy_n_eligible"),
        *_floats("heavy_mean_coc", "heavy_coc_ci_low", "heavy_coc_ci_high"),
        *_counts("other_n_eligible"),
        *_floats("other_mean_coc", "other_coc_ci_low", "other_coc_ci_high"),
        sa.Column("threshold", sa.Integer, nullable=False),
        _scope(),
    )
    named = sa.Table(
        "named_provider_results",
        metadata,
        *cell(),
        *_counts("n_visits", "n_covered", "n_named"),
        *_floats("share", "ci_low", "ci_high", "coverage"),
        *_counts("n_patients", "n_patients_assigned"),
        *_floats("patient_coverage", "patient_ci_low", "patient_ci_high"),
        *_counts("n_other_profession", "n_not_assigned", "n_missing_provider"),
        _scope(),
    )
    # List sizes have a provider kind (doctor, nurse, team) where the other cells have a profession.
    key = [column for column in cell() if column.name != "profession"]
    lists = sa.Table(
        "list_size_results",
        metadata,
        *key,
        sa.Column("provider_kind", sa.String(8), primary_key=True),
        *_counts("n_assigned", "n_providers"),
        *_floats("median_list_size"),
        *_counts("n_below_guide", "n_within_guide", "n_above_guide"),
        sa.Column("at", sa.Date, nullable=False),
        *_counts("guide_low", "guide_high"),
    )
    return remote, access_age, continuity_age, heavy, named, lists


MEASURE_TABLES = define(tables.metadata)


def metadata_table(name: str) -> sa.Table:
    """One of the measure tables by name."""
    return {table.name: table for table in MEASURE_TABLES}[name]


(
    remote_results,
    access_age_results,
    continuity_age_results,
    heavy_user_results,
    named_provider_results,
    list_size_results,
) = MEASURE_TABLES


#: The measure tables with the four indicators' cells per age group: :func:`store.results.load_results` reads
#: them with the indicators' own (``Results.access_age``, ``Results.continuity_age``).
AGE_TABLES = (access_age_results.name, continuity_age_results.name)


def read_measures(engine: sa.Engine, dataset: str | None = None, skip: Collection[str] = ()) -> dict[str, pl.DataFrame]:
    """Every measure table's county and whole-country rows (unit '' ), by table name, read in one snapshot.

    Only the ``dataset``'s rows when the store keeps data sets apart (None: every row); the tables named in
    ``skip`` are not read (the pages have the age tables from :func:`store.results.load_results`: see
    :func:`with_age_tables`). Health-centre rows are not read: no page shows them yet, and no viewer's rights
    need checking for county figures. A store from before migration 9 gives empty frames.
    """
    frames: dict[str, pl.DataFrame] = {}
    with read_snapshot(engine) as connection:
        present = set(sa.inspect(connection).get_table_names())
        for table in MEASURE_TABLES:
            if table.name in skip:
                continue
            if table.name not in present:
                frames[table.name] = pl.DataFrame(schema=table_schema(table))
                continue
            where = [table.c.unit_id == ""]
            if dataset is not None and "dataset" in table.c:
                where.append(table.c.dataset == dataset)
            frames[table.name] = read_table(connection, table, where=where)
    return frames


def with_age_tables(
    measures: Mapping[str, pl.DataFrame], *, access_age: pl.DataFrame, continuity_age: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """``measures`` (:func:`read_measures` without :data:`AGE_TABLES`) with the age tables read once already, by
    :func:`store.results.load_results`: the same county and whole-country rows of the same data set.

    A store without the age tables gives ``load_results`` frames without columns: they become empty frames of the
    tables' columns, as :func:`read_measures` gives them.
    """
    read = {access_age_results.name: access_age, continuity_age_results.name: continuity_age}
    frames: dict[str, pl.DataFrame] = {}
    for table in MEASURE_TABLES:  # in the order read_measures gives them
        frame = read.get(table.name, measures.get(table.name))
        if frame is None:
            raise KeyError(f"{table.name} is not among the measures given: {', '.join(measures)}")
        frames[table.name] = frame if frame.width else pl.DataFrame(schema=table_schema(table))
    return frames
