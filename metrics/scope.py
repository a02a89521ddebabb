"""Which visits a figure covers: the service-type scope of access and continuity.

THL's access statistic (*Hoitoonpääsy perusterveydenhuollossa*) and its
continuity statistic (COCI, Sotkanet 5502) cover curative outpatient care,
Avohilmo service type (palvelumuoto) ``T11`` (avosairaanhoito). An extract
holds other service types too (``T31`` curative occupational health care,
``T71`` mental-health work, maternity and child clinics, ...), whose waits and
continuity are organised differently. The dashboard therefore computes access
and continuity on ``T11`` visits by default (:data:`DEFAULT_SERVICE_TYPES`),
and every stored aggregate records the scope it was computed on
(:func:`scope_label`), so that a figure can be read against THL's.

A visit **without** a service type is kept: the canonical layout makes the
column optional and an Avohilmo extract may lack ``KAYNTI_PALVELUMUOTO``; such
visits cannot be scoped, and dropping them would empty every figure of an
extract that does not record the service type. Their presence is part of the
label (``T11+unrecorded``), so a reader sees that the figure is not purely
T11. The choice and the other THL conventions are recorded in
docs/decisions/0005-thl-conventions.md.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import VISITS
from metrics._frames import Frame

CURATIVE_OUTPATIENT: Final = "T11"
"""Avohilmo palvelumuoto T11, avosairaanhoito: curative outpatient care, the scope of THL's access statistics."""

DEFAULT_SERVICE_TYPES: Final = frozenset({CURATIVE_OUTPATIENT})
"""The service types access and continuity are computed on unless the caller says otherwise."""

ALL_SERVICE_TYPES: Final = "all"
"""The label of a figure computed on every service type (``service_types=None``; also the figures stored before
the scope was recorded, which were computed without any filter)."""

UNRECORDED: Final = "unrecorded"
"""The label part for visits whose extract gives no service type (kept in every scope)."""


def in_service_scope(visits: Frame, *, service_types: Collection[str] | None = DEFAULT_SERVICE_TYPES) -> Frame:
    """The visits whose ``service_type`` is one of ``service_types``, plus those without a service type.

    ``service_types=None`` keeps every visit. Codes are compared exactly (``T11``, as Avohilmo writes them).
    Returns the same kind of frame as the input; rows keep their order.
    """
    types = _check_types(service_types)
    if types is None:
        return visits
    VISITS.check(visits, [c.SERVICE_TYPE])
    service = pl.col(c.SERVICE_TYPE).cast(pl.String)
    return visits.filter(service.is_null() | service.is_in(sorted(types)))


def scope_label(service_types: Collection[str] | None, *, unrecorded: bool = False) -> str:
    """How a stored figure names its scope: ``T11``, ``T11,T31``, ``T11+unrecorded`` or ``all``.

    ``unrecorded`` says whether visits without a service type entered the figure.
    """
    types = _check_types(service_types)
    if types is None:
        return ALL_SERVICE_TYPES
    label = ",".join(sorted(types))
    return f"{label}+{UNRECORDED}" if unrecorded else label


def _check_types(service_types: Collection[str] | None) -> frozenset[str] | None:
    if service_types is None:
        return None
    if isinstance(service_types, str):
        raise InvalidInputError(
            f"service_types must be a collection of codes such as {{'T11'}} or None for all, got the text "
            f"{service_types!r}"
        )
    types = frozenset(service_types)
    bad = sorted(repr(code) for code in types if not isinstance(code, str) or not code.strip() or "," in code)
    if not types or bad:
        raise InvalidInputError(
            "service_types must name at least one service type code (such as 'T11'), or be None for all; "
            f"got {sorted(map(repr, types)) or 'none'}"
        )
    return types
