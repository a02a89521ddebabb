"""Everything the pages read from the store, loaded once per store version and then filtered in memory.

The result tables are small (cells, not people), so the pages keep them in
memory and every filter change is a polars filter, not a database query.
Unit-level rows are kept only for the counties in ``unit_regions``: the access
policy is applied here, in the data-access layer, before any page sees a row.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass, field

import polars as pl
import sqlalchemy as sa

from core import columns as c
from store import tables
from store.aggregates import ALL_UNITS
from store.queries import import_history
from store.repository import read_table

SAMPLE_IMPORTER = "synthetic sample data generator"
ACCESS_LOG = logging.getLogger("dashboard.access")


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

    @property
    def sample_data(self) -> bool:
        """True when any shown extract is the synthetic sample."""
        return bool(self.imports.height) and bool((self.imports["imported_by"] == SAMPLE_IMPORTER).any())

    def table(self, name: str) -> pl.DataFrame:
        return {
            "access_results": self.access,
            "continuity_results": self.continuity,
            "t3_results": self.t3,
            "nps_results": self.nps,
        }[name]

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
        """The date of the newest import, as text (for captions)."""
        if self.imports.is_empty():
            return ""
        return str(self.imports["imported_at"].max())[:10]


def scope_units(frame: pl.DataFrame, unit_regions: Collection[str] | None) -> pl.DataFrame:
    if unit_regions is None:
        return frame
    allowed = pl.col(c.UNIT_ID) == ALL_UNITS
    if unit_regions:
        allowed = allowed | pl.col(c.REGION_CODE).is_in(list(unit_regions))
    return frame.filter(allowed)


def load_results(engine: sa.Engine, *, unit_regions: Collection[str] | None = None) -> Results:
    """Read the results and reference tables; ``unit_regions`` None means unit detail for every county."""
    return Results(
        access=scope_units(read_table(engine, tables.access_results), unit_regions),
        continuity=scope_units(read_table(engine, tables.continuity_results), unit_regions),
        t3=scope_units(read_table(engine, tables.t3_results), unit_regions),
        nps=scope_units(read_table(engine, tables.nps_results), unit_regions),
        investments=read_table(engine, tables.investments, order_by=("round", "number")),
        participants=read_table(engine, tables.participants, order_by=("round", "investment", "region_code")),
        status_reports=read_table(engine, tables.status_reports, order_by=("id",)),
        imports=import_history(engine),
        unit_regions=None if unit_regions is None else frozenset(unit_regions),
        published=read_table(engine, tables.indicator_values, source="sotkanet", sex="total"),
        published_meta=read_table(engine, tables.indicators, source="sotkanet"),
    )


def store_version(engine: sa.Engine) -> str:
    """Changes whenever an import or a refresh lands: the cache key for :func:`load_results`."""
    with engine.connect() as connection:
        imports = connection.execute(sa.select(sa.func.max(tables.imports.c.id), sa.func.count())).one()
        fetched = connection.execute(sa.select(sa.func.max(tables.indicators.c.fetched_at))).scalar()
    return f"{imports[0]}:{imports[1]}:{fetched}"
