"""The bucketed layout: a stable hash, every row filed once, and only recorded extracts read."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import columns as c
from core.errors import InvalidInputError
from store import buckets
from tests.metrics.frames import MONDAY, answers, slot, slots, visit, visits

# --- the hash -----------------------------------------------------------------------------------------

# XXH3-64 (seed 0) of the UTF-8 text, as the reference implementation gives it: the empty text's value is the
# one the xxHash specification lists (0x2D06800538D394C2); a change of library or version must not move an id.
PINNED = [
    ("", 0x2D06800538D394C2),
    ("a", 16629034431890738719),
    ("abc", 0x78AF5F94892F3950),
    ("P000000000001", 13825524684257310545),
    ("ÄÖ-pseudonym", 13842769675099101972),
]


@pytest.mark.parametrize(("text", "hashed"), PINNED)
@pytest.mark.parametrize("count", [1, 2, 7, 16])
def test_a_bucket_is_the_xxh3_hash_of_the_id_text_modulo_the_bucket_count(text: str, hashed: int, count: int) -> None:
    frame = pl.DataFrame({c.PATIENT_ID: [text]})
    assert frame.select(buckets.bucket_of(pl.col(c.PATIENT_ID), count)).item() == hashed % count


def test_an_integer_id_is_filed_by_its_decimal_text() -> None:
    numbers = pl.DataFrame({c.PATIENT_ID: [12345]})
    texts = pl.DataFrame({c.PATIENT_ID: ["12345"]})
    assert (
        numbers.select(buckets.bucket_of(pl.col(c.PATIENT_ID), 16)).item()
        == texts.select(buckets.bucket_of(pl.col(c.PATIENT_ID), 16)).item()
    )


def test_a_bucket_count_below_one_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="at least 1"):
        buckets.bucket_of(pl.col(c.PATIENT_ID), 0)


@pytest.mark.parametrize(("rows", "count"), [(0, 1), (1, 1), (2_000_000, 1), (2_000_001, 2), (25_000_000, 13)])
def test_the_bucket_count_keeps_a_bucket_near_two_million_rows(rows: int, count: int) -> None:
    assert buckets.bucket_count(rows) == count


# --- writing and reading ------------------------------------------------------------------------------


def write(tmp_path: Path, frame: pl.DataFrame, checksum: str) -> Path:
    path = tmp_path / "extracts" / f"{checksum}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(path)
    return path


def sample_visits(patients: int) -> pl.DataFrame:
    rows = [
        visit(patient_id=f"p{n}", visit_id=f"v{n}-{year}", visit_at=MONDAY.replace(year=year))
        for n in range(patients)
        for year in (2023, 2024)
    ]
    return visits(*rows)


@settings(max_examples=20, deadline=None)
@given(count=st.sampled_from([1, 2, 7, 16]), patients=st.integers(min_value=0, max_value=40))
def test_every_visit_is_filed_once_with_all_of_a_patients_visits_of_a_year_in_one_bucket(
    tmp_path_factory: pytest.TempPathFactory, count: int, patients: int
) -> None:
    root = tmp_path_factory.mktemp("buckets")
    frame = sample_visits(patients)
    buckets.write_extract(root, "visits", "a" * 64, frame, count)
    layout = buckets.Layout("visits", count, ("a" * 64,))
    pieces = buckets.pieces(root, layout)
    read = [pl.read_parquet(files).with_columns(pl.lit(str(files[0].parent)).alias("_piece")) for files in pieces]
    together = pl.concat(read) if read else frame.clear().with_columns(pl.lit("").alias("_piece"))
    assert sorted(together[c.VISIT_ID].to_list()) == sorted(frame[c.VISIT_ID].to_list())
    per_patient_year = together.group_by(c.PATIENT_ID, pl.col(c.VISIT_AT).dt.year()).agg(pl.col("_piece").n_unique())
    assert (per_patient_year["_piece"] == 1).all()
    assert all(f"bucket={files[0].parent.name.removeprefix('bucket=')}" == files[0].parent.name for files in pieces)
    assert len(pieces) <= 2 * count


def test_the_layout_files_every_catalogued_extract_once_and_again_only_when_new(tmp_path: Path) -> None:
    first = write(tmp_path, sample_visits(10), "1" * 64)
    layout = buckets.ensure_layout(tmp_path, "visits", [first])
    assert layout == buckets.Layout("visits", 1, ("1" * 64,), rows=20)
    second = write(tmp_path, sample_visits(3).with_columns(pl.col(c.VISIT_ID) + "-b"), "2" * 64)
    layout = buckets.ensure_layout(tmp_path, "visits", [first, second])
    assert layout.extracts == ("1" * 64, "2" * 64)
    files = [path for piece in buckets.pieces(tmp_path, layout) for path in piece]
    assert pl.read_parquet(files).height == 26
    assert buckets.read_layout(tmp_path, "visits") == layout


def test_pieces_of_an_extract_the_layout_does_not_list_are_never_read(tmp_path: Path) -> None:
    # A filing killed before its layout was written leaves files that nothing reads.
    first = write(tmp_path, sample_visits(4), "1" * 64)
    layout = buckets.ensure_layout(tmp_path, "visits", [first])
    buckets.write_extract(tmp_path, "visits", "9" * 64, sample_visits(4), layout.buckets)
    files = [path for piece in buckets.pieces(tmp_path, layout) for path in piece]
    assert {path.stem.rpartition("-")[0] for path in files} == {"1" * 64}


def test_a_layout_whose_bucket_count_no_longer_fits_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(tmp_path, sample_visits(10), "1" * 64)
    assert buckets.ensure_layout(tmp_path, "visits", [first]).buckets == 1
    monkeypatch.setattr(buckets, "ROWS_PER_BUCKET", 2)  # the same data now want five buckets a year
    layout = buckets.ensure_layout(tmp_path, "visits", [first])
    assert layout.buckets == 5
    files = [path for piece in buckets.pieces(tmp_path, layout) for path in piece]
    assert pl.read_parquet(files).height == 20
    assert {path.parent.name for path in files} <= {f"bucket={k}" for k in range(5)}


def test_a_layout_filed_with_another_hash_is_refused_with_what_to_do(tmp_path: Path) -> None:
    root = buckets.table_root(tmp_path, "visits")
    root.mkdir(parents=True)
    (root / buckets.LAYOUT_FILE).write_text('{"hash": "fnv1a", "buckets": 1, "extracts": []}', encoding="utf-8")
    with pytest.raises(InvalidInputError, match="rebuild"):
        buckets.read_layout(tmp_path, "visits")


def test_slots_are_filed_by_book_and_answers_by_county(tmp_path: Path) -> None:
    slot_rows = slots(*(slot(MONDAY, book_id=f"b{n}") for n in range(6)))
    buckets.write_extract(tmp_path, "appointment_slots", "3" * 64, slot_rows, 4)
    names = {path.parent.name for path in buckets.table_root(tmp_path, "appointment_slots").rglob("*.parquet")}
    assert names <= {f"bucket={k}" for k in range(4)}
    answer_rows = answers([9, 3, 10], region_code=["01", "02", None])
    buckets.write_extract(tmp_path, "survey_answers", "4" * 64, answer_rows, 1)
    names = {path.parent.name for path in buckets.table_root(tmp_path, "survey_answers").rglob("*.parquet")}
    assert names == {"region=01", "region=02", f"region={buckets.NULL_PART}"}


def test_filing_an_extract_again_replaces_whatever_an_interrupted_filing_left(tmp_path: Path) -> None:
    buckets.write_extract(tmp_path, "visits", "5" * 64, sample_visits(6), 2)
    folder = next(buckets.table_root(tmp_path, "visits").rglob("bucket=*"))
    stale = folder / f"{'5' * 64}-9.parquet"  # a piece the interrupted run wrote and this one does not
    sample_visits(1).write_parquet(stale)
    buckets.write_extract(tmp_path, "visits", "5" * 64, sample_visits(6), 2)
    assert not stale.exists()
    files = [path for piece in buckets.pieces(tmp_path, buckets.Layout("visits", 2, ("5" * 64,))) for path in piece]
    assert pl.read_parquet(files).height == 12


def test_buckets_missing_a_piece_are_refused_with_what_to_do(tmp_path: Path) -> None:
    layout = buckets.ensure_layout(tmp_path, "visits", [write(tmp_path, sample_visits(10), "1" * 64)])
    assert sum(pl.read_parquet(files).height for files in buckets.checked_pieces(tmp_path, layout)) == 20
    buckets.pieces(tmp_path, layout)[0][0].unlink()
    with pytest.raises(InvalidInputError, match=r"hold 10 rows, but 20 were filed.*Delete"):
        buckets.checked_pieces(tmp_path, layout)


# --- the largest partition ----------------------------------------------------------------------------


def yearly_visits(years: list[int | None]) -> pl.DataFrame:
    rows = [
        visit(patient_id=f"p{n}", visit_id=f"v{n}", visit_at=MONDAY.replace(year=year or 2024))
        for n, year in enumerate(years)
    ]
    return visits(*rows).with_columns(
        pl.Series(c.VISIT_AT, [None if year is None else MONDAY.replace(year=year) for year in years]).cast(
            pl.Datetime("us")
        )
    )


@pytest.mark.parametrize(
    ("years", "row_group", "statistics"),
    [
        # one year per row group: counted from the statistics alone
        ([2023] * 4 + [2024] * 6, 2, True),
        # row groups spanning two years, or holding a missing time, are read
        ([2023, 2024] * 5 + [None] * 3, 3, True),
        # no statistics: every row group is read
        ([2023] * 3 + [2024] * 2, 2, False),
    ],
)
def test_the_largest_partition_is_counted_the_same_with_or_without_statistics(
    tmp_path: Path, years: list[int | None], row_group: int, statistics: bool
) -> None:
    path = tmp_path / f"{'1' * 64}.parquet"
    yearly_visits(years).write_parquet(path, row_group_size=row_group, statistics=statistics)
    part = buckets.PARTITIONINGS["visits"]
    counted = pl.read_parquet(path).group_by(part.by_expr).agg(pl.len())  # type: ignore[arg-type]
    assert buckets._largest_partition([path, path], part) == 2 * counted["len"].max()
