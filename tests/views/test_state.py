"""The view state in the URL: round trips, forgiving reading, explicit defaults."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from views.indicators import INDICATORS
from views.state import PROFESSIONS, QUERY_KEYS, ViewState, from_query, region_choices, to_query

PERIODS = ["2023", "2024", "2025"]


def test_an_empty_url_gives_the_defaults_with_the_latest_year() -> None:
    state, rejected = from_query({}, periods=PERIODS)
    assert state == ViewState(lang="fi", region="all", period="2025", profession="doctor", indicator="thl_access_7d")
    assert rejected == []


def test_every_key_is_written_so_a_copied_link_is_explicit() -> None:
    assert list(to_query(ViewState(period="2024"))) == list(QUERY_KEYS)


@given(
    lang=st.sampled_from(["fi", "sv", "en"]),
    region=st.sampled_from(region_choices()),
    period=st.sampled_from(PERIODS),
    profession=st.sampled_from(PROFESSIONS),
    indicator=st.sampled_from(list(INDICATORS)),
)
def test_a_state_survives_the_round_trip_through_the_url(
    lang: str, region: str, period: str, profession: str, indicator: str
) -> None:
    state = ViewState(lang=lang, region=region, period=period, profession=profession, indicator=indicator)
    assert from_query(to_query(state), periods=PERIODS) == (state, [])


def test_unknown_values_fall_back_to_defaults_and_are_reported() -> None:
    state, rejected = from_query(
        {"lang": "de", "region": "99", "period": "1999", "profession": "dentist", "indicator": "x"}, periods=PERIODS
    )
    assert state == ViewState(period="2025")
    assert rejected == ["lang", "region", "period", "profession", "indicator"]


def test_valid_values_are_kept_when_others_are_invalid() -> None:
    state, rejected = from_query({"lang": "sv", "region": "13", "period": "bad"}, periods=PERIODS)
    assert (state.lang, state.region, state.period) == ("sv", "13", "2025")
    assert rejected == ["period"]


def test_repeated_parameters_use_the_first_value() -> None:
    state, _ = from_query({"lang": ["en", "fi"]}, periods=PERIODS)
    assert state.lang == "en"


def test_helsinki_and_every_county_are_choices_but_not_aland() -> None:
    choices = region_choices()
    assert {"90", "05"} <= set(choices)
    assert "91" not in choices
    assert len(choices) == 23  # all + 21 counties + Helsinki


def test_the_data_set_travels_in_the_link() -> None:
    state = ViewState(period="2024", dataset="Pohjois-Savo 2025")

    assert from_query(to_query(state), periods=PERIODS) == (state, [])


@pytest.mark.parametrize("name", ["x" * 65, "rivi\nvaihto"])
def test_a_data_set_no_store_can_hold_falls_back_to_the_default(name: str) -> None:
    state, rejected = from_query({"dataset": name}, periods=PERIODS)

    assert (state.dataset, rejected) == ("", ["dataset"])


def test_the_age_group_is_in_the_link_only_when_one_is_chosen() -> None:
    assert "age" not in to_query(ViewState(period="2024"))
    state = ViewState(period="2024", age_group="75+")
    query = to_query(state)
    assert query["age"] == "75+"
    assert "age_group" not in query
    assert from_query(query, periods=PERIODS) == (state, [])


def test_an_unknown_age_group_falls_back_to_all_ages_and_is_reported() -> None:
    state, rejected = from_query({"age": "80+"}, periods=PERIODS)
    assert (state.age_group, rejected) == ("all", ["age"])


def test_only_keeps_the_age_group_when_asked() -> None:
    state = ViewState(region="05", age_group="0-17")
    assert state.only("lang", "age_group") == ViewState(age_group="0-17")
    assert state.only("region").age_group == "all"
