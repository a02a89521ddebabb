"""Status reports over time (entries carry their report's period; a report selector; a county's entries across
reports) and the counties' own data-quality caveats on the charts they concern."""

from __future__ import annotations

import re

import polars as pl
import pytest

from data_sources.reference import caveats, status_report_periods, status_reports
from tests.data_sources.test_reference import seed_lines
from tests.views.builders import results
from views import investments
from views.caveats import caveat_notes, caveat_table, caveats_from

PERIODS = pl.DataFrame({"report": ["spring", "autumn"], "period": ["2025Q1", "2025Q3"]})


def entries(*rows: tuple[str, str | None, str, str | None]) -> pl.DataFrame:
    """(report, region, section, traffic light) rows of RRP4 investment 1."""
    return pl.DataFrame(
        [
            {
                "id": index,
                "report": report,
                "round": "RRP4",
                "investment": 1,
                "section": section,
                "scope": "all" if region is None else "region",
                "region_code": region,
                "text_fi": f"merkintä {index}",
                "traffic_light": light,
                "seed_file": "000_eae0f6498add9be4.txt",
                "seed_line": index + 1,
            }
            for index, (report, region, section, light) in enumerate(rows)
        ]
    )


STORE = results(
    status_reports=entries(
        ("autumn", "09", "general", None),
        ("spring", "09", "costs", "yellow"),
        ("spring", "09", "general", None),
        ("spring", None, "general", None),
        ("spring", "20", "general", None),
    )
)


def test_entries_carry_their_reports_period_oldest_report_first() -> None:
    shown = investments.status_entries(STORE, "RRP4", 1, region="09", periods=PERIODS)
    assert shown["period"].to_list() == ["2025Q1", "2025Q1", "2025Q1", "2025Q3"]
    # The county's own entries and the common ones; not another county's.
    assert set(shown["region_code"].to_list()) == {"09", None}


def test_the_report_selector_lists_every_report_by_period_and_filters_the_entries() -> None:
    assert investments.report_choices(STORE, PERIODS) == [("spring", "2025Q1"), ("autumn", "2025Q3")]
    autumn = investments.status_entries(STORE, "RRP4", 1, periods=PERIODS, reports=["autumn"])
    assert autumn["text_fi"].to_list() == ["merkintä 0"]


def test_each_county_reads_across_the_reports_with_its_cost_light() -> None:
    table = investments.status_over_time(investments.status_entries(STORE, "RRP4", 1, periods=PERIODS), "fi")
    header = table.columns[0]
    row = table.filter(pl.col(header) == "Päijät-Häme").row(0, named=True)
    assert row["2025Q1"] == "2 merkintää · Kustannusten liikennevalo: keltainen"
    assert row["2025Q3"] == "1 merkintä"
    kainuu = table.filter(pl.col(header) == "Kainuu").row(0, named=True)
    assert kainuu["2025Q3"] == "–"


def test_the_county_page_lists_its_own_entries_with_their_period() -> None:
    table = investments.county_status(STORE, "09", PERIODS, "en")
    assert table["Report period"].to_list() == ["2025Q1", "2025Q1", "2025Q3"]
    assert investments.county_status(STORE, "05", PERIODS, "en").is_empty()


def test_every_status_report_shipped_has_a_period() -> None:
    dated = set(status_report_periods()["report"].to_list())
    assert set(status_reports()["report"].to_list()) <= dated
    assert all(re.fullmatch(r"\d{4}Q[1-4]", period) for period in status_report_periods()["period"].to_list())


def test_caveats_are_attached_to_their_county_and_indicator_only() -> None:
    shipped = caveats_from(caveats())
    paijat_hame = caveat_notes(shipped, "09", "access_7d", "fi")
    assert len(paijat_hame) == 1
    assert "virheitä" in paijat_hame[0]
    assert "rivi 68" in paijat_hame[0]
    assert caveat_notes(shipped, "09", "coc", "fi") == ()
    assert caveat_notes(shipped, "13", "access_7d", "fi") == ()
    # Kanta-Häme's corrected contact-type recording concerns the remote share.
    assert len(caveat_notes(shipped, "07", "remote", "en")) == 1


def test_a_countys_caveats_read_as_a_table_in_each_language() -> None:
    shipped = caveats_from(caveats())
    for language in ("fi", "sv", "en"):
        table = caveat_table(shipped, "07", language)
        assert table.height == 2
    assert caveat_table(shipped, "13", "fi").is_empty()


@pytest.mark.parametrize(
    "row", caveats().rows(named=True), ids=lambda row: f"{row['seed_file'][:3]}:{row['seed_line']}"
)
def test_each_caveat_quotes_its_seed_at_the_line_it_names(row: dict[str, object]) -> None:
    lines = seed_lines(str(row["seed_file"]))
    line = int(row["seed_line"])  # type: ignore[call-overload]
    text = " ".join(part.strip() for part in lines[line - 1 : line + 5])
    words = str(row["text_fi"]).split()
    assert " ".join(words[:4]) in text
