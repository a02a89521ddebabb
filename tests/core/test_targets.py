"""The shipped targets: shape, hand-listed content, the seed text behind every row, and the loader's checks.

The checks against the seed text need the seed files: they are looked up in
the folder named by DASHBOARD_SEEDS_DIR, then in reference_data/seeds/;
without them those tests skip (or fail, when DASHBOARD_REQUIRE_SEEDS=1).
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from core import targets
from core.errors import DashboardError, InvalidInputError, MissingColumnsError
from core.regions import region_codes
from core.targets import INDICATOR_UNITS, load_targets

# Every target found in the seeds, listed by hand: (region_code, indicator, comparison, value, due, seed line).
HAND_LIST = {
    ("05", "access_7d", "at_least", 0.66, "2024Q2", "003_d810aaaa0453439a.txt:228"),  # Varsinais-Suomi plan
    ("05", "access_7d", "at_least", 0.80, "2025Q4", "003_d810aaaa0453439a.txt:230"),
    ("07", "nps", "above", 70.0, None, "002_2e354b78671e0859.txt:1571"),  # Kanta-Häme final report
    ("15", "access_7d", None, None, None, "004_067714a725ad0a55.txt:229"),  # Keski-Suomi, no share stated
    ("SSS", "care_guarantee", "at_least", 0.80, "2025Q4", "003_d810aaaa0453439a.txt:2050"),  # national indicator
}
DASHBOARD_INDICATORS = ("access_7d", "access_14d", "t3", "coc", "upc", "nps", "enps")


# --- reading the seeds -------------------------------------------------------------------------


@cache
def _seed_lines(seed_file: str) -> tuple[str, ...] | None:
    folders = [Path(os.environ["DASHBOARD_SEEDS_DIR"])] if os.environ.get("DASHBOARD_SEEDS_DIR") else []
    folders.append(targets.REFERENCE_DIR / "seeds")
    for folder in folders:
        path = folder / seed_file
        if path.is_file():
            return tuple(path.read_text(encoding="utf-8").split("\n"))
    return None


def seed_lines(seed_file: str) -> tuple[str, ...]:
    lines = _seed_lines(seed_file)
    if lines is None:
        message = f"seed {seed_file} not found (set DASHBOARD_SEEDS_DIR to the folder holding the seeds)"
        if os.environ.get("DASHBOARD_REQUIRE_SEEDS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return lines


def seed_text_from(seed_file: str, line: int, *, span: int = 4) -> tuple[str, int]:
    """Seed lines ``line .. line + span`` joined as the quotes were taken, and the length of the first line.

    Lines are trimmed, blank lines and a bullet mark dropped, and lines joined
    with one space, except after a letter followed by a hyphen at the very end
    of a line: in the quoted passages that is always a word the line break
    split ("kvar-" / "taali", "toteu-" / "tuminen"), so the hyphen goes and
    the halves join.
    """
    lines = seed_lines(seed_file)
    text, first_length, split = "", 0, False
    for number in range(line, min(line + span, len(lines)) + 1):
        raw = lines[number - 1]
        part = raw.strip().removeprefix("•").strip()
        if not part:
            continue
        joined = text[:-1] + part if split else f"{text} {part}"
        text = joined if text else part
        split = re.search(r"[A-Za-zÅÄÖåäö]-$", raw) is not None
        if number == line:
            first_length = len(text)
    return text, first_length


def seed_number(value: float, unit: str) -> str:
    """How the seeds write a target value: shares as percentages, Finnish decimal comma."""
    number = value * 100 if unit == "share" else value
    return f"{number:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def due_pattern(due: str) -> str:
    """The ways the seeds write a quarter: 'kvartaali 2 / 2024', 'Q4/25', 'Q4/2025', '2/2024'."""
    year, quarter = due.split("Q")
    return rf"(kvartaali\s*{quarter}\s*/\s*{year}|Q{quarter}\s*/\s*(20)?{year[2:]}\b|\b{quarter}/{year})"


# --- the shipped table -------------------------------------------------------------------------


def test_the_loader_returns_the_explicit_dtypes_in_file_order() -> None:
    assert load_targets().schema == targets.SCHEMA


def test_the_table_holds_exactly_the_hand_listed_targets() -> None:
    rows = {
        (region, indicator, comparison, value, due, f"{seed_file}:{seed_line}")
        for region, indicator, comparison, value, due, seed_file, seed_line in load_targets()
        .select("region_code", "indicator", "comparison", "value", "due", "seed_file", "seed_line")
        .iter_rows()
    }
    assert rows == HAND_LIST


def test_every_region_code_is_a_compared_county_or_the_whole_country() -> None:
    assert set(load_targets()["region_code"]) <= region_codes() | {"SSS"}


def test_the_dashboard_indicator_keys_are_all_allowed() -> None:
    assert set(DASHBOARD_INDICATORS) <= set(INDICATOR_UNITS)
    assert set(INDICATOR_UNITS) - set(DASHBOARD_INDICATORS) == {"care_guarantee"}


@pytest.mark.parametrize(
    "row", load_targets().rows(named=True), ids=lambda row: f"{row['seed_file'][:3]}:{row['seed_line']}"
)
def test_each_quote_is_in_its_seed_starting_at_its_line(row: dict[str, object]) -> None:
    text, first_length = seed_text_from(str(row["seed_file"]), int(str(row["seed_line"])))
    quote = str(row["description_fi"])
    position = text.find(quote)
    assert position >= 0, f"{quote!r} is not at {row['seed_file']}:{row['seed_line']}"
    assert position < first_length, f"{quote!r} does not start on line {row['seed_line']}"


@pytest.mark.parametrize(
    "row",
    load_targets().filter(pl.col("value").is_not_null()).rows(named=True),
    ids=lambda row: f"{row['seed_file'][:3]}:{row['seed_line']}",
)
def test_each_value_and_due_period_is_written_in_its_quote(row: dict[str, object]) -> None:
    quote = str(row["description_fi"])
    number = seed_number(float(str(row["value"])), str(row["unit"]))
    assert re.search(rf"(?<![\d,]){number}\s*(%|prosent)", quote) or re.search(rf"yli {number}\b", quote), (
        f"{number} is not in {quote!r}"
    )
    if row["due"] is not None:
        assert re.search(due_pattern(str(row["due"])), quote), f"{row['due']} is not in {quote!r}"


def test_the_readme_documents_every_column_and_indicator_key() -> None:
    readme = (targets.REFERENCE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## targets.csv") :]
    for name in [*targets.SCHEMA.names(), *INDICATOR_UNITS, *targets.COMPARISONS]:
        assert f"`{name}`" in section, f"README's targets.csv section does not mention `{name}`"


# --- the loader's checks -----------------------------------------------------------------------


def write_variant(tmp_path: Path, change: str, *, column: str | None = None, row: int = 1) -> Path:
    """A copy of targets.csv with one cell (``column``, data ``row``) set to ``change`` ("" = empty); the folder."""
    frame = pl.read_csv(targets.REFERENCE_DIR / targets.FILE_NAME, infer_schema=False)
    if column is not None:
        frame = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == row - 1)
            .then(pl.lit(change or None, dtype=pl.String))
            .otherwise(pl.col(column))
            .alias(column)
        )
    frame.write_csv(tmp_path / targets.FILE_NAME)
    return tmp_path


@pytest.mark.parametrize(
    ("column", "row", "change", "message"),
    [
        # Codes.
        ("region_code", 1, "5", "row 1, column 'region_code': '5' is not a region code"),
        ("region_code", 2, "91", "row 2, column 'region_code': '91'"),  # Åland is not compared
        ("indicator", 3, "NPS", "must be one of access_7d"),
        ("unit", 1, "percent", "is not the unit of the row's indicator"),
        ("unit", 3, "share", "is not the unit"),
        ("comparison", 1, ">=", "must be one of at_least"),
        # Values.
        ("value", 1, "66", "must be between 0 and 1 for unit 'share'"),
        ("value", 3, "170", "between -100 and 100"),
        ("value", 1, "66 %", "must be a number"),
        ("value", 1, "", "column 'comparison': 'at_least' is given but 'value' is empty"),
        ("comparison", 1, "", "column 'comparison': empty is required when 'value' is given"),
        # Periods and provenance.
        ("due", 1, "Q2/2024", "must be a period"),
        ("seed_file", 1, "003.txt", "is not a seed file name"),
        ("seed_line", 1, "0", "must be at least 1"),
        ("seed_line", 1, "x", "must be an integer"),
        ("description_fi", 1, "", "'description_fi': empty a value is required"),
        ("description_en", 2, "   ", "'description_en': empty a value is required"),  # blank counts as empty
        # Key.
        ("due", 2, "2024Q2", "repeats the key"),
    ],
)
def test_the_loader_rejects_a_bad_cell_naming_file_row_and_column(
    tmp_path: Path, column: str, row: int, change: str, message: str
) -> None:
    folder = write_variant(tmp_path, change, column=column, row=row)
    with pytest.raises(InvalidInputError, match=re.escape(message)) as caught:
        load_targets(folder)
    assert str(caught.value).startswith("targets.csv: ")
    assert isinstance(caught.value, DashboardError)


def test_a_missing_column_is_named_with_a_hint(tmp_path: Path) -> None:
    frame = pl.read_csv(targets.REFERENCE_DIR / targets.FILE_NAME, infer_schema=False).rename(
        {"seed_line": "seed_lines"}
    )
    frame.write_csv(tmp_path / targets.FILE_NAME)
    with pytest.raises(MissingColumnsError, match=re.escape("missing column(s) 'seed_line'")) as caught:
        load_targets(tmp_path)
    assert "did you mean 'seed_lines'" in str(caught.value)


def test_an_extra_column_is_rejected(tmp_path: Path) -> None:
    frame = pl.read_csv(targets.REFERENCE_DIR / targets.FILE_NAME, infer_schema=False).with_columns(note=pl.lit("x"))
    frame.write_csv(tmp_path / targets.FILE_NAME)
    with pytest.raises(InvalidInputError, match="unexpected column"):
        load_targets(tmp_path)


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=re.escape("targets.csv: reference file not found")):
        load_targets(tmp_path)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    (tmp_path / targets.FILE_NAME).write_bytes("region_code\n\xe4\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match=re.escape("targets.csv: not a readable UTF-8 CSV")):
        load_targets(tmp_path)
