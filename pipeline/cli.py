"""The command line: ``python -m pipeline <command>``, the jobs the pages run, without a browser.

Every command reads the settings from the environment (``DASHBOARD_DATA_DIR``,
``DASHBOARD_DATABASE_URL`` and the rest, see the README), logs to standard
error (``--verbose`` for debugging detail) and prints its result to standard
output. A reported problem (any :class:`~core.errors.DashboardError`, or a
file that cannot be written) is one line on standard error and exit status 1;
bad usage is exit status 2; Ctrl-C is exit status 130. The commands call the same functions as the pages:

* ``bootstrap``: fill an empty store (reference data, recorded series, sample data);
* ``import FILE``: import an extract (:func:`pipeline.imports.import_extract`);
* ``refresh [sotkanet|thl]``: fetch the published series (:func:`pipeline.indicators.refresh_all`);
* ``migrate``: bring the store's schema up to date (:func:`store.migrations.migrate`);
* ``aggregate [--engine local|processes|dask]``: recompute the stored aggregates from the extracts
  (:func:`pipeline.recompute.recompute_aggregates`; bucket by bucket:
  :func:`pipeline.engines.recompute_with_engine`);
* ``audit``: the disclosure audit of what every role sees (:func:`pipeline.audit.audit_store`); exit status 1
  when it finds a count shown under the threshold or one a viewer can narrow down to fewer values than it;
* ``deck``: write county decks (:func:`pipeline.decks.write_decks`), and with ``--pdf`` the same slides as
  a PDF county profile, filling an empty store first as ``bootstrap`` does; a county with no chart to show is
  a failure (no file for it, exit status 1).
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from core.errors import DashboardError, InvalidInputError
from core.settings import Settings
from data_sources.extracts import LAYOUTS
from data_sources.extracts.avohilmo import COUNTY_RULES
from i18n import LANGUAGES
from pipeline.audit import audit_store, format_text, record_audits
from pipeline.bootstrap import bootstrap, open_store
from pipeline.decks import ALL, write_decks
from pipeline.engines import ENGINES, recompute_with_engine
from pipeline.imports import TABLES, import_extract
from pipeline.indicators import REFRESH_SOURCES, refresh_all, refresh_years
from pipeline.kept_decisions import keep_linked_decisions
from pipeline.recompute import recompute_aggregates
from store.datasets import DEFAULT_IMPORT_DATASET
from store.engine import create_store_engine
from store.migrations import migrate

PROG = "python -m pipeline"
#: Exit status of a command that failed with a reported problem (bad usage is argparse's 2).
EXIT_FAILED = 1
#: Exit status after Ctrl-C, as a shell reports a process ended by SIGINT.
EXIT_INTERRUPTED = 130

log = logging.getLogger("dashboard.cli")


class RefreshFailedError(DashboardError):
    """A refresh that left some series as they were (the last good data are kept)."""


class AuditFindingsError(DashboardError):
    """The disclosure audit found counts a viewer sees under the threshold or can narrow down."""


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Run the dashboard's jobs without the browser (settings from the environment)."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail to standard error")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(
        name: str, summary: str, run: Callable[[argparse.Namespace, Settings], None]
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        sub.set_defaults(run=run)
        return sub

    command(
        "bootstrap", "Fill an empty store: reference data, recorded Sotkanet and THL series, sample data.", _bootstrap
    )

    imports = command("import", "Import an extract file (CSV or Parquet) into the store.", _import)
    imports.add_argument("file", type=Path, metavar="FILE", help="the extract file")
    imports.add_argument("--table", choices=TABLES, default="visits", help="what the file holds (default: visits)")
    imports.add_argument(
        "--layout", choices=LAYOUTS, default="auto", help="the file's layout (default: auto, told from the header)"
    )
    imports.add_argument(
        "--region", metavar="CODE", help="the county of every visit of a file without a county column (an override)"
    )
    imports.add_argument(
        "--dataset",
        metavar="NAME",
        default=DEFAULT_IMPORT_DATASET,
        help=f"the data set to import into; a new name starts one (default: {DEFAULT_IMPORT_DATASET!r}; "
        "never the sample's)",
    )
    imports.add_argument(
        "--county-from",
        choices=COUNTY_RULES,
        default="auto",
        help="Avohilmo: a visit's county from the provider, the patient's home municipality, or auto (the provider "
        "where the extract names it, else the home municipality; THL's practice; the default)",
    )
    imports.add_argument(
        "--by", metavar="NAME", help="who imports, as recorded in the import history (default: the user name)"
    )

    refresh = command("refresh", "Fetch the published series from Sotkanet and THL's cube.", _refresh)
    refresh.add_argument("source", nargs="?", choices=REFRESH_SOURCES, help="only this source (default: both)")
    refresh.add_argument(
        "--years",
        type=year_span,
        metavar="FIRST-LAST",
        help=f"the years to ask Sotkanet for, e.g. 2019-2025 or 2024 (default: {_default_years()})",
    )

    command("migrate", "Bring the store's schema up to the current version.", _migrate)
    aggregate = command(
        "aggregate",
        "Recompute every stored aggregate from the imported extracts, in one transaction (a failed job writes "
        "nothing). The processes and dask engines file the extracts into buckets and aggregate bucket by bucket, "
        "with the same results as local (see docs/distributed-engine.md).",
        _aggregate,
    )
    aggregate.add_argument(
        "--engine",
        choices=ENGINES,
        default="local",
        help="local: this process (default); processes: a process pool on this machine; dask: a Dask cluster",
    )
    aggregate.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="the Dask scheduler to use (dask engine; default: a local cluster of --workers processes)",
    )
    aggregate.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (processes and a local dask cluster; default: 2 for dask, the cores for processes)",
    )

    audit = command(
        "audit",
        "Audit what every role sees: counts shown under the suppression threshold, and hidden counts a viewer can "
        "narrow down from the linked tables (months, quarters, years; health centres, counties, the country; "
        "professions; wait limits; NPS classes; COC bins). Exit status 1 when there is any finding.",
        _audit,
    )
    audit.add_argument("--format", choices=("text", "json"), default="text", help="output (default: text)")
    audit.add_argument(
        "--dataset",
        metavar="NAME",
        help="the data set to audit (default: the one the pages show first, the real one imported into last, "
        "else the sample)",
    )
    audit.add_argument(
        "--county", metavar="CODE", help="the county whose health centres the county role sees (default: the first)"
    )
    audit.add_argument(
        "--role",
        action="append",
        choices=("public", "county", "analyst"),
        help="audit only this role (repeatable; default: every role)",
    )
    audit.add_argument(
        "--with-measures",
        action="store_true",
        help="also the age groups and the County page's other measures (remote share, heavy users, named providers, "
        "list sizes); slower than the default: the measures' own parts take about a minute for the scale-0.03 "
        "sample's public role, the age groups' access cells add programs several times larger",
    )

    deck = command(
        "deck",
        "Write PowerPoint decks for wellbeing services counties. An empty store is filled first, as bootstrap does. "
        "A county with no chart to show gets no deck and the command exits with status 1, naming it; with "
        f"--region {ALL} the other counties' decks are still written.",
        _deck,
    )
    deck.add_argument("--region", required=True, metavar="CODE", help=f"a county code, or {ALL!r} for one deck each")
    deck.add_argument("--lang", required=True, choices=LANGUAGES, help="language of the deck")
    deck.add_argument("--out", required=True, type=Path, help="the .pptx file (a folder with --region all)")
    deck.add_argument("--period", default="", help="the year, e.g. 2025 (default: the latest with data)")
    deck.add_argument("--pictures", action="store_true", help="every chart as a picture, not an editable chart")
    deck.add_argument(
        "--pdf",
        action="store_true",
        help="also write the same slides as a PDF county profile beside each deck (needs LibreOffice)",
    )
    deck.add_argument(
        "--role",
        choices=("public", "county", "analyst"),
        default="public",
        help="the viewer the output check report in the speaker notes is written for (default: public)",
    )
    deck.add_argument(
        "--dataset",
        metavar="NAME",
        help="the data set whose computed figures the decks show (default: the real one imported into last, "
        "else the sample)",
    )
    return parser


def year_span(text: str) -> range:
    """``2019-2025`` (both included) or ``2024``, as a range of years; argparse reports a bad value."""
    match = re.fullmatch(r"\s*(\d{4})\s*(?:[-–]\s*(\d{4})\s*)?", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year or a span of years such as 2019-2025")
    first, last = int(match[1]), int(match[2] or match[1])
    if last < first:
        raise argparse.ArgumentTypeError(f"{text!r} ends before it starts; write the earlier year first")
    return range(first, last + 1)


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    """Run one command; returns the exit status (argparse exits with 2 itself on bad usage)."""
    arguments = build_parser(prog).parse_args(argv)
    _configure_logging(verbose=arguments.verbose)
    try:
        settings = Settings.from_environment()
        arguments.run(arguments, settings)
    except DashboardError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # a file the command writes: a folder that does not exist, a full disk
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:  # an import cleans up before this propagates (see pipeline.imports)
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


def _bootstrap(_arguments: argparse.Namespace, settings: Settings) -> None:
    engine = bootstrap(settings, progress=_progress, sample_scale=settings.sample_scale)
    print(f"store ready: {engine.url.render_as_string(hide_password=True)}")


def _import(arguments: argparse.Namespace, settings: Settings) -> None:
    engine = open_store(settings)
    outcome = import_extract(
        engine,
        settings.data_dir,
        arguments.file,
        table_name=arguments.table,
        imported_by=arguments.by or f"{getpass.getuser()} (command line)",
        layout=arguments.layout,
        region_code=arguments.region,
        earliest_date=settings.earliest_date,
        slot_horizon_years=settings.slot_horizon_years,
        dataset=arguments.dataset,
        county_from=arguments.county_from,
    )
    if not outcome.already_imported:
        keep_linked_decisions(engine, settings.suppression_threshold, dataset=outcome.dataset or None)
    state = "already imported as" if outcome.already_imported else "imported as"
    print(
        f"{arguments.file.name}: {state} import {outcome.import_id} into {arguments.table} of the data set "
        f"{outcome.dataset or arguments.dataset!r} "
        f"({outcome.rows_read:,} rows read, {outcome.rows_rejected:,} rejected)"
    )


def _refresh(arguments: argparse.Namespace, settings: Settings) -> None:
    engine = open_store(settings)
    sources = (arguments.source,) if arguments.source else REFRESH_SOURCES
    outcomes = refresh_all(engine, settings, years=arguments.years, sources=sources, progress=_progress)
    for outcome in outcomes:
        print(
            f"{outcome.source}: {len(outcome.updated)} updated, {len(outcome.unchanged)} unchanged, "
            f"{len(outcome.failed)} failed"
        )
    failed = {f"{outcome.source} {name}": reason for outcome in outcomes for name, reason in outcome.failed.items()}
    if failed:
        first, reason = next(iter(failed.items()))
        more = f" (and {len(failed) - 1} more, see the log)" if len(failed) > 1 else ""
        for name, text in failed.items():
            log.warning("%s not refreshed: %s", name, text)
        raise RefreshFailedError(f"{first} was not refreshed: {_one_line(reason)}{more}")


def _migrate(_arguments: argparse.Namespace, settings: Settings) -> None:
    engine = create_store_engine(settings.database_url)
    print(f"store at schema version {migrate(engine)}")


def _aggregate(arguments: argparse.Namespace, settings: Settings) -> None:
    engine = open_store(settings)
    if arguments.engine == "local":
        if arguments.scheduler is not None or arguments.workers is not None:
            raise InvalidInputError("--scheduler and --workers are for the processes and dask engines")
        written = recompute_aggregates(engine, progress=_progress)
    else:
        written = recompute_with_engine(
            engine,
            settings.data_dir,
            executor_name=arguments.engine,
            workers=arguments.workers,
            scheduler=arguments.scheduler,
            progress=_progress,
        )
    if not written:
        raise InvalidInputError("nothing to aggregate: the store holds no imported extract (import one first)")
    keep_linked_decisions(engine, settings.suppression_threshold)
    for name, rows in written.items():
        print(f"{name}: {rows:,} rows")


def _audit(arguments: argparse.Namespace, settings: Settings) -> None:
    threshold = settings.suppression_threshold
    engine = open_store(settings)
    reports = audit_store(
        engine,
        threshold=threshold,
        county=arguments.county,
        roles=arguments.role or ("public", "county", "analyst"),
        dataset=arguments.dataset,
        progress=log.info,
        measures=arguments.with_measures,
    )
    record_audits(engine, reports, threshold=threshold)
    if arguments.format == "json":
        print(json.dumps({"threshold": threshold, "roles": [report.as_dict() for report in reports]}, indent=2))
    else:
        print(format_text(reports, threshold=threshold))
    findings = {report.role: len(report.outcome.findings) for report in reports if report.outcome.findings}
    if findings:
        listed = ", ".join(f"{role} {count:,}" for role, count in findings.items())
        raise AuditFindingsError(f"the disclosure audit found counts a viewer can see or narrow down ({listed})")


def _deck(arguments: argparse.Namespace, settings: Settings) -> None:
    engine = bootstrap(settings, progress=_progress, sample_scale=settings.sample_scale)  # a newcomer's first command
    done = write_decks(
        engine,
        arguments.region,
        arguments.lang,
        arguments.out,
        period=arguments.period,
        pictures=arguments.pictures,
        threshold=settings.suppression_threshold,
        role=arguments.role,
        pdf=arguments.pdf,
        dataset=arguments.dataset,
    )
    for path in done.written:
        print(path)
    error = done.error()
    if error is not None:
        raise error


def _progress(fraction: float, message: str) -> None:
    log.info("%3.0f%% %s", fraction * 100, message)


def _default_years() -> str:
    years = refresh_years()
    return f"{years[0]}-{years[-1]}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _configure_logging(*, verbose: bool) -> None:
    """Log to standard error (a no-op where logging is set up already, as in a test run)."""
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not verbose:  # the libraries' own chatter only with --verbose
        for name in ("urllib3", "matplotlib", "PIL", "kaleido", "choreographer", "asyncio"):
            logging.getLogger(name).setLevel(logging.WARNING)
