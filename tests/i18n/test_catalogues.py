"""Every user-visible string exists in Finnish, Swedish and English."""

from __future__ import annotations

import re

import pytest

from core.errors import InvalidInputError
from core.regions import all_regions
from i18n import LANGUAGES, catalogue, plural_form, region_name, t, tn

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
    assert t("export.data_date", "en", date="2025-06-30") == "Data as of 2025-06-30"


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
    keys = ("deck.add", "deck.added", "deck.title", "nav.deck")
    texts = [t(key, language) for key in keys] + [tn("deck.added_count", n, language) for n in (1, 2)]
    assert [text for text in texts if word not in text.casefold()] == []


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


def _counted_keys(language: str) -> list[str]:
    return sorted({key.removesuffix(".one") for key in catalogue(language) if key.endswith(".one")})


def _dummy_values(key: str, language: str) -> dict[str, object]:
    texts = (catalogue(language)[f"{key}.one"], catalogue(language)[f"{key}.other"])
    return {name: f"<{name}>" for text in texts for name in PLACEHOLDER.findall(text) if name != "n"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_counted_string_renders_for_one_and_for_two(language: str) -> None:
    counted = _counted_keys(language)
    assert "common.suppressed_note" in counted
    for key in counted:
        values = _dummy_values(key, language)
        one, two = tn(key, 1, language, **values), tn(key, 2, language, **values)
        assert one != two, key  # the two forms differ in at least the number
        assert "{" not in one + two, key
        assert "2" in two, key  # the "other" form writes its count


@pytest.mark.parametrize(
    ("key", "language", "one", "two"),
    [
        ("common.suppressed_note", "fi", "1 solu piilotettu", "2 solua piilotettu"),
        ("common.suppressed_note", "sv", "1 cell dold", "2 celler dolda"),
        ("common.suppressed_note", "en", "1 cell hidden", "2 cells hidden"),
        ("deck.added_count", "sv", "(1 bild)", "(2 bilder)"),
        ("data.rows_accepted", "fi", "1 rivi hyväksytty", "2 riviä hyväksytty"),
        ("data.rows_rejected", "sv", "1 avvisad", "2 avvisade"),
        ("dataset.rows", "en", "1 row", "2 rows"),
    ],
)
def test_counted_strings_agree_with_their_number(key: str, language: str, one: str, two: str) -> None:
    values = _dummy_values(key, language)
    assert one in tn(key, 1, language, **values)
    assert two in tn(key, 2, language, **values)


#: Placeholders that carry a count of things; written before a word, they need the one/other forms.
COUNT_PLACEHOLDERS = ("n", "count", "rows", "cells", "slides", "kept", "rejected", "treated", "controls", "periods")
#: Plain keys allowed to write a count before a noun, with the reason the count is never 1.
NEVER_ONE = {
    "evaluation.few_counties": "shown only for two or more participating counties (evaluation.one_county for one)",
    "evaluation.p_line": "a permutation test has at least two assignments",
    "did.warning.few_control_counties": "'fewer than N' with N the fixed minimum of comparison counties",
}
COUNT_BEFORE_WORD = re.compile(r"{(" + "|".join(COUNT_PLACEHOLDERS) + r")}\)? (\w+)")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_plain_string_writes_a_count_next_to_a_noun(language: str) -> None:
    offenders = [
        key
        for key, text in catalogue(language).items()
        if not key.endswith((".one", ".other")) and key not in NEVER_ONE and COUNT_BEFORE_WORD.search(text)
    ]
    assert offenders == []


def test_the_count_check_finds_a_plain_counted_string() -> None:
    assert COUNT_BEFORE_WORD.search("{count} cells hidden")
    assert COUNT_BEFORE_WORD.search("Tillagt ({count} bilder).")
    assert not COUNT_BEFORE_WORD.search("Cells shown with fewer than {threshold} observations: {n}")
