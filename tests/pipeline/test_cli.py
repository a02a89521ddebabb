"""`python -m pipeline`: each command run as a separate process on a temporary data directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from polars.testing import assert_frame_equal
from pptx import Presentation

from core.settings import PROJECT_ROOT, Settings
from pipeline import cli
from store import tables
from store.engine import create_store_engine
from store.repository import read_table
from tests.data_sources.extract_fixtures import canonical_visits, write_canonical_csv
from tests.data_sources.stub_server import StubServer, fail, running_stub

COMMANDS = ("bootstrap", "import", "refresh", "migrate", "aggregate", "deck")
#: Seconds any one command may take before the test gives up on it.
TIMEOUT = 600


def run(
    data_dir: Path, *arguments: str, module: str = "pipeline", settings: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m <module> <arguments>`` with the store in ``data_dir`` (a small sample) and ``settings``."""
    environment = {
        **{name: value for name, value in os.environ.items() if not name.startswith("DASHBOARD_")},
        "DASHBOARD_DATA_DIR": str(data_dir),
        "DASHBOARD_SAMPLE_SCALE": "0.01",
        **(settings or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def store(data_dir: Path) -> sa.Engine:
    return create_store_engine(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}).database_url)


def aggregates(engine: sa.Engine) -> dict[str, pl.DataFrame]:
    """Every aggregate table, its rows sorted by the columns that are not floats (the cell's key and counts)."""
    frames = {}
    for table in (*tables.RESULT_TABLES, tables.coc_distribution_results):
        frame = read_table(engine, table)
        frames[table.name] = frame.sort([name for name, dtype in frame.schema.items() if not dtype.is_float()])
    return frames


def assert_same_aggregates(left: dict[str, pl.DataFrame], right: dict[str, pl.DataFrame]) -> None:
    """Equal cells; means equal to float precision (polars may add up a mean's terms in another order)."""
    assert left.keys() == right.keys()
    for name, frame in left.items():
        assert_frame_equal(frame, right[name], check_exact=False, rel_tol=1e-12, abs_tol=1e-12)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A store filled by ``bootstrap``, then given one more visits extract by ``import``."""
    folder = tmp_path_factory.mktemp("cli")
    done = run(folder, "bootstrap")
    assert done.returncode == 0, done.stderr
    rows = [{**row, "visit_id": f"cli-{row['visit_id']}"} for row in canonical_visits(5)]  # not in the sample
    extract = write_canonical_csv(folder / "visits.csv", rows)
    done = run(folder, "import", str(extract), "--table", "visits", "--layout", "canonical", "--by", "cli test")
    assert done.returncode == 0, done.stderr
    yield folder
    store(folder).dispose()


def test_bootstrap_fills_an_empty_store(data_dir: Path) -> None:
    engine = store(data_dir)
    assert read_table(engine, tables.regions).height > 20
    assert read_table(engine, tables.indicators).height > 0
    imports = read_table(engine, tables.imports)
    assert set(imports["table_name"]) == {"visits", "appointment_slots", "survey_answers", "assignments"}


def test_import_records_the_file_with_its_counts_and_importer(data_dir: Path) -> None:
    imports = read_table(store(data_dir), tables.imports).filter(imported_by="cli test")
    assert imports.select("file_name", "table_name", "layout", "rows_read", "rows_rejected").rows() == [
        ("visits.csv", "visits", "canonical", 5, 0)
    ]


def test_importing_the_same_file_again_says_so_and_changes_nothing(data_dir: Path) -> None:
    engine = store(data_dir)
    before = read_table(engine, tables.imports).height
    done = run(data_dir, "import", str(data_dir / "visits.csv"))
    assert done.returncode == 0, done.stderr
    assert "already imported" in done.stdout
    assert read_table(engine, tables.imports).height == before


def test_aggregate_recomputes_what_the_imports_computed(data_dir: Path) -> None:
    engine = store(data_dir)
    computed = aggregates(engine)
    with engine.begin() as connection:  # figures in doubt: some lost, one wrong
        connection.execute(tables.access_results.delete().where(tables.access_results.c.region_code == "05"))
        connection.execute(tables.nps_results.delete())
    assert aggregates(engine)["nps_results"].is_empty()
    done = run(data_dir, "aggregate")
    assert done.returncode == 0, done.stderr
    assert computed["nps_results"].height > 0
    assert computed["access_results"].filter(region_code="05").height > 0
    assert_same_aggregates(aggregates(engine), computed)
    assert "access_results:" in done.stdout


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium renders the picture slides")
def test_deck_writes_a_county_deck_with_chart_slides(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "deck.pptx"
    done = run(data_dir, "deck", "--region", "05", "--lang", "en", "--out", str(out), "--dataset", "sample")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    slides = list(Presentation(str(out)).slides)
    charts = [slide for slide in slides if any(shape.has_chart for shape in slide.shapes)]
    assert len(slides) >= 12
    assert len(charts) >= 10  # rankings, trends, the funnel and the distribution are native charts


def test_deck_reads_the_real_data_set_by_default_and_refuses_one_the_store_does_not_hold(
    data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "deck.pptx"
    done = run(data_dir, "deck", "--region", "05", "--lang", "en", "--out", str(out))
    assert done.returncode == 0, done.stderr
    sample = tmp_path / "sample.pptx"
    assert (
        run(data_dir, "deck", "--region", "05", "--lang", "en", "--out", str(sample), "--dataset", "sample").returncode
        == 0
    )
    # the five imported visits are hidden by suppression: the real data set's deck has THL's figures, fewer slides
    assert len(Presentation(str(out)).slides) < len(Presentation(str(sample)).slides)
    done = run(data_dir, "deck", "--region", "05", "--lang", "en", "--out", str(out), "--dataset", "nope")
    assert done.returncode == 1
    assert "error: --dataset 'nope' is not in the store; use one of" in done.stderr


def test_deck_with_pdf_writes_the_same_slides_as_a_pdf_profile(data_dir: Path, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (`make system-deps` installs Debian's libreoffice-impress)")
    out = tmp_path / "deck.pptx"
    done = run(data_dir, "deck", "--region", "05", "--lang", "fi", "--out", str(out), "--pdf", "--dataset", "sample")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(out), str(out.with_suffix(".pdf"))]
    assert out.with_suffix(".pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium renders the picture slides")
def test_deck_on_a_fresh_data_directory_fills_the_store_first_and_writes_chart_slides(tmp_path: Path) -> None:
    folder, out = tmp_path / "fresh", tmp_path / "deck.pptx"
    done = run(folder, "deck", "--region", "05", "--lang", "en", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "loading reference data" in done.stderr  # the bootstrap's progress, on standard error
    assert set(read_table(store(folder), tables.imports)["table_name"]) == {
        "visits",
        "appointment_slots",
        "survey_answers",
        "assignments",
    }
    slides = list(Presentation(str(out)).slides)
    charts = [slide for slide in slides if any(shape.has_chart for shape in slide.shapes)]
    assert len(charts) >= 5


@pytest.fixture(scope="module")
def empty_results_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A bootstrapped store whose aggregates and published series were all deleted: imports and reference data,
    nothing to chart (with THL's series alone a county deck has their slides)."""
    folder = tmp_path_factory.mktemp("no-results")
    done = run(folder, "bootstrap")
    assert done.returncode == 0, done.stderr
    engine = store(folder)
    with engine.begin() as connection:
        for table in (*tables.RESULT_TABLES, tables.coc_distribution_results, tables.indicator_values):
            connection.execute(table.delete())
    yield folder
    engine.dispose()


# A deck without a chart slide is an error naming the counties and why; no file is left behind.
@pytest.mark.parametrize(
    ("module", "region", "message"),
    [
        ("pipeline", "05", "error: no deck written for county 05 ("),
        ("pipeline", "all", "error: no deck written for 22 counties, 01 ("),
        ("exports.deck", "05", "error: no deck written for county 05 ("),  # the old name of the command
    ],
)
def test_a_deck_with_no_chart_is_exit_1_with_the_reason_and_writes_no_file(
    empty_results_dir: Path, tmp_path: Path, module: str, region: str, message: str
) -> None:
    out = tmp_path / ("decks" if region == "all" else "deck.pptx")
    arguments = ("deck",) if module == "pipeline" else ()
    done = run(empty_results_dir, *arguments, "--region", region, "--lang", "fi", "--out", str(out), module=module)
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(message), done.stderr
    assert "the store holds no computed results" in last
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert not out.exists()


@pytest.fixture
def stub() -> Iterator[StubServer]:
    yield from running_stub()


def test_refresh_fetches_the_sources_and_a_failed_series_is_exit_1(stub: StubServer, tmp_path: Path) -> None:
    stub.script("/rest/1.1/indicators/6411", fail(404))
    remote = {
        "DASHBOARD_SOTKANET_URL": stub.sotkanet_url,
        "DASHBOARD_THL_URL": stub.thl_url,
        "DASHBOARD_SOTKANET_INDICATORS": "6411",
    }
    done = run(tmp_path, "refresh", "--years", "2023-2024", settings=remote)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "sotkanet: 0 updated, 0 unchanged, 1 failed",
        "thl_cube: 1 updated, 0 unchanged, 0 failed",
    ]
    assert done.stderr.strip().splitlines()[-1].startswith("error: sotkanet 6411 was not refreshed: "), done.stderr
    done = run(tmp_path, "refresh", "sotkanet", "--years", "2023-2024", settings=remote)
    assert (done.returncode, done.stdout) == (0, "sotkanet: 1 updated, 0 unchanged, 0 failed\n"), done.stderr
    years = {value for request in stub.seen("/rest/1.1/json") for name, value in request.query if name == "years"}
    assert years == {"2023", "2024"}


def test_migrate_reports_the_version_on_a_migrated_store(data_dir: Path) -> None:
    done = run(data_dir, "migrate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("store at schema version ")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    done = run(tmp_path, command, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m pipeline {command}")
    assert not (tmp_path / "dashboard.sqlite").exists()  # help touches no store


def test_the_old_deck_command_still_runs_the_deck_command(tmp_path: Path) -> None:
    done = run(tmp_path, "--help", module="exports.deck")
    assert done.returncode == 0, done.stderr
    assert "--region" in done.stdout
    assert "--lang" in done.stdout


# A failure is one line on standard error, after the log, and exit status 1.
@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["deck", "--region", "99", "--lang", "fi", "--out", "x.pptx"], "error: --region '99' is not a county code"),
        (["import", "missing.csv"], "error: missing.csv: no such file"),
    ],
)
def test_a_failing_command_exits_1_with_a_one_line_message(data_dir: Path, arguments: list[str], message: str) -> None:
    done = run(data_dir, *arguments)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(message), done.stderr
    assert "Traceback" not in done.stderr


# Bad usage is argparse's: exit status 2 and the usage line.
@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["import"],
        ["import", "x.csv", "--layout", "excel"],
        ["refresh", "--years", "2025-2019"],
        ["deck", "--region", "05", "--lang", "de", "--out", "x.pptx"],
    ],
)
def test_bad_usage_exits_2(arguments: list[str], tmp_path: Path) -> None:
    done = run(tmp_path, *arguments)
    assert done.returncode == 2
    assert "usage: python -m pipeline" in done.stderr


# Raised while a command runs (stood in for by the store's engine): one line on standard error, no traceback.
FAILURES = {
    "interrupt": (KeyboardInterrupt(), 130, "interrupted"),
    "full disk": (
        OSError(28, "No space left on device", "decks/05.pptx"),
        1,
        "error: No space left on device (decks/05.pptx)",
    ),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_an_interrupt_or_a_file_error_is_one_line(
    failure: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raised, status, line = FAILURES[failure]

    def engine(_url: str) -> sa.Engine:
        raise raised

    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "create_store_engine", engine)
    assert cli.main(["migrate"]) == status
    assert capsys.readouterr().err == f"{line}\n"


def test_import_takes_a_countys_assignment_list_into_its_data_set(data_dir: Path) -> None:
    rows = [
        {
            "patient_id": "p1",
            "provider_kind": "doctor",
            "provider_id": "d1",
            "region_code": "02",
            "unit_id": "u1",
            "valid_from": "2025-01-01",
            "valid_to": "",
        },
        {
            "patient_id": "p2",
            "provider_kind": "team",
            "provider_id": "t1",
            "region_code": "02",
            "unit_id": "u1",
            "valid_from": "2025-02-01",
            "valid_to": "2025-12-31",
        },
    ]
    extract = write_canonical_csv(data_dir / "list.csv", rows, separator=";", bom=True)

    done = run(data_dir, "import", str(extract), "--table", "assignments", "--dataset", "cli list", "--by", "cli")

    assert done.returncode == 0, done.stderr
    imports = read_table(store(data_dir), tables.imports).filter(table_name="assignments", dataset="cli list")
    assert imports.select("file_name", "rows_read").rows() == [("list.csv", 2)]
    assert imports["rows_rejected"].to_list() == [0]
