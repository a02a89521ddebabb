"""County: THL's published series, then the trends computed from the sample (or an imported extract), with the
county's own reported figures, its targets and their verdicts, and the legal limits; units, T3, COC distribution,
NPS."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

import polars as pl

from charts.builders import Reference, binned_bars, grouped_bars, ranked_dot_plot, share_bars, trend_chart
from charts.markers import Level, Mark, MarkKind, Step, add_levels, add_marks, add_steps
from charts.theme import MUTED, OKABE_ITO
from core import columns as c
from core.codes import ALL_PROFESSIONS, DEFAULT_PROFESSION, PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from i18n import t
from metrics.age_groups import ALL_AGES
from metrics.care_guarantee import legal_limit_days
from metrics.continuity import COC_BINS, coc_bins, continuity_indices
from metrics.privacy import Link, suppress_linked
from store.results import Results
from views.ages import age_line, cells_age, joined, no_split_line
from views.caveats import Caveat, caveat_notes
from views.cells import Grain, indicator_cells
from views.common import ChartView, area_label, chart_text, filters_line, labelled, sotkanet_caption
from views.indicators import INDICATORS, PUBLISHED_COUNTERPART, Indicator, indicator_value
from views.reported import ReportedPoint, chart_period, point_value, points_for, source_text
from views.reported import other_figures as reported_table
from views.state import ALL_REGIONS, ViewState
from views.targets import Verdict, target_words, verdict_text, verdicts

#: THL's published series, first on the county page: the four headline series, then the two context series.
PUBLISHED_TRENDS = (
    "thl_access_7d",
    "thl_coc",
    "thl_reached",
    "thl_insufficient",
    "thl_doctor_visits",
    "thl_emergency_visits",
)
#: The view-state fields a chart of THL's series reads: they have neither profession nor our period.
PUBLISHED_READ = ("lang", "region", "age_group")
#: The view-state fields a computed trend reads: its lines span every period, and the indicator picker is not its.
TREND_READ = ("lang", "region", "profession", "age_group")
#: The indicators computed from the sample (or an imported extract), after THL's series.
TREND_INDICATORS = ("access_7d", "access_14d", "t3", "coc", "nps", "enps")
ADULT_AGE = 30
YOUTH_AGE = 20
#: The shortest span of days a T3 chart shows, so the 14-day limit is always in view.
T3_MIN_SPAN = 21.0


def area_of(state: ViewState) -> str:
    return NATIONAL if state.region == ALL_REGIONS else state.region


def legal_references(indicator: Indicator, state: ViewState) -> list[Reference]:
    """T3 against the care-guarantee limit in force at the end of the chosen year (adults and under-23s)."""
    if indicator.family != "t3" or not state.period.isdigit():
        return []
    on = dt.date(int(state.period), 12, 31)
    limits = {legal_limit_days(on, age=YOUTH_AGE), legal_limit_days(on, age=ADULT_AGE)}
    return [
        Reference(float(days), t("county.legal_limit", state.lang, days=days), kind="legal")
        for days in sorted(limits)
        if days <= 30  # the three-month adult limit would flatten the chart; the Methods page lists it
    ]


def _period_start(period: str) -> dt.date:
    """The first day of a chart period ('2024', '2024Q3', '2024-07')."""
    year = int(period[:4])
    if "Q" in period:
        return dt.date(year, (int(period[5]) - 1) * 3 + 1, 1)
    if "-" in period:
        return dt.date(year, int(period[5:7]), 1)
    return dt.date(year, 1, 1)


def legal_steps(periods: list[str], language: str) -> list[tuple[str, list[Step]]]:
    """The legal limit in force at the start of each period, as steps: one line while one limit holds for all
    ages, a line for under-23s and one for those 23 and over once they differ (from 1.1.2025)."""
    youth = [Step(period, float(legal_limit_days(_period_start(period), age=YOUTH_AGE))) for period in periods]
    adults = [Step(period, float(legal_limit_days(_period_start(period), age=ADULT_AGE))) for period in periods]
    if youth == adults:
        return [(t("county.legal_all", language), adults)]
    return [(t("county.legal_youth", language), youth), (t("county.legal_adults", language), adults)]


def _reported_for(indicator: Indicator, results: Results, reported: Sequence[ReportedPoint]) -> list[ReportedPoint]:
    """The county's figures drawn on this indicator's chart: on THL's series its own and its computed
    counterpart's (real against real); on a computed chart only when the figures are not the synthetic sample."""
    if indicator.published:
        return points_for(
            reported, {indicator.key, *(k for k, v in PUBLISHED_COUNTERPART.items() if v == indicator.key)}
        )
    if results.sample_data:
        return []
    return points_for(reported, {indicator.key})


def drawn_figures(results: Results, reported: Sequence[ReportedPoint]) -> set[tuple[str, int, str]]:
    """The ``(seed_file, line, indicator_en)`` of the county's figures the trend charts draw (the others are
    listed in a table)."""
    keys = (*PUBLISHED_TRENDS, *TREND_INDICATORS)
    return {
        (point.seed_file, point.line, point.name_en)
        for key in keys
        for point in _reported_for(INDICATORS[key], results, reported)
    }


def other_figures(
    results: Results, region: str, frame: pl.DataFrame, reported: Sequence[ReportedPoint], language: str
) -> pl.DataFrame:
    """The county's reported figures that no chart draws, as a readable table (none for the whole country)."""
    if region == ALL_REGIONS:
        return pl.DataFrame()
    return reported_table(frame, region, language, drawn=drawn_figures(results, reported))


def _marks(
    indicator: Indicator, points: Sequence[ReportedPoint], judged: Sequence[Verdict], area: str, language: str
) -> list[Mark]:
    yearly = indicator.published
    marks = []
    for point in points:
        source = source_text(point.seed_file, point.line, language)
        value = point_value(point, indicator.percent, language)
        name = t("reported.mark", language, area=area_label(area, language), source=source)
        hover = t(
            "reported.hover",
            language,
            name=point.name(language),
            period=point.period_text,
            value=value,
            source=source,
        )
        marks.append(Mark(chart_period(point.period, yearly=yearly), point.value, name, hover, "reported"))
    for item in judged:
        if item.value is None or item.due is None:  # not drawn: said in the note under the chart
            continue
        text = verdict_text(item, language)
        kind: MarkKind = "national_target" if item.national else "target"
        period = chart_period(item.due, yearly=yearly)
        marks.append(Mark(period, item.value, text, text, kind, legend=target_words(item, language)))
    return marks


def _mark_rows(marks: Sequence[Mark], area: str, language: str) -> pl.DataFrame:
    """The marks as rows of the chart's data (its table and downloads): period, value and the mark's name."""
    if not marks:
        return pl.DataFrame()
    return pl.DataFrame(
        {
            c.REGION_CODE: [area] * len(marks),
            c.PERIOD: [mark.period for mark in marks],
            "value": [mark.value for mark in marks],
            "label": [mark.name for mark in marks],
            "group": [t(f"reported.kind_{mark.kind}", language) for mark in marks],
        },
        schema_overrides={"value": pl.Float64},
    )


def _notes(
    indicator: Indicator,
    points: Sequence[ReportedPoint],
    judged: Sequence[Verdict],
    sample: bool,
    language: str,
    *,
    profession: str = DEFAULT_PROFESSION,
) -> tuple[str, ...]:
    notes = []
    drawn_kinds = {point.indicator for point in points}
    if drawn_kinds & {"access_7d", "access_14d"}:
        notes.append(t("reported.note_access", language))
    if drawn_kinds & {"thl_insufficient", "thl_reached"}:
        notes.append(t("reported.note_survey", language))
    if drawn_kinds & {"nps", "enps"}:
        notes.append(t("reported.note_nps", language))
    notes += [verdict_text(item, language) for item in judged]
    own_target = any(not item.national and item.value is not None for item in judged)
    if (
        own_target
        and indicator.family in {"access", "published"}
        and "access_7d" in {item.indicator for item in judged}
    ):
        notes.append(t("targets.note_definition", language))
    if any(item.indicator == "access_7d" and item.national for item in judged):
        notes.append(t("targets.note_care_guarantee", language))
    counterpart = PUBLISHED_COUNTERPART.get(indicator.key)
    if counterpart:
        title = t(INDICATORS[counterpart].title_key, language)
        notes.append(t("county.counterpart_note", language, title=title))
        if profession != DEFAULT_PROFESSION:
            notes.append(t("county.thl_doctors_only", language))
    if indicator.family == "t3":
        notes.append(t("county.legal_steps_note", language))
    if sample and not indicator.published and any(item.value is not None for item in judged):
        notes.append(t("targets.note_sample", language))
    return tuple(notes)


def thl_levels(
    results: Results, state: ViewState, key: str, periods: Sequence[str], *, threshold: int
) -> tuple[list[Level], pl.DataFrame]:
    """THL's published counterpart of a computed indicator for the area, as yearly levels over the chart's
    periods of each year, and as rows for the chart's table. None unless the view is of doctors: THL publishes
    6411 and 5502 for doctor visits only."""
    counterpart = PUBLISHED_COUNTERPART.get(key)
    if counterpart is None or state.profession != DEFAULT_PROFESSION:
        return [], pl.DataFrame()
    indicator = INDICATORS[counterpart]
    area = area_of(state)
    cells = indicator_cells(results, indicator, grain="year", threshold=threshold)
    own = cells.filter((pl.col(c.REGION_CODE) == area) & pl.col("value").is_not_null())
    by_year: dict[str, list[str]] = {}
    for period in sorted(periods):
        by_year.setdefault(period[:4], []).append(period)
    own = own.filter(pl.col(c.PERIOD).is_in(list(by_year)))
    name = t("county.thl_level", state.lang, area=area_label(area, state.lang))
    levels = [
        Level(
            tuple(by_year[year]),
            value,
            t("county.thl_level_hover", state.lang, year=year, value=indicator_value(value, indicator, state.lang)),
        )
        for year, value in own.select(c.PERIOD, "value").iter_rows()
    ]
    rows = own.select(c.REGION_CODE, c.PERIOD, "value").with_columns(
        pl.lit(name).alias("label"), pl.lit(t("county.thl_group", state.lang)).alias("group")
    )
    return levels, rows


def trend(
    results: Results,
    state: ViewState,
    key: str,
    *,
    threshold: int,
    reported: tuple[ReportedPoint, ...] = (),
    caveats: tuple[Caveat, ...] = (),
) -> ChartView:
    """The area's line (and the whole country's, for comparison), the county's own figures, its targets at their
    due period with a verdict, and on T3 the legal limit as steps.

    THL's published series are yearly and carry Sotkanet's caption; the computed ones are quarterly and carry the
    sample badge on the sample. ``reported`` are the area's own figures (:func:`views.reported.reported_points`);
    the county's own data-quality ``caveats`` on this indicator follow the chart's notes.
    """
    indicator = INDICATORS[key]
    area = area_of(state)
    # Continuity is yearly, as THL computes COC (a quarter counts only patients with two visits in it).
    grain: Grain = "year" if indicator.family == "continuity" else "quarter"
    age = cells_age(state, indicator)
    cells = indicator_cells(
        results, indicator, grain=grain, profession=state.profession, threshold=threshold, age_group=age
    )
    if age != ALL_AGES:
        # THL's levels, the county's own figures and its targets are of all ages: not drawn beside one group
        reported = ()
    areas = [area] if area == NATIONAL else [area, NATIONAL]
    data = labelled(cells.filter(pl.col(c.REGION_CODE).is_in(areas)), state.lang)
    text = chart_text(
        results,
        state,
        title=t(indicator.title_key, state.lang),
        subtitle=joined(filters_line(state, period="", profession=indicator.by_profession), age_line(state, indicator)),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = trend_chart(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        band=not indicator.published,
    )
    levels, thl_rows = (
        thl_levels(results, state, key, data[c.PERIOD].unique().to_list(), threshold=threshold)
        if age == ALL_AGES
        else ([], pl.DataFrame())
    )
    if levels:
        name = t("county.thl_level", state.lang, area=area_label(area, state.lang))
        add_levels(figure, levels, name=name, percent=indicator.percent)
        thl_source = sotkanet_caption(results, INDICATORS[PUBLISHED_COUNTERPART[key]].sotkanet_id, state.lang)
        text = dataclasses.replace(text, caption=f"{text.caption} · {thl_source}")
        data = pl.concat([data, thl_rows], how="diagonal_relaxed")
    points = _reported_for(indicator, results, reported)
    judged = verdicts(results, area, key, reported) if age == ALL_AGES else []
    marks = _marks(indicator, points, judged, area, state.lang)
    add_marks(figure, marks, percent=indicator.percent)
    if indicator.family == "t3" and data.height:
        shown = data.filter(pl.col("value").is_not_null())
        periods = sorted(shown[c.PERIOD].unique().to_list())
        highest = max([*shown["value"].to_list(), *shown["ci_high"].drop_nulls().to_list(), 0.0])
        add_steps(
            figure,
            legal_steps(periods, state.lang),
            clip=max(T3_MIN_SPAN, highest * 1.5),
            above_label=t("county.legal_above", state.lang),
        )
    if marks:
        data = pl.concat([data, _mark_rows(marks, area, state.lang)], how="diagonal_relaxed")
    return ChartView(
        key=f"county_trend_{key}",
        figure=figure,
        data=data,
        text=text,
        indicator=key,
        region=state.region,
        period="",
        notes=(
            *_notes(indicator, points, judged, results.sample_data, state.lang, profession=state.profession),
            *caveat_notes(caveats, area, key, state.lang),
        ),
    )


def units(results: Results, state: ViewState, key: str, *, threshold: int) -> ChartView | None:
    """Health centres of the county ranked by the indicator in the chosen year.

    None for the whole country, and for a county whose unit-level data the viewer may not see.
    """
    if state.region == ALL_REGIONS or not results.units_allowed(state.region):
        return None
    indicator = INDICATORS[key]
    age = cells_age(state, indicator)
    cells = indicator_cells(
        results, indicator, grain="year", profession=state.profession, level="unit", threshold=threshold, age_group=age
    )
    data = cells.filter((pl.col(c.REGION_CODE) == state.region) & (pl.col(c.PERIOD) == state.period))
    data = data.with_columns(pl.col(c.UNIT_ID).alias("label"))
    county = indicator_cells(
        results, indicator, grain="year", profession=state.profession, threshold=threshold, age_group=age
    )
    county = county.filter((pl.col(c.REGION_CODE) == state.region) & (pl.col(c.PERIOD) == state.period))
    text = chart_text(
        results,
        state,
        title=t("county.units_title", state.lang, indicator=t(indicator.title_key, state.lang)),
        subtitle=joined(
            filters_line(state, profession=indicator.by_profession),
            age_line(state, indicator),
            t("age_group.no_units", state.lang) if age != ALL_AGES else "",
        ),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    references = []
    if county.height and county["value"].item() is not None:
        references.append(Reference(float(county["value"].item()), area_label(state.region, state.lang), "national"))
    figure = ranked_dot_plot(
        data,
        text,
        percent=indicator.percent,
        value_label=t(indicator.unit_key, state.lang),
        references=references,
        descending=indicator.higher_is_better,
    )
    return ChartView(
        key=f"county_units_{key}",
        figure=figure,
        data=data,
        text=text,
        indicator=key,
        region=state.region,
        period=state.period,
    )


def t3_by_unit(results: Results, state: ViewState, *, threshold: int) -> ChartView | None:
    """T3 per health centre and profession (doctors, nurses) in the chosen year; None as for :func:`units`."""
    if state.region == ALL_REGIONS or not results.units_allowed(state.region):
        return None
    indicator = INDICATORS["t3"]
    parts = []
    for profession in [code for code in PROFESSIONS if code != ALL_PROFESSIONS]:  # doctors, nurses
        cells = indicator_cells(
            results, indicator, grain="year", profession=profession, level="unit", threshold=threshold
        )
        parts.append(cells.with_columns(pl.lit(t(f"profession.{profession}", state.lang)).alias("group")))
    data = (
        pl.concat(parts)
        .filter((pl.col(c.REGION_CODE) == state.region) & (pl.col(c.PERIOD) == state.period))
        .with_columns(pl.col(c.UNIT_ID).alias("label"))
    )
    text = chart_text(
        results,
        state,
        title=t("county.t3_units_title", state.lang),
        subtitle=joined(filters_line(state, profession=False), age_line(state, indicator)),
        plotted=data,
        threshold=threshold,
        indicator=indicator,
    )
    figure = grouped_bars(
        data, text, value_label=t("unit.days", state.lang), references=legal_references(indicator, state)
    )
    return ChartView(
        key="county_t3_units",
        figure=figure,
        data=data,
        text=text,
        indicator="t3",
        region=state.region,
        period=state.period,
    )


def coc_distribution_cells(
    visits: pl.LazyFrame, *, region: str, year: str, profession: str, threshold: int
) -> pl.DataFrame:
    """Eligible patients per COC bin for one area and year, computed from the visits; bins under ``threshold``
    suppressed. The pages read the stored distribution (:func:`stored_coc_distribution`); this serves a
    store from before it was kept, and the checks that the two agree. Every county's and the country's bins are
    computed, as the store keeps them: they are suppressed together (:func:`_linked_bins`).

    Patient-level indices are computed here and reduced to counts at once; no identifier leaves.
    """
    frame = visits.filter(pl.col(c.VISIT_AT).dt.year() == int(year))
    if profession != "all":
        frame = frame.filter(pl.col(c.PROFESSION) == profession)
    needed = frame.select(c.PATIENT_ID, c.PROFESSIONAL_ID, c.VISIT_AT, c.VISIT_ID, c.REGION_CODE)
    county_bins = coc_bins(continuity_indices(needed, by=[c.REGION_CODE]), [c.REGION_CODE]).select(
        pl.col(c.REGION_CODE).cast(pl.String), "bin", "n"
    )
    country_bins = coc_bins(continuity_indices(needed.drop(c.REGION_CODE)), []).select(
        pl.lit(NATIONAL).alias(c.REGION_CODE), "bin", "n"
    )
    binned = pl.concat(pl.collect_all([county_bins, country_bins]))
    if binned.filter(pl.col(c.REGION_CODE) == region).is_empty():  # no eligible patient: nothing to show
        return pl.DataFrame()
    return _distribution(_linked_bins(binned, threshold), region)


def stored_coc_distribution(
    results: Results, *, region: str, year: str, profession: str, threshold: int
) -> pl.DataFrame | None:
    """The area's COC distribution from the store, as :func:`coc_distribution_cells` gives it; no rows when
    the area has no eligible patients that year, None when the store keeps no distribution at all."""
    stored = results.coc_distribution
    if stored.is_empty():
        return None
    binned = stored.filter((pl.col(c.PERIOD) == year) & (pl.col(c.PROFESSION) == profession))
    if binned.filter(pl.col(c.REGION_CODE) == region).is_empty():
        return pl.DataFrame()
    decided = results.derived(
        ("coc_distribution", year, profession, threshold),
        lambda: _linked_bins(binned.select(c.REGION_CODE, "bin", "n"), threshold),
    )
    return _distribution(decided, region)


def coc_distribution(
    results: Results,
    load_visits: Callable[[], pl.LazyFrame | None],
    *,
    region: str,
    year: str,
    profession: str,
    threshold: int,
) -> pl.DataFrame:
    """The area's COC distribution: from the store, or from the visits (``load_visits``) when the store
    keeps none; no rows when there is nothing to show."""
    stored = stored_coc_distribution(results, region=region, year=year, profession=profession, threshold=threshold)
    if stored is not None:
        return stored
    visits = load_visits()
    if visits is None:
        return pl.DataFrame()
    return coc_distribution_cells(visits, region=region, year=year, profession=profession, threshold=threshold)


def _distribution(decided: pl.DataFrame, region: str) -> pl.DataFrame:
    """The area's bins of :func:`_linked_bins` (empty ones as zero) with their bounds."""
    return (
        decided.filter((pl.col(c.REGION_CODE) == region) & (pl.col("bin") >= 0))
        .sort("bin")
        .select(
            (pl.col("bin") / COC_BINS).alias("bin_low"),
            ((pl.col("bin") + 1) / COC_BINS).alias("bin_high"),
            pl.when(~pl.col(c.SUPPRESSED)).then(pl.col("n")).alias("n"),
            c.SUPPRESSED,
        )
    )


def _linked_bins(binned: pl.DataFrame, threshold: int) -> pl.DataFrame:
    """Every area's COC bins (empty bins as zero) with their total (``bin`` -1), suppressed together.

    An area's bins add up to its eligible patients, which the continuity charts show: the total is fixed
    (shown unless under the threshold), and a hidden bin must not come back by subtraction from it, so the
    hidden bins together hold at least the threshold (:func:`metrics.privacy.suppress_linked`). The counties'
    bins add up to the country's bin where every patient in it is seen in one county only (a patient seen in
    two is two patients of the counties and one of the country, perhaps in other bins): where a bin adds up, a
    viewer can subtract, so the counties' bins are parts of the country's; where it does not, there is no
    relation to protect (an attacker's sum would be wrong) and no link. The result is checked by linear programs
    (``check_intervals``: the bins of one year and profession are a small problem).
    """
    areas = binned.select(c.REGION_CODE).unique()
    every_bin = pl.DataFrame({"bin": list(range(COC_BINS))}, schema={"bin": pl.Int64})
    bins = (
        areas.join(every_bin, how="cross")
        .join(binned.with_columns(pl.col("bin").cast(pl.Int64)), on=[c.REGION_CODE, "bin"], how="left")
        .with_columns(pl.col("n").fill_null(0).cast(pl.Int64))
    )
    totals = bins.group_by(c.REGION_CODE).agg(pl.col("n").sum(), pl.lit(-1, pl.Int64).alias("bin"))
    totals = totals.with_columns(((pl.col("n") >= 1) & (pl.col("n") < threshold)).alias(c.SUPPRESSED))
    county = pl.col(c.REGION_CODE) != NATIONAL
    counties_sum = bins.filter(county).group_by("bin").agg(pl.col("n").sum().alias("_counties"))
    adds_up = (
        bins.filter(~county)
        .join(counties_sum, on="bin")
        .filter(pl.col("n") == pl.col("_counties"))
        .select("bin", pl.lit(value=True).alias("_adds_up"))
    )
    bins = bins.join(adds_up, on="bin", how="left").with_columns(pl.col("_adds_up").fill_null(False) & county)
    frame = pl.concat([bins, totals.select(c.REGION_CODE, "bin", "n", c.SUPPRESSED)], how="diagonal_relaxed")
    decided = suppress_linked(
        frame,
        keys=[c.REGION_CODE, "bin"],
        components=["n"],
        links=[
            Link(pl.col("bin") >= 0, {"bin": pl.lit(-1, pl.Int64)}),
            Link(pl.col("_adds_up").fill_null(False), {c.REGION_CODE: pl.lit(NATIONAL)}),
        ],
        threshold=threshold,
        fixed=pl.col("bin") < 0,
        check_intervals=True,
    )
    return decided.drop("_adds_up")


def coc_distribution_view(results: Results, state: ViewState, cells: pl.DataFrame, *, threshold: int) -> ChartView:
    """The COC distribution of eligible patients (cells from :func:`coc_distribution_cells`)."""
    text = chart_text(
        results,
        state,
        title=t("county.coc_distribution_title", state.lang),
        subtitle=joined(filters_line(state), no_split_line(state)),
        plotted=cells,
        threshold=threshold,
        indicator=INDICATORS["coc"],
    )
    figure = binned_bars(
        cells, text, value_label=t("indicator.coc", state.lang), count_label=t("county.patients", state.lang)
    )
    return ChartView(
        key="county_coc_distribution",
        figure=figure,
        data=cells,
        text=text,
        indicator="coc",
        region=state.region,
        period=state.period,
    )


def nps_split(results: Results, state: ViewState, *, threshold: int) -> ChartView:
    """Promoters, passives and detractors among patients and staff in the chosen year."""
    area = area_of(state)
    rows = []
    for key in ("nps", "enps"):
        cells = indicator_cells(results, INDICATORS[key], grain="year", threshold=threshold)
        own = cells.filter((pl.col(c.REGION_CODE) == area) & (pl.col(c.PERIOD) == state.period))
        rows.append(own.with_columns(pl.lit(t(f"county.respondent_{key}", state.lang)).alias("label")))
    data = pl.concat(rows)
    text = chart_text(
        results,
        state,
        title=t("county.nps_split_title", state.lang),
        subtitle=joined(filters_line(state, profession=False), age_line(state, INDICATORS["nps"])),
        plotted=data,
        threshold=threshold,
    )
    parts = [
        ("promoter_share", t("county.promoters", state.lang), OKABE_ITO[2]),
        ("passive_share", t("county.passives", state.lang), MUTED),
        ("detractor_share", t("county.detractors", state.lang), OKABE_ITO[5]),
    ]
    figure = share_bars(data, text, parts=parts, value_label=t("unit.share", state.lang))
    return ChartView(
        key="county_nps_split",
        figure=figure,
        data=data,
        text=text,
        indicator="nps",
        region=state.region,
        period=state.period,
    )
