"""No identifier column ever leaves, and no text cell can start a spreadsheet formula."""

from __future__ import annotations

import pytest

from core.errors import DashboardError, InvalidInputError
from exports.errors import IdentifierColumnError
from exports.safety import is_identifier_column, neutralise, refuse_identifiers


@pytest.mark.parametrize(
    "name",
    [
        # the canonical identifier columns
        "patient_id",
        "professional_id",
        "visit_id",
        "response_id",
        "book_id",
        # the same under other spellings
        "Patient ID",
        "PATIENT-ID",
        "patientId",
        "professional.id",
        # prefixed and suffixed variants
        "pseudo_patient_id",
        "visit_id_hash",
    ],
)
def test_identifier_like_names_are_recognised(name: str) -> None:
    assert is_identifier_column(name)


@pytest.mark.parametrize(
    "name", ["label", "period", "value", "n", "region_code", "unit_id", "indicator_id", "patients", "visits"]
)
def test_aggregate_columns_are_not_identifiers(name: str) -> None:
    assert not is_identifier_column(name)


def test_refusal_names_the_refused_columns_and_lists_the_rest() -> None:
    with pytest.raises(IdentifierColumnError) as caught:
        refuse_identifiers(["label", "patient_id", "value", "Book ID"], table="CSV export")
    message = str(caught.value)
    assert "'patient_id'" in message
    assert "'Book ID'" in message
    assert "'label', 'value'" in message
    assert caught.value.refused == ("patient_id", "Book ID")


def test_refusal_is_an_invalid_input_in_the_dashboard_family() -> None:
    with pytest.raises(IdentifierColumnError) as caught:
        refuse_identifiers(["visit_id"], table="deck")
    assert isinstance(caught.value, InvalidInputError)
    assert isinstance(caught.value, DashboardError)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        # OWASP's trigger characters get an apostrophe
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+358 40 1234567", "'+358 40 1234567"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\n=1", "'\n=1"),
        # array formulas, also after spaces
        ('{=HYPERLINK("http://x","y")}', '\'{=HYPERLINK("http://x","y")}'),
        ("{ =1+1}", "'{ =1+1}"),
        # a trigger after spaces or invisible controls, which spreadsheets trim
        (" =1+1", "' =1+1"),
        ("\u00a0@SUM(A1)", "'\u00a0@SUM(A1)"),
        ("\u200b=1", "'\u200b=1"),
        ("\x00+1+1", "'\x00+1+1"),
        ("\ufeff-2+3", "'\ufeff-2+3"),
        # full-width signs some spreadsheets read as the ASCII ones
        ("\uff1dSUM(1)", "'\uff1dSUM(1)"),
        ("\uff20SUM(1)", "'\uff20SUM(1)"),
        # plain numbers written as text stay numbers
        ("-1.5", "-1.5"),
        ("+2", "+2"),
        ("-0,25", "-0,25"),
        (" -1.5", " -1.5"),
        # ordinary text is untouched
        ("Pohjois-Savo", "Pohjois-Savo"),
        ("a=b", "a=b"),
        ("{a}", "{a}"),
        ("mailto:a@example.org", "mailto:a@example.org"),  # a link only where a writer converts it (none does)
        ("", ""),
        # already guarded text is left as it is
        ("'=1", "'=1"),
    ],
)
def test_formula_triggers_are_neutralised(cell: str, written: str) -> None:
    assert neutralise(cell) == written
