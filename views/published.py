"""Series THL publishes in Sotkanet, beside our own figures: the county against the whole country."""

from __future__ import annotations

import dataclasses
import json

import polars as pl

from charts.builders import trend_chart
from core import columns as c
from core.codes import WHOLE_COUNTRY as NATIONAL
from i18n import t
from i18n.format import date_text
from store.results import Results
from views.common import ChartView, chart_text, filters_line, labelled
from views.state import ViewState

#: The published series the county page shows, in order: waits over 7 days (doctor visits), COC.
PUBLISHED = ("6411", "5502")
_PERCENT_UNITS = {"PERCENT", "%"}
#: The view-state fields :func:`published_view` reads: THL's series have neither profession nor our period.
READ = ("lang", "region")


def published_view(results: Results, state: ViewState, indicator_id: str) -> ChartView | None:
    """One Sotkanet series for the chosen county and the whole country, with Sotkanet's own caption.

    Sotkanet suppresses small numbers itself (its ``limits`` text is shown under the chart); a value
    it does not publish is simply absent here. None when the series is not in the store.
    """
    meta = results.published_meta.filter(pl.col("indicator_id") == indicator_id)
    if meta.is_empty():
        return None
    row = meta.row(0, named=True)
    area = NATIONAL if state.region == "all" else state.region
    values = results.published.filter(
        (pl.col("indicator_id") == indicator_id) & pl.col(c.REGION_CODE).is_in([area, NATIONAL])
    )
    data = labelled(
        values.select(
            c.REGION_CODE,
            c.PERIOD,
            pl.col("value").cast(pl.Float64),
            pl.lit(None, pl.Float64).alias("ci_low"),
            pl.lit(None, pl.Float64).alias("ci_high"),
            pl.col("denominator").cast(pl.Int64, strict=False).alias("n"),
        ).sort(c.REGION_CODE, c.PERIOD),
        state.lang,
    )
    title = row.get(f"title_{state.lang}") or row.get("title_fi") or indicator_id
    updated = date_text(row.get("data_updated"), state.lang)
    retrieved = row.get("retrieved")
    # A constructed example: THL's format, made-up numbers. A bundled copy with a retrieval date holds THL's
    # published values (only its title, description and limits text are constructed).
    example = bool(row.get("recorded")) and retrieved is None
    if example:
        caption = t("source.sotkanet_recorded", state.lang, indicator=indicator_id)
    elif row.get("recorded"):
        caption = t(
            "source.sotkanet_copy", state.lang, indicator=indicator_id, retrieved=date_text(retrieved, state.lang)
        )
    else:
        caption = t("source.sotkanet", state.lang, indicator=indicator_id, updated=updated)
    text = chart_text(
        results,
        state,
        title=title,
        subtitle=filters_line(state, period="", profession=False),
        plotted=data,
        threshold=1,
        caption=caption,
    )
    # Fetched live or copied, the data are THL's own: no badge. Only a live series has Sotkanet's own limits
    # text to explain its gaps; a bundled copy's limits text is constructed. An example carries the badge.
    text = dataclasses.replace(
        text,
        badge=t("common.sample_badge", state.lang) if example else "",
        suppression_note="" if row.get("recorded") else _limits_text(row.get("limits"), state.lang),
    )
    unit = str(row.get("unit") or "")
    figure = trend_chart(
        data, text, percent=False, value_label="%" if unit in _PERCENT_UNITS else unit.lower(), band=False
    )
    return ChartView(
        key=f"published_{indicator_id}",
        figure=figure,
        data=data,
        text=text,
        indicator="",
        region=state.region,
        period="",
    )


def _limits_text(raw: object, language: str) -> str:
    if not raw:
        return ""
    try:
        texts = json.loads(str(raw))
    except ValueError:
        return str(raw)
    return str(texts.get(language) or texts.get("fi") or "") if isinstance(texts, dict) else str(texts)
