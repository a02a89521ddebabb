"""Small-cell suppression: the one step every displayed or exported number goes through.

A statistic computed from fewer than ``threshold`` people can identify them,
so its row is blanked and marked. The rule (THL's usual practice: counts
under 5 are not published) is applied once, here; charts, tables, downloads,
images and decks all read the marked frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from core import columns as c
from core.errors import InvalidInputError
from core.schema import require_columns
from metrics._frames import Frame, check_int_option, same_kind

DEFAULT_THRESHOLD = 5
#: The column that says which rule hid a cell (:func:`suppressed_by`), and its two values.
SUPPRESSED_BY = "suppressed_by"
PRIMARY = "primary"
SECONDARY = "secondary"


def suppress_small_counts(
    frame: Frame,
    *,
    count_columns: Sequence[str],
    threshold: int = DEFAULT_THRESHOLD,
    value_columns: Sequence[str] = (),
) -> Frame:
    """Blank every row in which a count is below ``threshold``, and mark it.

    A row is suppressed when any of ``count_columns`` is below ``threshold``
    (zero included) or null. In a suppressed row the ``count_columns`` and
    ``value_columns`` (the statistics computed from those counts: shares,
    intervals, medians) become null, and the boolean column ``suppressed`` is
    true; a ``suppressed`` column already present is combined with OR, so
    the step can run again after later processing. ``threshold`` is an
    integer of at least 1. Returns the same kind of frame as the input.
    """
    threshold = check_int_option("threshold", threshold, minimum=1)
    counts: list[str] = list(count_columns)
    if not counts:
        raise InvalidInputError("count_columns is empty: name the counts whose size decides suppression")
    values: list[str] = [name for name in value_columns if name not in counts]
    schema = require_columns(frame, [*counts, *values], table="suppression input")
    for name in counts:
        if not schema[name].is_numeric():
            raise InvalidInputError(f"count column {name!r} has type {schema[name]}, but counts must be numbers")

    small = pl.any_horizontal((pl.col(name) < threshold).fill_null(True) for name in counts)
    if c.SUPPRESSED in schema:
        small = small | pl.col(c.SUPPRESSED).fill_null(True)

    def build(lazy: pl.LazyFrame) -> pl.LazyFrame:
        return lazy.with_columns(small.alias(c.SUPPRESSED)).with_columns(
            pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in [*counts, *values]
        )

    return same_kind(frame, build)


def suppress_complements(
    frame: Frame,
    *,
    by: Sequence[str],
    count_column: str,
    value_columns: Sequence[str] = (),
    exclude: pl.Expr | None = None,
) -> Frame:
    """Secondary suppression: no suppressed cell may be recoverable from its group's total.

    Cells that share the ``by`` values are the parts of a shown (or
    derivable) total, for example a county's health centres in one period, or
    the counties in one period under the national figure. When exactly one
    part of a group is suppressed, the total minus the other parts would give
    it back, so the smallest other part (by ``count_column``) is suppressed
    too, and the step repeats until no group has exactly one suppressed part.
    Rows matching ``exclude`` (the total itself) are left as they are.
    Expects the ``suppressed`` column of :func:`suppress_small_counts`.
    Returns the same kind of frame as the input.
    """
    keys: list[str] = list(by)
    require_columns(frame, [*keys, count_column, c.SUPPRESSED, *value_columns], table="suppression input")

    def build(lazy: pl.LazyFrame) -> pl.LazyFrame:
        data = lazy.collect()
        skip = data.select(exclude if exclude is not None else pl.lit(False)).to_series().fill_null(False)
        parts = data.with_row_index("_row").filter(~skip)
        while True:
            lone = (
                parts.group_by(keys)
                .agg(pl.col(c.SUPPRESSED).sum().alias("_hidden"), pl.len().alias("_parts"))
                .filter((pl.col("_hidden") == 1) & (pl.col("_parts") > 1))
            )
            if lone.is_empty():
                break
            extra = (
                parts.join(lone.select(keys), on=keys, how="semi")
                .filter(~pl.col(c.SUPPRESSED))
                .sort(count_column, "_row", nulls_last=True)
                .group_by(keys, maintain_order=True)
                .first()
                .select("_row")
            )
            parts = parts.with_columns(
                (pl.col(c.SUPPRESSED) | pl.col("_row").is_in(extra["_row"].implode())).alias(c.SUPPRESSED)
            )
        hidden = parts.filter(pl.col(c.SUPPRESSED))["_row"]
        marked = data.with_row_index("_row").with_columns(
            (pl.col(c.SUPPRESSED) | pl.col("_row").is_in(hidden.implode())).alias(c.SUPPRESSED)
        )
        blanked = marked.with_columns(
            pl.when(~pl.col(c.SUPPRESSED)).then(pl.col(name)).alias(name) for name in [count_column, *value_columns]
        )
        return blanked.drop("_row").lazy()

    return same_kind(frame, build)


@dataclass(frozen=True)
class Link:
    """One way the published tables add up: the rows matching ``child`` are parts of the row whose key is the
    child's own key with ``parent`` applied (for example months are parts of their quarter: ``child`` the
    monthly rows, ``parent`` {'grain': 'quarter', 'period': the month's quarter})."""

    child: pl.Expr
    parent: dict[str, pl.Expr]


def suppress_linked(
    frame: pl.DataFrame,
    *,
    keys: Sequence[str],
    components: Sequence[str],
    links: Sequence[Link],
    threshold: int = DEFAULT_THRESHOLD,
    fixed: pl.Expr | None = None,
    unpublished: pl.Expr | None = None,
) -> pl.DataFrame:
    """Primary and secondary suppression of linked tables: returns ``frame`` with the boolean ``suppressed``.

    Each row is one published cell, identified by ``keys``; ``components`` are its additive counts (for an access
    cell the visits within 7 days, in 8 to 14 days and later; for NPS the promoters, passives and detractors), each
    of which a shown cell discloses. A row is hidden first when any component is below ``threshold``, zero included,
    as :func:`suppress_small_counts` does (a null component is one the cell does not publish). Then, for every group
    of parts under a shown parent (every ``link``), the hidden parts together with the unpublished remainder (the
    parent minus all its parts: the 'other' professions) must hold at least ``threshold`` of every component (so no
    hidden count, zero included, is known to lie in a range narrower than the threshold), and a hidden part must
    never be the only hidden one: otherwise the smallest shown part is hidden too, preferring one that brings every
    component to the threshold. A hidden parent must have a hidden part (or a remainder), or it would be the sum of
    its shown parts. The whole repeats over every link until nothing changes. Rows matching ``fixed`` keep the
    ``suppressed`` state they come with (counties already decided when their health centres are added) and are never
    chosen. Every hidden cell is then at least the threshold wide in every linked direction. The column
    ``suppressed_by`` says which rule hid a row (:func:`suppressed_by`); a fixed row keeps its own when it has one.

    Rows matching ``unpublished`` are counts the product never shows but a viewer can derive where their
    neighbours are shown (the other professions: all minus doctors minus nurses). They are hidden when a
    component is 1 to ``threshold`` - 1 (an empty one is no secret) and take part in every group like any cell.
    One hidden as a partner is hidden for real by its own groups: in its profession group it is never the only
    hidden part, so a doctors' or nurses' cell beside it is hidden too.
    """
    threshold = check_int_option("threshold", threshold, minimum=1)
    key_list, parts = list(keys), list(components)
    require_columns(frame, [*key_list, *parts], table="suppression input")
    primary = pl.any_horizontal((pl.col(name) < threshold).fill_null(False) for name in parts)
    given = pl.col(c.SUPPRESSED) if c.SUPPRESSED in frame.columns else pl.lit(None, pl.Boolean)
    given_by = pl.col(SUPPRESSED_BY) if SUPPRESSED_BY in frame.columns else pl.lit(None, pl.String)
    is_fixed = (fixed if fixed is not None else pl.lit(False)).fill_null(False)
    is_unpublished = (unpublished if unpublished is not None else pl.lit(False)).fill_null(False)
    small = pl.any_horizontal(((pl.col(name) >= 1) & (pl.col(name) < threshold)).fill_null(False) for name in parts)
    primary = pl.when(is_unpublished).then(small).otherwise(primary)
    hidden_first = pl.when(is_fixed).then(given.fill_null(True)).otherwise(primary | given.fill_null(False))
    # a fixed row keeps the rule it says hid it; otherwise the primary rule is the one that hid it first
    fixed_primary = given_by.eq(PRIMARY).fill_null(given.fill_null(True) & primary)
    data = (
        frame.sort(key_list)
        .with_row_index("_row")
        .with_columns(
            is_fixed.alias("_fixed"),
            hidden_first.alias("_hidden"),
            pl.when(is_fixed).then(fixed_primary).otherwise(hidden_first).alias("_primary"),
        )
        .with_columns(pl.col(parts).is_null().name.prefix("_null_"))
        .with_columns(pl.col(parts).fill_null(0))
    )
    edges = _edges(data, key_list, links)
    sums = [pl.col(name).sum() for name in parts]
    child_counts = data.select(pl.col("_row").alias("_child"), *parts, pl.sum_horizontal(parts).alias("_size"))
    # a component the parent does not publish (null) sets no bound: its remainder stays null and is not checked
    parent_counts = data.select(
        pl.col("_row").alias("_parent"),
        *(pl.when(~pl.col(f"_null_{name}")).then(pl.col(name)).alias(f"_p_{name}") for name in parts),
    )
    remainder = (
        edges.join(child_counts, on="_child")
        .group_by("_group", "_parent")
        .agg(sums)
        .join(parent_counts, on="_parent")
        .select(
            "_group",
            *((pl.col(f"_p_{name}") - pl.col(name)).clip(lower_bound=0).alias(f"_r_{name}") for name in parts),
        )
        .with_columns(pl.any_horizontal((pl.col(f"_r_{name}") > 0).fill_null(False) for name in parts).alias("_rest"))
    )
    while True:
        state = data.select("_row", "_hidden", "_fixed")
        members = (
            edges.join(
                state.rename({"_row": "_parent", "_hidden": "_parent_hidden", "_fixed": "_parent_fixed"}), on="_parent"
            )
            .join(state.rename({"_row": "_child"}), on="_child")
            .join(child_counts, on="_child")
        )
        groups = (
            members.group_by("_group")
            .agg(
                pl.col("_parent").first(),
                pl.col("_parent_hidden").first(),
                pl.col("_parent_fixed").first(),
                pl.col("_hidden").sum().alias("_n_hidden"),
                *(pl.col(name).filter(pl.col("_hidden")).sum().alias(f"_h_{name}") for name in parts),
            )
            .join(remainder, on="_group")
            .with_columns((pl.col(f"_h_{name}") + pl.col(f"_r_{name}")).alias(f"_t_{name}") for name in parts)
        )
        some_hidden = (pl.col("_n_hidden") > 0) | pl.col("_rest")
        too_small = pl.any_horizontal((pl.col(f"_t_{name}") < threshold).fill_null(False) for name in parts) | (
            (pl.col("_n_hidden") > 0)
            & pl.any_horizontal(
                (pl.col(f"_r_{name}").is_not_null() & (pl.col(f"_h_{name}") < threshold)).fill_null(False)
                for name in parts
            )
        )
        # The remainder is no partner: it is derivable at other grains (the quarter's other professions), so a
        # lone hidden part beside it can be pinned down across months.
        alone = pl.col("_n_hidden") == 1
        # a shown parent: its hidden parts and remainder hold the threshold, and no hidden part is alone;
        # a hidden parent: not all its parts shown (it would be their sum)
        shown_fails = ~pl.col("_parent_hidden") & some_hidden & (too_small | alone)
        hidden_fails = pl.col("_parent_hidden") & ~some_hidden
        failing = groups.filter(shown_fails | hidden_fails)
        if failing.is_empty():
            break
        covers = pl.all_horizontal((pl.col(name) >= threshold - pl.col(f"_t_{name}")).fill_null(True) for name in parts)
        chosen = (
            members.filter(~pl.col("_hidden") & ~pl.col("_fixed"))
            .select("_group", "_child", "_size", *parts)
            .join(failing.select("_group", *(f"_t_{name}" for name in parts)), on="_group")
            .sort(covers.not_(), "_size", "_child")
            .group_by("_group", maintain_order=True)
            .first()
        )
        # A group with no shown part left to hide (only when the parts do not add up): hide its parent.
        stuck = failing.join(chosen, on="_group", how="anti").filter(
            ~pl.col("_parent_hidden") & ~pl.col("_parent_fixed")
        )
        extra = pl.concat(
            [chosen.select(pl.col("_child").alias("_row")), stuck.select(pl.col("_parent").alias("_row"))]
        )
        if extra.is_empty():
            break
        data = data.with_columns((pl.col("_hidden") | pl.col("_row").is_in(extra["_row"].implode())).alias("_hidden"))
    nulls = [f"_null_{name}" for name in parts]
    restored = data.with_columns(pl.when(~pl.col(f"_null_{name}")).then(pl.col(name)).alias(name) for name in parts)
    return restored.with_columns(
        pl.col("_hidden").alias(c.SUPPRESSED), suppressed_by(pl.col("_hidden"), pl.col("_primary"))
    ).drop("_row", "_fixed", "_hidden", "_primary", *nulls)


def suppressed_by(hidden: pl.Expr, primary: pl.Expr) -> pl.Expr:
    """The rule that hid a cell: 'primary' (a count of its own under the threshold), 'secondary' (hidden so
    that no other hidden cell comes back), null when shown. Aliased ``suppressed_by``."""
    return (
        pl.when(hidden)
        .then(pl.when(primary.fill_null(True)).then(pl.lit(PRIMARY)).otherwise(pl.lit(SECONDARY)))
        .otherwise(pl.lit(None, pl.String))
        .alias(SUPPRESSED_BY)
    )


def _edges(data: pl.DataFrame, keys: list[str], links: Sequence[Link]) -> pl.DataFrame:
    """(group, parent row, child row) for every link: a group is one parent's parts under one link."""
    targets = data.select(pl.col("_row").alias("_parent"), *keys)
    frames = []
    for number, link in enumerate(links):
        children = data.filter(link.child).select(
            pl.col("_row").alias("_child"), *(link.parent.get(name, pl.col(name)).alias(name) for name in keys)
        )
        joined = children.join(targets, on=keys, how="inner", nulls_equal=True).select(
            (pl.lit(number, pl.Int64) * (data.height + 1) + pl.col("_parent").cast(pl.Int64)).alias("_group"),
            "_parent",
            "_child",
        )
        frames.append(joined)
    if not frames:
        return pl.DataFrame(schema={"_group": pl.Int64, "_parent": pl.UInt32, "_child": pl.UInt32})
    return pl.concat(frames).filter(pl.col("_parent") != pl.col("_child"))
