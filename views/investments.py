"""Investments: the RRP programmes' rounds and investments, who takes part, what they report, and the trends."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from charts.builders import trend_chart
from charts.theme import OKABE_ITO
from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from i18n import t
from i18n.format import number
from metrics.did import FEW_CONTROLS, DidResult, difference_in_differences
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


def status_entries(results: Results, round_: str, number: int, *, region: str = ALL_REGIONS) -> pl.DataFrame:
    """The status-report entries of one investment (all of them, or one county's and the common ones)."""
    rows = results.status_reports.filter((pl.col("round") == round_) & (pl.col("investment") == number))
    if region != ALL_REGIONS:
        rows = rows.filter(pl.col(c.REGION_CODE).is_null() | (pl.col(c.REGION_CODE) == region))
    return rows.select(
        "report", "section", "scope", c.REGION_CODE, "text_fi", "traffic_light", "seed_file", "seed_line"
    )


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
) -> ChartView:
    """Mean of the participating counties against the mean of the others, per quarter, starts marked.

    Each county weighs the same (the unit of the difference-in-differences
    estimate is the county); suppressed county cells are left out of a mean.
    """
    indicator = INDICATORS[key]
    cells = counties(
        indicator_cells(results, indicator, grain="quarter", profession=state.profession, threshold=threshold)
    )
    taking_part, others = t("investments.participants", state.lang), t("investments.others", state.lang)
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
        title=t("investments.trend_title", state.lang, indicator=t(indicator.title_key, state.lang)),
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


def did_panel(results: Results, state: ViewState, key: str, *, threshold: int) -> pl.DataFrame:
    """The county × quarter panel the estimate reads (suppressed cells are null, so they drop out)."""
    indicator = INDICATORS[key]
    cells = indicator_cells(results, indicator, grain="quarter", profession=state.profession, threshold=threshold)
    return counties(cells).select(c.REGION_CODE, c.PERIOD, "value", "n")


def participation_starts(people: pl.DataFrame) -> tuple[dict[str, str], list[str]]:
    """Start quarters of the participants whose start the documents state, and the participants without one.

    Participants without a stated start are neither treated nor comparison counties in the estimate.
    """
    starts: dict[str, str] = {}
    unknown: list[str] = []
    for row in people.iter_rows(named=True):
        quarter = quarter_of_start(row["start"])
        if quarter:
            starts[row[c.REGION_CODE]] = quarter
        else:
            unknown.append(row[c.REGION_CODE])
    return starts, unknown


def did_estimate(results: Results, state: ViewState, key: str, people: pl.DataFrame, *, threshold: int) -> DidResult:
    """The change attributable to participation: each start cohort against the counties that never took part."""
    panel = did_panel(results, state, key, threshold=threshold)
    starts, _unknown = participation_starts(people)  # participants without a start are in neither group
    participants = set(people[c.REGION_CODE].to_list())
    controls = [code for code in panel[c.REGION_CODE].unique().to_list() if code not in participants]
    return difference_in_differences(panel, starts, controls=controls)


#: The smallest p-value written as a number; a smaller one is written 'p < 0,001'.
P_SMALLEST_SHOWN = 0.001


def p_value_text(p_value: float | None, language: str) -> str:
    """'p = 0,012', or 'p < 0,001' below 0.001 (never 'p = 0,000'), in the language's number style; 'p = –' unknown."""
    if p_value is None:
        return "p = –"
    if p_value < P_SMALLEST_SHOWN:
        return f"p < {number(P_SMALLEST_SHOWN, language, digits=3)}"
    return f"p = {number(p_value, language, digits=3)}"


def did_text(key: str, language: str) -> str:
    """A text key of the DiD metric in ``language``: the metric gives keys and numbers, the catalogues the words."""
    return t(key, language, controls=FEW_CONTROLS)


@dataclass(frozen=True)
class DidSummary:
    """The estimate in words for the page: headline value, interval sentence, pre-trend, caveats, exclusions."""

    effect: str
    interval: str
    pre_trend: str
    warnings: tuple[str, ...]
    assumptions: tuple[str, ...]
    excluded: pl.DataFrame


def did_summary(result: DidResult, key: str, people: pl.DataFrame, language: str) -> DidSummary:
    indicator = INDICATORS[key]
    effect = result.effect

    def change(value: float | None) -> str:
        return indicator_change(value, indicator, language) if value is not None else "–"

    if effect.estimate is None:
        interval = t(
            "investments.did_none",
            language,
            reason=did_text(effect.reason or "did.reason.no_treated_counties", language),
        )
    else:
        interval = t(
            "investments.did_interval",
            language,
            low=change(effect.ci_low),
            high=change(effect.ci_high),
            p=p_value_text(effect.p_value, language),
            treated=result.n_treated,
            controls=result.n_control,
            periods=result.n_periods,
        )
    trend = result.pre_trend
    pre_trend = (
        t(
            "investments.did_pre_trend",
            language,
            value=change(trend.estimate),
            low=change(trend.ci_low),
            high=change(trend.ci_high),
        )
        if trend.estimate is not None
        else t(
            "investments.did_none",
            language,
            reason=did_text(trend.reason or "did.reason.fewer_than_two_pre_periods", language),
        )
    )
    _starts, unknown = participation_starts(people)
    reasons = result.excluded.with_columns(
        pl.when(pl.col(c.REGION_CODE).is_in(unknown))
        .then(pl.lit("investments.start_unknown"))
        .otherwise(pl.col("reason"))
        .alias("reason")
    )
    excluded = reasons.select(
        written(reasons, pl.col(c.REGION_CODE), lambda code: area_label(code, language)).alias(
            t("investments.col_county", language)
        ),
        written(reasons, pl.col("reason"), lambda key_: did_text(key_, language)).alias(
            t("investments.col_reason", language)
        ),
    )
    return DidSummary(
        effect=change(effect.estimate),
        interval=interval,
        pre_trend=pre_trend,
        warnings=tuple(did_text(key_, language) for key_ in result.warnings),
        assumptions=tuple(did_text(key_, language) for key_ in result.assumptions),
        excluded=excluded,
    )
