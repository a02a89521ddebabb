"""The disclosure audit finds what single-grain suppression leaks through linked tables, and nothing else."""

from __future__ import annotations

import math

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.audit import Problem, RoleReport, build_relations, deduce, format_text, record_audits
from pipeline.audit_counts import Key
from pipeline.cli import build_parser
from store.audits import latest_audit
from store.results import store_version

THRESHOLD = 5


def visits(region: str, period: str, *, unit: str = "", profession: str = "all", measure: str = "eligible7") -> Key:
    return Key(f"access.{measure}", region, unit, profession, period)


def audit(truth: dict[Key, int], hidden: set[Key]) -> list[tuple[str, Key, float, float]]:
    shown = {key: value for key, value in truth.items() if key not in hidden}
    # Never-shown counts (other professions, the 8-14-day band) are neither shown nor hidden.
    shown = {key: value for key, value in shown.items() if key.profession != "other" and "band" not in key.measure}
    outcome = deduce(Problem(truth, shown, hidden, build_relations(truth)), threshold=THRESHOLD)
    return [(finding.kind, finding.key, finding.low, finding.high) for finding in outcome.findings]


def test_a_hidden_month_is_the_quarter_minus_the_shown_months() -> None:
    january, february, march = (visits("01", f"2024-0{month}", unit="hc1") for month in (1, 2, 3))
    quarter = visits("01", "2024Q1", unit="hc1")
    truth = {january: 3, february: 15, march: 30, quarter: 48}

    assert audit(truth, hidden={january}) == [("recovered_small", january, 3.0, 3.0)]


def test_the_8_to_14_day_band_is_within_14_minus_within_7() -> None:
    cell = {name: visits("01", "2024-03", unit="hc1", measure=name) for name in ("eligible7", "eligible14", "within7")}
    cell |= {name: visits("01", "2024-03", unit="hc1", measure=name) for name in ("within14", "band8_14")}
    truth = {
        cell["eligible7"]: 40,
        cell["eligible14"]: 40,
        cell["within7"]: 30,
        cell["within14"]: 33,
        cell["band8_14"]: 3,  # never shown, but 33 - 30
    }

    assert audit(truth, hidden=set()) == [("recovered_small", cell["band8_14"], 3.0, 3.0)]


def test_other_professions_are_all_minus_doctors_minus_nurses() -> None:
    def cell(measure: str, profession: str) -> Key:
        return visits("01", "2024", unit="hc1", profession=profession, measure=measure)

    truth = {
        # 130 - 59 - 64 = 7 visits of other professions (not under 5), 50 - 30 - 19 = 1 of them within 7 days.
        **{cell("eligible7", p): n for p, n in (("all", 130), ("doctor", 59), ("nurse", 64), ("other", 7))},
        **{cell("within7", p): n for p, n in (("all", 50), ("doctor", 30), ("nurse", 19), ("other", 1))},
    }

    assert audit(truth, hidden=set()) == [("recovered_small", cell("within7", "other"), 1.0, 1.0)]


def test_a_count_shown_under_the_threshold_is_a_finding() -> None:
    cell = visits("01", "2024")

    assert audit({cell: 4}, hidden=set()) == [("shown_small", cell, 4.0, 4.0)]


def test_two_hidden_months_whose_sum_is_at_least_the_threshold_are_protected() -> None:
    january, february, march = (visits("01", f"2024-0{month}", unit="hc1") for month in (1, 2, 3))
    quarter = visits("01", "2024Q1", unit="hc1")
    truth = {january: 3, february: 2, march: 30, quarter: 35}

    assert audit(truth, hidden={january, february}) == []


def test_a_hidden_pair_summing_under_the_threshold_is_narrow() -> None:
    january, february, march = (visits("01", f"2024-0{month}", unit="hc1") for month in (1, 2, 3))
    quarter = visits("01", "2024Q1", unit="hc1")
    truth = {january: 3, february: 1, march: 30, quarter: 34}  # January and February together are 4

    found = audit(truth, hidden={january, february})

    assert found == [("narrow", january, 0.0, 4.0), ("narrow", february, 0.0, 4.0)]


def test_a_linked_table_protected_in_every_direction_has_no_findings() -> None:
    # Two health centres, two months in a quarter: the small cells hidden with complements in both directions,
    # the unit totals and the county's months shown.
    a1, a2, b1, b2 = (
        visits("01", f"2024-0{month}", unit=unit) for unit, month in (("a", 1), ("a", 2), ("b", 1), ("b", 2))
    )
    a_q, b_q = visits("01", "2024Q1", unit="a"), visits("01", "2024Q1", unit="b")
    county = {period: visits("01", period) for period in ("2024-01", "2024-02", "2024Q1")}
    truth = {a1: 2, a2: 20, b1: 20, b2: 2, a_q: 22, b_q: 22, **dict(zip(county.values(), (22, 22, 44), strict=True))}

    assert audit(truth, hidden={a1, a2, b1, b2}) == []


def test_a_relation_that_does_not_hold_on_the_true_counts_is_not_used() -> None:
    # Continuity's patients are not additive over months; a quarter made of months would be wrong.
    january, quarter = visits("01", "2024-01", unit="hc1"), visits("01", "2024Q1", unit="hc1")
    truth = {january: 3, quarter: 10}  # February and March are absent: the quarter does not equal January

    outcome = deduce(Problem(truth, {quarter: 10}, {january}, build_relations(truth)), threshold=THRESHOLD)

    assert outcome.relations_not_exact == 1
    assert outcome.intervals[january] == (0.0, math.inf)


def test_the_command_line_offers_the_audit() -> None:
    arguments = build_parser().parse_args(["audit", "--format", "json", "--role", "public"])

    assert (arguments.command, arguments.format, arguments.role) == ("audit", "json", ["public"])


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[dict[Key, int], set[Key]]:
    """Health centres' monthly counts in two counties, summed to quarters, years, counties and the country;
    a random part of every grain hidden."""
    units = {"01": ["a", "b"], "02": ["c"]}
    months = ["2024-01", "2024-02", "2024-03", "2024-04"]
    truth: dict[Key, int] = {}
    for region, names in units.items():
        for unit in names:
            for month in months:
                truth[visits(region, month, unit=unit)] = draw(st.integers(0, 12))
    for key in list(truth):  # months to quarters, quarters to the year
        quarter = key._replace(period=f"2024Q{(int(key.period[5:]) - 1) // 3 + 1}")
        truth[quarter] = truth.get(quarter, 0) + truth[key]
    for key in [key for key in truth if "Q" in key.period]:
        truth[key._replace(period="2024")] = truth.get(key._replace(period="2024"), 0) + truth[key]
    for key in list(truth):  # health centres to counties to the country
        county = key._replace(unit="")
        truth[county] = truth.get(county, 0) + truth[key]
    for key in [key for key in truth if key.unit == ""]:
        country = key._replace(region="SSS")
        truth[country] = truth.get(country, 0) + truth[key]
    ordered = sorted(truth)
    hidden = {
        key
        for key, hide in zip(
            ordered, draw(st.lists(st.booleans(), min_size=len(ordered), max_size=len(ordered))), strict=True
        )
        if hide
    }
    return truth, hidden


@settings(max_examples=40, deadline=None)
@given(hierarchies())
def test_the_deduced_interval_always_holds_the_true_count(case: tuple[dict[Key, int], set[Key]]) -> None:
    truth, hidden = case
    shown = {key: value for key, value in truth.items() if key not in hidden}

    outcome = deduce(Problem(truth, shown, hidden, build_relations(truth)), threshold=THRESHOLD)

    assert outcome.relations_not_exact == 0
    for key in hidden:
        low, high = outcome.intervals[key]
        assert low - 1e-9 <= truth[key] <= high + 1e-9, (key, low, high, truth[key])


def test_each_roles_audit_is_recorded_with_the_store_version(engine: sa.Engine) -> None:
    truth = {visits("01", "2024"): 4}
    outcome = deduce(Problem(truth, dict(truth), set(), build_relations(truth)), threshold=THRESHOLD)
    version = store_version(engine)

    record_audits(engine, [RoleReport("public", "", outcome, 2.04, version, "sample")], threshold=THRESHOLD)

    saved = latest_audit(engine, "public", "sample")
    assert saved is not None
    assert saved.dataset == "sample"
    assert (saved.cells_seen, saved.cells_hidden, saved.findings, saved.seconds) == (1, 0, 1, 2.0)
    assert saved.findings_by_kind == {"shown_small": 1}
    assert latest_audit(engine, "analyst", "sample") is None
    assert latest_audit(engine, "public", "Oma 2025") is None  # another data set's audit is not this one's


def test_the_text_report_names_the_data_set_it_audited() -> None:
    truth = {visits("01", "2024"): 7}
    outcome = deduce(Problem(truth, dict(truth), set(), build_relations(truth)), threshold=THRESHOLD)
    report = RoleReport("public", "", outcome, 1.0, "v1", "Oma 2025")

    assert format_text([report], threshold=THRESHOLD).splitlines()[0] == (
        f"disclosure audit of the data set Oma 2025, threshold {THRESHOLD}"
    )
    assert report.as_dict()["dataset"] == "Oma 2025"
    assert build_parser().parse_args(["audit", "--dataset", "sample"]).dataset == "sample"
