"""Small-cell suppression: the one step every displayed or exported number goes through.

A statistic computed from fewer than ``threshold`` people can identify them,
so its row is blanked and marked. The rule (THL's usual practice: counts
under 5 are not published) is applied once, here; charts, tables, downloads,
images and decks all read the marked frame.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

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
    hidden_total: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Frame:
    """Secondary suppression: no suppressed cell may be recoverable from its group's total.

    Cells that share the ``by`` values are the parts of a shown (or
    derivable) total, for example a county's health centres in one period, or
    the counties in one period under the national figure. When exactly one
    part of a group is suppressed, the total minus the other parts would give
    it back, so the smallest other part (by ``count_column``) is suppressed
    too, and the step repeats until no group has exactly one suppressed part.
    ``hidden_total``: a column of the true counts (kept where a row is hidden); then a part is also added while
    the suppressed parts of a group hold fewer than ``threshold`` together, since the total minus the shown parts
    would bound each of them below it (two hidden counties of 0 and 2 under a shown country are each known to be
    0 to 2). Rows matching ``exclude`` (the total itself) are left as they are.
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
            too_few = pl.col(c.SUPPRESSED).sum() == 1
            if hidden_total is not None:
                held = pl.col(hidden_total).filter(pl.col(c.SUPPRESSED)).sum()
                too_few = too_few | ((pl.col(c.SUPPRESSED).sum() > 0) & (held < threshold))
            lone = (
                parts.group_by(keys)
                .agg(too_few.alias("_lone"), (~pl.col(c.SUPPRESSED)).sum().alias("_shown"))
                .filter(pl.col("_lone") & (pl.col("_shown") > 0))
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
    disclosed: Sequence[str] | None = None,
    check_intervals: bool = False,
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

    ``check_intervals``: then check the result by linear programs (:func:`_narrow_cells`): every hidden count that
    is 1 to ``threshold`` - 1, or a ``disclosed`` component (default: every one) of a published cell, must lie in an
    interval at least the threshold wide for a viewer who combines every link at once, else a partner is hidden
    beside it and the group rules run again. Off by default; on for the counties' and the country's indicator
    cells and the COC bins (docs/decisions/0007, amendments).
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
            is_unpublished.alias("_unpublished"),
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
    data = data.with_columns(pl.sum_horizontal(parts).alias("_size"))
    secret = list(parts if disclosed is None else disclosed)
    # Hiding a cell only widens every other hidden cell's interval, so after the first check only the counts found
    # narrow and the cells hidden since need checking again.
    examine: np.ndarray | None = None
    while True:
        before = data["_hidden"].to_numpy()
        data = _fixed_point(
            data, edges=edges, child_counts=child_counts, remainder=remainder, parts=parts, threshold=threshold
        )
        if examine is not None:
            examine = examine | (data["_hidden"].to_numpy() & ~before)
        if not check_intervals:
            break
        # the group rules bound every group on its own; programs over all of them at once find the rest
        narrow = _narrow_cells(data, edges, parts=parts, threshold=threshold, disclosed=secret, examine=examine)
        extra = _partners(data, edges, narrow, threshold)
        if not extra:
            break
        examine = np.zeros(data.height, dtype=bool)
        examine[[row for row, _ in narrow]] = True
        examine[extra] = True
        data = data.with_columns((pl.col("_hidden") | pl.col("_row").is_in(extra)).alias("_hidden"))
    nulls = [f"_null_{name}" for name in parts]
    restored = data.with_columns(pl.when(~pl.col(f"_null_{name}")).then(pl.col(name)).alias(name) for name in parts)
    return restored.with_columns(
        pl.col("_hidden").alias(c.SUPPRESSED), suppressed_by(pl.col("_hidden"), pl.col("_primary"))
    ).drop("_row", "_fixed", "_hidden", "_primary", "_unpublished", "_size", *nulls)


def _fixed_point(
    data: pl.DataFrame,
    *,
    edges: pl.DataFrame,
    child_counts: pl.DataFrame,
    remainder: pl.DataFrame,
    parts: list[str],
    threshold: int,
) -> pl.DataFrame:
    """The group rules of :func:`suppress_linked`, hiding one more part of every failing group until none fails."""
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
            return data
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
            return data
        data = data.with_columns((pl.col("_hidden") | pl.col("_row").is_in(extra["_row"].implode())).alias("_hidden"))


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


#: Programs with objectives of random signs over every count of a connected part, solved first: each solution is a
#: point no viewer can rule out, and a few of them show most hidden counts wide.
RANDOM_PROGRAMS = 2
#: Rounds of programs that push the counts still not seen wide up and down together (:func:`_push_targets`).
TARGETED_PROGRAMS = 12
#: How many relations away from a hidden count its local program reaches, and the most counts it holds.
LOCAL_DEPTH = 3
LOCAL_SIZE = 150
#: The most counts a connected part may hold for its exact programs to be solved first (cheaper than local ones).
DIRECT_SIZE = 500
#: Slack for the solver's rounding when an exact program says how wide an interval is.
_TOLERANCE = 1e-6


def _narrow_cells(
    data: pl.DataFrame,
    edges: pl.DataFrame,
    *,
    parts: list[str],
    threshold: int,
    disclosed: Sequence[str],
    examine: np.ndarray | None = None,
) -> list[tuple[int, str]]:
    """(row, component) of every hidden count a viewer can narrow below ``threshold`` from the shown ones.

    Every component is its own set of relations (a link's parent is the sum of its parts, component by
    component: an equation where the parts add up to the parent exactly, else at most the parent), over the hidden
    rows as unknowns of at least 0 and the shown rows as constants. A count is *secret* when it is 1 to
    ``threshold`` - 1, or a ``disclosed`` component of a published row: its interval must be at least the
    threshold wide. The true counts are one point of that interval; programs with random objectives give more,
    and a count seen at values the threshold apart is wide. One still narrow gets a local program (counts more
    than a few relations away held at their true values: its solutions are points of the whole), then the same
    counts with only the relations among them (a relaxation: narrow there is narrow in the whole), and only then
    an exact program over its connected part, so every count reported is narrow and every one not reported wide.
    ``examine``: only these rows' counts (None: every row's, with the programs of random objectives first).
    """
    hidden = data["_hidden"].to_numpy()
    if not hidden.any() or edges.is_empty():
        return []
    size = data.height
    unpublished = data["_unpublished"].to_numpy()
    group_ids = edges["_group"].unique(maintain_order=True)
    number = {group: index for index, group in enumerate(group_ids.to_list())}
    rows_of = edges.select(
        pl.col("_group").replace_strict(number, return_dtype=pl.Int64).alias("_g"), "_parent", "_child"
    )
    g = rows_of["_g"].to_numpy()
    parents = rows_of.group_by("_g").agg(pl.col("_parent").first()).sort("_g")
    term_rows = np.concatenate([parents["_g"].to_numpy(), g])
    term_cols = np.concatenate(
        [parents["_parent"].to_numpy().astype(np.int64), rows_of["_child"].to_numpy().astype(np.int64)]
    )
    term_coef = np.concatenate([np.ones(parents.height), -np.ones(g.shape[0])])
    relations = sparse.csr_matrix((term_coef, (term_rows, term_cols)), shape=(len(number), size))
    touches_hidden = np.asarray(abs(relations[:, hidden]).sum(axis=1)).ravel() > 0
    found: list[tuple[int, str]] = []
    rng = np.random.default_rng(0)
    for name in parts:
        truth = data[name].to_numpy().astype(float)
        parent_null = data[f"_null_{name}"].to_numpy()[parents["_parent"].to_numpy()]
        balance = relations @ truth
        exact = touches_hidden & ~parent_null & (balance == 0)
        below = touches_hidden & ~parent_null & (balance > 0)
        small = (truth >= 1) & (truth < threshold)
        secret = hidden & (small | (~unpublished & (name in disclosed)))
        if examine is not None:
            secret &= examine
        if not secret.any():
            continue
        columns = np.flatnonzero(hidden)
        known = np.where(hidden, 0.0, truth)
        program = _Program(
            relations[exact][:, columns].tocsr(),
            -(relations[exact] @ known),
            -relations[below][:, columns].tocsr(),
            relations[below] @ known,
        )
        x_true, wanted = truth[columns], secret[columns]
        # no relation joins two connected parts: each is a program of its own, far smaller than the whole
        every = sparse.vstack([program.equal, program.at_most])
        _, labels = connected_components((abs(every).T @ abs(every)).tocsr(), directed=False)
        order = np.argsort(labels, kind="stable")
        for keep in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
            if not wanted[keep].any():
                continue
            part = program.held(keep, x_true)
            narrow = _narrow_in_part(
                part, wanted[keep], x_true[keep], threshold=threshold, rng=rng, first=examine is None
            )
            found += [(int(columns[keep[target]]), name) for target in narrow]
    return found


def _narrow_in_part(
    program: _Program, secret: np.ndarray, truth: np.ndarray, *, threshold: int, rng: np.random.Generator, first: bool
) -> list[int]:
    """The ``secret`` counts of one connected part narrower than ``threshold``: programs of random objectives
    (``first``: the first check, with no values seen yet), then programs pushing the counts not yet seen wide, then
    the counts left one by one (:func:`_narrow_targets`)."""
    low_seen, high_seen = truth.copy(), truth.copy()
    bounds = np.column_stack([np.zeros(truth.size), truth + 3 * threshold])
    for _ in range(RANDOM_PROGRAMS if first else 0):
        status, point = program.solve(rng.choice([-1.0, 1.0], size=truth.size), bounds)
        if status == 0:
            low_seen, high_seen = np.minimum(low_seen, point), np.maximum(high_seen, point)
    low_seen, high_seen = _push_targets(
        program, secret, bounds, low_seen=low_seen, high_seen=high_seen, threshold=threshold, rng=rng
    )
    targets = secret & (high_seen - low_seen < threshold)
    if not targets.any():
        return []
    return _narrow_targets(program, targets, truth, low_seen=low_seen, high_seen=high_seen, threshold=threshold)


def _push_targets(
    program: _Program,
    secret: np.ndarray,
    bounds: np.ndarray,
    *,
    low_seen: np.ndarray,
    high_seen: np.ndarray,
    threshold: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Widen the values seen by programs that push every secret count not yet seen the threshold apart up, then
    down, at once (random weights break ties): one program shows many counts wide, where a program per count
    would cost one each. Stops when a round shows none more wide."""
    for _ in range(TARGETED_PROGRAMS):
        open_ = secret & (high_seen - low_seen < threshold)
        if not open_.any():
            break
        before = int(open_.sum())
        # the same weights both ways: of two counts that must move against each other, each then reaches both ends
        weights = np.where(open_, rng.uniform(0.5, 1.5, size=open_.size), 0.0)
        for sign in (-1.0, 1.0):
            objective = sign * weights
            status, point = program.solve(objective, bounds)
            if status == 0:
                low_seen, high_seen = np.minimum(low_seen, point), np.maximum(high_seen, point)
        if int((secret & (high_seen - low_seen < threshold)).sum()) == before:
            break
    return low_seen, high_seen


def _narrow_targets(
    program: _Program,
    targets: np.ndarray,
    truth: np.ndarray,
    *,
    low_seen: np.ndarray,
    high_seen: np.ndarray,
    threshold: int,
) -> list[int]:
    """The ``targets`` (a mask over the program's counts) whose interval in ``program`` is narrower than
    ``threshold``; ``low_seen`` and ``high_seen`` (the values seen so far in points of the program) are widened
    by every point found on the way, so a point found for one target can show later ones wide."""
    every = sparse.vstack([program.equal, program.at_most]).tocsc()
    neighbours = (abs(every).T @ abs(every)).tocsr()
    _, labels = connected_components(neighbours, directed=False)

    def widen(keep: np.ndarray, points: list[np.ndarray]) -> None:
        for point in points:
            low_seen[keep] = np.minimum(low_seen[keep], point)
            high_seen[keep] = np.maximum(high_seen[keep], point)

    narrow = []
    for target in map(int, np.flatnonzero(targets)):
        if high_seen[target] - low_seen[target] >= threshold:
            continue  # a point found for an earlier target already shows it wide
        connected = np.flatnonzero(labels == labels[target])
        nearby = connected if connected.size <= DIRECT_SIZE else _nearby(neighbours, target)
        # (1) a local program, the farther counts held at their true values: its points are points of the whole
        widen(nearby, _extremes(program.held(nearby, truth), nearby, target))
        if high_seen[target] - low_seen[target] >= threshold:
            continue
        if nearby.size == connected.size:  # the local program was the exact one
            narrow.append(target)
            continue
        # (2) the same counts with every relation reaching farther dropped: an interval holding the viewer's, so
        # narrow there is narrow for certain
        low, high = _bounds(program.within(nearby), nearby, target)
        if high - low < threshold - _TOLERANCE:
            narrow.append(target)
            continue
        # (3) only now the exact program over the target's whole connected part
        widen(connected, _extremes(program.held(connected, truth), connected, target))
        if high_seen[target] - low_seen[target] < threshold - _TOLERANCE:
            narrow.append(target)
    return narrow


@dataclass(frozen=True)
class _Program:
    """Relations over some hidden counts: ``equal`` @ x == ``equal_to``, ``at_most`` @ x <= ``at_most_of``."""

    equal: sparse.csr_matrix
    equal_to: np.ndarray
    at_most: sparse.csr_matrix
    at_most_of: np.ndarray

    def solve(self, objective: np.ndarray, bounds: np.ndarray) -> tuple[int, np.ndarray]:
        """The status of the program minimising ``objective`` (0 solved, 3 unbounded: SciPy's codes), its solution."""
        result = linprog(
            objective,
            A_eq=self.equal if self.equal.shape[0] else None,
            b_eq=self.equal_to if self.equal.shape[0] else None,
            A_ub=self.at_most if self.at_most.shape[0] else None,
            b_ub=self.at_most_of if self.at_most.shape[0] else None,
            bounds=bounds,
            method="highs",
        )
        return int(result.status), result.x

    def held(self, keep: np.ndarray, truth: np.ndarray) -> _Program:
        """The program over the counts ``keep`` only, every other count held at its true value (so a solution,
        completed with the true values, is a solution of the whole)."""
        return self._restricted(keep, truth)

    def within(self, keep: np.ndarray) -> _Program:
        """The program over the counts ``keep`` with only the relations among them (every relation that reaches
        another count dropped): a relaxation, so a count's interval in it holds its interval in the whole."""
        return self._restricted(keep, None)

    def _restricted(self, keep: np.ndarray, truth: np.ndarray | None) -> _Program:
        """The relations that reach the (sorted) counts ``keep``, over those counts only: the other counts held at
        ``truth``, or (None) every relation reaching another count dropped. Costs what those relations hold, not
        what the whole program does (it runs once per count checked)."""
        position = np.full(self.equal.shape[1], -1)
        position[keep] = np.arange(keep.size)
        pieces = []
        for matrix, by_column, rhs in (
            (self.equal, self._equal_columns, self.equal_to),
            (self.at_most, self._at_most_columns, self.at_most_of),
        ):
            rows = np.unique(by_column[:, keep].indices)
            sub = matrix[rows]
            line = np.repeat(np.arange(rows.size), np.diff(sub.indptr))
            inside = position[sub.indices] >= 0
            kept = sparse.csr_matrix(
                (sub.data[inside], (line[inside], position[sub.indices[inside]])), shape=(rows.size, keep.size)
            )
            outside = ~inside
            if truth is None:
                whole = np.bincount(line[outside], minlength=rows.size) == 0
                pieces.append((kept[whole], rhs[rows][whole]))
            else:
                held = np.bincount(
                    line[outside], weights=sub.data[outside] * truth[sub.indices[outside]], minlength=rows.size
                )
                pieces.append((kept, rhs[rows] - held))
        (equal, equal_to), (at_most, at_most_of) = pieces
        return _Program(equal.tocsr(), equal_to, at_most.tocsr(), at_most_of)

    @cached_property
    def _equal_columns(self) -> sparse.csc_matrix:
        return self.equal.tocsc()

    @cached_property
    def _at_most_columns(self) -> sparse.csc_matrix:
        return self.at_most.tocsc()


def _nearby(neighbours: sparse.csr_matrix, start: int) -> np.ndarray:
    """The hidden counts at most :data:`LOCAL_DEPTH` relations from ``start`` (at most :data:`LOCAL_SIZE`)."""
    reached = {start}
    frontier = [start]
    for _ in range(LOCAL_DEPTH):
        following = []
        for item in frontier:
            for other in neighbours.indices[neighbours.indptr[item] : neighbours.indptr[item + 1]]:
                if int(other) not in reached and len(reached) < LOCAL_SIZE:
                    reached.add(int(other))
                    following.append(int(other))
        frontier = following
    return np.array(sorted(reached))


def _extremes(program: _Program, keep: np.ndarray, target: int) -> list[np.ndarray]:
    """Solutions of ``program`` (over the counts ``keep``) at the smallest and the largest value of count ``target``:
    points no viewer can rule out. An unbounded largest value gives a point far above every other."""
    position = int(np.searchsorted(keep, target))
    bounds = np.column_stack([np.zeros(keep.size), np.full(keep.size, np.inf)])
    objective = np.zeros(keep.size)
    objective[position] = 1.0
    points = []
    for sign in (1.0, -1.0):
        status, point = program.solve(sign * objective, bounds)
        if status == 0:
            points.append(point)
        elif status == 3:  # unbounded: the count can be as large as any threshold asks
            unbounded = np.zeros(keep.size)
            unbounded[position] = math.inf
            points.append(unbounded)
    return points


def _bounds(program: _Program, keep: np.ndarray, target: int) -> tuple[float, float]:
    """The smallest and largest value of count ``target`` in ``program`` (infinite when unbounded); an infeasible
    program (which the relaxations never are) gives an infinitely wide interval."""
    points = _extremes(program, keep, target)
    position = int(np.searchsorted(keep, target))
    if len(points) < 2:  # both ends or nothing
        return -math.inf, math.inf
    low, high = points[0][position], points[1][position]
    return float(low), float(high)


def _partners(data: pl.DataFrame, edges: pl.DataFrame, narrow: list[tuple[int, str]], threshold: int) -> list[int]:
    """For each narrow hidden count, one shown row to hide near it: a member of a group the count's row is in (a
    fellow part, a part of it, or the total), not fixed, preferring one holding the threshold of that component,
    then the smallest. Where every such member is hidden or fixed already, the search goes on through the hidden
    ones' groups, nearest first: a shown cell farther away is what still pins the count down."""
    hidden = data["_hidden"].to_numpy()
    fixed = data["_fixed"].to_numpy()
    sizes = data["_size"].to_numpy()
    groups = edges.select("_group", "_parent", "_child")
    group_of = pl.concat(
        [
            groups.select("_group", pl.col("_child").alias("_row")),
            groups.select("_group", pl.col("_parent").alias("_row")),
        ]
    ).unique()
    chosen: set[int] = set()
    for row, name in narrow:
        values = data[name].to_numpy()
        reached, frontier = {row}, [row]
        while frontier:
            mine = group_of.filter(pl.col("_row").is_in(frontier))["_group"].unique()
            members = group_of.filter(pl.col("_group").is_in(mine.implode()))["_row"].unique().to_list()
            fresh = [int(item) for item in members if int(item) not in reached]
            reached.update(fresh)
            candidates = [item for item in fresh if not hidden[item] and not fixed[item] and item not in chosen]
            if candidates:
                chosen.add(min(candidates, key=lambda item: (values[item] < threshold, sizes[item], item)))
                break
            frontier = [item for item in fresh if hidden[item] or item in chosen]
    return sorted(chosen)
