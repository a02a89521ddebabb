"""Every indicator has a definition for its readers in fi, sv and en: what is counted, direction, source and
comparability with THL, with no developer vocabulary."""

from __future__ import annotations

import re

import pytest

from i18n import LANGUAGES
from views.definitions import DEFINED, definition

#: Words that belong to the developers' contract, never to a reader's definition.
DEVELOPER_WORDS = re.compile(r"LazyFrame|DataFrame|polars|Error\b|\.py\b|_id\b|`")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("key", sorted(DEFINED))
def test_every_indicator_has_a_complete_definition(key: str, language: str) -> None:
    explained = definition(key, language, threshold=5)
    for part in (explained.title, explained.what, explained.direction, explained.source, explained.comparability):
        assert part.strip()
    assert not DEVELOPER_WORDS.search(explained.markdown(language))


def test_a_published_indicator_names_its_sotkanet_series_and_is_comparable() -> None:
    explained = definition("thl_coc", "fi", threshold=5)
    assert "Sotkanet, indikaattori 5502" in explained.source
    assert explained.comparability.startswith("Kyllä.")


def test_a_computed_indicator_names_its_data_and_the_threshold_in_force() -> None:
    explained = definition("coc", "en", threshold=7)
    assert "visit records" in explained.source
    assert "fewer than 7" in explained.source
    assert explained.direction == "Higher is better."


def test_a_context_indicator_has_no_good_direction() -> None:
    assert definition("thl_doctor_visits", "sv", threshold=5).direction.startswith("Ingen god riktning")


def test_the_definition_reads_under_four_headings_in_the_language() -> None:
    text = definition("access_7d", "fi", threshold=5).markdown("fi")
    assert [line.split(":**")[0] for line in text.split("\n\n")] == [
        "**Mitä lasketaan",
        "**Hyvä suunta",
        "**Lähde",
        "**Vertailukelpoisuus THL:n lukuihin",
    ]


def test_a_measure_needing_assignments_says_so_and_one_never_compared_says_that() -> None:
    explained = definition("known_provider", "en", threshold=5)
    assert "named-provider list" in explained.source
    assert "not been set against THL" in explained.comparability
