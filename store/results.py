"""Everything the pages read from the store, loaded once per store version and then filtered in memory.

The result tables are small (cells, not people), so the pages keep them in
memory and every filter change is a polars filter, not a database query.
Unit-level rows are kept only for the counties in ``unit_regions``: the access
policy is applied here, in the data-access layer, before any page sees a row;
so is the importers' identity, which a viewer without unit access (the public)
does not see.

Every table is read in one snapshot of the store
(:func:`store.engine.read_snapshot`), together with the store's version: an
import that lands meanwhile is seen whole or not at all, never as some tables
old and others new.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import polars as pl
import sqlalchemy as sa

from core import columns as c
from core.codes import ALL_UNITS
from core.errors import DashboardError
from store import measure_tables, tables
from store.datasets import SAMPLE_DATASET, Dataset, datasets_of, default_of
from store.engine import read_snapshot
from store.queries import import_history
from store.repository import read_table

SAMPLE_IMPORTER = "synthetic sample data generator"
DATASET = tables.DATASET
#: ``imported_by`` as a viewer without unit access sees it (an importer's e-mail is personal data).
HIDDEN_IMPORTER = ""
ACCESS_LOG = logging.getLogger("dashboard.access")
T = TypeVar("T")
RESULT_TABLES = tuple(table.name for table in tables.RESULT_TABLES)
#: The measure tables with the four indicators' cells per age group (``store.measure_tables``).
AGE_TABLES = ("access_age_results", "continuity_age_results")
Level = Literal["region", "unit"]


@dataclass(frozen=True)
class Results:
    """The store's aggregate results and reference tables, as polars frames."""

    access: pl.DataFrame
    continuity: pl.DataFrame
    t3: pl.DataFrame
    nps: pl.DataFrame
    investments: pl.DataFrame
    participants: pl.DataFrame
    status_reports: pl.DataFrame
    imports: pl.DataFrame
    unit_regions: frozenset[str] | None = None
    published: pl.DataFrame = field(default_factory=pl.DataFrame)
    published_meta: pl.DataFrame = field(default_factory=pl.DataFrame)
    coc_distribution: pl.DataFrame = field(default_factory=pl.DataFrame)
    """Eligible patients per COC bin, county or country, year and profession (empty in a store from before it)."""
    access_age: pl.DataFrame = field(default_factory=pl.DataFrame)
    """The access cells per age group, counties and the country only (empty when the extracts carry no ages)."""
    continuity_age: pl.DataFrame = field(default_factory=pl.DataFrame)
    """The yearly continuity cells per age group, counties and the country only (empty likewise)."""
    linked_suppression: pl.DataFrame = field(default_factory=pl.DataFrame)
    """The linked step's kept decisions for this data set (``views.kept_decisions``; empty in a store from before)."""
    unit_rows: Callable[[str], pl.DataFrame] | None = field(default=None, compare=False, repr=False)
    """Reads a result table's health-centre rows, scoped to ``unit_regions``, on first use; None when the four
    result frames above hold them already. Nine rows in ten are health centres', and most pages never show one."""
    version: str = ""
    """The store's version these results were read at (:func:`store_version`, read in the same snapshot)."""
    dataset: str = SAMPLE_DATASET
    """The one data set these results are of (:mod:`store.datasets`): the sample, or a named imported one."""
    datasets: tuple[Dataset, ...] = ()
    """Every data set in the store, the one imported into last first (the pages offer them to choose from)."""
    _derived: dict[Hashable, object] = field(default_factory=dict, compare=False, repr=False)

    def derived(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, computed once for these results (tables derived from them, such as indicator cells).

        Results are immutable, so what is derived from them never goes stale; it lives as long as they do.
        Two sessions asking at once may both build; either answer is the same.
        """
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]  # type: ignore[return-value]

    @property
    def sample_data(self) -> bool:
        """True when the figures shown are the synthetic sample's (a data set is never blended with another).

        Results built without data sets (an import history without its ``dataset`` column) are the sample's when
        the sample generator imported them.
        """
        if self.imports.is_empty():
            return False
        if DATASET not in self.imports.columns:
            return bool((self.imports["imported_by"] == SAMPLE_IMPORTER).any())
        return self.dataset == SAMPLE_DATASET and bool(self.shown_imports().height)

    def shown_imports(self) -> pl.DataFrame:
        """The imports of the data set shown (:attr:`imports` holds every data set's)."""
        if self.imports.is_empty() or DATASET not in self.imports.columns:
            return self.imports
        return self.imports.filter(pl.col(DATASET) == self.dataset)

    def table(self, name: str, level: Level = "region") -> pl.DataFrame:
        """A result table's rows of one level: counties and the whole country, or health centres ('unit')."""
        frame = {
            "access_results": self.access,
            "continuity_results": self.continuity,
            "t3_results": self.t3,
            "nps_results": self.nps,
            "access_age_results": self.access_age,
            "continuity_age_results": self.continuity_age,
        }[name]
        region_rows = pl.col(c.UNIT_ID) == ALL_UNITS
        if name in AGE_TABLES:  # counties and the country only: no health centre has an age split
            return frame.filter(region_rows) if level == "region" and frame.height else frame.clear()
        if level == "region":
            return frame.filter(region_rows)
        if self.unit_rows is None:
            return frame.filter(~region_rows)
        load = self.unit_rows
        return self.derived(("unit_rows", name), lambda: load(name))

    @property
    def has_ages(self) -> bool:
        """Whether the data set shown carries ages: its access or continuity cells have an age split."""
        return bool(self.access_age.height or self.continuity_age.height)

    def years(self) -> list[str]:
        """Years with computed access results, oldest first."""
        if self.access.is_empty():
            return []
        return sorted(self.access[c.PERIOD].str.slice(0, 4).unique().to_list())

    def units_allowed(self, region: str) -> bool:
        """Whether these results hold ``region``'s unit-level cells for the viewer; a refusal is logged."""
        allowed = self.unit_regions is None or region in self.unit_regions
        if not allowed:
            ACCESS_LOG.warning("unit-level data of county %s requested without the right to see it", region)
        return allowed

    def computed_at(self) -> str:
        """The date of the newest import of the data set shown, as text (for captions)."""
        shown = self.shown_imports()
        if shown.is_empty():
            return ""
        return str(shown["imported_at"].max())[:10]


class StaleResultsError(DashboardError):
    """The store changed after these results were read, before a part of them read lazily was needed."""


def load_results(
    engine: sa.Engine, *, unit_regions: Collection[str] | None = None, dataset: str | None = None
) -> Results:
    """Read the results of one data set and the reference tables in one snapshot; ``unit_regions`` None means
    unit detail for every county; ``dataset`` None (or one the store does not hold) means the default data set
    (:func:`store.datasets.default_of`: the real one imported into last, else the sample).

    Health-centre rows are read when a page first asks for them (:attr:`Results.unit_rows`), and only the
    counties in ``unit_regions``: rows the viewer may not see are never read into the dashboard at all. They are
    read at the store version the rest was read at or not at all (:class:`StaleResultsError`: reload). A viewer
    without unit access (``unit_regions`` empty) sees no importer's identity but the sample generator's.
    """
    scope = None if unit_regions is None else frozenset(unit_regions)

    with read_snapshot(engine) as connection:
        version = _version(connection)
        imports = import_history(connection)
        sets = datasets_of(imports)
        chosen = dataset if dataset in {item.name for item in sets} else default_of(sets)

        def region_rows(name: str) -> pl.DataFrame:
            return read_table(connection, tables.metadata.tables[name], unit_id=ALL_UNITS, dataset=chosen)

        present = set(sa.inspect(connection).get_table_names())

        def age_rows(name: str) -> pl.DataFrame:
            """A store from before the measure tables has no age split."""
            if name not in present:
                return pl.DataFrame()
            return read_table(connection, measure_tables.metadata_table(name), unit_id=ALL_UNITS, dataset=chosen)

        if scope is not None and not scope:
            imports = imports.with_columns(
                pl.when(pl.col("imported_by") == SAMPLE_IMPORTER)
                .then(pl.col("imported_by"))
                .otherwise(pl.lit(HIDDEN_IMPORTER))
                .alias("imported_by")
            )
        results = Results(
            access=region_rows("access_results"),
            continuity=region_rows("continuity_results"),
            t3=region_rows("t3_results"),
            nps=region_rows("nps_results"),
            investments=read_table(connection, tables.investments, order_by=("round", "number")),
            participants=read_table(connection, tables.participants, order_by=("round", "investment", "region_code")),
            status_reports=read_table(connection, tables.status_reports, order_by=("id",)),
            imports=imports,
            unit_regions=scope,
            published=read_table(connection, tables.indicator_values, source="sotkanet", sex="total"),
            published_meta=read_table(connection, tables.indicators, source="sotkanet"),
            coc_distribution=read_table(connection, tables.coc_distribution_results, dataset=chosen),
            access_age=age_rows("access_age_results"),
            continuity_age=age_rows("continuity_age_results"),
            linked_suppression=(
                read_table(connection, tables.linked_suppression, dataset=chosen)
                if tables.linked_suppression.name in present
                else pl.DataFrame()
            ),
            version=version,
            dataset=chosen,
            datasets=sets,
        )

    def unit_rows(name: str) -> pl.DataFrame:
        table = tables.metadata.tables[name]
        where = [table.c.unit_id != ALL_UNITS, table.c.dataset == chosen]
        if scope is not None:
            where.append(table.c.region_code.in_(sorted(scope)))
        with read_snapshot(engine) as connection:
            if _version(connection) != version:
                raise StaleResultsError(
                    "the figures were updated while this page was being drawn; reload the page to see the new ones"
                )
            return read_table(connection, table, where=where)

    return dataclasses.replace(results, unit_rows=unit_rows)


def store_version(engine: sa.Engine) -> str:
    """Changes whenever an import or a refresh lands, and only with its commit: the cache key for
    :func:`load_results`."""
    with read_snapshot(engine) as connection:
        return _version(connection)


def _version(connection: sa.Connection) -> str:
    imports = connection.execute(sa.select(sa.func.max(tables.imports.c.id), sa.func.count())).one()
    fetched = connection.execute(sa.select(sa.func.max(tables.indicators.c.fetched_at))).scalar()
    return f"{imports[0]}:{imports[1]}:{fetched}"
