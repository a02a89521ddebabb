"""The age group filter on the pages (AppTest, the sample store of the page tests): the sidebar offers it, the
computed access and continuity figures follow it and name the group, the others say it does not apply."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from i18n import t
from tests.pages.conftest import COUNTY_TABS, PROJECT, open_county_tab
from views.ages import age_label


def overview(**params: str) -> AppTest:
    app = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    for name, value in {"lang": "fi", **params}.items():
        app.query_params[name] = value
    return app.run()


def card_value(app: AppTest, key: str) -> str:
    short = t(f"indicator_short.{key}", "fi")
    values = [metric.value for metric in app.metric if metric.label == short]
    assert len(values) == 1, [metric.label for metric in app.metric]
    return str(values[0])


def test_choosing_the_over_75s_changes_the_7_day_card_and_names_the_group() -> None:
    app = overview()
    assert not app.exception, app.exception
    everyone = card_value(app, "access_7d")
    picker = app.selectbox(key="f_age_fi")
    assert picker.value == "all"
    picker.set_value("75+").run()
    assert not app.exception, app.exception
    assert app.query_params["age"] == ["75+"] or app.query_params["age"] == "75+"
    assert card_value(app, "access_7d") != everyone
    named = t("age_group.subtitle", "fi", group=age_label("75+", "fi"))
    assert any(named in caption.value for caption in app.caption)


def test_t3_nps_and_thls_cards_say_the_age_group_does_not_apply() -> None:
    app = overview(age="75+")
    assert not app.exception, app.exception
    group = age_label("75+", "fi")
    captions = [caption.value for caption in app.caption]
    assert any(t("age_group.not_applicable", "fi", group=group) in caption for caption in captions)
    assert any(t("age_group.published", "fi", group=group) in caption for caption in captions)


def test_without_an_age_group_the_overview_is_as_before() -> None:
    app = overview()
    assert "age" not in app.query_params
    captions = " ".join(caption.value for caption in app.caption)
    assert t("age_group.label", "fi") not in captions


@pytest.mark.parametrize("tab", COUNTY_TABS)
def test_every_county_tab_opens_with_an_age_group_chosen(tab: str) -> None:
    app = overview(age="75+", region="07")
    app.switch_page("pages/county.py").run()
    app = open_county_tab(app, tab, "fi")
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]


def test_the_compare_page_opens_with_an_age_group_chosen() -> None:
    app = overview(age="0-17")
    app.switch_page("pages/compare.py").run()
    assert not app.exception, app.exception
    assert not app.error, [error.value for error in app.error]
    assert app.query_params["age"] in ("0-17", ["0-17"])
