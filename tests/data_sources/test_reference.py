"""The shipped reference data: investments, participants, status reports and reported figures.

The counts below were made by hand from the seed documents (one bullet mark
"•" per entry), not from the loader's output. The checks against the seed
text itself need the seed files: they are looked up in the folder named by
DASHBOARD_SEEDS_DIR, then in reference_data/seeds/; without them those tests
skip (or fail, when DASHBOARD_REQUIRE_SEEDS=1).
"""

from __future__ import annotations

import csv
import os
import re
from collections import Counter
from functools import cache
from pathlib import Path

import polars as pl
import pytest

from core.errors import DashboardError, InvalidInputError, MissingColumnsError
from core.regions import region_codes
from data_sources import reference

STATUS_SEED = "000_eae0f6498add9be4.txt"

# Entries per (investment, section) of the RRP4 status report, counted by hand in the seed.
# general includes the one summary bullet per investment on the report's first page.
HAND_COUNTS = {
    (1, "general"): 8,  # 7 counties + summary "Inv 1"
    (1, "deviations"): 7,
    (1, "achievements"): 7,
    (1, "next_tasks"): 7,
    (1, "costs"): 1,  # Päijät-Häme: "kustannukset keltaisella"
    (2, "general"): 10,  # 4 counties + 5 unattributed bullets + summary "Inv 2"
    (2, "deviations"): 4,
    (2, "achievements"): 8,
    (2, "next_tasks"): 10,
    (4, "general"): 4,  # 3 bullets + summary "Inv 4"
    (4, "deviations"): 5,
    (4, "achievements"): 17,  # 3 citizens' services + 7 professionals' systems + 7 management solutions
    (4, "next_tasks"): 8,
    (4, "costs"): 1,  # "Kustannukset ovat alittaneet suunnitellun, ..."
}
# Entries that belong to one county, per investment (the rest are all-county bullets).
HAND_REGION_COUNTS = {1: 29, 2: 4, 4: 7}
# Investment 1 names each of the seven RRP4 counties once in each of its four sections.
RRP4_PROJECT_COUNTIES = {"03", "05", "06", "09", "13", "19", "20"}  # 001:200-207

SEED_REF = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")


# --- reading the seeds -------------------------------------------------------------------------


@cache
def _seed_lines(seed_file: str) -> tuple[str, ...] | None:
    folders = [Path(os.environ["DASHBOARD_SEEDS_DIR"])] if os.environ.get("DASHBOARD_SEEDS_DIR") else []
    folders.append(reference.REFERENCE_DIR / "seeds")
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


def joined(lines: tuple[str, ...], first: int, last: int, *, split_words: bool = False) -> tuple[str, int]:
    """Seed lines ``first..last`` (1-based) as one string, the way entries were extracted.

    Lines are trimmed, blank lines dropped, a bullet mark removed, and lines
    joined with one space, except after a hyphen that is the very last
    character of a line, right after a letter or digit: there no space is
    added and the hyphen is kept (a compound such as "sote-" + "keskuksen"),
    or dropped with ``split_words`` (a word the line break split,
    "vaikuttavuus-" + "perusteista"). A hyphen followed by a space before the
    line break ("kuntoutus- " + "ja") is an ordinary word end. Also returns
    the length of the text up to line ``first + 2``.
    """
    text = ""
    near_end = 0
    tight = False  # the previous non-blank line ended in letter-or-digit + hyphen, with no space after it
    for number in range(max(first, 1), min(last, len(lines)) + 1):
        raw = lines[number - 1]
        part = raw.strip().removeprefix("•").strip()
        if part:
            if not text:
                text = part
            elif tight:
                text = (text[:-1] if split_words else text) + part
            else:
                text += " " + part
            tight = re.search(r"[0-9A-Za-zÅÄÖåäö]-$", raw) is not None
        if number <= first + 2:
            near_end = len(text)
    return text, near_end


def assert_quoted_near(text: str, seed_file: str, line: int, *, span: int = 12, split_words: bool = False) -> None:
    """``text`` occurs in the seed starting within a line of ``line``."""
    window, near_end = joined(seed_lines(seed_file), line - 1, line + span, split_words=split_words)
    position = window.find(text)
    assert position >= 0, f"{text[:60]!r} is not in {seed_file} at line {line}"
    assert position <= near_end, f"{text[:60]!r} starts more than a line after {seed_file}:{line}"


# --- the shipped tables ------------------------------------------------------------------------


def test_every_loader_returns_its_explicit_dtypes() -> None:
    assert reference.investments().schema == pl.Schema(
        {
            "round": pl.String,
            "pillar": pl.Int64,
            "number": pl.Int64,
            "name_fi": pl.String,
            "name_en": pl.String,
            "name_sv": pl.String,
            "funding_eur": pl.Float64,
            "description_en": pl.String,
            "seed_file": pl.String,
            "seed_line": pl.Int64,
        }
    )
    assert reference.participants().schema["investment"] == pl.Int64
    assert reference.participants().schema["start_seed_line"] == pl.Int64
    assert reference.participants().schema["region_code"] == pl.String
    assert reference.status_reports().schema["investment"] == pl.Int64
    assert reference.status_reports().schema["seed_line"] == pl.Int64
    assert reference.reported_figures().schema["line"] == pl.Int64
    assert reference.reported_figures().schema["value"] == pl.String


#: The reported figures a chart draws, curated by hand from the seed text: (seed, line, region, indicator,
#: canonical period, value in the indicator's unit). The status report of spring 2025 (000) is dated Q1/2025;
#: Kanta-Häme's NPS was measured 1.10.2024-31.12.2025 and is placed in 2025; Keski-Suomi's slides quote
#: THL's FinSote survey of 2018 for insufficient doctor services.
PLOTTED = {
    ("000_eae0f6498add9be4.txt", 37, "13", "access_7d", "2025Q1", 0.77),
    ("000_eae0f6498add9be4.txt", 40, "09", "access_7d", "2025Q1", 0.561),
    ("000_eae0f6498add9be4.txt", 40, "09", "access_14d", "2025Q1", 0.7689),
    ("002_2e354b78671e0859.txt", 1572, "07", "nps", "2025", 84.3),
    ("004_067714a725ad0a55.txt", 499, "15", "thl_insufficient", "2018", 0.161),
}


def test_the_plotted_figures_are_the_hand_listed_ones() -> None:
    frame = reference.reported_figures().filter(pl.col("indicator").is_not_null())
    columns = ("seed_file", "line", "region_code", "indicator", "period_code", "plot_value")
    assert set(frame.select(columns).iter_rows()) == PLOTTED


def test_a_plotted_share_is_the_seeds_percentage_as_a_proportion() -> None:
    frame = reference.reported_figures().filter(pl.col("unit").str.starts_with("%") & pl.col("indicator").is_not_null())
    for value, plotted in frame.select("value", "plot_value").iter_rows():
        assert plotted == pytest.approx(float(value) / 100)


@pytest.mark.parametrize(("seed", "line", "value"), [(seed, line, value) for seed, line, *_, value in sorted(PLOTTED)])
def test_every_plotted_value_is_in_its_seed_at_its_line(seed: str, line: int, value: float) -> None:
    stated = reference.reported_figures().filter((pl.col("seed_file") == seed) & (pl.col("line") == line))["value"]
    text = seed_lines(seed)[line - 1].replace(",", ".")
    assert any(figure in text for figure in stated), (stated.to_list(), text)


def test_every_named_area_has_its_region_code() -> None:
    frame = reference.reported_figures()
    names = dict(frame.select("region", "region_code").unique().iter_rows())
    assert names["Varsinais-Suomi"] == "05"
    assert names["Pohjois-Savo"] == "13"
    assert names["Päijät-Häme"] == "09"
    assert names["Koko maa"] == "SSS"
    assert names["all Inv 2 regions"] is None  # several counties: no one chart


def test_row_counts_are_those_of_the_shipped_files() -> None:
    assert reference.investments().height == 7
    assert reference.participants().height == 26
    assert reference.status_reports().height == 97
    assert reference.reported_figures().height == 418


def test_the_investments_are_rrp2_pillar_4_one_to_four_and_rrp4_one_two_and_four() -> None:
    keys = set(reference.investments().select("round", "pillar", "number").iter_rows())
    assert keys == {
        ("RRP2", 4, 1),
        ("RRP2", 4, 2),
        ("RRP2", 4, 3),
        ("RRP2", 4, 4),
        ("RRP4", None, 1),
        ("RRP4", None, 2),
        ("RRP4", None, 4),
    }


def test_funding_is_only_the_grants_the_final_seminar_states() -> None:
    funded = reference.investments().filter(pl.col("funding_eur").is_not_null())
    assert set(funded.select("round", "number", "funding_eur").iter_rows()) == {
        ("RRP4", 1, 11_100_000.0),  # 001:81 "11 100 000 euroa investointi 1"
        ("RRP4", 4, 3_600_000.0),  # 001:83 "3 600 000 euroa investointi 4"
    }


def test_every_region_code_is_a_known_code() -> None:
    known = region_codes()
    assert set(reference.participants()["region_code"]) <= known
    assert set(reference.status_reports()["region_code"].drop_nulls()) <= known


def test_every_participant_takes_part_in_an_investment_that_exists() -> None:
    keys = set(reference.investments().select("round", "number").iter_rows())
    assert set(reference.participants().select("round", "investment").iter_rows()) <= keys
    assert set(reference.status_reports().select("round", "investment").iter_rows()) <= keys


def test_the_seven_rrp4_project_counties_take_part_in_investments_1_and_4() -> None:
    frame = reference.participants().filter(pl.col("round") == "RRP4")
    for investment in (1, 4):
        assert set(frame.filter(pl.col("investment") == investment)["region_code"]) == RRP4_PROJECT_COUNTIES


def test_every_county_with_its_own_status_entry_is_a_participant_of_that_investment() -> None:
    entries = reference.status_reports().filter(pl.col("scope") == "region")
    participating = set(reference.participants().select("round", "investment", "region_code").iter_rows())
    assert set(entries.select("round", "investment", "region_code").iter_rows()) <= participating


def test_a_start_is_quoted_with_its_place_in_the_seed_exactly_when_it_is_given() -> None:
    frame = reference.participants()
    for column in ("start_fi", "start_seed_file", "start_seed_line"):
        assert (frame["start"].is_null() == frame[column].is_null()).all()
    assert set(frame.drop_nulls("start").select("round", "investment", "region_code", "start").iter_rows()) == {
        ("RRP2", 1, "05", "2023"),
        ("RRP2", 2, "05", "2023"),
        ("RRP2", 3, "05", "2023"),
        ("RRP2", 4, "05", "2023"),
        ("RRP4", 1, "09", "2024-09"),
        ("RRP4", 2, "16", "2024-07-01"),
        ("RRP4", 2, "20", "2025-07"),
    }


# --- the status report -------------------------------------------------------------------------


def test_entries_per_investment_and_section_match_the_hand_count() -> None:
    frame = reference.status_reports()
    counted = Counter(frame.select("investment", "section").iter_rows())
    assert dict(counted) == HAND_COUNTS


def test_county_entries_per_investment_match_the_hand_count() -> None:
    frame = reference.status_reports().filter(pl.col("scope") == "region")
    assert dict(Counter(frame["investment"])) == HAND_REGION_COUNTS


@pytest.mark.parametrize("section", ["general", "deviations", "achievements", "next_tasks"])
def test_investment_1_has_one_entry_per_rrp4_county_in_each_section(section: str) -> None:
    frame = reference.status_reports().filter(
        (pl.col("investment") == 1) & (pl.col("section") == section) & (pl.col("scope") == "region")
    )
    assert sorted(frame["region_code"]) == sorted(RRP4_PROJECT_COUNTIES)


def test_scope_is_region_exactly_when_a_county_is_named() -> None:
    frame = reference.status_reports()
    assert ((frame["scope"] == "region") == frame["region_code"].is_not_null()).all()
    assert set(frame["scope"]) <= set(reference.SCOPES)
    assert set(frame["section"]) <= set(reference.SECTIONS)


def test_traffic_lights_take_only_the_allowed_values_and_quote_a_colour() -> None:
    frame = reference.status_reports().drop_nulls("traffic_light")
    assert set(frame["traffic_light"]) <= set(reference.TRAFFIC_LIGHTS)
    colour_words = {"green": "vihre", "yellow": "keltai", "red": "punai"}
    for light, text in frame.select("traffic_light", "text_fi").iter_rows():
        assert colour_words[light] in text.lower() or "liikennevalo" in text.lower()
    # The seed states exactly one colour: Päijät-Häme's costs on yellow (000:67).
    assert frame.select("investment", "section", "region_code", "traffic_light").rows() == [
        (1, "costs", "09", "yellow")
    ]


def test_every_cost_entry_quotes_a_deviations_bullet_of_the_same_line() -> None:
    frame = reference.status_reports()
    deviations = {
        (investment, line): text
        for investment, line, text in frame.filter(pl.col("section") == "deviations")
        .select("investment", "seed_line", "text_fi")
        .iter_rows()
    }
    for investment, line, text in (
        frame.filter(pl.col("section") == "costs").select("investment", "seed_line", "text_fi").iter_rows()
    ):
        assert text.lower() in deviations[(investment, line)].lower()


def test_texts_are_trimmed_single_spaced_and_free_of_bullet_marks() -> None:
    for text in reference.status_reports()["text_fi"]:
        assert text == text.strip()
        assert "  " not in text
        assert "\n" not in text
        assert "•" not in text


def test_every_entry_points_at_the_status_report_seed() -> None:
    frame = reference.status_reports()
    assert set(frame["seed_file"]) == {STATUS_SEED}
    assert set(frame["report"]) == {"RRP4 status report spring 2025"}
    assert set(frame["round"]) == {"RRP4"}


# --- against the seed text ---------------------------------------------------------------------


def _status_rows() -> list[tuple[int, str, str, int]]:
    frame = reference.status_reports().select("investment", "section", "text_fi", "seed_line")
    return list(frame.iter_rows())


@pytest.mark.parametrize(
    ("investment", "section", "text", "line"),
    _status_rows(),
    ids=[f"inv{row[0]}-{row[1]}-line{row[3]}" for row in _status_rows()],
)
def test_every_status_text_is_in_the_seed_at_its_line(investment: int, section: str, text: str, line: int) -> None:
    assert_quoted_near(text, STATUS_SEED, line)


def test_every_bullet_of_the_status_seed_is_an_entry() -> None:
    lines = seed_lines(STATUS_SEED)
    bullet_lines = {number for number, text in enumerate(lines, start=1) if text.lstrip().startswith("•")}
    frame = reference.status_reports().filter(pl.col("section") != "costs")
    assert sorted(frame["seed_line"]) == sorted(bullet_lines)


def test_every_investment_name_is_in_its_seed_at_its_line() -> None:
    rows = reference.investments().select("round", "number", "name_fi", "seed_file", "seed_line").iter_rows()
    for round_, number, name, seed_file, line in rows:
        # Only RRP2 investment 3's name has a word split by a line break (003:2740-2742).
        assert_quoted_near(name, seed_file, line, split_words=(round_, number) == ("RRP2", 3))


def test_every_quoted_start_is_in_its_seed_at_its_line() -> None:
    frame = reference.participants().drop_nulls("start")
    for quote, seed_file, line in frame.select("start_fi", "start_seed_file", "start_seed_line").iter_rows():
        assert_quoted_near(quote, seed_file, line, span=0)


def test_every_quoted_go_live_is_in_its_seed_at_its_line() -> None:
    frame = reference.participants().drop_nulls("go_live")
    for quote, seed_file, line in frame.select("go_live_fi", "go_live_seed_file", "go_live_seed_line").iter_rows():
        assert_quoted_near(quote, seed_file, line, span=1)


def test_go_live_is_given_where_a_seed_states_it_besides_the_start_of_work() -> None:
    frame = reference.participants().drop_nulls("go_live")
    assert set(frame.select("round", "investment", "region_code", "start", "go_live").iter_rows()) == {
        ("RRP4", 1, "09", "2024-09", "2025-01"),  # development from 09/2024 (001:286), live 1/2025 (001:288)
        ("RRP4", 2, "16", "2024-07-01", "2025-01"),  # project from 1.7.2024, Tarmoa in use 1/2025 (000:143-144)
    }


def test_every_seed_reference_names_a_seed_file() -> None:
    for frame in (reference.investments(), reference.participants(), reference.status_reports()):
        assert all(SEED_REF.fullmatch(name) for name in frame["seed_file"])


# --- malformed files ---------------------------------------------------------------------------

FILES = ("investments.csv", "participants.csv", "status_reports.csv", "reported_figures.csv")
LOADERS = {
    "investments.csv": reference.investments,
    "participants.csv": reference.participants,
    "status_reports.csv": reference.status_reports,
    "reported_figures.csv": reference.reported_figures,
}


@pytest.fixture
def reference_copy(tmp_path: Path) -> Path:
    for name in FILES:
        (tmp_path / name).write_bytes((reference.REFERENCE_DIR / name).read_bytes())
    return tmp_path


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Overwrite one cell; ``row`` counts data rows from 1."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    fields = list(rows[0])
    rows[row - 1][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        # wrong type
        (("investments.csv", 2, "number", "two"), "must be an integer"),
        (("investments.csv", 5, "funding_eur", "11,1 M€"), "must be a number"),
        (("status_reports.csv", 4, "seed_line", "4.5"), "must be an integer"),
        (("reported_figures.csv", 7, "line", ""), "empty; a value is required"),
        # coded values outside their set
        (("investments.csv", 1, "round", "RRP3"), "must be one of 'RRP2', 'RRP4'"),
        (("status_reports.csv", 3, "section", "risks"), "must be one of 'general'"),
        (("status_reports.csv", 30, "traffic_light", "amber"), "must be one of 'green', 'yellow', 'red'"),
        (("participants.csv", 3, "region_code", "5"), "is not a known region code"),
        (("status_reports.csv", 2, "region_code", "99"), "is not a known region code"),
        # shapes and links
        (("participants.csv", 12, "start", "9/2024"), "must match"),
        (("participants.csv", 9, "investment", "3"), "is not an investment in investments.csv"),
        (("participants.csv", 2, "start_fi", "Hankeajan"), "is given but 'start' is empty"),
        (("participants.csv", 12, "start_seed_line", ""), "empty; required because 'start' is given"),
        (("participants.csv", 10, "region_code", "03"), "repeats the key (round, investment, region_code)"),
        (("status_reports.csv", 2, "region_code", ""), "empty; must be set exactly when scope is 'region'"),
        (("status_reports.csv", 5, "text_fi", ""), "empty; a value is required"),
        (("investments.csv", 3, "seed_file", "seed.txt"), "must match"),
        (("investments.csv", 4, "seed_line", "0"), "must be at least 1"),
        # a reported figure's curated chart columns (row 4 is Pohjois-Savo's 77 % within 7 days, 000:37)
        (("reported_figures.csv", 4, "indicator", "access7d"), "must be one of 'access_7d'"),
        (("reported_figures.csv", 4, "region_code", "99"), "is not a known region code or 'SSS'"),
        (("reported_figures.csv", 4, "region_code", ""), "empty; required because 'indicator' is given"),
        (("reported_figures.csv", 4, "period_code", "spring 2025"), "must match"),
        (("reported_figures.csv", 4, "period_code", ""), "empty; required because 'indicator' is given"),
        (("reported_figures.csv", 4, "plot_value", "77 %"), "must be a number"),
        (("reported_figures.csv", 4, "plot_value", "77"), "must be between 0 and 1 for a share indicator"),
        (("reported_figures.csv", 4, "plot_value", ""), "empty; required because 'indicator' is given"),
        (("reported_figures.csv", 1, "period_code", "2025"), "is given but 'indicator' is empty"),
        (("reported_figures.csv", 1, "plot_value", "0.5"), "is given but 'indicator' is empty"),
    ],
)
def test_a_malformed_file_names_file_row_and_column(
    reference_copy: Path, cell: tuple[str, int, str, str], problem: str
) -> None:
    name, row, column, value = cell  # the file, its data row (from 1), the column and the bad value
    set_cell(reference_copy / name, row, column, value)
    with pytest.raises(InvalidInputError) as caught:
        LOADERS[name](reference_copy)
    message = str(caught.value)
    assert message.startswith(f"{name}: row {row}, column {column!r}:")
    assert problem in message
    assert isinstance(caught.value, DashboardError)


def test_a_missing_column_is_named_with_the_available_ones(reference_copy: Path) -> None:
    path = reference_copy / "investments.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("name_sv", "namn_sv", 1), encoding="utf-8")
    with pytest.raises(MissingColumnsError) as caught:
        reference.investments(reference_copy)
    assert caught.value.missing == ("name_sv",)
    assert "investments.csv" in str(caught.value)
    assert "did you mean 'namn_sv'" in str(caught.value)


def test_an_unexpected_column_is_refused(reference_copy: Path) -> None:
    path = reference_copy / "participants.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(f"{line},x" for line in lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"participants\.csv: unexpected column\(s\) 'x'"):
        reference.participants(reference_copy)


def test_a_missing_file_is_an_invalid_input_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"status_reports\.csv: reference file not found"):
        reference.status_reports(tmp_path)
