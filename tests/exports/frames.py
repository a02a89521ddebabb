"""Small framed charts as the pages build them: the words around them and three tidy frames."""

from __future__ import annotations

import polars as pl

from charts.theme import ChartText

TEXT = ChartText(
    title="Access within 7 days",
    subtitle="All counties · 2025 · Profession: Doctor",
    caption="Source: THL · Licence: CC BY 4.0",
    direction="Higher is better",
    badge="Synthetic sample data",
    suppression_note="1 cell hidden: fewer than 5 observations (privacy).",
)


def areas() -> pl.DataFrame:
    """Three areas in one year; C is a small cell, suppressed (its value and n blanked)."""
    return pl.DataFrame(
        {
            "region_code": ["01", "02", "03"],
            "label": ["Helsinki", "Pohjois-Savo", "Ahvenanmaa"],
            "period": ["2025", "2025", "2025"],
            "value": [0.62, 0.71, None],
            "ci_low": [0.6, 0.69, None],
            "ci_high": [0.64, 0.73, None],
            "n": [2400, 1800, None],
            "suppressed": [False, False, True],
        }
    )


def trend() -> pl.DataFrame:
    """Two areas over three years."""
    return pl.DataFrame(
        {
            "label": ["Helsinki"] * 3 + ["Pohjois-Savo"] * 3,
            "period": ["2023", "2024", "2025"] * 2,
            "value": [0.55, 0.58, 0.62, 0.66, 0.69, 0.71],
            "ci_low": [0.53, 0.56, 0.6, 0.64, 0.67, 0.69],
            "ci_high": [0.57, 0.6, 0.64, 0.68, 0.71, 0.73],
            "n": [2000, 2200, 2400, 1500, 1700, 1800],
        }
    )


def scatter() -> pl.DataFrame:
    """Access (x, a share) against continuity (y) for two areas over two years."""
    return pl.DataFrame(
        {
            "label": ["Helsinki", "Helsinki", "Pohjois-Savo", "Pohjois-Savo"],
            "period": ["2024", "2025", "2024", "2025"],
            "x": [0.58, 0.62, 0.69, 0.71],
            "y": [0.31, 0.33, 0.42, 0.45],
            "n": [2200, 2400, 1700, 1800],
        }
    )
