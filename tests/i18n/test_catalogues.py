"""Every user-visible string exists in Finnish, Swedish and English."""

from __future__ import annotations

import re

import pytest

from core.errors import InvalidInputError
from core.regions import all_regions
from i18n import LANGUAGES, catalogue, plural_form, region_name, t

PLACEHOLDER = re.compile(r"{(\w+)}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_exists_in_every_language(language: str) -> None:
    reference = set(catalogue("en"))
    keys = set(catalogue(language))
    assert sorted(reference - keys) == [], f"missing in {language}"
    assert sorted(keys - reference) == [], f"only in {language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_are_the_same_in_every_language(language: str) -> None:
    for key, text in catalogue("en").items():
        assert set(PLACEHOLDER.findall(catalogue(language)[key])) == set(PLACEHOLDER.findall(text)), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_string_is_empty(language: str) -> None:
    assert [key for key, text in catalogue(language).items() if not text.strip()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_region_has_a_full_and_a_short_name(language: str) -> None:
    for region in all_regions():
        assert region_name(region.code, language) == region.name(language)
        assert region_name(region.code, language, short=True)


@pytest.mark.parametrize(
    ("code", "language", "short"),
    [
        ("06", "fi", "Satakunta"),  # consonant gradation: Satakunnan -> Satakunta
        ("21", "fi", "Lappi"),
        ("13", "sv", "Norra Savolax"),
        ("90", "en", "Helsinki"),
        ("SSS", "fi", "Koko maa"),
    ],
)
def test_short_region_names(code: str, language: str, short: str) -> None:
    assert region_name(code, language, short=True) == short


def test_placeholders_are_filled() -> None:
    assert t("common.suppressed_note", "en", count=3, threshold=5).startswith("3 cells hidden: fewer than 5")


def test_an_unknown_key_or_language_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="no translation for 'nope'"):
        t("nope", "fi")
    with pytest.raises(InvalidInputError, match="language must be one of fi, sv, en"):
        t("app.title", "de")


@pytest.mark.parametrize(("code", "short"), [("19", "Norra Österbotten"), ("01", "Östra Nyland"), ("06", "Satakunta")])
def test_swedish_short_names_are_nominative(code: str, short: str) -> None:
    assert region_name(code, "sv", short=True) == short


def test_helsinki_keeps_its_swedish_name() -> None:
    assert region_name("90", "sv", short=True) == "Helsingfors"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_difference_in_differences_text_key_is_translated(language: str) -> None:
    from metrics.did import TEXT_KEYS

    assert sorted(TEXT_KEYS - set(catalogue(language))) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_care_guarantee_source_is_cited_in_every_language(language: str) -> None:
    from metrics.care_guarantee import CARE_GUARANTEE_TIMELINE

    for rule in CARE_GUARANTEE_TIMELINE:  # Finnish as the timeline cites it; Swedish and English in their words
        assert (t(f"methods.law.{rule.source}", language) == rule.source) is (language == "fi"), rule.source


@pytest.mark.parametrize(
    ("source", "swedish"),
    [
        ("Terveydenhuoltolaki 1326/2010 51 §", "Hälso- och sjukvårdslag 1326/2010, 51 §"),
        ("HE 74/2022, 51 a §; HE 55/2023", "RP 74/2022, 51 a §; RP 55/2023"),  # regeringens proposition
        ("HE 134/2024", "RP 134/2024"),
    ],
)
def test_swedish_cites_finnish_law_in_swedish(source: str, swedish: str) -> None:
    assert t(f"methods.law.{source}", "sv") == swedish


@pytest.mark.parametrize(
    ("source", "language", "name"),
    [
        ("thl_cube", "fi", "THL, tilastokuutiot"),
        ("thl_cube", "sv", "THL, statistikkuber"),
        ("thl_cube", "en", "THL, statistical cubes"),
        ("sotkanet", "sv", "THL, Sotkanet"),  # a service's name
    ],
)
def test_sources_are_named_in_the_readers_language(source: str, language: str, name: str) -> None:
    assert t(f"data.source_{source}", language) == name


@pytest.mark.parametrize(("language", "word"), [("fi", "esity"), ("sv", "presentation"), ("en", "deck")])
def test_the_deck_is_called_the_same_on_its_button_state_toast_and_page(language: str, word: str) -> None:
    keys = ("deck.add", "deck.added", "deck.added_toast", "deck.title", "nav.deck")
    assert [key for key in keys if word not in t(key, language, count=1).casefold()] == []


def test_the_exports_words_fill_their_placeholders() -> None:
    assert t("export.data_date", "sv", date="2025-06-30") == "Uppgifter per 2025-06-30"


@pytest.mark.parametrize("language", LANGUAGES)
def test_counted_strings_have_both_plural_forms(language: str) -> None:
    strings = catalogue(language)
    counted = [key.removesuffix(".one") for key in strings if key.endswith(".one")]
    for key in counted:
        assert f"{key}.other" in strings, key


@pytest.mark.parametrize(
    ("count", "form"), [(1, "one"), (1.0, "one"), (0, "other"), (2, "other"), (21, "other"), (1.5, "other")]
)
def test_plural_form_follows_cldr_for_finnish_swedish_and_english(count: float, form: str) -> None:
    for language in LANGUAGES:
        assert plural_form(count, language) == form
