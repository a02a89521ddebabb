"""The disclosure audit: what an attacker can deduce from every count a role sees, by linear programming.

Independent of the suppressor (it never imports :mod:`metrics.privacy`), the
audit reads what each role sees through the views the pages use
(:func:`views.cells.indicator_cells` for every computed indicator, grain,
level and profession; :func:`views.county.stored_coc_distribution` for every
area, year and profession), takes the true counts from the store's
unsuppressed aggregates, and links the cells by the relations the product
publishes them under:

* time: the months of a quarter sum to the quarter, the quarters to the year;
* place: the health centres of a county sum to the county, the counties to the country;
* profession: doctors + nurses + other professions (never shown) = all;
* wait: within 7 + the 8-14-day band = within 14; within + outside = all eligible visits;
* NPS: promoters + passives + detractors = n (a shown share times a shown n gives a class count);
* COC: the distribution's bins sum to the eligible patients.

A relation is used only where it holds exactly on the true counts (continuity's
patients are not additive over quarters or professions, for instance, so no
such relation is made). Every count a role does not see is a variable, at
least 0. Relations with one unknown give it exactly; the rest are split into
connected components, and for every hidden count, and every never-shown count
under the threshold, the smallest and largest value the component allows is
found with :func:`scipy.optimize.linprog` (HiGHS). Findings:

* ``shown_small``: a shown count of 1 to threshold-1;
* ``recovered_small``: a hidden or never-shown count whose deducible interval holds only values 1 to threshold-1;
* ``narrow``: a hidden count whose deducible interval is narrower than the threshold;
* ``derived_narrow``: a never-shown count under the threshold (the other professions, the 8-14-day band, ...)
  whose interval is narrower than the threshold.

The reports name cells by measure, area, health centre, profession and period: never a patient or professional.
See ``docs/decisions/0006-disclosure-audit.md`` for the limits.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import polars as pl
import sqlalchemy as sa
from scipy import sparse
from scipy.optimize import linprog

from core import columns as c
from core.access import Role
from core.codes import ALL_UNITS, PROFESSIONS
from core.codes import WHOLE_COUNTRY as NATIONAL
from store.results import Level, Results, load_results
from views.cells import Grain, indicator_cells, period_key
from views.county import stored_coc_distribution
from views.indicators import INDICATORS, Indicator

OTHER = "other"
"""The professions outside doctors and nurses: never shown, but all - doctors - nurses."""
GRAINS: tuple[Grain, ...] = ("month", "quarter", "year")
LEVELS = ("region", "unit")
COC_BINS = 10
EXAMPLES = 5
_TOLERANCE = 1e-6
#: Objectives of random signs solved first in a component, to find points that show most counts wide at once.
RANDOM_OBJECTIVES = 8


class Key(NamedTuple):
    """One count: what it counts (``measure``), where, of which profession, when."""

    measure: str
    region: str
    unit: str
    profession: str
    period: str

    def describe(self, *, with_unit: bool = True) -> str:
        place = f"{self.region}/{self.unit}" if self.unit and with_unit else self.region
        return f"{self.measure} {place} {self.profession} {self.period}"


Relation = tuple[tuple[Key, int], ...]
"""``sum(coefficient * count) == 0`` over the terms."""

# Measures. Access counts are visits, by the wait limit in days.
ACCESS_BASE = ("access.eligible7", "access.eligible14", "access.within7", "access.within14")
ACCESS_DERIVED = ("access.outside7", "access.outside14", "access.band8_14")
CONTINUITY = "continuity.patients"
T3_BOOKS = "t3.books"
NPS_CLASSES = ("promoters", "passives", "detractors")


def nps_measure(respondent: str, part: str) -> str:
    return f"nps.{respondent}.{part}"


def coc_bin(number: int) -> str:
    return f"coc.bin{number}"


# ---------------------------------------------------------------------------------------------------------------
# Relations


def _quarter(period: str) -> str:
    return f"{period[:4]}Q{(int(period[5:7]) - 1) // 3 + 1}"


def _is_month(period: str) -> bool:
    return len(period) == 7 and period[4] == "-"


def _is_quarter(period: str) -> bool:
    return len(period) == 6 and period[4] == "Q"


def _time_additive(measure: str) -> bool:
    return measure in ACCESS_BASE or (measure.startswith("nps.") and measure.rsplit(".", 1)[1] in NPS_CLASSES)


def _place_additive(measure: str) -> bool:
    return _time_additive(measure) or measure == CONTINUITY or measure.startswith("coc.bin")


def build_relations(keys: Iterable[Key]) -> list[Relation]:
    """Every linear relation the product's hierarchies make between ``keys`` (checked later on the true counts)."""
    keys = set(keys)
    relations = _hierarchies(keys) + [relation for key in keys for relation in _cell_relations(key)]
    return [relation for relation in relations if all(term in keys for term, _ in relation)]


def _hierarchies(keys: set[Key]) -> list[Relation]:
    """Time (months, quarters, year) and place (health centres, counties, country)."""
    relations: list[Relation] = []
    parts: dict[Key, list[Key]] = defaultdict(list)
    for key in keys:
        measure, region, unit, _profession, period = key
        if _time_additive(measure):
            if _is_month(period):
                parts[key._replace(period=_quarter(period))].append(key)
            elif _is_quarter(period):
                parts[key._replace(period=period[:4])].append(key)
        if _place_additive(measure) and region != NATIONAL:
            if unit != ALL_UNITS:
                parts[key._replace(unit=ALL_UNITS)].append(key)
            else:
                parts[key._replace(region=NATIONAL)].append(key)
    for total, members in parts.items():
        if total in keys:
            relations.append(_sum(total, members))
    # Time and place relations are made per grain and level separately above: a quarter is the sum of its months
    # and (separately) the sum of the quarters' units. The groups above mix both; split them.
    return [relation for group in relations for relation in _split(group)]


def _cell_relations(key: Key) -> list[Relation]:
    """Professions, wait limits, NPS classes and COC bins: the parts of one cell."""
    measure, _region, unit, profession, period = key
    relations: list[Relation] = []
    if measure in ACCESS_BASE and profession == "all":
        relations.append(_sum(key, [key._replace(profession=name) for name in ("doctor", "nurse", OTHER)]))
    if measure == "access.eligible7":
        cell = key._replace
        relations += [
            _sum(key, [cell(measure="access.within7"), cell(measure="access.outside7")]),
            _sum(
                cell(measure="access.eligible14"),
                [cell(measure="access.within14"), cell(measure="access.outside14")],
            ),
            _sum(cell(measure="access.within14"), [cell(measure="access.within7"), cell(measure="access.band8_14")]),
            _sum(key, [cell(measure="access.eligible14")]),
        ]
    if measure.startswith("nps.") and measure.endswith(".n"):
        respondent = measure.split(".")[1]
        relations.append(_sum(key, [key._replace(measure=nps_measure(respondent, part)) for part in NPS_CLASSES]))
    if measure == CONTINUITY and unit == ALL_UNITS and len(period) == 4:
        relations.append(_sum(key, [key._replace(measure=coc_bin(number)) for number in range(COC_BINS)]))
    return relations


def _sum(total: Key, members: Iterable[Key]) -> Relation:
    return ((total, 1), *((member, -1) for member in members))


def _split(relation: Relation) -> list[Relation]:
    """A total's members grouped by the kind of step (finer period or finer place) that leads to them."""
    (total, _), *members = relation
    groups: dict[str, list[Key]] = defaultdict(list)
    for member, _ in members:
        kind = "time" if member.period != total.period else "place"
        groups[kind].append(member)
    return [_sum(total, group) for group in groups.values()]


def holds(relation: Relation, truth: Mapping[Key, int]) -> bool:
    return sum(coefficient * truth[key] for key, coefficient in relation) == 0


# ---------------------------------------------------------------------------------------------------------------
# Deduction


@dataclass(frozen=True)
class Finding:
    kind: str
    key: Key
    low: float
    high: float

    def interval(self) -> str:
        high = "∞" if math.isinf(self.high) else f"{self.high:g}"
        return f"[{self.low:g}, {high}]"


@dataclass
class Problem:
    """What one role sees: the true counts, the shown ones, the hidden (suppressed) ones and the relations."""

    truth: dict[Key, int]
    shown: dict[Key, int]
    hidden: set[Key]
    relations: list[Relation] = field(default_factory=list)


@dataclass
class Outcome:
    seen: int = 0
    hidden: int = 0
    derived: int = 0
    relations: int = 0
    relations_not_exact: int = 0
    components: int = 0
    linear_programs: int = 0
    findings: list[Finding] = field(default_factory=list)
    intervals: dict[Key, tuple[float, float]] = field(default_factory=dict)

    def by_kind(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            counts[finding.kind] += 1
        return dict(sorted(counts.items()))


def deduce(problem: Problem, *, threshold: int) -> Outcome:
    """The interval an attacker can deduce for every count the role does not see, and the findings."""
    truth = problem.truth
    shown = {key: value for key, value in problem.shown.items() if key in truth}
    hidden = {key for key in problem.hidden if key in truth and key not in shown}
    outcome = Outcome(seen=len(shown), hidden=len(hidden), derived=len(truth) - len(shown) - len(hidden))
    relations = []
    for relation in problem.relations:
        if all(key in truth for key, _ in relation) and holds(relation, truth):
            relations.append(relation)
        else:
            outcome.relations_not_exact += 1
    outcome.relations = len(relations)

    never_shown_small = {key for key, value in truth.items() if key not in shown and 1 <= value < threshold}
    targets = hidden | never_shown_small
    exact = _propagate(relations, shown)
    for key, value in exact.items():
        if key not in shown:
            outcome.intervals[key] = (value, value)
    unknown_relations = []
    for relation in relations:
        unknown = [(key, coefficient) for key, coefficient in relation if key not in shown and key not in exact]
        if len(unknown) >= 2:
            known = [(key, coefficient) for key, coefficient in relation if key in shown or key in exact]
            constant = sum(coefficient * _known(key, shown, exact) for key, coefficient in known)
            unknown_relations.append((unknown, constant))
    for variables, rows in _components(unknown_relations):
        wanted = [key for key in variables if key in targets]
        outcome.components += 1
        if not wanted:
            continue
        found, solved = _bounds(variables, rows, wanted, truth=truth, threshold=threshold)
        outcome.intervals.update(found)
        outcome.linear_programs += solved
    for key in targets:
        outcome.intervals.setdefault(key, (0.0, math.inf))
    outcome.findings = _findings(outcome.intervals, targets, hidden, shown, threshold=threshold)
    return outcome


def _findings(
    intervals: Mapping[Key, tuple[float, float]],
    targets: Iterable[Key],
    hidden: set[Key],
    shown: Mapping[Key, int],
    *,
    threshold: int,
) -> list[Finding]:
    """Every target is hidden, or never shown and under the threshold (see :func:`deduce`)."""
    findings = []
    for key in targets:
        low, high = intervals[key]
        if low >= 1 and high < threshold:
            findings.append(Finding("recovered_small", key, low, high))
        elif high - low < threshold:
            findings.append(Finding("narrow" if key in hidden else "derived_narrow", key, low, high))
    findings += [Finding("shown_small", key, value, value) for key, value in shown.items() if 1 <= value < threshold]
    return sorted(findings, key=lambda finding: (finding.kind, finding.key))


def _known(key: Key, shown: Mapping[Key, int], exact: Mapping[Key, float]) -> float:
    return shown[key] if key in shown else exact[key]


def _propagate(relations: Sequence[Relation], shown: Mapping[Key, int]) -> dict[Key, float]:
    """Counts given exactly by a relation in which every other count is known, repeated until none is left."""
    exact: dict[Key, float] = {}
    open_terms = [[key for key, _ in relation if key not in shown] for relation in relations]
    uses: dict[Key, list[int]] = defaultdict(list)
    for index, terms in enumerate(open_terms):
        for key in terms:
            uses[key].append(index)
    remaining = [len(terms) for terms in open_terms]
    queue = [index for index, count in enumerate(remaining) if count == 1]
    while queue:
        index = queue.pop()
        unknown = [key for key in open_terms[index] if key not in exact]
        if len(unknown) != 1:
            continue
        target = unknown[0]
        coefficient = 0
        constant = 0.0
        for key, factor in relations[index]:
            if key == target:
                coefficient += factor
            else:
                constant += factor * _known(key, shown, exact)
        exact[target] = -constant / coefficient
        for other in uses[target]:
            remaining[other] -= 1
            if remaining[other] == 1:
                queue.append(other)
    return exact


def _components(
    rows: Sequence[tuple[list[tuple[Key, int]], float]],
) -> Iterable[tuple[list[Key], list[tuple[list[tuple[Key, int]], float]]]]:
    parent: dict[Key, Key] = {}

    def find(key: Key) -> Key:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for terms, _ in rows:
        first = find(terms[0][0])
        for key, _ in terms[1:]:
            root = find(key)
            if root != first:
                parent[root] = first
    groups: dict[Key, list[Key]] = defaultdict(list)
    for key in parent:
        groups[find(key)].append(key)
    by_root: dict[Key, list[tuple[list[tuple[Key, int]], float]]] = defaultdict(list)
    for row in rows:
        by_root[find(row[0][0][0])].append(row)
    for root, members in groups.items():
        yield members, by_root[root]


def _bounds(
    variables: Sequence[Key],
    rows: Sequence[tuple[list[tuple[Key, int]], float]],
    wanted: Sequence[Key],
    *,
    truth: Mapping[Key, int],
    threshold: int,
) -> tuple[dict[Key, tuple[float, float]], int]:
    """The deducible interval of every ``wanted`` count, and the number of linear programs solved.

    Every solution found is a point the attacker cannot rule out, and so is the truth: a count seen to take
    values at least ``threshold`` apart in those points is wide enough already, and its interval is reported
    as the range seen (a part of the true interval). Only the others get their exact minimum and maximum.
    """
    index = {key: position for position, key in enumerate(variables)}
    matrix, right = _matrix(index, rows), np.array([-constant for _, constant in rows], dtype=float)
    low_seen = np.array([truth[key] for key in variables], dtype=float)
    high_seen = low_seen.copy()
    solved = 0

    def solve(objective: np.ndarray) -> tuple[int, float]:
        nonlocal solved, low_seen, high_seen
        solved += 1
        result = linprog(objective, A_eq=matrix, b_eq=right, bounds=(0, None), method="highs")
        if result.status == 0 and result.x is not None:
            low_seen = np.minimum(low_seen, result.x)
            high_seen = np.maximum(high_seen, result.x)
        return result.status, float(result.fun) if result.status == 0 else math.nan

    columns = np.array([index[key] for key in wanted])
    spread = np.zeros(len(variables))
    spread[columns] = 1.0
    solve(spread)  # every wanted count as small as it can be together, then as large
    solve(-spread)
    generator = np.random.default_rng(len(variables))
    for _ in range(RANDOM_OBJECTIVES if len(wanted) > RANDOM_OBJECTIVES else 0):  # then pulled different ways
        pulls = np.zeros(len(variables))
        pulls[columns] = generator.choice([-1.0, 1.0], size=len(columns))
        solve(pulls)
    found: dict[Key, tuple[float, float]] = {}
    outer: dict[Key, tuple[float, float]] | None = None
    for key in wanted:
        column = index[key]
        if high_seen[column] - low_seen[column] >= threshold:
            found[key] = (float(low_seen[column]), float(high_seen[column]))
            continue
        if outer is None:
            outer = _outer_bounds(variables, rows)
        if outer[key][1] - outer[key][0] < threshold:  # narrow whatever the programs would say
            found[key] = outer[key]
            continue
        objective = np.zeros(len(variables))
        objective[column] = -1.0
        status, value = solve(objective)
        if status == 3:  # unbounded above
            found[key] = (float(low_seen[column]), math.inf)
            continue
        if status != 0:  # the shown counts contradict the relations: nothing is deduced
            found[key] = (0.0, math.inf)
            continue
        high = float(math.floor(-value + _TOLERANCE))
        if high - low_seen[column] >= threshold:
            found[key] = (float(low_seen[column]), high)
            continue
        objective[column] = 1.0
        status, value = solve(objective)
        low = float(math.ceil(value - _TOLERANCE)) if status == 0 else 0.0
        found[key] = (low, high)
    return found, solved


def _matrix(index: Mapping[Key, int], rows: Sequence[tuple[list[tuple[Key, int]], float]]) -> sparse.csr_matrix:
    entries = [(row, index[key], coefficient) for row, (terms, _) in enumerate(rows) for key, coefficient in terms]
    return sparse.csr_matrix(
        ([value for _, _, value in entries], ([row for row, _, _ in entries], [col for _, col, _ in entries])),
        shape=(len(rows), len(index)),
    )


def _outer_bounds(
    variables: Sequence[Key], rows: Sequence[tuple[list[tuple[Key, int]], float]], *, sweeps: int = 50
) -> dict[Key, tuple[float, float]]:
    """Bounds every count must lie within, by propagating each relation's bounds to its terms (counts are
    integers, so bounds are rounded inwards). They hold the attacker's interval: narrow bounds mean a narrow
    interval without a linear program; wide ones prove nothing."""
    low = dict.fromkeys(variables, 0.0)
    high = dict.fromkeys(variables, math.inf)
    for _ in range(sweeps):
        changed = False
        for terms, constant in rows:
            target = -constant  # sum(a * x) == target
            smallest = [a * low[key] if a > 0 else a * high[key] for key, a in terms]
            largest = [a * high[key] if a > 0 else a * low[key] for key, a in terms]
            finite_small = sum(value for value in smallest if not math.isinf(value))
            finite_large = sum(value for value in largest if not math.isinf(value))
            infinite_small = sum(math.isinf(value) for value in smallest)
            infinite_large = sum(math.isinf(value) for value in largest)
            for (key, a), small, large in zip(terms, smallest, largest, strict=True):
                rest_small = (
                    finite_small - (0.0 if math.isinf(small) else small)
                    if infinite_small - math.isinf(small) == 0
                    else -math.inf
                )
                rest_large = (
                    finite_large - (0.0 if math.isinf(large) else large)
                    if infinite_large - math.isinf(large) == 0
                    else math.inf
                )
                ends = ((target - rest_large) / a, (target - rest_small) / a)
                new_low, new_high = min(ends), max(ends)
                if new_low > low[key] + _TOLERANCE:
                    low[key] = float(math.ceil(new_low - _TOLERANCE))
                    changed = True
                if new_high < high[key] - _TOLERANCE:
                    high[key] = float(math.floor(new_high + _TOLERANCE))
                    changed = True
        if not changed:
            break
    return {key: (low[key], high[key]) for key in variables}


# ---------------------------------------------------------------------------------------------------------------
# The store: true counts and what each role sees


def true_counts(results: Results) -> dict[Key, int]:
    """Every count the product could publish, from the store's unsuppressed aggregates (every health centre)."""
    truth: dict[Key, int] = {}
    for level in LEVELS:
        access = results.table("access_results", level)
        for grain in GRAINS:
            frame = access.with_columns(period_key(grain).alias(c.PERIOD))
            summed = frame.group_by(c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD, "days").agg(
                pl.col("n_eligible").sum(), pl.col("n_within").sum()
            )
            for region, unit, profession, period, days, eligible, within in summed.iter_rows():
                truth[Key(f"access.eligible{days}", region, unit, profession, period)] = eligible
                truth[Key(f"access.within{days}", region, unit, profession, period)] = within
        continuity = results.table("continuity_results", level)
        for region, unit, profession, period, patients in continuity.select(
            c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD, "n_eligible"
        ).iter_rows():
            truth[Key(CONTINUITY, region, unit, profession, period)] = patients
        _t3_and_nps(results, level, truth)
    distribution = results.coc_distribution
    if not distribution.is_empty():
        for region, profession, period, number, count in distribution.select(
            c.REGION_CODE, c.PROFESSION, c.PERIOD, "bin", "n"
        ).iter_rows():
            truth[Key(coc_bin(number), region, ALL_UNITS, profession, period)] = count
        areas = {
            key[1:] for key in truth if key.measure == CONTINUITY and key.unit == ALL_UNITS and len(key.period) == 4
        }
        for region, unit, profession, period in areas:
            for number in range(COC_BINS):
                truth.setdefault(Key(coc_bin(number), region, unit, profession, period), 0)
    _add_derived(truth)
    return truth


def _t3_and_nps(results: Results, level: Level, truth: dict[Key, int]) -> None:
    """T3's books (the fewest measured in the period, as the cells show) and NPS answers by class."""
    for grain in GRAINS:
        books = results.table("t3_results", level).with_columns(period_key(grain).alias(c.PERIOD))
        books = books.group_by(c.REGION_CODE, c.UNIT_ID, c.PROFESSION, c.PERIOD).agg(pl.col("n_books").min())
        for region, unit, profession, period, count in books.iter_rows():
            truth[Key(T3_BOOKS, region, unit, profession, period)] = count
        frame = results.table("nps_results", level).with_columns(period_key(grain).alias(c.PERIOD))
        summed = frame.group_by(c.REGION_CODE, c.UNIT_ID, c.PERIOD, c.RESPONDENT).agg(pl.col(*NPS_CLASSES).sum())
        for region, unit, period, respondent, *classes in summed.iter_rows():
            for part, count in zip(NPS_CLASSES, classes, strict=True):
                truth[Key(nps_measure(respondent, part), region, unit, "all", period)] = count
            truth[Key(nps_measure(respondent, "n"), region, unit, "all", period)] = sum(classes)


def _add_derived(truth: dict[Key, int]) -> None:
    """The counts never shown but implied: other professions, the 8-14-day band, the visits outside a limit."""
    for key in [key for key in truth if key.measure in ACCESS_BASE and key.profession == "all"]:
        parts = [truth.get(key._replace(profession=name)) for name in ("doctor", "nurse")]
        if all(part is not None for part in parts):
            other = truth[key] - sum(parts)  # type: ignore[arg-type]
            if other >= 0:
                truth[key._replace(profession=OTHER)] = other
    for key in [key for key in truth if key.measure == "access.eligible7"]:
        cell = key._replace
        values = [truth.get(cell(measure=name)) for name in ("access.within7", "access.eligible14", "access.within14")]
        if any(value is None for value in values):
            continue
        within7, eligible14, within14 = values
        for name, value in (
            ("access.outside7", truth[key] - within7),
            ("access.outside14", eligible14 - within14),
            ("access.band8_14", within14 - within7),
        ):
            if value >= 0:  # type: ignore[operator]
                truth[cell(measure=name)] = value  # type: ignore[assignment]


def _computed_indicators() -> list[Indicator]:
    return [indicator for indicator in INDICATORS.values() if not indicator.published]


def seen_counts(results: Results, *, threshold: int) -> tuple[dict[Key, int], set[Key]]:
    """The counts the pages show to the viewer of ``results`` (``shown``) and the ones they hide (``hidden``)."""
    shown: dict[Key, int] = {}
    hidden: set[Key] = set()

    def see(key: Key, value: Any, suppressed: bool) -> None:
        if suppressed or value is None:
            hidden.add(key)
        else:
            shown[key] = round(value)

    for indicator in _computed_indicators():
        professions = PROFESSIONS if indicator.by_profession else ("all",)
        for grain in GRAINS:
            for profession in professions:
                for level in LEVELS:
                    cells = indicator_cells(
                        results, indicator, grain=grain, profession=profession, level=level, threshold=threshold
                    )
                    _see_cells(cells, indicator, profession, see)
    distribution = results.coc_distribution
    if not distribution.is_empty():
        for region, profession, year in distribution.select(c.REGION_CODE, c.PROFESSION, c.PERIOD).unique().iter_rows():
            cells = stored_coc_distribution(
                results, region=region, year=year, profession=profession, threshold=threshold
            )
            if cells is None or cells.is_empty():
                continue
            for low, count, suppressed in cells.select("bin_low", "n", c.SUPPRESSED).iter_rows():
                see(Key(coc_bin(round(low * COC_BINS)), region, ALL_UNITS, profession, year), count, bool(suppressed))
    return shown, hidden


def _see_cells(cells: pl.DataFrame, indicator: Indicator, profession: str, see: Callable[..., None]) -> None:
    family = indicator.family
    for row in cells.iter_rows(named=True):
        where = (row[c.REGION_CODE], row[c.UNIT_ID], profession, row[c.PERIOD])
        suppressed = bool(row[c.SUPPRESSED])
        if family == "access":
            see(Key(f"access.eligible{indicator.days}", *where), row["n"], suppressed)
            see(Key(f"access.within{indicator.days}", *where), row.get("n_within"), suppressed)
        elif family == "continuity":
            see(Key(CONTINUITY, *where), row["n"], suppressed)
        elif family == "t3":
            see(Key(T3_BOOKS, *where), row["n"], suppressed)
        elif family == "nps":
            respondent = indicator.respondent or ""
            n = row["n"]
            see(Key(nps_measure(respondent, "n"), *where), n, suppressed)
            for part in NPS_CLASSES:
                share = row.get(_share_column(part))
                value = None if share is None or n is None else share * n
                see(Key(nps_measure(respondent, part), *where), value, suppressed or value is None)


def _share_column(part: str) -> str:
    return {"promoters": "promoter_share", "passives": "passive_share", "detractors": "detractor_share"}[part]


# ---------------------------------------------------------------------------------------------------------------
# Roles and the report


@dataclass(frozen=True)
class RoleReport:
    role: str
    scope: str
    outcome: Outcome
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        with_unit = self.role != "public"
        examples: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for finding in self.outcome.findings:
            if len(examples[finding.kind]) < EXAMPLES:
                key = finding.key
                examples[finding.kind].append(
                    {
                        "measure": key.measure,
                        "region": key.region,
                        **({"unit": key.unit} if with_unit and key.unit else {}),
                        "profession": key.profession,
                        "period": key.period,
                        "interval": [finding.low, None if math.isinf(finding.high) else finding.high],
                    }
                )
        return {
            "role": self.role,
            "scope": self.scope,
            "cells_seen": self.outcome.seen,
            "cells_hidden": self.outcome.hidden,
            "cells_never_shown": self.outcome.derived,
            "relations": self.outcome.relations,
            "relations_not_exact": self.outcome.relations_not_exact,
            "components": self.outcome.components,
            "linear_programs": self.outcome.linear_programs,
            "findings": len(self.outcome.findings),
            "findings_by_kind": self.outcome.by_kind(),
            "examples": dict(examples),
            "seconds": round(self.seconds, 1),
        }


def role_scopes(results: Results, county: str | None) -> list[tuple[Role, str, frozenset[str] | None]]:
    regions = sorted(set(results.access[c.REGION_CODE].to_list()) - {NATIONAL})
    chosen = county or (regions[0] if regions else "")
    return [("public", "", frozenset()), ("county", chosen, frozenset({chosen})), ("analyst", "", None)]


def audit_store(
    engine: sa.Engine,
    *,
    threshold: int,
    county: str | None = None,
    roles: Sequence[str] = ("public", "county", "analyst"),
    progress: Callable[[str], None] = lambda _message: None,
) -> list[RoleReport]:
    """Audit every role's view of the store at ``engine``."""
    everything = load_results(engine, unit_regions=None)
    truth = true_counts(everything)
    relations = build_relations(truth)
    reports = []
    for role, scope, unit_regions in role_scopes(everything, county):
        if role not in roles:
            continue
        started = time.perf_counter()
        progress(f"auditing the {role} role")
        results = load_results(engine, unit_regions=unit_regions)
        visible = {
            key: value
            for key, value in truth.items()
            if key.unit == ALL_UNITS or unit_regions is None or key.region in unit_regions
        }
        shown, hidden = seen_counts(results, threshold=threshold)
        problem = Problem(visible, shown, hidden, [r for r in relations if all(key in visible for key, _ in r)])
        outcome = deduce(problem, threshold=threshold)
        reports.append(RoleReport(role, scope, outcome, time.perf_counter() - started))
    return reports


def format_text(reports: Sequence[RoleReport], *, threshold: int) -> str:
    lines = [f"disclosure audit, threshold {threshold}"]
    for report in reports:
        data = report.as_dict()
        scope = f" ({report.scope})" if report.scope else ""
        lines.append(
            f"{report.role}{scope}: {data['cells_seen']:,} cells seen, {data['cells_hidden']:,} hidden, "
            f"{data['cells_never_shown']:,} never shown; {data['relations']:,} relations; "
            f"{data['findings']:,} findings ({data['seconds']} s)"
        )
        for kind, count in data["findings_by_kind"].items():
            lines.append(f"  {kind}: {count:,}")
            for example in data["examples"].get(kind, []):
                place = example["region"] + (f"/{example['unit']}" if "unit" in example else "")
                low, high = example["interval"]
                lines.append(
                    f"    e.g. {example['measure']} {place} {example['profession']} {example['period']}: "
                    f"[{low:g}, {'∞' if high is None else f'{high:g}'}]"
                )
    return "\n".join(lines)
