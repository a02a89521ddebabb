"""Named providers: coverage of the continuity model, list sizes and the known-provider share.

Source: the care-continuity model (STM 2022:17, "Omalääkäri 2.0") as the seeds
describe it: a named doctor for about 200-300 patients (001:569-579), a named
nurse, and a team for everyone; coverage reported as the share of the
population with a named doctor or team (Varsinais-Suomi's omatiimi 69 %,
000:104; Pohjois-Pohjanmaa about 72 %, 001:263). The known-provider share
follows the St Leonard's index (SLICC: visits with the patient's named doctor
/ all the patient's doctor visits; Sidaway-Lee et al., BJGP 2019). It differs
from COC when the most-seen provider is not the named one.

Assignments come in the canonical table of :mod:`core.assignments`; an
assignment is in force from ``valid_from`` through ``valid_to`` (calendar
days, inclusive; a null ``valid_to`` is still in force).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import polars as pl

from core import columns as c
from core.assignments import ASSIGNMENTS, PROVIDER_ID, PROVIDER_KIND, PROVIDER_KINDS, VALID_FROM, VALID_TO
from core.errors import InvalidInputError
from core.schema import VISITS, require_columns
from metrics._frames import Frame, aggregate, group_columns, local_date, same_kind
from metrics.stats import Z95, wilson_exprs

LIST_SIZE_GUIDE: Final = (200, 300)
"""Patients per named doctor in the model: about 200-300 (001:569-579)."""
PERSONAL_KINDS: Final = ("doctor", "nurse")
"""Named providers who are one professional (a visit's ``professional_id`` can be theirs)."""

_VISIT_COLUMNS = (c.PATIENT_ID, c.PROFESSIONAL_ID, c.PROFESSION, c.VISIT_AT)
_ASSIGNMENT_COLUMNS = (c.PATIENT_ID, PROVIDER_KIND, PROVIDER_ID, VALID_FROM, VALID_TO)
KNOWN_PROVIDER_OUTPUT: Final = (
    "n_visits",
    "n_covered",
    "n_named",
    "share",
    "ci_low",
    "ci_high",
    "coverage",
    "n_patients",
    "n_patients_assigned",
    "patient_coverage",
    "patient_ci_low",
    "patient_ci_high",
    "n_other_profession",
    "n_not_assigned",
    "n_missing_provider",
)


def _in_force(day: pl.Expr, valid_from: pl.Expr, valid_to: pl.Expr) -> pl.Expr:
    return (valid_from <= day) & (valid_to.is_null() | (valid_to >= day))


def _assignment_days(assignments: pl.LazyFrame, schema: pl.Schema) -> pl.LazyFrame:
    return assignments.with_columns(
        local_date(VALID_FROM, schema[VALID_FROM]).alias(VALID_FROM),
        local_date(VALID_TO, schema[VALID_TO]).alias(VALID_TO),
    )


def list_sizes(
    assignments: Frame,
    *,
    at: dt.date,
    kind: str = "doctor",
    by: Sequence[str] = (),
    guide: tuple[int, int] = LIST_SIZE_GUIDE,
) -> Frame:
    """Named providers' list sizes on day ``at``, per ``by`` group of the assignments (a county, a unit).

    A provider's list is the distinct patients with an assignment of ``kind`` to them in force on ``at``.
    Output: ``n_assigned`` (distinct patients with such an assignment), ``n_providers``, ``median_list_size``
    (Float64; null without providers), and the providers whose list is ``n_below_guide`` (under
    ``guide[0]``), ``n_within_guide`` (``guide[0]``..``guide[1]`` inclusive) and ``n_above_guide``; plus
    ``at`` (Date), ``guide_low`` and ``guide_high``. A patient with several providers of the kind counts on
    each list and once in ``n_assigned``. One row per group with an assignment in force (one when ``by``
    is empty), the same kind of frame as the input; no identifier leaves.
    """
    if kind not in PROVIDER_KINDS:
        raise InvalidInputError(f"kind must be one of {', '.join(PROVIDER_KINDS)}, got {kind!r}")
    low, high = guide
    if isinstance(low, bool) or isinstance(high, bool) or not (0 <= low <= high):
        raise InvalidInputError(f"guide must be two whole numbers 0 <= low <= high, got {guide!r}")
    if isinstance(at, dt.datetime) or not isinstance(at, dt.date):
        raise InvalidInputError(f"at must be a date, got {at!r}")
    keys: list[str] = group_columns(by)
    if set(keys) & {c.PATIENT_ID, PROVIDER_ID}:
        raise InvalidInputError("'by' may not name a patient or a provider: list sizes are per group")
    schema = ASSIGNMENTS.check(assignments, _ASSIGNMENT_COLUMNS)
    require_columns(assignments, keys, table=ASSIGNMENTS.name)

    def build(frame: pl.LazyFrame) -> pl.LazyFrame:
        day = pl.lit(at, dtype=pl.Date)
        current = (
            _assignment_days(frame.select(*keys, *_ASSIGNMENT_COLUMNS), schema)
            .filter((pl.col(PROVIDER_KIND) == kind) & _in_force(day, pl.col(VALID_FROM), pl.col(VALID_TO)))
            .select(*keys, c.PATIENT_ID, PROVIDER_ID)
            .unique()
        )
        per_provider = current.group_by([*keys, PROVIDER_ID]).agg(pl.len().alias("_size"))
        sizes = pl.col("_size")
        stats = aggregate(
            per_provider,
            keys,
            [
                pl.len().cast(pl.Int64).alias("n_providers"),
                sizes.median().cast(pl.Float64).alias("median_list_size"),
                (sizes < low).sum().cast(pl.Int64).alias("n_below_guide"),
                ((sizes >= low) & (sizes <= high)).sum().cast(pl.Int64).alias("n_within_guide"),
                (sizes > high).sum().cast(pl.Int64).alias("n_above_guide"),
            ],
        )
        patients = aggregate(current, keys, [pl.col(c.PATIENT_ID).n_unique().cast(pl.Int64).alias("n_assigned")])
        if keys:
            joined = patients.join(stats, on=keys, how="left").sort(keys, nulls_last=True)
        else:
            joined = pl.concat([patients, stats], how="horizontal")
        return joined.select(
            *keys,
            "n_assigned",
            pl.col("n_providers").fill_null(0),
            "median_list_size",
            *(pl.col(name).fill_null(0) for name in ("n_below_guide", "n_within_guide", "n_above_guide")),
            pl.lit(at, dtype=pl.Date).alias("at"),
            pl.lit(low, dtype=pl.Int64).alias("guide_low"),
            pl.lit(high, dtype=pl.Int64).alias("guide_high"),
        )

    return same_kind(assignments, build)


def known_provider_share(visits: Frame, assignments: pl.DataFrame | pl.LazyFrame, *, by: Sequence[str] = ()) -> Frame:
    """Share of visits with the patient's named provider, and the patients seen who have one, per ``by`` group.

    Each visit lands in exactly one class, in this order: a profession with no named provider of its kind
    (``other``: ``n_other_profession``); the patient has no assignment of the visit's profession in force on
    the visit day (``n_not_assigned``); the visit's professional is unknown (``n_missing_provider``); the
    professional is a named provider of that kind (``n_named``); else not. ``n_covered`` = named + not named,
    ``share`` = n_named / n_covered with a Wilson 95 % interval, ``coverage`` = n_covered / ``n_visits``.
    Patients: ``n_patients`` seen in the group, ``n_patients_assigned`` those with an assignment of any kind
    (doctor, nurse or team) in force on at least one of their visit days there, ``patient_coverage`` their
    share with a Wilson interval. Overlapping assignments of one kind all count as named. Shares are null
    when their denominator is 0. One row per ``by`` group (one when ``by`` is empty), the same kind of
    frame as ``visits``; no identifier leaves. It is :func:`known_provider_partials` followed by
    :func:`known_provider_from_partials`.
    """
    keys = _checked_keys(visits, assignments, by)
    return same_kind(visits, lambda frame: _finish_known(_known_counts(frame, assignments, keys), keys))


KNOWN_PROVIDER_COUNTS: Final = (
    "n_visits",
    "n_other_profession",
    "n_not_assigned",
    "n_missing_provider",
    "n_covered",
    "n_named",
    "n_patients",
    "n_patients_assigned",
)
"""The counts of :func:`known_provider_partials`."""


def known_provider_partials(
    visits: Frame, assignments: pl.DataFrame | pl.LazyFrame, *, by: Sequence[str] = ()
) -> Frame:
    """Mergeable partial aggregates of :func:`known_provider_share`: its counts per ``by`` group.

    Columns: the ``by`` values and :data:`KNOWN_PROVIDER_COUNTS`. The visit counts add over any split of the
    visits; ``n_patients`` and ``n_patients_assigned`` count distinct patients, so partials add up with
    :func:`merge_known_provider_partials` only when no patient of a group is in two parts (buckets of patients
    within a period that ``by`` names). Returns the same kind of frame as ``visits``.
    """
    keys = _checked_keys(visits, assignments, by)
    return same_kind(visits, lambda frame: _known_counts(frame, assignments, keys))


def merge_known_provider_partials(partials: Sequence[pl.DataFrame], *, by: Sequence[str] = ()) -> pl.DataFrame:
    """Add partials (see :func:`known_provider_partials`) of parts sharing no patient, per their ``by`` keys."""
    keys: list[str] = group_columns(by)
    frame = pl.concat(list(partials), how="vertical_relaxed").lazy()
    counts = [pl.col(name).sum().cast(pl.Int64) for name in KNOWN_PROVIDER_COUNTS]
    return aggregate(frame, keys, counts).select(*keys, *KNOWN_PROVIDER_COUNTS).collect()


def known_provider_from_partials(partials: Frame, *, by: Sequence[str] = ()) -> Frame:
    """:func:`known_provider_share`'s output from (merged) partials keyed by ``by``: one row per partial row."""
    keys: list[str] = group_columns(by)
    return same_kind(partials, lambda frame: _finish_known(frame, keys))


def _checked_keys(visits: Frame, assignments: pl.DataFrame | pl.LazyFrame, by: Sequence[str]) -> list[str]:
    keys: list[str] = group_columns(by)
    if set(keys) & {c.PATIENT_ID, c.PROFESSIONAL_ID}:
        raise InvalidInputError("'by' may not name a patient or a professional: the shares are per group")
    VISITS.check(visits, _VISIT_COLUMNS)
    require_columns(visits, keys, table=VISITS.name)
    ASSIGNMENTS.check(assignments, _ASSIGNMENT_COLUMNS)
    return keys


def _known_counts(frame: pl.LazyFrame, assignments: pl.DataFrame | pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    """Each visit classified against the assignments in force on its day, counted per ``keys`` group."""
    visit_schema = frame.collect_schema()
    assignment_schema = assignments.collect_schema()
    named = assignments.lazy()
    # Ids and codes as text on both sides of the joins (a caller may hold them as categoricals).
    as_text = [c.PATIENT_ID, c.PROFESSIONAL_ID, c.PROFESSION]
    rows = frame.select(
        *(key for key in keys if key not in as_text),
        *(pl.col(name).cast(pl.String) for name in as_text),
        local_date(c.VISIT_AT, visit_schema[c.VISIT_AT]).alias("_day"),
    ).with_row_index("_row")
    periods = _assignment_days(named.select(*_ASSIGNMENT_COLUMNS), assignment_schema).with_columns(
        pl.col(c.PATIENT_ID, PROVIDER_KIND, PROVIDER_ID).cast(pl.String)
    )
    in_force = _in_force(pl.col("_day"), pl.col(VALID_FROM), pl.col(VALID_TO))
    same_kind_named = (
        rows.select("_row", c.PATIENT_ID, c.PROFESSION, c.PROFESSIONAL_ID, "_day")
        .join(periods, left_on=[c.PATIENT_ID, c.PROFESSION], right_on=[c.PATIENT_ID, PROVIDER_KIND], how="inner")
        .filter(in_force)
        .group_by("_row")
        .agg((pl.col(c.PROFESSIONAL_ID) == pl.col(PROVIDER_ID)).fill_null(value=False).any().alias("_named"))
    )
    any_kind = (
        rows.select("_row", c.PATIENT_ID, "_day")
        .join(periods, on=c.PATIENT_ID, how="inner")
        .filter(in_force)
        .select("_row")
        .unique()
        .with_columns(pl.lit(value=True).alias("_assigned"))
    )
    classified = rows.join(same_kind_named, on="_row", how="left").join(any_kind, on="_row", how="left")
    personal = pl.col(c.PROFESSION).is_in(PERSONAL_KINDS)
    covered = pl.col("_named").is_not_null()
    known = pl.col(c.PROFESSIONAL_ID).is_not_null()

    def count(condition: pl.Expr) -> pl.Expr:
        return condition.fill_null(value=False).sum().cast(pl.Int64)

    aggregations = [
        pl.len().cast(pl.Int64).alias("n_visits"),
        count(personal.not_()).alias("n_other_profession"),
        count(personal & covered.not_()).alias("n_not_assigned"),
        count(personal & covered & known.not_()).alias("n_missing_provider"),
        count(personal & covered & known).alias("n_covered"),
        count(personal & covered & known & pl.col("_named")).alias("n_named"),
        pl.col(c.PATIENT_ID).n_unique().cast(pl.Int64).alias("n_patients"),
        pl.col(c.PATIENT_ID)
        .filter(pl.col("_assigned").fill_null(value=False))
        .n_unique()
        .cast(pl.Int64)
        .alias("n_patients_assigned"),
    ]
    return aggregate(classified, keys, aggregations).select(*keys, *KNOWN_PROVIDER_COUNTS)


def _finish_known(counts: pl.LazyFrame, keys: list[str]) -> pl.LazyFrame:
    low, high = wilson_exprs(pl.col("n_named"), pl.col("n_covered"), z=Z95)
    patient_low, patient_high = wilson_exprs(pl.col("n_patients_assigned"), pl.col("n_patients"), z=Z95)
    return counts.with_columns(
        share=pl.when(pl.col("n_covered") > 0).then(pl.col("n_named") / pl.col("n_covered")),
        ci_low=low,
        ci_high=high,
        coverage=pl.when(pl.col("n_visits") > 0).then(pl.col("n_covered") / pl.col("n_visits")),
        patient_coverage=pl.when(pl.col("n_patients") > 0).then(pl.col("n_patients_assigned") / pl.col("n_patients")),
        patient_ci_low=patient_low,
        patient_ci_high=patient_high,
    ).select(*keys, *KNOWN_PROVIDER_OUTPUT)
