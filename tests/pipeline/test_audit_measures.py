"""The disclosure audit reads the other measures (remote share, age groups, heavy users, named providers, list
sizes) as the county page shows them, and links them to each other and to the indicators' counts."""

from __future__ import annotations

from typing import Any

import polars as pl

from pipeline.audit import Problem, RoleReport, audit_results, build_relations, deduce, format_text, true_frame
from pipeline.audit_counts import Key
from pipeline.audit_measures import measure_truth
from tests.views.builders import continuity_rows, results

THRESHOLD = 5


def count(measure: str, region: str, period: str, *, profession: str = "all", group: str = "") -> Key:
    return Key(measure, region, "", profession, period, group)


def audit(
    truth: dict[Key, int], hidden: set[Key], never: frozenset[Key] | set[Key] = frozenset()
) -> list[tuple[str, Key, float, float]]:
    """The findings when every count but the ``hidden`` and the ``never``-shown ones is shown."""
    shown = {key: value for key, value in truth.items() if key not in hidden and key not in never}
    outcome = deduce(Problem(truth, shown, hidden, build_relations(truth)), threshold=THRESHOLD)
    return [(finding.kind, finding.key, finding.low, finding.high) for finding in outcome.findings]


# --- relations, on hand-made counts ----------------------------------------------------------------------------


def test_a_hidden_countys_remote_contacts_are_the_country_minus_the_other_counties() -> None:
    eligible = {region: count("remote.eligible", region, "2025") for region in ("01", "02", "SSS")}
    remote = {region: count("remote.remote", region, "2025") for region in ("01", "02", "SSS")}
    truth = {eligible["01"]: 40, eligible["02"]: 60, eligible["SSS"]: 100}
    truth |= {remote["01"]: 3, remote["02"]: 30, remote["SSS"]: 33}

    found = audit(truth, hidden={remote["01"]})

    assert found == [("recovered_small", remote["01"], 3.0, 3.0)]


def test_a_hidden_quarters_remote_contacts_are_the_year_minus_the_other_quarters() -> None:
    quarters = [count("remote.remote", "01", f"2025Q{number}") for number in (1, 2, 3, 4)]
    year = count("remote.remote", "01", "2025")
    truth = {quarters[0]: 2, quarters[1]: 20, quarters[2]: 20, quarters[3]: 20, year: 62}

    assert audit(truth, hidden={quarters[0]}) == [("recovered_small", quarters[0], 2.0, 2.0)]


def test_the_age_groups_sum_bounds_a_hidden_group_through_the_visits_without_an_age() -> None:
    # 96 of the county's 100 visits are in the three shown groups: the over-75s and the visits without an age
    # (never shown, at least 0) share the other 4.
    groups = {group: count("access.eligible7", "01", "2025", group=group) for group in ("18-64", "65-74", "75+")}
    unknown = count("access.eligible7", "01", "2025", group="unknown")
    everyone = count("access.eligible7", "01", "2025")
    truth = {everyone: 100, groups["18-64"]: 60, groups["65-74"]: 36, groups["75+"]: 3, unknown: 1}

    found = audit(truth, hidden={groups["75+"]}, never={unknown})

    assert ("narrow", groups["75+"], 0.0, 4.0) in found


def test_a_shown_county_and_shown_groups_tell_the_visits_without_an_age() -> None:
    groups = {group: count("remote.eligible", "01", "2025", group=group) for group in ("0-17", "18-64")}
    unknown = count("remote.eligible", "01", "2025", group="unknown")
    everyone = count("remote.eligible", "01", "2025")
    truth = {everyone: 50, groups["0-17"]: 20, groups["18-64"]: 28, unknown: 2}

    assert audit(truth, hidden=set(), never={unknown}) == [("recovered_small", unknown, 2.0, 2.0)]


def test_heavy_and_other_eligible_patients_are_the_coc_cells_n() -> None:
    # The COC cell's n (continuity's eligible patients) is the heavy users' and the others' eligible patients.
    coc_n = count("continuity.patients", "01", "2025", profession="doctor")
    heavy = count("heavy.heavy_eligible", "01", "2025", profession="doctor")
    other = count("heavy.other_eligible", "01", "2025", profession="doctor")
    truth = {coc_n: 90, heavy: 4, other: 86}

    assert audit(truth, hidden={heavy}) == [("recovered_small", heavy, 4.0, 4.0)]


def test_a_hidden_guide_band_is_the_providers_minus_the_shown_bands() -> None:
    bands = {band: count(f"lists.{band}", "01", "2025", profession="doctor") for band in ("below", "within", "above")}
    providers = count("lists.providers", "01", "2025", profession="doctor")
    truth = {providers: 30, bands["below"]: 20, bands["within"]: 8, bands["above"]: 2}

    assert audit(truth, hidden={bands["above"]}) == [("recovered_small", bands["above"], 2.0, 2.0)]


def test_the_heavy_user_tables_patients_are_the_named_provider_tables() -> None:
    # One count in two tables: a hidden heavy-user cell's patients are the shown named-provider cell's.
    heavy = count("heavy.patients", "01", "2025")
    named = count("named.patients", "01", "2025")
    truth = {heavy: 120, named: 120}

    assert audit(truth, hidden={heavy}) == [("narrow", heavy, 120.0, 120.0)]


def test_two_hidden_counties_holding_the_threshold_together_are_protected() -> None:
    regions = ("01", "02", "03", "SSS")
    remote = {region: count("remote.remote", region, "2025") for region in regions}
    truth = {remote["01"]: 3, remote["02"]: 4, remote["03"]: 40, remote["SSS"]: 47}

    assert audit(truth, hidden={remote["01"], remote["02"]}) == []


# --- what the views show, from hand-made tables ----------------------------------------------------------------


def remote_rows(rows: list[tuple[str, str, str, int, int]]) -> pl.DataFrame:
    """(region, month, age group, eligible, remote) rows of doctors' county cells."""
    return pl.DataFrame(
        [(region, "", "doctor", month, group, eligible, remote) for region, month, group, eligible, remote in rows],
        schema={
            "region_code": pl.String,
            "unit_id": pl.String,
            "profession": pl.String,
            "period": pl.String,
            "age_group": pl.String,
            "n_eligible": pl.Int64,
            "n_remote": pl.Int64,
        },
        orient="row",
    )


def heavy_rows(rows: list[tuple[str, int, int, int, int]]) -> pl.DataFrame:
    """(region, patients, heavy users, heavy users eligible for COC, other patients eligible) of doctors in 2025."""
    return pl.DataFrame(
        [
            {
                "region_code": region,
                "unit_id": "",
                "profession": "doctor",
                "period": "2025",
                "n_patients": patients,
                "n_heavy": heavy,
                "patient_share": heavy / patients,
                "patient_ci_low": None,
                "patient_ci_high": None,
                "n_visits": patients * 3,
                "n_heavy_visits": heavy * 9,
                "visit_share": heavy * 9 / (patients * 3),
                "heavy_n_eligible": heavy_eligible,
                "heavy_mean_coc": 0.4,
                "other_n_eligible": other_eligible,
                "other_mean_coc": 0.3,
                "threshold": 8,
            }
            for region, patients, heavy, heavy_eligible, other_eligible in rows
        ]
    )


def findings(tables: dict[str, pl.DataFrame], **frames: Any) -> list[tuple[str, str, str, str, str]]:
    outcome = audit_results(results(**frames), tables, threshold=THRESHOLD)
    return [
        (finding.kind, finding.key.measure, finding.key.region, finding.key.period, finding.key.group)
        for finding in outcome.findings
    ]


def test_heavy_users_not_eligible_for_coc_are_not_told_by_their_shown_number_minus_the_bars_n() -> None:
    # County 01: 20 heavy users (the share times n), 17 of them eligible for COC (the bar's n): 3 are not. Shown,
    # the cell would tell them (so would the country's, 3 of 50); both are hidden, and nothing narrows them.
    tables = {
        "heavy_user_results": heavy_rows(
            [("01", 200, 20, 17, 150), ("02", 300, 30, 30, 200), ("SSS", 500, 50, 47, 350)]
        )
    }

    outcome = audit_results(results(), tables, threshold=THRESHOLD)

    assert outcome.hidden > 0
    assert findings(tables) == []


def test_hidden_counties_of_no_patients_with_a_named_provider_are_not_pinned_to_zero() -> None:
    # 05 and 06 saw no patient with a named provider; hidden alone as a pair, the country minus 07 would be 0.
    tables = {"named_provider_results": named_rows([("05", 100, 0), ("06", 120, 0), ("07", 100, 50), ("SSS", 320, 50)])}

    outcome = audit_results(results(), tables, threshold=THRESHOLD)

    assert outcome.hidden > 0
    assert findings(tables) == []


def named_rows(rows: list[tuple[str, int, int]]) -> pl.DataFrame:
    """(region, patients seen, seen with a named provider) of every profession in 2025 (no visits covered)."""
    return pl.DataFrame(
        [
            {
                "region_code": region,
                "unit_id": "",
                "profession": "all",
                "period": "2025",
                "n_patients": patients,
                "n_patients_assigned": assigned,
                "n_covered": 0,
                "n_named": 0,
            }
            for region, patients, assigned in rows
        ]
    )


def test_remote_cells_hidden_in_pairs_under_the_country_have_no_findings() -> None:
    months = ("2025-01", "2025-02", "2025-03")
    rows = [
        *[("01", month, "all", 30, 1) for month in months],
        *[("02", month, "all", 40, 20) for month in months],
        *[("03", month, "all", 50, 25) for month in months],
        *[("SSS", month, "all", 120, 46) for month in months],
    ]
    tables = {"remote_results": remote_rows(rows)}

    outcome = audit_results(results(), tables, threshold=THRESHOLD)

    assert outcome.hidden > 0  # county 01's quarter (3 remote contacts) and a partner
    assert outcome.findings == []


def test_the_age_groups_remainder_is_a_count_where_the_groups_do_not_cover_every_contact() -> None:
    tables = {
        "remote_results": remote_rows(
            [
                ("01", "2025-01", "all", 50, 20),
                ("01", "2025-01", "18-64", 30, 12),
                ("01", "2025-01", "75+", 17, 8),
            ]
        )
    }

    truth = measure_truth(results(), tables)

    unknown = truth.filter(pl.col("group") == "unknown", pl.col("period") == "2025")
    assert dict(unknown.select("measure", "value").iter_rows()) == {
        "remote.eligible": 3,
        "remote.remote": 0,
        "remote.not_remote": 3,
    }


def test_the_all_ages_continuity_count_is_the_coc_cells_own() -> None:
    # The age groups' remainder is taken from the indicator's all-ages count: one key, one count.
    continuity = continuity_rows([("01", "", "doctor", "2025", 90, 0.4, 0.3, 0.5, 0.5)])
    ages = pl.DataFrame(
        {
            "region_code": ["01", "01"],
            "unit_id": ["", ""],
            "profession": ["doctor", "doctor"],
            "period": ["2025", "2025"],
            "age_group": ["18-64", "75+"],
            "n_eligible": [60, 28],
        }
    )

    truth = true_frame(results(continuity=continuity, continuity_age=ages))

    patients = truth.filter(pl.col("measure") == "continuity.patients").sort("group")
    assert patients.select("group", "value").rows() == [("", 90), ("18-64", 60), ("75+", 28), ("unknown", 2)]


def test_the_report_counts_findings_per_table_and_names_the_age_group() -> None:
    groups = {group: count("access.eligible7", "01", "2025", group=group) for group in ("18-64", "65-74", "75+")}
    unknown = count("access.eligible7", "01", "2025", group="unknown")
    everyone = count("access.eligible7", "01", "2025")
    truth = {everyone: 100, groups["18-64"]: 60, groups["65-74"]: 36, groups["75+"]: 3, unknown: 1}
    shown = {key: value for key, value in truth.items() if key not in (groups["75+"], unknown)}
    outcome = deduce(Problem(truth, shown, {groups["75+"]}, build_relations(truth)), threshold=THRESHOLD)

    report = RoleReport("public", "", outcome, 1.0, "v1", "sample")

    assert report.as_dict()["findings_by_measure"] == {
        "derived_narrow": {"access.eligible7 by age": 1},
        "narrow": {"access.eligible7 by age": 1},
    }
    assert "e.g. access.eligible7 01 all 2025 age 75+: [0, 4]" in format_text([report], threshold=THRESHOLD)


#: County 03's contacts in January 2023 per profession and age group as (eligible, remote), from the sample store
#: where the remote share leaked: the doctors' contacts without an age are 3 (2 remote), the other professions' 3.
REMOTE_03 = {
    "all": {"all": (1606, 581), "0-17": (61, 20), "18-64": (850, 311), "65-74": (312, 113), "75+": (364, 129)},
    "doctor": {"all": (658, 222), "0-17": (24, 8), "18-64": (363, 129), "65-74": (120, 39), "75+": (148, 44)},
    "nurse": {"all": (833, 345), "0-17": (32, 11), "18-64": (426, 175), "65-74": (168, 72), "75+": (194, 82)},
}


def test_the_contacts_without_an_age_are_protected_across_professions_and_age_groups() -> None:
    # the year's contacts in two quarters: a third in January, the rest in April; county 04 has twice 03's
    # contacts, and the country is the two
    rows = [
        row
        for region, times in (("03", 1), ("04", 2), ("SSS", 3))
        for profession, groups in REMOTE_03.items()
        for group, (eligible, remote) in groups.items()
        for row in (
            (region, "", profession, "2023-01", group, times * (eligible // 3), times * (remote // 3)),
            (
                region,
                "",
                profession,
                "2023-04",
                group,
                times * (eligible - eligible // 3),
                times * (remote - remote // 3),
            ),
        )
    ]
    frame = pl.DataFrame(
        rows,
        schema={
            "region_code": pl.String,
            "unit_id": pl.String,
            "profession": pl.String,
            "period": pl.String,
            "age_group": pl.String,
            "n_eligible": pl.Int64,
            "n_remote": pl.Int64,
        },
        orient="row",
    )

    outcome = audit_results(results(), {"remote_results": frame}, threshold=THRESHOLD)

    assert outcome.seen > 0
    assert outcome.hidden > 0
    assert outcome.findings == []
