"""What an attacker can deduce about unseen counts from seen ones and linear relations: the audit's engine.

The counts are numbered 0..n-1; the relations are a sparse matrix ``A`` with
``A @ counts == 0`` on the true counts. A viewer knows the shown counts; every
other count is a variable of at least 0. :func:`deduce_intervals` finds, for
every *target* (the counts whose secrecy matters), an interval the attacker
cannot narrow below ``threshold`` (then it is reported as the range of values
seen in feasible points: part of the true interval), or its exact smallest and
largest value (linear programs, SciPy's HiGHS) when it may be narrower.

Speed, in order: (1) relations with one unknown give it exactly, repeated until
none is left; (2) the rest fall apart into connected components, each solved
on its own; (3) a few programs over the whole component with objectives of random signs give points far apart in many
counts at once; (4) a target not yet shown wide by them is shown wide by a *local* program: every count more
than a few relations away is held at its true value (a point the attacker
cannot rule out), so any solution of the small program is a solution of the
whole one; each solution also widens the range seen of every count in it;
(5) programs over the whole component pulling only the targets still not shown wide, each up or down at random,
while each shows at least a tenth of them wide; (6) a target still not shown wide is shown narrow, if it is, by the
small program of (4) with the farther counts free instead of fixed (fewer relations: an interval holding the
attacker's); (7) only the targets left get exact programs over their whole component. A narrow interval reported
is the attacker's or holds it. A program over more than :data:`WHOLE_SIZE` counts is solved by the interior-point
method: when every health centre is seen (the analyst), the largest components hold some 150,000 counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

_TOLERANCE = 1e-6
#: How many relations away from a target a local program reaches, and the most counts it holds.
LOCAL_DEPTH = 3
LOCAL_SIZE = 120
#: Programs over a whole component with objectives of random signs, solved first: each solution shows many
#: counts wide at once.
RANDOM_OBJECTIVES = 12
#: The fewest targets left undecided by the small programs worth programs over the whole component pulling them
#: all at once (fewer get their own exact programs).
PULLED_AT_LEAST = 4
#: A program over more counts is solved by the interior-point method: about 40 s for one of the 150,000 counts of
#: the largest components when every health centre is seen, against over 8 minutes by the dual simplex.
WHOLE_SIZE = 20_000


@dataclass
class Deduction:
    """Per count: the interval found (``low``, ``high``; inf when unbounded) and whether it is exact."""

    low: np.ndarray
    high: np.ndarray
    components: int = 0
    linear_programs: int = 0


def deduce_intervals(
    matrix: sparse.csr_matrix,
    truth: np.ndarray,
    shown: np.ndarray,
    targets: np.ndarray,
    *,
    threshold: int,
) -> Deduction:
    """Intervals of the ``targets`` (a boolean mask) given the ``shown`` counts (a boolean mask; their values are
    ``truth``) and the relations ``matrix @ truth == 0`` (every row must hold on ``truth``).

    A target's reported interval is exact when it is narrower than ``threshold``; otherwise it is a part of the
    true interval at least ``threshold`` wide. Counts that are neither shown nor targets get [0, inf).
    """
    size = truth.shape[0]
    low = np.zeros(size)
    high = np.full(size, math.inf)
    low[shown] = truth[shown]
    high[shown] = truth[shown]
    known = shown.copy()
    values = np.where(shown, truth, 0.0).astype(float)
    matrix = matrix.tocsr()
    known, values = _propagate(matrix, known, values)
    low[known] = values[known]
    high[known] = values[known]
    outcome = Deduction(low, high)

    unknown = ~known
    columns = np.flatnonzero(unknown)
    if columns.size == 0:
        return outcome
    reduced = matrix[:, columns]
    rhs = -(matrix[:, known] @ values[known])
    rows = np.flatnonzero(np.diff(reduced.tocsr().indptr) > 0)
    reduced = reduced.tocsr()[rows]
    rhs = rhs[rows]
    truth_u = truth[columns].astype(float)
    wanted = targets[columns]
    if rows.size == 0:
        return outcome
    graph = sparse.bmat([[None, reduced], [reduced.T, None]]).tocsr()
    count, labels = connected_components(graph, directed=False)
    var_labels = labels[rows.size :]
    row_labels = labels[: rows.size]
    used = np.zeros(count, dtype=bool)
    used[var_labels[np.diff(reduced.tocsc().indptr) > 0]] = True
    outcome.components = int(used.sum())
    by_var = np.argsort(var_labels, kind="stable")
    var_starts = np.searchsorted(var_labels[by_var], np.arange(count + 1))
    by_row = np.argsort(row_labels, kind="stable")
    row_starts = np.searchsorted(row_labels[by_row], np.arange(count + 1))
    for label in np.flatnonzero(used):
        members = by_var[var_starts[label] : var_starts[label + 1]]
        if not wanted[members].any():
            continue
        member_rows = by_row[row_starts[label] : row_starts[label + 1]]
        block = reduced[member_rows][:, members].tocsr()
        found_low, found_high, solved = _component(
            block, rhs[member_rows], truth_u[members], wanted[members], threshold=threshold
        )
        outcome.linear_programs += solved
        low[columns[members]] = found_low
        high[columns[members]] = found_high
    return outcome


def _propagate(matrix: sparse.csr_matrix, known: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts given exactly by a relation whose other counts are all known, repeated until none is left."""
    known = known.copy()
    values = values.copy()
    while True:
        open_part = matrix[:, ~known].tocsr()
        single = np.flatnonzero(np.diff(open_part.indptr) == 1)
        if single.size == 0:
            return known, values
        open_columns = np.flatnonzero(~known)
        column = open_columns[open_part.indices[open_part.indptr[single]]]
        coefficient = open_part.data[open_part.indptr[single]]
        rest = matrix[single][:, known] @ values[known]
        solved = -rest / coefficient
        # two relations may give the same count (the same value when the shown counts are consistent)
        column, first = np.unique(column, return_index=True)
        values[column] = np.round(solved[first], 6)
        known[column] = True


def _component(
    block: sparse.csr_matrix, rhs: np.ndarray, truth: np.ndarray, wanted: np.ndarray, *, threshold: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """One component: ``block @ x == rhs``, ``x >= 0``; the intervals of its counts (see the module's text)."""
    size = truth.shape[0]
    seen_low = truth.copy()
    seen_high = truth.copy()
    exact_low = np.full(size, np.nan)
    exact_high = np.full(size, np.nan)
    columns = block.tocsc()
    solved = 0

    def wide(index: int) -> bool:
        return bool(seen_high[index] - seen_low[index] >= threshold)

    def solve(
        matrix: sparse.csr_matrix, right: np.ndarray, objective: np.ndarray, members: np.ndarray
    ) -> tuple[int, float]:
        nonlocal solved
        solved += 1
        method = "highs-ipm" if matrix.shape[1] > WHOLE_SIZE else "highs"  # the interior point: far faster there
        result = linprog(objective, A_eq=matrix, b_eq=right, bounds=(0, None), method=method)
        if result.status == 0 and result.x is not None:
            np.minimum.at(seen_low, members, result.x)
            np.maximum.at(seen_high, members, result.x)
            return 0, float(result.fun)
        if result.status == 3 and np.count_nonzero(objective) == 1:  # one count, unbounded above
            seen_high[members[objective < 0]] = math.inf
        return int(result.status), math.nan

    everything = np.arange(size)
    _random_points(block, rhs, wanted, solve=solve, wide=wide)
    for target in (int(index) for index in np.flatnonzero(wanted)):
        if not wide(target):
            _local(block, columns, rhs, truth, target, solve=solve, wide=wide)
    hard = [int(index) for index in np.flatnonzero(wanted) if not wide(int(index))]
    hard = _pull_together(block, rhs, hard, solve=solve, wide=wide)
    for target in hard:
        if wide(target):  # a solution for an earlier target showed it wide
            continue
        relaxed = _relaxed(block, columns, rhs, target)
        if relaxed is not None and relaxed[1] - relaxed[0] < threshold:  # narrow even with fewer relations
            exact_low[target], exact_high[target] = relaxed
            continue
        objective = np.zeros(size)
        objective[target] = -1.0
        status, value = solve(block, rhs, objective, everything)
        if wide(target):
            continue
        high_status, high_value = status, value
        objective[target] = 1.0
        status, value = solve(block, rhs, objective, everything)
        if wide(target):
            continue
        exact_low[target] = math.ceil(value - _TOLERANCE) if status == 0 else 0.0
        status, value = high_status, high_value
        if status == 0:
            exact_high[target] = math.floor(-value + _TOLERANCE)
        else:
            exact_high[target] = math.inf
            exact_low[target] = 0.0 if status != 3 else exact_low[target]
    low = np.where(wanted, np.where(np.isnan(exact_low), seen_low, exact_low), 0.0)
    high = np.where(wanted, np.where(np.isnan(exact_high), seen_high, exact_high), math.inf)
    return low, high, solved


def _random_points(
    block: sparse.csr_matrix,
    rhs: np.ndarray,
    wanted: np.ndarray,
    *,
    solve: Callable[[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray], tuple[int, float]],
    wide: Callable[[int], bool],
) -> None:
    """Programs over the whole component, each target pulled up or down at random: far-apart points at once."""
    size = wanted.shape[0]
    everything = np.arange(size)
    generator = np.random.default_rng(size)
    for _ in range(RANDOM_OBJECTIVES if wanted.sum() > RANDOM_OBJECTIVES else 0):
        if all(wide(int(index)) for index in np.flatnonzero(wanted)):
            return
        pulls = np.where(wanted, generator.choice([-1.0, 1.0], size=size), 0.0)
        solve(block, rhs, pulls, everything)


def _held_outside(
    block: sparse.csr_matrix, columns: sparse.csc_matrix, rhs: np.ndarray, truth: np.ndarray, members: np.ndarray
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The relations that hold ``members`` with every other count of the component at its true value: a solution
    of them is a solution of the whole component's."""
    touched = np.unique(columns[:, members].indices)
    local = block[touched]
    inside = local[:, members]
    return inside, rhs[touched] - local @ truth + inside @ truth[members]


def _pull_together(
    block: sparse.csr_matrix,
    rhs: np.ndarray,
    hard: list[int],
    *,
    solve: Callable[[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray], tuple[int, float]],
    wide: Callable[[int], bool],
) -> list[int]:
    """Programs over the whole component pulling only the ``hard`` targets (those no smaller program decided), each
    up or down at random, while each shows at least a tenth of those left wide: the targets still left."""
    size = block.shape[1]
    everything = np.arange(size)
    generator = np.random.default_rng(size + len(hard))
    while len(hard) > PULLED_AT_LEAST:
        pulls = np.zeros(size)
        pulls[hard] = generator.choice([-1.0, 1.0], size=len(hard))
        solve(block, rhs, pulls, everything)
        left = [target for target in hard if not wide(target)]
        done = len(left) > 0.9 * len(hard)
        hard = left
        if done:
            break
    return hard


def _local(
    block: sparse.csr_matrix,
    columns: sparse.csc_matrix,
    rhs: np.ndarray,
    truth: np.ndarray,
    target: int,
    *,
    solve: Callable[[sparse.csr_matrix, np.ndarray, np.ndarray, np.ndarray], tuple[int, float]],
    wide: Callable[[int], bool],
) -> None:
    """The target's smallest and largest value with every count outside its neighbourhood held at its true value."""
    members = _neighbourhood(block, columns, target)
    inside, right = _held_outside(block, columns, rhs, truth, members)
    objective = np.zeros(members.size)
    position = int(np.flatnonzero(members == target)[0])
    for sign in (-1.0, 1.0):
        if wide(target):
            return
        objective[position] = sign
        solve(inside, right, objective, members)


def _relaxed(
    block: sparse.csr_matrix, columns: sparse.csc_matrix, rhs: np.ndarray, target: int
) -> tuple[float, float] | None:
    """The target's interval under only the relations near it (every other count free): it holds the attacker's
    interval, so a narrow one proves a finding without a program over the whole component. None when unsolved."""
    members = _neighbourhood(block, columns, target)
    touched = np.unique(columns[:, members].indices)
    local = block[touched]
    reached = np.unique(local.indices)
    matrix = local[:, reached]
    position = int(np.flatnonzero(reached == target)[0])
    ends = []
    for sign in (1.0, -1.0):
        objective = np.zeros(reached.size)
        objective[position] = sign
        result = linprog(objective, A_eq=matrix, b_eq=rhs[touched], bounds=(0, None), method="highs")
        if result.status == 3:
            ends.append(math.inf)
        elif result.status != 0:
            return None
        else:
            ends.append(sign * float(result.fun))
    high = ends[1] if math.isinf(ends[1]) else float(math.floor(ends[1] + _TOLERANCE))
    return float(math.ceil(ends[0] - _TOLERANCE)), high


def _neighbourhood(block: sparse.csr_matrix, columns: sparse.csc_matrix, target: int) -> np.ndarray:
    """The counts at most :data:`LOCAL_DEPTH` relations away from ``target`` (at most :data:`LOCAL_SIZE`), sorted."""
    chosen = {target}
    frontier = [target]
    for _ in range(LOCAL_DEPTH):
        rows = np.unique(np.concatenate([columns.indices[columns.indptr[i] : columns.indptr[i + 1]] for i in frontier]))
        reached = np.unique(np.concatenate([block.indices[block.indptr[r] : block.indptr[r + 1]] for r in rows]))
        frontier = [int(i) for i in reached if int(i) not in chosen]
        room = LOCAL_SIZE - len(chosen)
        if room <= 0 or not frontier:
            break
        frontier = frontier[:room]
        chosen.update(frontier)
    return np.array(sorted(chosen))


def sum_matrix(relations: Sequence[Sequence[tuple[int, int]]], size: int) -> sparse.csr_matrix:
    """The matrix of ``relations`` (each a list of (count number, coefficient)) over ``size`` counts."""
    data = [coefficient for relation in relations for _, coefficient in relation]
    rows = [number for number, relation in enumerate(relations) for _ in relation]
    cols = [index for relation in relations for index, _ in relation]
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(relations), size), dtype=float)
