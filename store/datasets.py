"""Data sets: the synthetic sample, and each named set of imported extracts, kept apart.

Every import belongs to one data set (``imports.dataset``), and every result
cell carries the data set it was computed from (the ``dataset`` column that
leads every result table's key, ``store/tables.py``). An import recomputes
only its own data set's results from only its own data set's extracts, so no
figure ever blends the sample with real data. The pages show one data set at a
time (:func:`default_dataset` unless the viewer picks another), with its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl
import sqlalchemy as sa

from core.errors import InvalidInputError
from store import tables
from store.queries import import_history

SAMPLE_DATASET: Final = tables.SAMPLE_DATASET
#: The data set an import goes to when none is named (the command line's and the tests' default).
DEFAULT_IMPORT_DATASET: Final = "imported"
MAX_NAME_LENGTH: Final = 64


@dataclass(frozen=True)
class Dataset:
    """One data set as the pages list it: its name, whether it is the sample, its tables and last import."""

    name: str
    sample: bool
    tables: tuple[str, ...]
    imports: int
    last_import_id: int


def check_name(name: str) -> str:
    """A data set's name as stored (surrounding spaces removed); refused when empty, too long, holding a control
    character, or the sample's own name (real extracts never go into the sample)."""
    text = name.strip() if isinstance(name, str) else ""
    if not text or len(text) > MAX_NAME_LENGTH or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise InvalidInputError(
            f"a data set's name is 1 to {MAX_NAME_LENGTH} characters without control characters, got {name!r}"
        )
    if text.casefold() == SAMPLE_DATASET:
        raise InvalidInputError(
            f"{SAMPLE_DATASET!r} is the synthetic sample's data set; name the data set of imported extracts otherwise"
        )
    return text


def datasets_of(history: pl.DataFrame) -> tuple[Dataset, ...]:
    """The data sets of an import history (:func:`store.queries.import_history`), newest import first."""
    if history.is_empty():
        return ()
    grouped = (
        history.group_by(tables.DATASET)
        .agg(
            pl.col("table_name").unique().sort().alias("tables"),
            pl.len().alias("imports"),
            pl.col("id").max().alias("last_import_id"),
        )
        .sort("last_import_id", descending=True)
    )
    return tuple(
        Dataset(
            name=row[tables.DATASET],
            sample=row[tables.DATASET] == SAMPLE_DATASET,
            tables=tuple(row["tables"]),
            imports=int(row["imports"]),
            last_import_id=int(row["last_import_id"]),
        )
        for row in grouped.iter_rows(named=True)
    )


def datasets(engine: sa.Engine | sa.Connection) -> tuple[Dataset, ...]:
    """Every data set in the store, the one imported into last first."""
    return datasets_of(import_history(engine))


def default_of(sets: tuple[Dataset, ...]) -> str:
    """The data set shown unless another is chosen: the real one imported into last, else the sample."""
    real = [item.name for item in sets if not item.sample]
    return real[0] if real else SAMPLE_DATASET


def default_dataset(engine: sa.Engine | sa.Connection) -> str:
    """:func:`default_of` the store's data sets."""
    return default_of(datasets(engine))


def holds_only_the_sample(engine: sa.Engine | sa.Connection) -> bool:
    """Whether the store's only data set is the sample (an import of real data then starts a new data set)."""
    sets = datasets(engine)
    return bool(sets) and all(item.sample for item in sets)
