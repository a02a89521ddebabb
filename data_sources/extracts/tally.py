"""The tally: counts, examples and repeated ids gathered chunk by chunk, and the validation report built from them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from core import columns as c
from core import validation as v
from core.errors import DataSourceError
from core.regions import region_codes
from data_sources.extracts.common import (
    PARQUET_BATCH_ROWS,
    REASON,
    ROW,
    VISITS_TABLE,
    ReadSpec,
    Sniffed,
    staged_writer,
    table_dtypes,
)

#: Held-back rows (see :class:`_Suspects`) compared with the kept ids per pass at the end.
SUSPECT_PASS_ROWS: Final = 1 << 20
#: Per-chunk count cubes held before they are summed into one.
CUBES_HELD: Final = 32
_FLAG_EXAMPLES_KEPT: Final = 20


@dataclass
class _Tally:
    """Counts and examples gathered chunk by chunk; :meth:`finish` turns them into the report.

    It keeps counts, not rows: whatever the file, memory holds a few examples per reason, at most
    :data:`CUBES_HELD` count cubes, and the 8-byte hashes of the kept ids (:class:`_SeenIds`); rows held
    back for the exact duplicate check go to a file (:class:`_Suspects`).
    """

    spec: ReadSpec
    suspects: _Suspects  # held back until the kept ids can be read
    rows_read: int = 0
    rejected: dict[int, tuple[int, list[int]]] = field(default_factory=dict)
    cubes: list[pl.DataFrame] = field(default_factory=list)
    flag_examples: dict[str, list[int]] = field(default_factory=dict)
    seen: _SeenIds = field(default_factory=lambda: _SeenIds())  # noqa: PLW0108  # defined further down
    repeated: int = 0  # rows dropped for an id an earlier kept row has, with the same values
    repeated_examples: list[int] = field(default_factory=list)
    conflicting: int = 0  # rows dropped because rows sharing their id differ in other columns
    conflicting_examples: list[int] = field(default_factory=list)

    @property
    def is_visits(self) -> bool:
        return self.spec.table == VISITS_TABLE

    @property
    def id_column(self) -> str | None:
        if self.spec.duplicate_key is None:
            return None
        return c.VISIT_ID if self.spec.duplicate_key == v.DUPLICATE_VISIT_ID else c.RESPONSE_ID

    @property
    def names(self) -> list[str]:
        """The canonical columns of the kept rows, as written."""
        return list(table_dtypes(self.spec.table))

    @property
    def conflict_key(self) -> str:
        return v.CONFLICTING_VISIT_ID if self.spec.duplicate_key == v.DUPLICATE_VISIT_ID else v.CONFLICTING_RESPONSE_ID

    def flags(self) -> dict[str, pl.Expr]:
        if not self.is_visits:
            return {}
        visit_day = pl.col(c.VISIT_AT).cast(pl.Int64) // _US_PER_DAY  # calendar day numbers, as dt.date()
        assessment_day = pl.col(c.ASSESSMENT_AT).cast(pl.Int64) // _US_PER_DAY
        return {
            v.VISIT_BEFORE_ASSESSMENT: (visit_day < assessment_day).fill_null(False),
            v.MISSING_PROFESSIONAL_ID: pl.col(c.PROFESSIONAL_ID).is_null(),
            v.MISSING_URGENCY: pl.col(c.URGENT).is_null(),
        }

    def flag_column(self, key: str) -> str:
        target = {
            v.VISIT_BEFORE_ASSESSMENT: c.ASSESSMENT_AT,
            v.MISSING_PROFESSIONAL_ID: c.PROFESSIONAL_ID,
            v.MISSING_URGENCY: c.URGENT,
        }[key]
        return self.spec.by_target[target].label

    def cube(self, kept: pl.DataFrame) -> pl.DataFrame:
        """Kept rows counted by every value the report needs (region, month, urgency, assessment, flags).

        The values are packed into one integer ``key`` (grouping by one integer is several times faster
        than by seven columns); :func:`_unpack_cube` turns the summed cube back into columns.
        """
        if not self.is_visits:
            return kept.select(n=pl.len().cast(pl.Int64))
        region = pl.col(c.REGION_CODE).cast(pl.Enum(sorted(region_codes()))).to_physical().cast(pl.Int64)
        day = pl.col(c.VISIT_AT).cast(pl.Int64) // _US_PER_DAY + _DAY_OFFSET  # months come from days later
        urgent = pl.col(c.URGENT).cast(pl.Int64).fill_null(2)
        bits = [pl.col(c.ASSESSMENT_AT).is_not_null(), *self.flags().values()]
        key = region * (1 << _DAY_SHIFT) + day
        key = key * 4 + urgent
        for bit in bits:
            key = key * 2 + bit.cast(pl.Int64)
        # counted by sorting: a few times faster than grouping by a key of this many values
        keys = np.sort(kept.select(key).to_series().to_numpy())
        if not keys.size:
            return pl.DataFrame(schema={"key": pl.Int64, "n": pl.Int64})
        starts = np.flatnonzero(np.diff(keys, prepend=keys[0] - 1))
        counts = np.diff(np.append(starts, keys.size))
        return pl.DataFrame({"key": keys[starts], "n": counts}, schema={"key": pl.Int64, "n": pl.Int64})

    def add(self, checked: pl.DataFrame) -> pl.DataFrame:
        """Count one checked chunk; return its kept rows (filtered once, whatever the reasons to leave rows out)."""
        self.rows_read += checked.height
        reasons = checked.get_column(REASON)
        passing: np.ndarray[Any, np.dtype[np.bool_]] | None = None
        if reasons.max():
            rejected = (
                checked.select(REASON, ROW)
                .filter(pl.col(REASON) > 0)
                .group_by(REASON)
                .agg(n=pl.len(), examples=pl.col(ROW).head(v.MAX_EXAMPLES))
            )
            for number, count, examples in rejected.iter_rows():
                total, kept_examples = self.rejected.get(number, (0, []))
                self.rejected[number] = (total + count, (kept_examples + examples)[: v.MAX_EXAMPLES])
            passing = (reasons == 0).to_numpy()
        if self.id_column is not None and checked.height:
            passing = self._without_repeated_ids(checked, passing)
        kept = checked if passing is None or passing.all() else checked.filter(pl.Series(passing))
        self._count_kept(kept)
        return kept

    def _count_kept(self, kept: pl.DataFrame) -> None:
        self.cubes.append(self.cube(kept))
        if len(self.cubes) >= CUBES_HELD:  # summed as they come, so a long file holds one cube, not one per chunk
            self.cubes = [_fold_cubes(self.cubes, self.is_visits)]
        for key, condition in self.flags().items():
            examples = self.flag_examples.setdefault(key, [])
            if len(examples) < _FLAG_EXAMPLES_KEPT:
                found = kept.select(pl.col(ROW).filter(condition).head(_FLAG_EXAMPLES_KEPT)).to_series().to_list()
                examples.extend(found[: _FLAG_EXAMPLES_KEPT - len(examples)])

    def _without_repeated_ids(
        self, checked: pl.DataFrame, passing: np.ndarray[Any, np.dtype[np.bool_]] | None
    ) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """The rows of ``checked`` to keep: those ``passing`` (None: all) whose id no earlier kept row has, as the
        rows stream past (the first occurrence is kept for now).

        Inside the chunk ids are compared exactly. Against earlier chunks a 64-bit hash of the id is
        looked up in :class:`_SeenIds`. Either way the row is held back as a *suspect* with a hash of its
        values, and :meth:`resolve_suspects` judges it once the kept rows are written: a repeat of the same
        values, or a conflict (the rows of the id differ), or, for a hash shared by two different ids, a
        new id after all. An id whose rows differ within the chunk is a conflict whatever follows, so its
        first row is held back too: it is never written, and need not be taken out of the written rows again.
        """
        assert self.id_column is not None
        positions = np.flatnonzero(passing) if passing is not None else np.arange(checked.height)
        ids = checked.get_column(self.id_column)
        if len(positions) < checked.height:
            ids = ids.gather(positions)
        hashes = _id_hashes(ids)
        repeat = _repeats_in_chunk(ids, hashes)
        suspect = self.seen.contains(hashes) | repeat
        if repeat.any():
            differing = _rows_of_differing_ids(checked, positions, ids, hashes, names=self.names, repeat=repeat)
            first = differing & ~suspect  # the first row of such an id, which would have been written
            suspect |= differing
            self.seen.add(hashes[first])  # so that the id's rows in later chunks are held back too
        keep = np.ones(checked.height, dtype=np.bool_) if passing is None else passing.copy()
        if suspect.any():
            held = checked.select(pl.all().gather(positions[suspect]))
            self.suspects.hold(
                held.with_columns(pl.Series(_HASH, hashes[suspect]), _content_hash(self.names).alias(_CONTENT))
            )
            keep[positions[suspect]] = False
        self.seen.add(hashes[~suspect])
        return keep

    def _count_repeats(self, rows: pl.Series) -> None:
        """Count repeated rows (``rows`` in file order); the examples are the first rows over all calls."""
        self.repeated += rows.len()
        self.repeated_examples = _first_rows(self.repeated_examples, rows)

    def _count_conflicts(self, rows: pl.Series, examples: pl.Series, kept_rows: int) -> None:
        """Count the held-back rows of conflicting ids and the ``kept_rows`` already written for them."""
        self.conflicting += rows.len() + kept_rows
        self.conflicting_examples = _first_rows(self.conflicting_examples, examples)

    def resolve_suspects(self, written: Path) -> pl.DataFrame:
        """Judge the held-back rows against the kept rows of the same id; return the rows to keep after all.

        Per id, the kept row (if any) and the held-back rows are compared by a hash of all their values:
        when they are all equal, one is kept (the kept row, else the first held-back row) and the others
        count as repeats; when they differ, none is kept and every row of the id counts as conflicting
        (the kept row is taken out of ``written`` again). The outcome does not depend on the order of the
        rows in the file. A held-back row whose id differs from every kept id shares only the hash: it is
        new. The suspects are compared a range of hashes at a time (:meth:`_Suspects.passes`), reading only
        their ids, hashes and row numbers, so memory holds one pass's ids and the kept rows of its hashes,
        however many rows were held back.
        """
        if self.id_column is None:
            return pl.DataFrame()
        restore: list[pl.Series] = []
        withdraw: list[pl.Series] = []
        identifier, content = pl.col(self.id_column), pl.col(_CONTENT)
        for suspects in self.suspects.passes([self.id_column, _HASH, ROW, _CONTENT]):
            known = self._kept_ids(written, suspects.get_column(_HASH).unique())
            judged = (
                suspects.join(known, on=[self.id_column, _HASH], how="left", maintain_order="left")
                .with_columns(first=pl.coalesce("__known_content", content.first().over(self.id_column)))
                .with_columns(conflict=(content != pl.col("first")).any().over(self.id_column))
                .select(
                    ROW,
                    identifier,
                    "conflict",
                    known=pl.col("__known_content").is_not_null(),
                    keep=~pl.col("conflict") & pl.col("__known_content").is_null() & identifier.is_first_distinct(),
                )
            )
            conflicts = judged.filter(pl.col("conflict"))
            withdrawn = conflicts.filter(pl.col("known")).get_column(self.id_column).unique()
            # The examples are the rows after an id's first one (whose number is known only when it was held
            # back), so they are the same whichever way a row reached the check.
            later = pl.col("known") | ~identifier.is_first_distinct()
            self._count_conflicts(conflicts.get_column(ROW), conflicts.filter(later).get_column(ROW), withdrawn.len())
            withdraw.append(withdrawn)
            self._count_repeats(judged.filter(~pl.col("conflict") & ~pl.col("keep")).get_column(ROW))
            restore.append(judged.filter(pl.col("keep")).get_column(ROW))
        withdrawn_ids = pl.concat(withdraw) if withdraw else pl.Series(self.id_column, [], dtype=pl.String)
        if withdrawn_ids.len():
            removed = _without_ids(written, self.id_column, withdrawn_ids)
            self.cubes.append(self.cube(removed).with_columns(-pl.col("n")))
        rows = pl.concat(restore) if restore else pl.Series(ROW, [], dtype=pl.UInt32)
        if rows.is_empty():
            return pl.DataFrame()
        restored = self.suspects.rows(rows).drop(_HASH, _CONTENT)
        self._count_kept(restored)
        return restored

    def _kept_ids(self, written: Path, wanted: pl.Series) -> pl.DataFrame:
        """The kept ids whose hash is one of ``wanted``, with their hash and the hash of their row's values.

        The written rows are filtered on their ids first, so only the few matching rows are read whole.
        """
        assert self.id_column is not None
        hashes = pl.col(self.id_column).hash(seed=_HASH_SEED).alias(_HASH)  # as :func:`_id_hashes`
        return (
            pl.scan_parquet(written)
            .select(self.names)
            .filter(hashes.is_in(wanted.implode()))
            .select(self.id_column, hashes, _content_hash(self.names).alias("__known_content"))
            .collect(engine="streaming")
        )

    def finish(
        self, sniffed: Sniffed, checks: Sequence[tuple[str, str, pl.Expr]], *, encoding: str | None
    ) -> v.ValidationReport:
        counts: dict[tuple[str, str], tuple[int, list[int]]] = {}
        for number, (count, examples) in self.rejected.items():
            key, column, _condition = checks[number - 1]
            total, previous = counts.get((key, column), (0, []))
            counts[(key, column)] = (total + count, previous + examples)
        if self.spec.duplicate_key is not None and self.id_column is not None:
            label = self.spec.by_target[self.id_column].label
            counts[(self.spec.duplicate_key, label)] = (self.repeated, self.repeated_examples)
            counts[(self.conflict_key, label)] = (self.conflicting, self.conflicting_examples)
        cube = _sum_cube(self.cubes, self.is_visits)
        rows_kept = int(cube.get_column("n").sum()) if cube.height else 0
        flagged: dict[tuple[str, str], tuple[int, list[int]]] = {}
        for key in self.flags():
            count = int(cube.filter(pl.col(key)).get_column("n").sum()) if key in cube.columns else 0
            flagged[(key, self.flag_column(key))] = (count, self.flag_examples.get(key, []))
        missing_share = None
        if self.is_visits and rows_kept:
            missing_share = (
                flagged[(v.MISSING_PROFESSIONAL_ID, self.flag_column(v.MISSING_PROFESSIONAL_ID))][0] / rows_kept
            )
        return v.ValidationReport(
            source=sniffed.path.name,
            layout=self.spec.layout,
            file_format=sniffed.file_format,
            encoding=encoding,
            table=self.spec.table,
            rows_read=self.rows_read,
            rows_kept=rows_kept,
            rejected=v.findings_from_counts(counts),
            flagged=v.findings_from_counts(flagged),
            missing_professional_share=missing_share,
            coverage_cells=_coverage(cube) if self.is_visits else (),
            notes=self.spec.notes,
        )


_HASH: Final = "__hash"
_CONTENT: Final = "__content"
_HASH_SEED: Final = 20_251_123
_CONTENT_SEED: Final = 20_261_207


def _content_hash(columns: Sequence[str]) -> pl.Expr:
    """A 64-bit hash of a row's canonical values: equal rows, equal hashes (different rows rarely share one)."""
    return pl.struct(*columns).hash(seed=_CONTENT_SEED)


def _first_rows(examples: Sequence[int], rows: pl.Series) -> list[int]:
    """The first :data:`~core.validation.MAX_EXAMPLES` row numbers of ``examples`` and ``rows`` together."""
    return sorted([*examples, *rows.sort().head(v.MAX_EXAMPLES).to_list()])[: v.MAX_EXAMPLES]


def _without_ids(path: Path, column: str, ids: pl.Series) -> pl.DataFrame:
    """Rewrite the written rows without those whose ``column`` is one of ``ids``; return the rows taken out.

    Only after a conflict across chunks (rows of one id that differ, the first already written); row groups are
    copied one at a time, read by polars (several times faster than PyArrow's reader and its conversion).
    """
    rewritten = path.with_name(f"{path.name}.withdraw")
    wanted = ids.implode()
    removed = []
    with pq.ParquetFile(path) as source:
        schema = source.schema_arrow
        sizes = [source.metadata.row_group(group).num_rows for group in range(source.num_row_groups)]
    with staged_writer(rewritten, schema) as out:
        first = 0
        for size in sizes:
            frame = pl.scan_parquet(path).slice(first, size).collect()
            first += size
            drop = frame.get_column(column).is_in(wanted)
            if drop.any():
                removed.append(frame.filter(drop))
                frame = frame.filter(~drop)
            out.write_table(frame.to_arrow(compat_level=pl.CompatLevel.newest()).cast(schema))
    os.replace(rewritten, path)
    return pl.concat(removed) if removed else pl.DataFrame()


class _Suspects:
    """Rows held back by the duplicate check until the kept ids can be read, written to a file as they come.

    Holding them in memory made a file of many repeated rows a memory bomb (and a row filtered out of a
    chunk may keep the whole chunk's buffers alive). On disk they cost nothing until :meth:`passes` reads
    them back a range of hashes at a time: a repeated id always falls into one range, so each pass is
    judged on its own, and it holds about :data:`SUSPECT_PASS_ROWS` rows.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._writer: pq.ParquetWriter | None = None

    def hold(self, rows: pl.DataFrame) -> None:
        table = rows.to_arrow(compat_level=pl.CompatLevel.newest())
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, table.schema, compression="lz4")
        try:
            self._writer.write_table(table.cast(self._writer.schema))
        except (OSError, pa.ArrowException) as exc:
            raise DataSourceError(
                source="extract staging", request=f"writing {self.path.name}", reason=str(exc)
            ) from exc
        self.count += rows.height

    def passes(self, columns: Sequence[str]) -> Iterator[pl.DataFrame]:
        """``columns`` of the held rows, one range of hashes at a time, each in file order."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if not self.count:
            return
        parts = -(-self.count // SUSPECT_PASS_ROWS)
        with pq.ParquetFile(self.path) as held:
            for part in range(parts):
                low, high = (part << 64) // parts, ((part + 1) << 64) // parts
                pieces = []
                for batch in held.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=list(columns)):
                    frame = pl.from_arrow(batch)
                    assert isinstance(frame, pl.DataFrame)  # a record batch gives a frame
                    hashes = frame.get_column(_HASH)
                    inside = hashes >= low
                    if part < parts - 1:  # the last range ends at 2**64, which no uint64 reaches
                        inside &= hashes < high
                    if inside.any():  # gathered, not filtered: a filtered frame may keep the batch alive
                        pieces.append(frame.select(pl.all().gather(inside.arg_true())))
                if pieces:
                    yield pl.concat(pieces).sort(ROW)

    def rows(self, numbers: pl.Series) -> pl.DataFrame:
        """The whole held rows of the given row numbers (the few kept after all), in file order."""
        wanted = numbers.implode()
        with pq.ParquetFile(self.path) as held:
            found = []
            for batch in held.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                frame = pl.from_arrow(batch)
                assert isinstance(frame, pl.DataFrame)  # a record batch gives a frame
                match = frame.get_column(ROW).is_in(wanted)
                if match.any():
                    found.append(frame.select(pl.all().gather(match.arg_true())))
        return pl.concat(found).sort(ROW)

    def discard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.path.unlink(missing_ok=True)


def _id_hashes(ids: pl.Series) -> np.ndarray[Any, np.dtype[np.uint64]]:
    """A 64-bit hash of each id (equal ids, equal hashes; different ids rarely share one)."""
    hashes: np.ndarray[Any, np.dtype[np.uint64]] = ids.hash(seed=_HASH_SEED).to_numpy()
    return hashes


def _rows_of_differing_ids(
    checked: pl.DataFrame,
    positions: np.ndarray[Any, np.dtype[np.intp]],
    ids: pl.Series,
    hashes: np.ndarray[Any, np.dtype[np.uint64]],
    *,
    names: Sequence[str],
    repeat: np.ndarray[Any, np.dtype[np.bool_]],
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Which of the ``ids`` (those of the rows of ``checked`` at ``positions``, with their ``hashes``) are repeated in
    the chunk with rows that differ (``repeat``: the rows after an id's first).

    The candidates are the rows whose id's hash is a repeated one's (all rows of each such id, and now and then
    those of another id sharing the hash, which one row alone cannot make differ): comparing 8-byte hashes
    is several times cheaper than comparing the ids' text.
    """
    candidates = pl.Series(hashes).is_in(pl.Series(hashes[repeat]).implode()).to_numpy()
    rows = checked.select(pl.all().gather(positions[candidates])).select(ids.name, _content_hash(names).alias(_CONTENT))
    differing = rows.filter(pl.col(_CONTENT).n_unique().over(ids.name) > 1).get_column(ids.name)
    found = np.zeros(len(positions), dtype=np.bool_)
    if differing.len():
        found[np.flatnonzero(candidates)] = rows.get_column(ids.name).is_in(differing.implode()).to_numpy()
    return found


def _repeats_in_chunk(ids: pl.Series, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, Any]:
    """Rows whose id an earlier row of the same chunk has: hashes find the few candidates, ids decide."""
    repeat = np.zeros(len(hashes), dtype=np.bool_)
    ordered = np.sort(hashes)
    shared = ordered[1:][ordered[1:] == ordered[:-1]]  # hashes that more than one row has
    if not shared.size:
        return repeat
    sharing = np.flatnonzero(pl.Series(hashes).is_in(pl.Series(shared).implode()).to_numpy())
    repeat[sharing[~ids.gather(sharing).is_first_distinct().to_numpy()]] = True
    return repeat


class _SeenIds:
    """64-bit hashes of the ids kept so far, so that a repeated id is found as its row streams past.

    A hash's top bits index a bit map (2**29 bits, 64 MiB, touched only where hashes
    land); a clear bit means "surely new", the common case, at the cost of one memory read. The few
    hashes whose bit is set are looked up exactly in sorted runs, merged four at a time as they grow (a
    log-structured merge), so adding n hashes costs O(n log n) in all and a lookup a few binary searches.
    """

    BITS: Final = 29
    FAN_IN: Final = 4  # runs of one tier merged at once: each hash is copied about log4(n / chunk) times

    def __init__(self) -> None:
        self.words: np.ndarray[Any, np.dtype[np.uint64]] | None = None
        self.tiers: list[list[np.ndarray[Any, np.dtype[np.uint64]]]] = [[]]

    def _bits(
        self, hashes: np.ndarray[Any, np.dtype[np.uint64]]
    ) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.uint64]]]:
        """The word of the bit map and the bit within it for each hash."""
        bit = hashes >> np.uint64(64 - self.BITS)
        return (bit >> np.uint64(6)).astype(np.intp), np.uint64(1) << (bit & np.uint64(63))

    def contains(self, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> np.ndarray[Any, np.dtype[np.bool_]]:
        found = np.zeros(len(hashes), dtype=np.bool_)
        if self.words is None or not len(hashes):
            return found
        word, mask = self._bits(hashes)
        maybe = np.flatnonzero(self.words[word] & mask)
        if maybe.size:
            queries = hashes[maybe]
            order = np.argsort(queries)
            ordered = queries[order]
            hit = np.zeros(len(ordered), dtype=np.bool_)
            for run in self.runs:
                at = np.minimum(np.searchsorted(run, ordered), len(run) - 1)
                hit |= run[at] == ordered
            found[maybe[order]] = hit
        return found

    def add(self, hashes: np.ndarray[Any, np.dtype[np.uint64]]) -> None:
        if not len(hashes):
            return
        if self.words is None:
            self.words = np.zeros(1 << (self.BITS - 6), dtype=np.uint64)
        run = np.sort(hashes)
        word, mask = self._bits(run)  # sorted hashes: each word's bits are neighbours
        starts = np.flatnonzero(np.diff(word, prepend=-1))
        self.words[word[starts]] |= np.bitwise_or.reduceat(mask, starts)
        self.tiers[0].append(run)
        for tier, runs in enumerate(self.tiers):
            if len(runs) < self.FAN_IN:
                break
            merged = np.concatenate(runs)
            merged.sort(kind="stable")  # a few sorted runs: a linear merge
            runs.clear()
            if tier + 1 == len(self.tiers):
                self.tiers.append([])
            self.tiers[tier + 1].append(merged)

    @property
    def runs(self) -> list[np.ndarray[Any, np.dtype[np.uint64]]]:
        return [run for runs in self.tiers for run in runs]


_US_PER_DAY: Final = 86_400_000_000
_DAY_SHIFT: Final = 24  # day numbers plus the offset (any year from 1 to 9999) stay below 2**24
_DAY_OFFSET: Final = 1 << 22


def _fold_cubes(pieces: Sequence[pl.DataFrame], is_visits: bool) -> pl.DataFrame:
    """Several packed count cubes summed into one (keys with a count of 0 left out)."""
    frame = pl.concat(pieces, how="vertical_relaxed")
    if not is_visits:
        return frame.select(pl.col("n").sum())
    return frame.group_by("key").agg(pl.col("n").sum()).filter(pl.col("n") != 0)


def _sum_cube(pieces: Sequence[pl.DataFrame], is_visits: bool) -> pl.DataFrame:
    if not pieces:
        return pl.DataFrame(schema={"n": pl.Int64})
    summed = _fold_cubes(pieces, is_visits)
    return _unpack_cube(summed) if is_visits else summed


def _unpack_cube(cube: pl.DataFrame) -> pl.DataFrame:
    """The packed ``key`` of :meth:`_Tally.cube` back as region, month (yyyymm), urgent, has_assessment, flags."""
    key = pl.col("key")
    flags = [v.VISIT_BEFORE_ASSESSMENT, v.MISSING_PROFESSIONAL_ID, v.MISSING_URGENCY]
    bits = {name: ((key // (1 << shift)) % 2 == 1) for shift, name in enumerate(reversed(flags))}
    bits["has_assessment"] = (key // (1 << len(flags))) % 2 == 1
    rest = key // (1 << (len(flags) + 1))
    urgent = rest % 4
    day = ((rest // 4) % (1 << _DAY_SHIFT) - _DAY_OFFSET).cast(pl.Int32).cast(pl.Date)
    region = (rest // 4) // (1 << _DAY_SHIFT)
    codes = sorted(region_codes())
    return cube.select(
        region.replace_strict(list(range(len(codes))), codes, return_dtype=pl.String).alias(c.REGION_CODE),
        (day.dt.year().cast(pl.Int64) * 100 + day.dt.month().cast(pl.Int64)).alias("month"),
        pl.when(urgent < 2).then(urgent == 1).alias(c.URGENT),
        bits["has_assessment"].alias("has_assessment"),
        *(bits[name].alias(name) for name in flags),
        "n",
    )


def _coverage(cube: pl.DataFrame) -> tuple[v.CoverageCell, ...]:
    if cube.is_empty():
        return ()
    cells = (
        cube.filter(pl.col(c.URGENT).eq_missing(False))
        .group_by(c.REGION_CODE, "month")
        .agg(
            n_non_urgent=pl.col("n").sum(),
            n_with_assessment=pl.col("n").filter(pl.col("has_assessment")).sum(),
        )
        .sort(c.REGION_CODE, "month")
    )
    return tuple(
        v.CoverageCell(
            region_code=region, month=f"{month // 100:04d}-{month % 100:02d}", n_non_urgent=n, n_with_assessment=m
        )
        for region, month, n, m in cells.iter_rows()
    )
