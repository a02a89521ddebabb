"""County decks from the command line: one .pptx per wellbeing services county.

Usage::

    python -m exports.deck --region 13 --lang fi --out pohjois-savo.pptx [--period 2025] [--pictures]
    python -m exports.deck --region all --lang sv --out decks/ [--period 2025]

``--region`` is a county code from ``reference_data/regions.csv`` or ``all``
(then ``--out`` is a folder and each deck is named by
:func:`exports.names.export_filename`). The store is the one the dashboard
uses (settings from the environment, see the README). Progress goes to
standard error; a reported problem (any :class:`~core.errors.DashboardError`)
is printed as one line and the command exits with status 2.

The deck's content (which charts, in which order) is :func:`build_county_deck`,
built on the pages' view functions; this module only runs it and writes files.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from core.errors import DashboardError, InvalidInputError
from core.regions import dashboard_regions
from core.settings import Settings
from exports.images import shared_renderer
from exports.names import export_filename
from exports.pptx import Deck, build_pptx
from exports.slides import county_deck
from i18n import LANGUAGES, region_name
from metrics.privacy import DEFAULT_THRESHOLD
from pipeline.bootstrap import open_store
from pipeline.imports import scan_extracts
from store.results import Results, load_results
from views.county import coc_distribution

ALL = "all"
EXIT_REPORTED = 2


def build_county_deck(
    engine: sa.Engine,
    region: str,
    language: str,
    period: str,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    results: Results | None = None,
) -> Deck:
    """The deck for one county (``region`` a code), in ``language``, for ``period`` ("" for the latest).

    The command line is run by the store's operator, so it sees every county's unit-level cells;
    every number still goes through the suppression step at ``threshold``. Pass ``results`` to
    reuse one load of the store for many decks.
    """
    results = results if results is not None else load_results(engine)
    years = results.years()
    if period and period not in years:
        raise InvalidInputError(f"--period {period!r} has no data; use one of {', '.join(years) or '(none)'}")
    year = period or (years[-1] if years else "")
    coc_cells = (
        coc_distribution(
            results,
            lambda: scan_extracts(engine, "visits"),
            region=region,
            year=year,
            profession="all",
            threshold=threshold,
        )
        if year
        else None
    )
    return county_deck(results, region, language, year, threshold=threshold, coc_cells=coc_cells)


def parse_arguments(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m exports.deck", description="Write PowerPoint decks for wellbeing services counties."
    )
    parser.add_argument("--region", required=True, help=f"a county code, or {ALL!r} for one deck per county")
    parser.add_argument("--lang", required=True, choices=LANGUAGES, help="language of the deck")
    parser.add_argument("--out", required=True, type=Path, help="the .pptx file (a folder with --region all)")
    parser.add_argument("--period", default="", help="the year, e.g. 2025 (default: the latest with data)")
    parser.add_argument("--pictures", action="store_true", help="every chart as a picture, not an editable chart")
    return parser.parse_args(argv)


def regions_to_build(region: str) -> list[str]:
    """The county codes a ``--region`` value stands for."""
    codes = [item.code for item in dashboard_regions()]
    if region == ALL:
        return codes
    if region not in codes:
        raise InvalidInputError(f"--region {region!r} is not a county code; use one of {', '.join(codes)} or {ALL!r}")
    return [region]


def output_path(out: Path, region: str, *, language: str, period: str, many: bool) -> Path:
    """``out`` itself for one deck; for many, a file in the folder ``out`` named after county, period and language."""
    if not many:
        return out
    name = export_filename(
        indicator="deck",
        region=region_name(region, language, short=True),
        period=period,
        language=language,
        extension="pptx",
    )
    return out / name


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        codes = regions_to_build(arguments.region)
        many = arguments.region == ALL
        if many:
            arguments.out.mkdir(parents=True, exist_ok=True)
        shared_renderer().start_in_background()  # ranked and tile charts are pictures: warm up meanwhile
        settings = Settings.from_environment()
        engine = open_store(settings)
        results = load_results(engine)
        for code in codes:
            deck = build_county_deck(
                engine,
                code,
                arguments.lang,
                arguments.period,
                threshold=settings.suppression_threshold,
                results=results,
            )
            target = output_path(arguments.out, code, language=arguments.lang, period=arguments.period, many=many)

            def report(done: int, total: int, what: str, code: str = code) -> None:
                print(f"{code}: {done}/{total} {what}", file=sys.stderr)

            target.write_bytes(build_pptx(deck, progress=report, native_charts=not arguments.pictures))
            print(target)
    except DashboardError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REPORTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
