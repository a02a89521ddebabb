"""Views cached by the fields they read: built from ``state.only(...)``, they equal the view of the whole state."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline.bootstrap import bootstrap
from store.results import Results, load_results
from views import compare, county
from views.common import ChartView
from views.state import ViewState

THRESHOLD = 5
LANGUAGES = ("fi", "en")
REGIONS = ("all", "05", "13")
PERIODS = ("2024", "2025")
PROFESSIONS = ("all", "nurse")
INDICATORS = ("access_7d", "coc")


@pytest.fixture(scope="module")
def results(data_dir: Path) -> Results:
    return load_results(bootstrap(Settings.from_environment({"DASHBOARD_DATA_DIR": str(data_dir)}), sample_scale=0.03))


def same(left: ChartView | None, right: ChartView | None) -> bool:
    if left is None or right is None:
        return left is right
    return (
        left.figure.to_json() == right.figure.to_json()
        and left.data.equals(right.data)
        and (left.text, left.key, left.region, left.period) == (right.text, right.key, right.region, right.period)
    )


CASES: list[tuple[str, Callable[[Results, ViewState], ChartView | None], tuple[str, ...]]] = [
    ("compare.trends", lambda results, state: compare.trends(results, state, threshold=THRESHOLD), compare.TRENDS_READ),
    *(
        (
            f"county.trend {key}",
            lambda results, state, key=key: county.trend(results, state, key, threshold=THRESHOLD),
            county.PUBLISHED_READ,
        )
        for key in county.PUBLISHED_TRENDS
    ),
]


@pytest.mark.parametrize(("name", "build", "read"), CASES, ids=[case[0] for case in CASES])
def test_a_view_depends_on_the_fields_it_declares_only(
    results: Results, name: str, build: Callable[[Results, ViewState], ChartView | None], read: tuple[str, ...]
) -> None:
    states = [
        ViewState(lang=lang, region=region, period=period, profession=profession, indicator=indicator)
        for lang, region, period, profession, indicator in itertools.product(
            LANGUAGES, REGIONS, PERIODS, PROFESSIONS, INDICATORS
        )
    ]
    built = {state.only(*read): build(results, state.only(*read)) for state in states}
    assert any(view is not None for view in built.values()), name
    for state in states:
        assert same(build(results, state), built[state.only(*read)]), (name, state)


def test_only_keeps_the_named_fields_and_resets_the_others() -> None:
    state = ViewState(lang="sv", region="05", period="2024", profession="nurse", indicator="coc")
    assert state.only("lang", "region") == ViewState(lang="sv", region="05")
    with pytest.raises(ValueError, match="no field"):
        state.only("county")
