"""Investments: the RRP programmes' rounds and investments, who takes part, what they report, and the trends."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from charts.builders import trend_chart
from charts.did import event_study_chart, placebo_gap_chart
from charts.theme import OKABE_ITO
from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from core.regions import region_codes
from i18n import t, tn
from i18n.format import number
from metrics.did import (
    ASSUMPTIONS,
    FEW_CONTROLS,
    PermutationResult,
    event_study,
    permutation_result,
    permutation_test,
    synthetic_control,
)
from store.results import Results
from views.cells import counties, indicator_cells
from views.common import ChartView, area_label, chart_text, filters_line
from views.indicators import INDICATORS, indicator_change
from views.state import ALL_REGIONS, ViewState
from views.text import written, written_rows

SECTIONS = ("general", "deviations", "achievements", "next_tasks", "costs")


def investment_key(round_: str, number: int) -> str:
    return f"{round_}-{number}"


def investment_table(results: Results, language: str) -> pl.DataFrame:
    """One row per investment: round, number, name in ``language`` (Finnish when not translated), funding, counties."""
    name = f"name_{language}"
    counts = results.participants.group_by("round", "investment").agg(pl.len().alias("counties"))
    joined = (
        results.investments.join(counts, left_on=["round", "number"], right_on=["round", "investment"], how="left")
        .with_columns(
            pl.coalesce(pl.col(name), pl.col("name_fi")).alias("name"),
            pl.col("counties").fill_null(0),
        )
        .sort("round", "number")
    )
    return joined.select(
        "round",
        "number",
        pl.col("pillar").cast(pl.String).fill_null("–"),
        "name",
        written(joined, pl.col("funding_eur"), lambda euros: number(euros, language, digits=0)),
        "counties",
    )


def participants(results: Results, round_: str, number: int, language: str) -> pl.DataFrame:
    """Participating counties with their start (as the seeds state it) and where the seeds say so."""
    rows = results.participants.filter((pl.col("round") == round_) & (pl.col("investment") == number))
    return rows.select(
        pl.col(c.REGION_CODE),
        written(rows, pl.col(c.REGION_CODE), lambda code: area_label(code, language)).alias("county"),
        pl.col("start").fill_null("–"),
        pl.lit(
            written_rows(
                rows,
                ("seed_file", "seed_line"),
                lambda file_name, line: seed_reference(file_name, line, language),
                name="source",
            )
        ),
    )


def seed_reference(file_name: str | None, line: int | None, language: str) -> str:
    """'Tilannekatsaukset, kevät 2025, rivi 37': the seed document by name (its file is only a numbered hash)."""
    if not file_name:
        return "–"
    document = t(f"seeds.document_{file_name[:3]}", language)
    return document if line is None else t("seeds.reference", language, document=document, line=line)


def status_entries(
    results: Results,
    round_: str,
    number: int,
    *,
    region: str = ALL_REGIONS,
    periods: pl.DataFrame | None = None,
    reports: Sequence[str] | None = None,
) -> pl.DataFrame:
    """The status-report entries of one investment (all of them, or one county's and the common ones), each with
    its report's ``period`` (from ``periods``: :func:`data_sources.reference.status_report_periods`; null without
    it), oldest report first; only the ``reports`` named, when given."""
    rows = results.status_reports.filter((pl.col("round") == round_) & (pl.col("investment") == number))
    if region != ALL_REGIONS:
        rows = rows.filter(pl.col(c.REGION_CODE).is_null() | (pl.col(c.REGION_CODE) == region))
    if reports is not None:
        rows = rows.filter(pl.col("report").is_in(list(reports)))
    rows = _with_period(rows, periods)
    return rows.sort("period", "id", nulls_last=True).select(
        "report", "period", "section", "scope", c.REGION_CODE, "text_fi", "traffic_light", "seed_file", "seed_line"
    )


def _with_period(rows: pl.DataFrame, periods: pl.DataFrame | None) -> pl.DataFrame:
    if periods is None or periods.is_empty():
        return rows.with_columns(pl.lit(None, pl.String).alias("period"))
    return rows.join(periods.select("report", "period"), on="report", how="left")


def report_choices(results: Results, periods: pl.DataFrame) -> list[tuple[str, str]]:
    """Every status report in the store as (report, period), oldest first: the report selector's options."""
    reports = _with_period(results.status_reports.select("report").unique(), periods)
    return [(row["report"], row["period"] or "") for row in reports.sort("period", "report").iter_rows(named=True)]


def county_status(results: Results, region: str, periods: pl.DataFrame, language: str) -> pl.DataFrame:
    """One county's own status-report entries across every investment and report, oldest report first, as a
    table in the reader's language (the entries' text stays the report's Finnish)."""
    rows = _with_period(results.status_reports.filter(pl.col(c.REGION_CODE) == region), periods)
    if rows.is_empty():
        return pl.DataFrame()
    rows = rows.sort("period", "round", "investment", "id", nulls_last=True)
    return pl.DataFrame(
        [
            {
                t("investments.col_period", language): row["period"] or "–",
                t("investments.col_investment", language): f"{row['round']} · {row['investment']}",
                t("investments.col_section", language): t(f"investments.section_{row['section']}", language),
                t("investments.col_entry", language): row["text_fi"],
                t("investments.col_source", language): seed_reference(row["seed_file"], row["seed_line"], language),
            }
            for row in rows.iter_rows(named=True)
        ]
    )


def status_over_time(entries: pl.DataFrame, language: str) -> pl.DataFrame:
    """Per county (and the common entries), the number of entries in each report period, with the cost traffic
    light where a report states one: how a county's reporting runs across reports."""
    if entries.is_empty():
        return pl.DataFrame()
    labelled = entries.with_columns(
        pl.when(pl.col(c.REGION_CODE).is_null())
        .then(pl.lit(t("investments.status_common", language)))
        .otherwise(pl.col(c.REGION_CODE))
        .alias("area"),
        pl.col("period").fill_null(pl.col("report")).alias("column"),
    )
    counts = labelled.group_by("area", "column").agg(
        pl.len().alias("n"), pl.col("traffic_light").drop_nulls().first().alias("light")
    )
    rows: dict[str, dict[str, str]] = {}
    columns = sorted(labelled["column"].unique().to_list())
    for row in counts.iter_rows(named=True):
        area = row["area"]
        name = area if not area.isdigit() else area_label(area, language)
        cell = tn("investments.status_count", row["n"], language)
        if row["light"]:
            light = t(f"investments.light_{row['light']}", language)
            cell += f" · {t('investments.traffic_light', language)}: {light}"
        rows.setdefault(name, {})[row["column"]] = cell
    header = t("investments.col_county", language)
    table = [{header: name, **{column: cells.get(column, "–") for column in columns}} for name, cells in rows.items()]
    return pl.DataFrame(table).sort(header)


#: The trend's colours by role: participants as a county beside the whole country (blue), the others orange.
GROUP_COLOURS = {True: OKABE_ITO[0], False: OKABE_ITO[1]}


def group_trend(
    results: Results,
    state: ViewState,
    key: str,
    treated: list[str],
    *,
    threshold: int,
    starts: list[tuple[str, str]],
    comparison: list[str] | None = None,
) -> ChartView:
    """Mean of the participating counties against the mean of the others, per quarter, starts marked.

    Each county weighs the same (the unit of the difference-in-differences
    estimate is the county); suppressed county cells are left out of a mean.
    With ``comparison``, the other line is the mean of those counties only, labelled as the comparison group.
    """
    indicator = INDICATORS[key]
    cells = counties(
        indicator_cells(results, indicator, grain="quarter", profession=state.profession, threshold=threshold)
    )
    taking_part, others = t("investments.participants", state.lang), t("investments.others", state.lang)
    if comparison is not None:
        others = t("evaluation.comparison", state.lang)
        cells = cells.filter(pl.col(c.REGION_CODE).is_in([*treated, *comparison]))
    grouped = (
        cells.filter(pl.col(c.REGION_CODE) != NATIONAL)
        .with_columns(pl.col(c.REGION_CODE).is_in(treated).alias("participates"))
        .group_by("participates", c.PERIOD)
        .agg(
            pl.col("value").mean(),
            pl.col("value").count().alias("n"),
            pl.col(c.SUPPRESSED).sum().alias("suppressed_counties"),
        )
        .sort("participates", c.PERIOD, descending=[True, False])  # participants first, in every language
        .select(
            pl.when(pl.col("participates")).then(pl.lit(taking_part)).otherwise(pl.lit(others)).alias("label"),
            c.PERIOD,
            "value",
            "n",
            "suppressed_counties",
            pl.lit(False).alias(c.SUPPRESSED),
        )
    )
    text = chart_text(
        results,
        state,
        title=t(
            "investments.trend_title" if comparison is None else "evaluation.trend_title",
            state.lang,
            indicator=t(indicator.title_key, state.lang),
        ),
        subtitle=filters_line(state, region=ALL_REGIONS, period="", profession=indicator.by_profession),
        plotted=cells,
        threshold=threshold,
        indicator=indicator,
    )
    figure = trend_chart(
        grouped,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        markers=starts,
        band=False,
        colours={taking_part: GROUP_COLOURS[True], others: GROUP_COLOURS[False]},
        full_width=True,  # the page gives the trend its whole width
    )
    return ChartView(
        key=f"investments_trend_{key}",
        figure=figure,
        data=grouped,
        text=text,
        indicator=key,
        region=ALL_REGIONS,
        period="",
    )


def quarter_of_start(start: str | None) -> str | None:
    """'2024-09' or '2024-09-01' → '2024Q3'; a bare year '2023' → '2023Q1'; None or unreadable → None."""
    if not start or not start[:4].isdigit():
        return None
    month = int(start[5:7]) if len(start) >= 7 and start[5:7].isdigit() else 1
    return f"{start[:4]}Q{(month - 1) // 3 + 1}"


def start_markers(frame: pl.DataFrame, language: str) -> list[tuple[str, str]]:
    """Vertical markers for each distinct start quarter among ``participants(...)`` rows."""
    starts: dict[str, list[str]] = {}
    for row in frame.iter_rows(named=True):
        quarter = quarter_of_start(row["start"])
        if quarter:
            starts.setdefault(quarter, []).append(row["county"])
    return [
        (quarter, t("investments.start", language, counties=", ".join(names)))
        for quarter, names in sorted(starts.items())
    ]


#: The smallest p-value written as a number; a smaller one is written 'p < 0,001'.
P_SMALLEST_SHOWN = 0.001


def p_value_text(p_value: float | None, language: str) -> str:
    """'p = 0,012', or 'p < 0,001' below 0.001 (never 'p = 0,000'), in the language's number style; 'p = –' unknown."""
    if p_value is None:
        return "p = –"
    if p_value < P_SMALLEST_SHOWN:
        return f"p < {number(P_SMALLEST_SHOWN, language, digits=3)}"
    return f"p = {number(p_value, language, digits=3)}"


def smallest_p(n_permutations: int, language: str) -> str:
    """The smallest attainable p as the fraction it is: '1/13 ≈ 0,077', or '1/50 388' when below a thousandth."""
    fraction = f"1/{number(n_permutations, language, digits=0)}"
    share = 1 / n_permutations
    return fraction if share < P_SMALLEST_SHOWN else f"{fraction} ≈ {number(share, language, digits=3)}"


def p_number(p_value: float | None, language: str) -> str:
    """A p-value's number alone: '0,077', '< 0,001' below a thousandth, '–' unknown."""
    return p_value_text(p_value, language).removeprefix("p = ").removeprefix("p ")


# --- the evaluation ------------------------------------------------------------------------------

#: The outcomes the evaluation offers: THL's published yearly series first, then the computed quarterly ones.
OUTCOMES = ("thl_access_7d", "thl_coc", "access_7d", "access_14d", "t3", "coc", "upc", "nps")
#: The first year of each published outcome the estimate uses (6411 is published from 2021, 5502 from 2020).
FIRST_YEAR = {"thl_access_7d": "2021", "thl_coc": "2020"}
#: Comparison groups, the default first: counties in no RRP investment (a county in another investment of the
#: same period is not a clean control), or every county not in this investment.
COMPARISONS = ("never_any", "not_this")
#: How the participants' starts are set: each county's own (go-live where given), or the status report's.
DESIGNS = ("own_start", "status_report")
#: The first period of participation under the 'status_report' design: the report of spring 2025.
STATUS_REPORT_START = "2025-01"


def _period_of(start: str | None, grain: str) -> str | None:
    """A start as the panel's period: '2025-01' → '2025' (years) or '2025Q1' (quarters)."""
    if grain == "year":
        return start[:4] if start and start[:4].isdigit() else None
    return quarter_of_start(start)


def evaluation_participants(
    shipped: pl.DataFrame, results: Results, round_: str, number_: int, language: str
) -> pl.DataFrame:
    """The participants with their programme dates: work started, went live, the start the estimate uses
    (go-live where given), the status report they appear in, and where the seeds say so.

    ``shipped`` is the reference table (``data_sources.reference.participants()``, with go-live).
    """
    rows = shipped.filter((pl.col("round") == round_) & (pl.col("investment") == number_))
    reported = set(
        results.status_reports.filter(
            (pl.col("round") == round_) & (pl.col("investment") == number_) & pl.col(c.REGION_CODE).is_not_null()
        )[c.REGION_CODE].to_list()
    )
    out = []
    for row in rows.sort(c.REGION_CODE).iter_rows(named=True):
        live = row.get("go_live")
        used = live or row["start"]
        if live:
            source = seed_reference(row["go_live_seed_file"], row["go_live_seed_line"], language)
        elif row["start"]:
            source = seed_reference(row["start_seed_file"], row["start_seed_line"], language)
        else:
            source = seed_reference(row["seed_file"], row["seed_line"], language)
        out.append(
            {
                c.REGION_CODE: row[c.REGION_CODE],
                "county": area_label(row[c.REGION_CODE], language),
                "work_started": row["start"] or "–",
                "go_live": live or "–",
                "used": used or "–",
                "status_report": t("investments.status_spring_2025", language)
                if row[c.REGION_CODE] in reported
                else "–",
                "source": source,
            }
        )
    schema = dict.fromkeys(
        (c.REGION_CODE, "county", "work_started", "go_live", "used", "status_report", "source"), pl.String
    )
    return pl.DataFrame(out, schema=schema)


def evaluation_starts(people: pl.DataFrame, design: str, grain: str) -> dict[str, str]:
    """Each treated county's first period of participation in the panel's grain under ``design``."""
    starts: dict[str, str] = {}
    for row in people.iter_rows(named=True):
        if design == "status_report":
            period = _period_of(STATUS_REPORT_START, grain) if row["status_report"] != "–" else None
        else:
            period = _period_of(row["used"] if row["used"] != "–" else None, grain)
        if period:
            starts[row[c.REGION_CODE]] = period
    return starts


def comparison_counties(results: Results, round_: str, number_: int, choice: str) -> list[str]:
    """The comparison counties: areas in no RRP investment (``never_any``) or not in this one (``not_this``)."""
    every = results.participants
    if choice == "not_this":
        every = every.filter((pl.col("round") == round_) & (pl.col("investment") == number_))
    taking_part = set(every[c.REGION_CODE].to_list())
    return sorted(region_codes() - taking_part)


def outcome_panel(results: Results, state: ViewState, key: str, *, threshold: int) -> tuple[pl.DataFrame, str]:
    """The county × period panel of an outcome and its grain: THL's yearly values, or computed quarters."""
    indicator = INDICATORS[key]
    if indicator.published:
        cells = indicator_cells(results, indicator, grain="year", profession=state.profession, threshold=threshold)
        cells = cells.filter(pl.col(c.PERIOD) >= FIRST_YEAR.get(key, "0"))
        grain = "year"
    else:
        cells = indicator_cells(results, indicator, grain="quarter", profession=state.profession, threshold=threshold)
        grain = "quarter"
    return counties(cells).select(c.REGION_CODE, c.PERIOD, "value"), grain


@dataclass(frozen=True)
class Evaluation:
    """The estimate with its permutation inference, the event study and (one county) the synthetic control."""

    key: str
    grain: str
    starts: dict[str, str]
    comparison: list[str]
    test: PermutationResult
    events: pl.DataFrame
    synthetic: pl.DataFrame
    periods: tuple[str, ...]


def evaluate(
    results: Results,
    state: ViewState,
    key: str,
    starts_of: pl.DataFrame,
    *,
    design: str,
    comparison: list[str],
    threshold: int,
) -> Evaluation:
    """Run the evaluation of ``starts_of`` (``evaluation_participants`` rows) against ``comparison``."""
    panel, grain = outcome_panel(results, state, key, threshold=threshold)
    starts = evaluation_starts(starts_of, design, grain)
    panel = panel.filter(pl.col(c.REGION_CODE).is_in([*starts, *comparison]))
    participants = sorted(starts)
    test = permutation_result(
        permutation_test(
            panel, outcome="value", treated=participants, start=starts, period=c.PERIOD, comparison=comparison
        )
    )
    events = (
        event_study(panel, outcome="value", treated=participants, start=starts, period=c.PERIOD, comparison=comparison)
        if test["estimate"] is not None
        else pl.DataFrame()
    )
    synthetic = pl.DataFrame()
    if test["n_treated"] == 1 and test["n_comparison"] >= 2:
        (treated,) = test["treated_units"]
        synthetic = synthetic_control(
            panel,
            outcome="value",
            treated=treated,
            start=starts[treated],
            period=c.PERIOD,
            comparison=comparison,
        )
    periods = tuple(sorted(panel.drop_nulls("value")[c.PERIOD].unique().to_list()))
    return Evaluation(key, grain, starts, comparison, test, events, synthetic, periods)


def evaluation_markers(evaluation: Evaluation, language: str) -> list[tuple[str, str]]:
    """The trend chart's start markers: each first period of participation with its counties.

    None on a yearly chart: the trend chart places a marker by its period's text, and Plotly reads a year
    ('2025') as a number there, which squeezes the yearly points to the left edge.
    """
    if evaluation.grain == "year":
        return []
    by_period: dict[str, list[str]] = {}
    for code, period in evaluation.starts.items():
        by_period.setdefault(period, []).append(area_label(code, language))
    return [
        (period, t("investments.start", language, counties=", ".join(sorted(counties_))))
        for period, counties_ in sorted(by_period.items())
    ]


def names(codes: list[str] | tuple[str, ...], language: str) -> str:
    return ", ".join(sorted(area_label(code, language) for code in codes))


@dataclass(frozen=True)
class EvaluationText:
    """The evaluation in words: the number, what it rests on and allows, p, interval, caveats."""

    effect: str
    lines: tuple[str, ...]
    warnings: tuple[str, ...]


def _bound(value: float | None, indicator_key: str, language: str) -> str:
    if value is None or math.isinf(value):
        return t("evaluation.unbounded", language)
    return indicator_change(value, INDICATORS[indicator_key], language)


def evaluation_text(evaluation: Evaluation, people: pl.DataFrame, language: str) -> EvaluationText:
    test = evaluation.test
    key = evaluation.key
    no_start = [
        row[c.REGION_CODE] for row in people.iter_rows(named=True) if row[c.REGION_CODE] not in evaluation.starts
    ]
    warnings: list[str] = []
    if no_start:
        warnings.append(t("evaluation.no_start", language, names=names(no_start, language)))
    estimate, min_p, permutations = test["estimate"], test["min_p"], test["n_permutations"]
    if estimate is None or min_p is None or permutations is None:
        reason = t(test["reason"] or "did.reason.no_treated_counties", language, controls=FEW_CONTROLS)
        return EvaluationText("–", (t("investments.did_none", language, reason=reason),), tuple(warnings))
    treated = test["n_treated"]
    level = number(100 * test["level"], language, digits=0)
    periods = list(evaluation.periods)
    lines = [
        t(
            "evaluation.basis",
            language,
            treated=treated,
            names=names(test["treated_units"], language),
            controls=test["n_comparison"],
            first=periods[0] if periods else "–",
            last=periods[-1] if periods else "–",
            start=", ".join(sorted({evaluation.starts[code] for code in test["treated_units"]})),
        ),
        t("evaluation.one_county", language)
        if treated == 1
        else t("evaluation.few_counties", language, treated=treated),
    ]
    if min_p > 0.05:
        lines.append(t("evaluation.min_p_above", language, min_p=smallest_p(permutations, language)))
    lines.append(
        t(
            "evaluation.p_line",
            language,
            p=p_value_text(test["p_value_reported"], language),
            n=number(permutations, language, digits=0),
            min_p=smallest_p(permutations, language),
        )
    )
    if test["p_value_studentized"] is not None:
        lines.append(
            t(
                "evaluation.p_note",
                language,
                p_raw=p_number(test["p_value"], language),
                p_stud=p_number(test["p_value_studentized"], language),
            )
        )
    low, high = test["ci_low"], test["ci_high"]
    if low is not None and high is not None and math.isinf(low) and math.isinf(high):
        lines.append(
            t(
                "evaluation.interval_open",
                language,
                level=level,
                min_p=smallest_p(permutations, language),
            )
        )
    else:
        lines.append(
            t(
                "evaluation.interval",
                language,
                level=level,
                low=_bound(low, key, language),
                high=_bound(high, key, language),
            )
        )
    if treated == 1:
        warnings.insert(0, t("evaluation.single_county", language))
    if test["excluded_units"]:
        left_out = [code for code in test["excluded_units"] if code not in no_start]
        if left_out:
            warnings.append(t("evaluation.excluded", language, names=names(left_out, language)))
    warnings.append(t("evaluation.other_development", language))
    return EvaluationText(indicator_change(estimate, INDICATORS[key], language), tuple(lines), tuple(warnings))


#: What the permutation estimate assumes ('comparable noise' was the t-interval's; the permutation needs
#: exchangeable counties instead, and the studentized p guards against a merely noisier county).
EVALUATION_ASSUMPTIONS = tuple(key for key in ASSUMPTIONS if key != "did.assumption.comparable_noise")


def assumptions(language: str) -> tuple[str, ...]:
    """The assumptions the estimate rests on, in words."""
    return tuple(t(key, language) for key in EVALUATION_ASSUMPTIONS)


def outcome_source(results: Results, key: str, language: str) -> str:
    """Where the outcome's figures come from: THL's published series, the sample, or imported extracts."""
    indicator = INDICATORS[key]
    if indicator.published:
        return t("evaluation.source_published", language, id=indicator.sotkanet_id, first=FIRST_YEAR.get(key, "–"))
    return t("evaluation.source_sample" if results.sample_data else "evaluation.source_extracts", language)


def _scale(key: str) -> float:
    return 100.0 if INDICATORS[key].percent else 1.0


def _value_label(key: str, language: str) -> str:
    indicator = INDICATORS[key]
    return t("unit.percentage_points", language) if indicator.percent else t(indicator.unit_key, language)


def event_study_view(results: Results, state: ViewState, evaluation: Evaluation, *, threshold: int) -> ChartView | None:
    """The event-study chart: the effect per period relative to the start, with the placebo range."""
    events = evaluation.events
    if events.is_empty():
        return None
    key, language = evaluation.key, state.lang
    indicator = INDICATORS[key]
    single = events["period"].null_count() == 0
    labelled = events.with_columns(
        (pl.col("period") if single else pl.col("relative_period").cast(pl.String)).alias("x")
    )
    start = labelled.filter(pl.col("relative_period") == 0)["x"].to_list()
    text = chart_text(
        results,
        state,
        title=t("evaluation.event_title", language, indicator=t(indicator.title_key, language)),
        subtitle=filters_line(state, region=ALL_REGIONS, period="", profession=indicator.by_profession),
        plotted=pl.DataFrame({c.SUPPRESSED: [False]}),
        threshold=threshold,
        indicator=indicator,
    )
    estimate_label = t("evaluation.event_estimate", language)
    placebo_label = t("evaluation.event_placebo", language)
    figure = event_study_chart(
        labelled,
        text,
        scale=_scale(key),
        value_label=_value_label(key, language),
        estimate_label=estimate_label,
        placebo_label=placebo_label,
        start=start[0] if start else "",
    )
    data = labelled.select(
        pl.col("x").alias("period"),
        "relative_period",
        "estimate",
        "placebo_low",
        "placebo_high",
        "p_value",
    )
    return ChartView(key=f"investments_event_{key}", figure=figure, data=data, text=text, indicator=key)


def synthetic_view(results: Results, state: ViewState, evaluation: Evaluation, *, threshold: int) -> ChartView | None:
    """The synthetic control's gaps: the participating county against each comparison county's placebo."""
    frame = evaluation.synthetic
    if frame.is_empty():
        return None
    key, language = evaluation.key, state.lang
    indicator = INDICATORS[key]
    (treated,) = evaluation.test["treated_units"]
    county = area_label(treated, language)
    names = {code: area_label(code, language) for code in frame["unit"].unique().to_list()}
    labelled = frame.with_columns(
        pl.col("unit").replace_strict(names, return_dtype=pl.String).alias("label"),
        (pl.col("role") == "treated").alias("treated"),
    )
    text = chart_text(
        results,
        state,
        title=t("evaluation.synth_title", language, county=county),
        subtitle=filters_line(state, region=ALL_REGIONS, period="", profession=indicator.by_profession),
        plotted=pl.DataFrame({c.SUPPRESSED: [False]}),
        threshold=threshold,
        indicator=indicator,
    )
    figure = placebo_gap_chart(
        labelled,
        text,
        scale=_scale(key),
        value_label=f"{t('evaluation.gap_axis', language)} ({_value_label(key, language)})",
        treated_label=county,
        placebo_label=t("evaluation.synth_placebo", language),
        start=evaluation.starts[treated],
    )
    data = labelled.select("label", "role", "period", "value", "synthetic", "gap")
    return ChartView(key=f"investments_synthetic_{key}", figure=figure, data=data, text=text, indicator=key)


def synthetic_rank(evaluation: Evaluation) -> tuple[int, int] | None:
    """The participating county's rank (1 = largest) by post/pre gap ratio among itself and the placebos."""
    frame = evaluation.synthetic
    if frame.is_empty():
        return None
    ratios = (
        frame.group_by("unit", "role")
        .agg((pl.col("post_rmspe").first() / pl.col("pre_rmspe").first().clip(lower_bound=1e-12)).alias("ratio"))
        .sort("ratio", descending=True)
    )
    roles = ratios["role"].to_list()
    return roles.index("treated") + 1, len(roles)
