"""Export benchmark: how long a chart image and a deck take on the server.

Usage::

    python -m bench.export_bench [--repeat 3] [--later 20] [--out bench/output/export]

Measures, for a seeded set of 12 charts over the 22 areas (trends, shares,
scatters, histograms, a funnel, a ranked dot plot and a tile map, framed as
the pages frame them):

* **first image**: from starting a new renderer (launching Chromium) to the
  first 1920-pixel PNG, once per repetition (``--repeat``), each with a fresh
  browser; the goal is at most 6 s;
* **later images**: each of ``--later`` PNGs (and SVGs) from the open
  browser; the goal is at most 1 s;
* **deck**: ``build_pptx`` for the 12 charts with native charts (two
  pictures: the dot plot and the tile map) and with every chart a picture,
  on an open browser.

Importing the modules is timed separately. Results are printed and appended
to ``OUT/results.json``. These machines are noisy: the load average at the
start is recorded with the results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import time
from functools import partial
from pathlib import Path
from typing import Any

started_import = time.perf_counter()
import numpy as np  # noqa: E402 - the imports are part of what is timed
import plotly.graph_objects as go  # noqa: E402
import polars as pl  # noqa: E402

from charts.builders import (  # noqa: E402
    Reference,
    access_continuity_scatter,
    funnel_plot,
    histogram,
    ranked_dot_plot,
    share_bars,
    tile_map,
    trend_chart,
)
from charts.theme import OKABE_ITO, ChartText  # noqa: E402
from core.regions import dashboard_regions  # noqa: E402
from exports.images import ImageRenderer, find_browser  # noqa: E402
from exports.pptx import PERCENT_VALUE, Deck, Slide, build_pptx  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - started_import
# the funnel's limits come from the view (metrics): imported after the timing, which is the export path's own
from views.compare import funnel_limits_for  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent / "output" / "export"
SEED = 20_251_123
SOURCE = "Lähde: synteettinen esimerkkiaineisto (ei todellisia henkilöitä)"
LICENCE = "Lisenssi: CC BY 4.0"
YEARS = ("2021", "2022", "2023", "2024", "2025")


Chart = tuple[go.Figure, pl.DataFrame, tuple[str, ...]]


def chart_set(seed: int = SEED) -> tuple[ChartText, list[Chart]]:
    """Twelve framed charts with their data, over the 22 areas and five years; a few small cells suppressed."""
    rng = np.random.default_rng(seed)
    regions = [(region.code, region.name_fi) for region in dashboard_regions()]
    rows = []
    for code, name in regions:
        base = rng.uniform(0.45, 0.8)
        for year in YEARS:
            n = int(rng.integers(3, 6000)) if rng.random() < 0.05 else int(rng.integers(400, 6000))
            value = float(np.clip(base + rng.normal(0, 0.03), 0.05, 0.95))
            half = 1.96 * (value * (1 - value) / n) ** 0.5
            rows.append((code, name, year, value, value - half, value + half, n))
    frame = pl.DataFrame(
        rows, schema=["region_code", "label", "period", "value", "ci_low", "ci_high", "n"], orient="row"
    ).with_columns(suppressed=pl.col("n") < 5)
    frame = frame.with_columns(
        [
            pl.when(pl.col("suppressed")).then(None).otherwise(pl.col(name)).alias(name)
            for name in ("value", "ci_low", "ci_high", "n")
        ]
    )
    latest = frame.filter(pl.col("period") == YEARS[-1])
    hidden = int(latest["suppressed"].sum())
    text = ChartText(
        title="Kiireettömät käynnit 7 päivän kuluessa hoidon tarpeen arvioinnista",
        subtitle="Kaikki alueet · 2025 · Ammattiryhmä: Lääkäri",
        caption=f"{SOURCE} · {LICENCE}",
        direction="Suurempi on parempi",
        badge="Synteettinen esimerkkiaineisto – ei todellisia rekisteritietoja",
        suppression_note=f"{hidden} solua piilotettu: alle 5 havaintoa (tietosuoja)." if hidden else "",
    )
    shares = latest.with_columns(within=pl.col("value"), later=1 - pl.col("value"))
    parts = [("within", "7 päivän kuluessa", OKABE_ITO[2]), ("later", "Myöhemmin", OKABE_ITO[1])]
    scatter = frame.with_columns(x=pl.col("value"), y=(pl.col("value") * 0.6 + 0.05))
    few = frame.filter(pl.col("region_code").is_in([code for code, _ in regions[:4]]))
    coc = pl.Series(rng.beta(2, 5, 20_000))
    target = [Reference(0.65, "Tavoite 65 %")]
    charts = [
        (trend_chart(few, text, references=target), few, PERCENT_VALUE),
        (trend_chart(frame.filter(pl.col("region_code") == regions[0][0]), text), frame.head(5), PERCENT_VALUE),
        (trend_chart(few, text, band=False), few, PERCENT_VALUE),
        (trend_chart(frame.filter(pl.col("region_code") == regions[1][0]), text), frame.slice(5, 5), PERCENT_VALUE),
        (share_bars(shares, text, parts=parts, value_label="%"), shares, ("within", "later")),
        (share_bars(shares.head(8), text, parts=parts, value_label="%"), shares.head(8), ("within", "later")),
        (
            access_continuity_scatter(scatter, text, x_label="7 pv", y_label="COC", x_reference=0.65, y_reference=0.4),
            scatter,
            ("x",),
        ),
        (
            access_continuity_scatter(
                scatter.filter(pl.col("period") == "2025"),
                text,
                x_label="7 pv",
                y_label="COC",
                x_reference=None,
                y_reference=None,
            ),
            scatter.filter(pl.col("period") == "2025"),
            ("x",),
        ),
        (histogram(coc, text, value_label="COC", count_label="Potilaat"), pl.DataFrame({"n": [coc.len()]}), ()),
        (
            funnel_plot(latest, text, limits=funnel_limits_for(latest, p0=0.65), volume_label="n", value_label="%"),
            latest,
            PERCENT_VALUE,
        ),
        (ranked_dot_plot(latest, text), latest, PERCENT_VALUE),
        (tile_map(latest, text), latest, PERCENT_VALUE),
    ]
    return text, charts


def timed(action: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def run(repeat: int, later: int) -> dict[str, Any]:
    text, charts = chart_set()
    figure = charts[0][0]
    browser = find_browser()
    if browser is None:
        raise SystemExit("no Chromium found: install Debian's chromium (make system-deps)")
    first = []
    for _ in range(repeat):
        renderer = ImageRenderer(browser_path=browser)
        try:
            seconds, png = timed(partial(renderer.render, figure))
            first.append(seconds)
        finally:
            renderer.close()
    with ImageRenderer(browser_path=browser) as renderer:
        sample = [chart for chart, _, _ in (charts * later)[:later]]
        png_times = [timed(partial(renderer.render, chart))[0] for chart in sample]
        svg_times = [timed(partial(renderer.render, chart, image_format="svg"))[0] for chart in sample]
        slides = tuple(
            Slide.from_chart(chart, data, text, source=SOURCE, licence=LICENCE, percent_columns=percent)
            for chart, data, percent in charts
        )
        deck = Deck("Pohjois-Savo", "Kaikki · 2025", "2025-06-30", "fi", slides, sample_data=True)
        native_seconds, native_bytes = timed(lambda: build_pptx(deck, renderer=renderer))
        picture_seconds, picture_bytes = timed(lambda: build_pptx(deck, renderer=renderer, native_charts=False))
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        "browser": browser,
        "import_s": round(IMPORT_SECONDS, 3),
        "first_image_s": [round(value, 3) for value in first],
        "png_width_px": int.from_bytes(png[16:20], "big"),
        "later_png_s": _summary(png_times),
        "later_svg_s": _summary(svg_times),
        "deck_native_s": round(native_seconds, 3),
        "deck_native_kib": len(native_bytes) // 1024,
        "deck_pictures_s": round(picture_seconds, 3),
        "deck_pictures_kib": len(picture_bytes) // 1024,
        "charts": len(charts),
    }


def _summary(times: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(times), 3),
        "max": round(max(times), 3),
        "min": round(min(times), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="cold starts to time (default 3)")
    parser.add_argument("--later", type=int, default=20, help="images to time on the open browser (default 20)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    arguments = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    result = run(arguments.repeat, arguments.later)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    arguments.out.mkdir(parents=True, exist_ok=True)
    results = arguments.out / "results.json"
    history = json.loads(results.read_text()) if results.exists() else []
    history.append(result)
    results.write_text(json.dumps(history, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
