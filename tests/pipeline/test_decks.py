"""The county-deck job and its command: arguments, county codes, file names and reported errors."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.errors import InvalidInputError
from core.regions import dashboard_regions
from core.settings import Settings
from i18n import t
from pipeline.bootstrap import bootstrap
from pipeline.cli import EXIT_FAILED, build_parser, main
from pipeline.decks import DecksWritten, build_county_deck, output_path, regions_to_build
from pipeline.imports import import_extract
from store.audits import AuditRecord, save_audit
from store.datasets import SAMPLE_DATASET
from store.results import load_results, store_version
from tests.data_sources.extract_fixtures import avohilmo_rows, write_avohilmo


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(["deck", *argv])


def test_arguments_are_read() -> None:
    arguments = parse_arguments(["--region", "17", "--lang", "sv", "--out", "x.pptx", "--period", "2025"])
    assert (arguments.region, arguments.lang, arguments.out, arguments.period) == ("17", "sv", Path("x.pptx"), "2025")
    assert not arguments.pictures


def test_an_unknown_language_is_refused_by_the_parser() -> None:
    with pytest.raises(SystemExit):
        parse_arguments(["--region", "17", "--lang", "de", "--out", "x.pptx"])


def test_all_stands_for_every_dashboard_area() -> None:
    assert regions_to_build("all") == [region.code for region in dashboard_regions()]
    assert len(regions_to_build("all")) == 22


def test_an_unknown_county_code_lists_the_allowed_ones() -> None:
    with pytest.raises(InvalidInputError, match="'99' is not a county code; use one of 01, 02"):
        regions_to_build("99")


def test_one_deck_is_written_where_asked_and_many_are_named_by_county_period_and_language() -> None:
    assert output_path(Path("a.pptx"), "17", language="fi", period="2025", many=False) == Path("a.pptx")
    assert output_path(Path("decks"), "13", language="fi", period="2025", many=True) == Path(
        "decks/deck_pohjois-savo_2025_fi.pptx"
    )


def test_a_reported_problem_is_one_line_and_exit_status_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deck", "--region", "99", "--lang", "fi", "--out", "x.pptx"]) == EXIT_FAILED
    assert capsys.readouterr().err.startswith("error: --region '99' is not a county code")


def test_every_deck_written_is_no_error() -> None:
    assert DecksWritten(written=[Path("a.pptx")]).error() is None


def test_counties_without_charts_are_named_with_the_reason_and_the_decks_still_written() -> None:
    done = DecksWritten(
        written=[Path("decks/a.pptx"), Path("decks/b.pptx")], without_charts=["05", "13"], reason="no data in 2025"
    )
    error = done.error()
    assert error is not None
    assert str(error) == (
        "no deck written for 2 counties, 05 (Southwest Finland), 13 (North Savo): no data in 2025; "
        "the other 2 decks were written"
    )


@pytest.fixture(scope="module")
def sample_and_own(tmp_path_factory: pytest.TempPathFactory) -> sa.Engine:
    """A store holding the sample and a real data set 'Oma' of three patients with one visit each in county 04."""
    folder = tmp_path_factory.mktemp("decks")
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(folder / "data")})
    engine = bootstrap(settings, sample_scale=0.03)
    extract = write_avohilmo(folder / "own.csv", avohilmo_rows(3))
    import_extract(
        engine, settings.data_dir, extract, table_name="visits", imported_by="tester", region_code="04", dataset="Oma"
    )
    return engine


def test_a_real_data_sets_deck_never_draws_the_samples_coc_distribution(sample_and_own: sa.Engine) -> None:
    """A data set too small to keep a COC distribution falls back to computing one from its own visits, never
    from the sample's visits in the same store (they once came back under the real data set's name)."""
    engine = sample_and_own
    sample_deck = build_county_deck(engine, "04", "fi", "", results=load_results(engine, dataset=SAMPLE_DATASET))
    own_deck = build_county_deck(engine, "04", "fi", "", results=load_results(engine, dataset="Oma"))

    title = t("county.coc_distribution_title", "fi")
    assert any(slide.title.startswith(title) for slide in sample_deck.slides)  # the sample has one to draw
    assert not any(slide.title.startswith(title) for slide in own_deck.slides)  # no eligible patient of its own


def test_a_real_data_sets_deck_does_not_carry_the_samples_audit(sample_and_own: sa.Engine) -> None:
    """Only the sample was audited (no findings): its deck says so, the real data set's deck says not audited."""
    engine = sample_and_own
    save_audit(
        engine,
        AuditRecord(
            role="public",
            dataset=SAMPLE_DATASET,
            scope="",
            threshold=5,
            cells_seen=100,
            cells_hidden=10,
            findings=0,
            store_version=store_version(engine),
            seconds=1.0,
            ran_at=dt.datetime(2026, 12, 7, 9, 5),
        ),
    )

    def check_lines(dataset: str) -> tuple[str, ...]:
        deck = build_county_deck(engine, "04", "en", "", results=load_results(engine, dataset=dataset))
        return next(slide.check for slide in deck.slides if slide.check)

    assert t("check.outcome_pass", "en") in check_lines(SAMPLE_DATASET)
    own = check_lines("Oma")
    assert t("check.not_audited", "en", role=t("auth.role_public", "en")) in own
    assert t("check.outcome_pass", "en") not in own
