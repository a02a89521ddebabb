"""The full fuzz run: thousands of generated files through every extract reader and the import, with counted outcomes.

Usage::

    python -m bench.fuzz [--reader-examples 600] [--import-examples 600] [--backends sqlite,postgres]
                         [--batch 50] [--minutes 25] [--out tests/artifacts/fuzz]

Inputs come from the strategies of :mod:`tests.data_sources.fuzz_files`
(the same the quick tests in the suite draw from) and are judged by the
same functions: every reader of :data:`~tests.data_sources.fuzz_files.READERS`
gets ``--reader-examples`` CSV files (and the three readers that take
Parquet as many Parquet files); the import
(:func:`pipeline.imports.import_upload`) gets ``--import-examples`` uploads
per layout on each store backend, SQLite and PostgreSQL, and ``--name-examples`` valid
files under any file name
(``DASHBOARD_TEST_DATABASE_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``, in a schema of its own
dropped afterwards). After every import the store's rows and the data folder
are compared with the state before it: a failed import that changed either
is a partial write.

Targets take turns in batches of ``--batch`` inputs (each batch a fresh
Hypothesis seed and, for imports, a fresh store), so a run cut short by
``--minutes`` still covers every target; the table says how many inputs ran.
An input that crashes does not stop the run: every one is counted, and its
bytes and traceback are kept in ``--out`` to reproduce it. The summary table
is printed and written to ``OUT/summary.json``; the exit status is 1 when
any input crashed, wrote partially or gave an inconsistent result.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import os
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from store.engine import create_store_engine
from store.migrations import migrate
from tests.data_sources.fuzz_files import (
    ACCEPTED,
    ALREADY_IMPORTED,
    CRASH,
    INCONSISTENT,
    PARQUET_READERS,
    PARTIAL_WRITE,
    READERS,
    REPORT,
    REPORT_WITH_REJECTIONS,
    TYPED_ERROR,
    UPLOADS,
    ImportTarget,
    Outcome,
    csv_files,
    parquet_frames,
    read_outcome,
    valid_visits,
)

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "tests" / "artifacts" / "fuzz"
POSTGRES_URL = os.environ.get("DASHBOARD_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T = TypeVar("T")
KINDS = (REPORT, REPORT_WITH_REJECTIONS, TYPED_ERROR, ALREADY_IMPORTED, CRASH, PARTIAL_WRITE, INCONSISTENT)
#: Examples of each failing kind kept on disk per target.
KEEP_EXAMPLES = 5


@dataclass
class Target:
    """One thing fuzzed: a name, the path it belongs to, and how to run a batch of inputs."""

    name: str
    path: str  # "reader" or "import"
    wanted: int
    run_batch: Callable[[int, int, Callable[[bytes, Outcome], None]], None]
    ran: int = 0
    distinct: set[str] = field(default_factory=set)
    kinds: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def _batch(strategy: st.SearchStrategy[T], examples: int, number: int, handle: Callable[[T], None]) -> None:
    """Draw ``examples`` inputs from ``strategy`` with the seed ``number`` and hand each to ``handle``."""

    @seed(number)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(value=strategy)
    def run(value: T) -> None:
        handle(value)

    run()


def _parquet_bytes(layout: str) -> st.SearchStrategy[bytes]:
    def to_bytes(frame: object) -> bytes:
        with tempfile.TemporaryDirectory(prefix="fuzz-") as folder:
            path = Path(folder) / "frame.parquet"
            frame.write_parquet(path)  # type: ignore[attr-defined]
            return path.read_bytes()

    return parquet_frames(layout).map(to_bytes)


def _reader_batches(
    name: str, suffix: str, strategy: st.SearchStrategy[bytes]
) -> Callable[[int, int, Callable[[bytes, Outcome], None]], None]:
    def run_batch(size: int, number: int, report: Callable[[bytes, Outcome], None]) -> None:
        _batch(strategy, size, number, lambda data: report(data, read_outcome(name, data, suffix)))

    return run_batch


def reader_targets(examples: int) -> list[Target]:
    targets = []
    for name, (layout, _table, _read) in READERS.items():
        kinds = [("CSV", ".csv", csv_files(layout))]
        if name in PARQUET_READERS:
            kinds.append(("Parquet", ".parquet", _parquet_bytes(layout)))
        for label, suffix, strategy in kinds:
            targets.append(
                Target(f"{name} <- {layout} {label}", "reader", examples, _reader_batches(name, suffix, strategy))
            )
    return targets


@contextlib.contextmanager
def fresh_store(backend: str, folder: Path) -> Iterator[sa.Engine]:
    """A migrated, empty store: a SQLite file in ``folder``, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        engine = create_store_engine(f"sqlite:///{folder / 'store.sqlite'}")
        migrate(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"fuzz_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'create schema "{schema}"'))
    engine = create_store_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


def import_targets(examples: int, backends: list[str]) -> list[Target]:
    targets = []
    for backend in backends:
        for layout in UPLOADS:

            def run_batch(
                size: int,
                number: int,
                report: Callable[[bytes, Outcome], None],
                backend: str = backend,
                layout: str = layout,
            ) -> None:
                with (
                    tempfile.TemporaryDirectory(prefix="fuzz-store-") as folder,
                    fresh_store(backend, Path(folder)) as engine,
                ):
                    target = ImportTarget(engine, Path(folder) / "data", layout)
                    _batch(csv_files(layout, mild=True), size, number, lambda data: report(data, target.outcome(data)))

            targets.append(Target(f"import_upload <- {layout} CSV ({backend})", "import", examples, run_batch))
    return targets


def name_targets(examples: int, backends: list[str]) -> list[Target]:
    """A valid visits file under any name (every Unicode character, control characters and lone surrogates too)."""
    names = st.tuples(st.text(st.characters(exclude_categories=()), max_size=40), st.integers(1, 10**9))
    targets = []
    for backend in backends:

        def run_batch(size: int, number: int, report: Callable[[bytes, Outcome], None], backend: str = backend) -> None:
            with (
                tempfile.TemporaryDirectory(prefix="fuzz-store-") as folder,
                fresh_store(backend, Path(folder)) as engine,
            ):
                target = ImportTarget(engine, Path(folder) / "data", "canonical visits")

                def handle(drawn: tuple[str, int]) -> None:
                    name, visit = drawn
                    key = name.encode("utf-8", "surrogatepass") + b"\0" + str(visit).encode()
                    report(key, target.outcome(valid_visits(f"v{visit}"), file_name=name))

                _batch(names, size, number, handle)

        targets.append(Target(f"import_upload <- any file name ({backend})", "import", examples, run_batch))
    return targets


def _keep(out: Path, target: Target, data: bytes, outcome: Outcome) -> None:
    """Keep a failing input and its traceback, a few per target and kind."""
    if target.problems[outcome.kind] > KEEP_EXAMPLES:
        return
    stem = hashlib.sha256(data).hexdigest()[:12]
    slug = "".join(ch if ch.isalnum() else "-" for ch in target.name).strip("-")[:60]
    folder = out / outcome.kind.replace(" ", "-") / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.input").write_bytes(data)
    (folder / f"{stem}.txt").write_text(str(outcome), encoding="utf-8")


def run(targets: list[Target], *, batch: int, minutes: float, out: Path) -> float:
    """Run the targets in turns of ``batch`` inputs until each has its inputs or the time is up."""
    started = time.monotonic()
    deadline = started + minutes * 60
    round_number = 0
    while any(t.ran < t.wanted for t in targets) and time.monotonic() < deadline:
        for index, target in enumerate(targets):
            size = min(batch, target.wanted - target.ran)
            if size <= 0 or time.monotonic() >= deadline:
                continue

            def report(data: bytes, outcome: Outcome, target: Target = target) -> None:
                target.ran += 1
                target.distinct.add(hashlib.sha256(data).hexdigest())
                target.kinds[outcome.kind] += 1
                if outcome.kind == TYPED_ERROR:
                    target.errors[outcome.detail] += 1
                elif outcome.kind not in ACCEPTED:
                    target.problems[outcome.kind] += 1
                    target.errors[f"{outcome.kind}: {outcome.detail}"] += 1
                    _keep(out, target, data, outcome)

            begun = time.monotonic()
            target.run_batch(size, 1_000 * round_number + index, report)
            target.seconds += time.monotonic() - begun
        round_number += 1
        done = sum(t.ran for t in targets)
        print(f"  {done:,} inputs after {(time.monotonic() - started) / 60:.1f} min", file=sys.stderr, flush=True)
    return time.monotonic() - started


def summary(targets: list[Target], seconds: float) -> dict[str, object]:
    rows = [
        {
            "target": t.name,
            "path": t.path,
            "inputs": t.ran,
            "distinct inputs": len(t.distinct),
            **{kind: t.kinds[kind] for kind in KINDS},
            "seconds": round(t.seconds, 1),
            "by class": dict(t.errors.most_common()),
        }
        for t in targets
    ]
    totals = {kind: sum(t.kinds[kind] for t in targets) for kind in KINDS}
    by_class: Counter[str] = Counter()
    for t in targets:
        by_class.update(t.errors)
    return {
        "inputs": sum(t.ran for t in targets),
        "inputs wanted": sum(t.wanted for t in targets),
        "reader inputs": sum(t.ran for t in targets if t.path == "reader"),
        "import inputs": sum(t.ran for t in targets if t.path == "import"),
        "minutes": round(seconds / 60, 1),
        "totals": totals,
        "by class": dict(by_class.most_common()),
        "targets": rows,
    }


def print_table(result: dict[str, object]) -> None:
    short = {
        REPORT: "clean",
        REPORT_WITH_REJECTIONS: "rejects",
        TYPED_ERROR: "typed",
        ALREADY_IMPORTED: "again",
        CRASH: "crash",
        PARTIAL_WRITE: "partial",
        INCONSISTENT: "incons.",
    }
    rows = result["targets"]
    assert isinstance(rows, list)
    width = max(len(str(row["target"])) for row in rows)
    header = f"{'target':<{width}} {'inputs':>7} {'distinct':>8} " + " ".join(f"{short[k]:>7}" for k in KINDS)
    print(header)
    print("-" * len(header))
    for row in rows:
        cells = " ".join(f"{row[k]:>7,}" for k in KINDS)
        print(f"{row['target']:<{width}} {row['inputs']:>7,} {row['distinct inputs']:>8,} {cells}")
    totals = result["totals"]
    assert isinstance(totals, dict)
    print("-" * len(header))
    cells = " ".join(f"{totals[k]:>7,}" for k in KINDS)
    distinct = sum(int(row["distinct inputs"]) for row in rows)
    print(f"{'total':<{width}} {result['inputs']:>7,} {distinct:>8,} {cells}")
    print(
        f"\nclean: a validation report with every row kept; rejects: a report with rejected rows; typed: a typed "
        f"error;\nagain: the same upload imported before; crash, partial (write), incons(istent): must be 0.\n"
        f"{result['inputs']:,} inputs ({result['reader inputs']:,} through readers, {result['import inputs']:,} "
        f"through the import) in {result['minutes']} min; {result['inputs wanted']:,} were asked for.\n"
    )
    print("Typed errors and problems by class:")
    by_class = result["by class"]
    assert isinstance(by_class, dict)
    for name, count in by_class.items():
        print(f"  {count:>7,}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--reader-examples", type=int, default=600, help="inputs per reader and file type")
    parser.add_argument("--import-examples", type=int, default=600, help="uploads per layout and store backend")
    parser.add_argument("--name-examples", type=int, default=300, help="upload file names per store backend")
    parser.add_argument("--backends", default="sqlite,postgres", help="store backends for the import")
    parser.add_argument("--batch", type=int, default=50, help="inputs per turn (and per fresh import store)")
    parser.add_argument("--minutes", type=float, default=25.0, help="stop starting new batches after this")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="summary.json and failing inputs go here")
    args = parser.parse_args(argv)
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(sorted(unknown))}")

    if "postgres" in backends:
        try:
            with contextlib.closing(sa.create_engine(POSTGRES_URL).connect()) as connection:
                connection.execute(sa.text("select 1"))
        except sa.exc.SQLAlchemyError as exc:
            parser.error(
                f"PostgreSQL at {POSTGRES_URL} is not reachable ({type(exc).__name__}); or run with --backends sqlite"
            )
    logging.getLogger("dashboard").setLevel(logging.CRITICAL)  # thousands of expected import failures
    warnings.simplefilter("ignore")
    args.out.mkdir(parents=True, exist_ok=True)
    targets = [
        *reader_targets(args.reader_examples),
        *import_targets(args.import_examples, backends),
        *name_targets(args.name_examples, backends),
    ]
    targets = [target for target in targets if target.wanted > 0]
    seconds = run(targets, batch=args.batch, minutes=args.minutes, out=args.out)
    result = summary(targets, seconds)
    (args.out / "summary.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print_table(result)
    totals = result["totals"]
    assert isinstance(totals, dict)
    bad = totals[CRASH] + totals[PARTIAL_WRITE] + totals[INCONSISTENT]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
