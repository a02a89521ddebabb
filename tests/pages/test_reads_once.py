"""What the pages read or build once: the measure tables beside the results (the age tables are not read twice),
the data set's row count without its frame, and no audit read while the deck page is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from core.settings import Settings
from exports.dataset import dataset_cells, dataset_rows
from i18n import t
from pipeline.bootstrap import bootstrap
from store.measure_tables import AGE_TABLES, read_measures, with_age_tables
from store.results import load_results
from tests.pages.conftest import PROJECT, open_county_tab


@pytest.fixture(scope="module")
def engine(data_dir: Path) -> sa.Engine:
    return bootstrap(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}), sample_scale=0.03)


def test_the_measure_tables_with_the_results_age_tables_are_those_read_whole(engine: sa.Engine) -> None:
    results = load_results(engine)
    whole = read_measures(engine, results.dataset)
    without_ages = read_measures(engine, results.dataset, AGE_TABLES)
    assert set(AGE_TABLES).isdisjoint(without_ages)
    assert all(whole[name].height for name in AGE_TABLES)  # the sample carries ages

    combined = with_age_tables(without_ages, access_age=results.access_age, continuity_age=results.continuity_age)

    assert list(combined) == list(whole)
    for name, frame in whole.items():
        assert combined[name].equals(frame), name


@pytest.mark.parametrize("unit_regions", [frozenset(), frozenset({"05"}), None], ids=["public", "county", "analyst"])
def test_the_data_sets_rows_are_counted_without_building_it(engine: sa.Engine, unit_regions: frozenset[str]) -> None:
    results = load_results(engine, unit_regions=unit_regions)
    assert dataset_rows(results, threshold=5) == dataset_cells(results, threshold=5, language="fi").height


def test_the_deck_page_reads_no_audit_while_it_is_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check report's audit is read when the deck file is made, not on every rerun of the page."""
    from store import audits
    from ui import render

    def not_now(*_args: Any, **_options: Any) -> None:
        raise AssertionError("the audit was read while the page was drawn")

    for module in (audits, render):  # wherever a page would read it from
        monkeypatch.setattr(module, "latest_audit", not_now)
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "en"
    app.run().run()
    app.switch_page("pages/compare.py").run()
    next(button for button in app.button if button.label == t("deck.add", "en")).click().run()
    app.switch_page("pages/deck.py").run()
    app.text_input[1].set_value("Access by county").run()  # a rerun of the deck page

    assert not app.exception, app.exception
    assert t("deck.download", "en") in [str(element.proto.label) for element in app.get("download_button")]


@pytest.mark.parametrize(
    "view", ["remote_trend", "age_group_view", "heavy_user_view", "named_provider_view", "list_size_table"]
)
def test_the_measures_tabs_views_are_built_once_for_reruns_of_the_same_state(
    monkeypatch: pytest.MonkeyPatch, view: str
) -> None:
    from views import measures

    built: list[str] = []
    original = getattr(measures, view)

    def counted(*arguments: Any, **options: Any) -> Any:
        built.append(view)
        return original(*arguments, **options)

    monkeypatch.setattr(measures, view, counted)
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "fi"
    app.query_params["region"] = "07"
    app.run()
    app = open_county_tab(app.switch_page("pages/county.py").run(), "county.tab_measures", "fi")
    first = len(built)
    app.run()  # the same state again

    assert not app.exception, app.exception
    assert first > 0
    assert len(built) == first


def test_the_overviews_measure_cards_are_built_once_for_reruns_of_the_same_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from views import measures

    built: list[str] = []
    original = measures.measure_headlines

    def counted(*arguments: Any, **options: Any) -> Any:
        built.append("cards")
        return original(*arguments, **options)

    monkeypatch.setattr(measures, "measure_headlines", counted)
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    app.query_params["lang"] = "fi"
    app.run().run()

    assert not app.exception, app.exception
    assert built == ["cards"]
