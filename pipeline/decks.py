"""County decks as a job: one .pptx per wellbeing services county (``python -m pipeline deck``).

The deck's content (which charts, in which order) is
:func:`exports.slides.county_deck`, built on the pages' view functions; this
module chooses the counties, loads the store once, builds each deck and writes
the files. The job is run by the store's operator, so it sees every county's
unit-level cells; every number still goes through the suppression step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from core.codes import DEFAULT_PROFESSION
from core.errors import DashboardError, InvalidInputError
from core.regions import dashboard_regions
from data_sources.reference import reported_figures
from exports.images import shared_renderer
from exports.names import export_filename
from exports.pdf import pptx_to_pdf
from exports.pptx import Deck, build_pptx
from exports.slides import CheckedAs, county_deck
from i18n import region_name
from metrics.privacy import DEFAULT_THRESHOLD
from store.audits import latest_audit
from store.catalogue import scan_extracts
from store.datasets import datasets
from store.results import Results, load_results
from views.county import coc_distribution
from views.reported import reported_points

#: The ``--region`` value that stands for every county.
ALL = "all"
#: Progress of one deck: slides done, slides in all, what is being drawn.
SlideProgress = Callable[[int, int, str], None]

log = logging.getLogger(__name__)


class NoChartsError(DashboardError):
    """A county deck would hold its title slide only: no chart has data for the county."""


@dataclass(frozen=True)
class DecksWritten:
    """What :func:`write_decks` did: the files written and the counties left out because no chart had data."""

    written: list[Path] = field(default_factory=list)
    #: County codes whose deck would have had no chart slide (no file is written for them).
    without_charts: list[str] = field(default_factory=list)
    #: Why those counties have no chart, in words (the same reason for all of them).
    reason: str = ""

    def error(self) -> NoChartsError | None:
        """The error to report when some county had no chart (``None`` when every deck was written)."""
        if not self.without_charts:
            return None
        names = ", ".join(f"{code} ({region_name(code, 'en', short=True)})" for code in self.without_charts)
        if len(self.without_charts) == 1:
            return NoChartsError(f"no deck written for county {names}: {self.reason}")
        kept = f"; the other {len(self.written)} decks were written" if self.written else ""
        return NoChartsError(f"no deck written for {len(self.without_charts)} counties, {names}: {self.reason}{kept}")


def _no_charts_reason(results: Results, period: str) -> str:
    """Why a county's deck has no chart: an empty store, or no data for the county in the period."""
    years = results.years()
    if not years:
        return (
            "the store holds no computed results (import an extract, or run `python -m pipeline aggregate` "
            "to compute them from the imported ones)"
        )
    return f"no chart has data for it in {period or years[-1]} (years with data: {', '.join(years)})"


def build_county_deck(
    engine: sa.Engine,
    region: str,
    language: str,
    period: str,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    results: Results | None = None,
    role: str = "public",
) -> Deck:
    """The deck for one county (``region`` a code), in ``language``, for ``period`` ("" for the latest).

    Every number goes through the suppression step at ``threshold``; the notes carry the output check report
    for a viewer of ``role`` with the store's latest audit of it on the deck's data set. Pass ``results`` to
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
            lambda: scan_extracts(engine, "visits", results.dataset),  # the deck's data set's visits only
            region=region,
            year=year,
            profession=DEFAULT_PROFESSION,  # the deck's profession, which the slide's subtitle names
            threshold=threshold,
        )
        if year
        else None
    )
    reported = reported_points(reported_figures(), region)
    # The audit of the data set the deck shows: another data set's (the sample's) never stands for it.
    checked = CheckedAs(threshold=threshold, role=role, audit=latest_audit(engine, role, results.dataset))
    return county_deck(
        results,
        region,
        language,
        year,
        threshold=threshold,
        coc_cells=coc_cells,
        reported=reported,
        checked=checked,
    )


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


def write_decks(
    engine: sa.Engine,
    region: str,
    language: str,
    out: Path,
    *,
    period: str = "",
    pictures: bool = False,
    threshold: int = DEFAULT_THRESHOLD,
    role: str = "public",
    pdf: bool = False,
    dataset: str | None = None,
) -> DecksWritten:
    """Write the deck of ``region`` (a county code, or :data:`ALL` for one deck per county into the folder ``out``).

    ``pictures`` draws every chart as a picture instead of an editable chart; ``pdf`` writes the same slides as
    a PDF county profile beside each deck (the same name, ending in .pdf; LibreOffice draws it). ``role``: the
    viewer the output check report in the notes is written for. ``dataset``: the data set whose computed
    figures the decks show (None: the store's default, the real one imported into last, else the sample).

    A county whose deck would have no chart slide gets no file (an existing file at its place is left as it
    was); it is listed in the result's ``without_charts``, and the other counties' decks are still written.
    Returns what was done.
    """
    codes = regions_to_build(region)
    many = region == ALL
    if dataset is not None:
        known = [item.name for item in datasets(engine)]
        if dataset not in known:
            raise InvalidInputError(
                f"--dataset {dataset!r} is not in the store; use one of {', '.join(known) or '(none)'}"
            )
    results = load_results(engine, dataset=dataset)
    written: list[Path] = []
    without_charts: list[str] = []
    for code in codes:
        deck = build_county_deck(engine, code, language, period, threshold=threshold, results=results, role=role)
        if not deck.slides:
            log.warning("%s: no chart has data, no deck written", code)
            without_charts.append(code)
            continue
        if many:
            out.mkdir(parents=True, exist_ok=True)
        if pictures:
            shared_renderer().start_in_background()  # warm up while the deck is put together
        target = output_path(out, code, language=language, period=period, many=many)

        def report(done: int, total: int, what: str, code: str = code) -> None:
            log.info("%s: %d/%d %s", code, done, total, what)

        pptx = build_pptx(deck, progress=report, native_charts=not pictures)
        target.write_bytes(pptx)
        written.append(target)
        if pdf:
            profile = target.with_suffix(".pdf")
            profile.write_bytes(pptx_to_pdf(pptx))
            written.append(profile)
    reason = _no_charts_reason(results, period) if without_charts else ""
    return DecksWritten(written=written, without_charts=without_charts, reason=reason)
