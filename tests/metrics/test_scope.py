"""The service-type scope: which visits access and continuity count, and how a stored figure names it."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from core import columns as c
from core.errors import InvalidInputError, MissingColumnsError
from metrics.scope import ALL_SERVICE_TYPES, DEFAULT_SERVICE_TYPES, in_service_scope, scope_label
from tests.metrics.frames import visit, visits

SERVICES = ["T11", "T31", None, "T71", "T11"]


def frame() -> pl.DataFrame:
    return visits(*(visit(service_type=service) for service in SERVICES))


def test_the_default_scope_is_curative_outpatient_care() -> None:
    assert frozenset({"T11"}) == DEFAULT_SERVICE_TYPES


@pytest.mark.parametrize(
    ("service_types", "kept"),
    [
        # T11 visits and the one without a service type (it cannot be scoped), in their order.
        (DEFAULT_SERVICE_TYPES, ["v01", "v03", "v05"]),
        ({"T11", "T71"}, ["v01", "v03", "v04", "v05"]),
        # None: every visit.
        (None, ["v01", "v02", "v03", "v04", "v05"]),
        # A code no visit has keeps only the visits without a service type.
        ({"T99"}, ["v03"]),
    ],
)
def test_the_scope_keeps_its_service_types_and_the_visits_without_one(
    service_types: set[str] | None, kept: list[str]
) -> None:
    assert in_service_scope(frame(), service_types=service_types)[c.VISIT_ID].to_list() == kept


def test_a_lazy_frame_gives_the_same_visits_lazily() -> None:
    lazy = in_service_scope(frame().lazy())
    assert isinstance(lazy, pl.LazyFrame)
    assert_frame_equal(lazy.collect(), in_service_scope(frame()))


def test_a_categorical_service_type_is_scoped_as_text() -> None:
    categorical = frame().with_columns(pl.col(c.SERVICE_TYPE).cast(pl.Categorical))
    assert in_service_scope(categorical)[c.VISIT_ID].to_list() == ["v01", "v03", "v05"]


def test_visits_without_the_service_type_column_are_refused_with_the_columns_named() -> None:
    with pytest.raises(MissingColumnsError, match="service_type"):
        in_service_scope(frame().drop(c.SERVICE_TYPE))


@pytest.mark.parametrize(
    ("service_types", "unrecorded", "label"),
    [
        ({"T11"}, False, "T11"),
        ({"T11"}, True, "T11+unrecorded"),
        ({"T31", "T11"}, False, "T11,T31"),
        (None, False, ALL_SERVICE_TYPES),
        (None, True, ALL_SERVICE_TYPES),
    ],
)
def test_the_label_names_the_codes_sorted_and_whether_unrecorded_visits_entered(
    service_types: set[str] | None, unrecorded: bool, label: str
) -> None:
    assert scope_label(service_types, unrecorded=unrecorded) == label


@pytest.mark.parametrize("service_types", ["T11", set(), {""}, {"T11,T31"}, {11}])
def test_a_scope_without_usable_codes_is_refused(service_types: Any) -> None:
    with pytest.raises(InvalidInputError, match="service_types"):
        in_service_scope(frame(), service_types=service_types)
    with pytest.raises(InvalidInputError, match="service_types"):
        scope_label(service_types)
