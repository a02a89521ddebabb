"""The four metric families as DuckDB SQL over the benchmark's Parquet files, following docs/metrics.md.

Each family is one function ``(folder) -> {name: polars frame}`` with the same
output names, key columns and value columns as our API, so the runner can
compare them group by group. The SQL reads the files directly
(``read_parquet``); nothing is loaded into Python before DuckDB has
aggregated it. Datetimes are the canonical naive Finnish wall-clock times, so
``::date`` is the calendar date the contract asks for.

Settings are the benchmark's: access within :data:`bench.generate.ACCESS_DAYS`
days by area; T3 per book and per unit at :data:`bench.generate.MEASURED_AT`;
continuity by area and profession (at least two visits); NPS by area and
respondent group, unweighted and weighted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import polars as pl

from bench.generate import ACCESS_DAYS, HOLIDAYS, MEASURED_AT

Z95 = 1.959963984540054
MIN_VISITS = 2
THL_CENSORED_DAYS = 182

Results = dict[str, pl.DataFrame]


def _glob(folder: Path, table: str) -> str:
    return f"read_parquet('{(folder / table).as_posix()}/*.parquet')"


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"preserve_insertion_order": False})


def _timestamps(moments: Sequence[dt.datetime]) -> str:
    return "[" + ", ".join(f"TIMESTAMP '{moment.isoformat(sep=' ')}'" for moment in moments) + "]"


def _dates(days: Sequence[dt.date]) -> str:
    return "[" + ", ".join(f"DATE '{day.isoformat()}'" for day in days) + "]::DATE[]"


def _wilson(successes: str, n: str) -> tuple[str, str]:
    """SQL for the Wilson 95 % interval of successes/n, clipped to [0, 1]; null when n = 0."""
    p = f"({successes}::DOUBLE / {n})"
    denominator = f"(1 + {Z95**2!r} / {n})"
    centre = f"(({p} + {Z95**2!r} / (2 * {n})) / {denominator})"
    half = f"({Z95!r} * sqrt({p} * (1 - {p}) / {n} + {Z95**2!r} / (4 * {n} * {n})) / {denominator})"
    low = f"CASE WHEN {n} > 0 THEN greatest(0.0, least(1.0, {centre} - {half})) END"
    high = f"CASE WHEN {n} > 0 THEN greatest(0.0, least(1.0, {centre} + {half})) END"
    return low, high


def access(folder: Path, *, days: int = ACCESS_DAYS) -> Results:
    """Access within ``days`` days by area: one pass that classifies every visit, then one aggregate."""
    low, high = _wilson("n_within", "n_eligible")
    sql = f"""
        WITH classified AS (
            SELECT region_code,
                   date_diff('day', assessment_at::DATE, visit_at::DATE) AS wait,
                   CASE
                       WHEN urgent THEN 1
                       WHEN urgent IS NULL THEN 2
                       WHEN visit_at IS NULL THEN 3
                       WHEN assessment_at IS NULL THEN 4
                       WHEN date_diff('day', assessment_at::DATE, visit_at::DATE) < 0 THEN 5
                       ELSE 0
                   END AS class
            FROM {_glob(folder, "visits")}
        ),
        counted AS (
            SELECT region_code,
                   count(*) AS n_visits,
                   count(*) FILTER (WHERE class = 0) AS n_eligible,
                   count(*) FILTER (WHERE class = 0 AND wait <= {days}) AS n_within,
                   median(wait::DOUBLE) FILTER (WHERE class = 0) AS median_wait_days,
                   count(*) FILTER (WHERE class = 1) AS n_urgent,
                   count(*) FILTER (WHERE class = 2) AS n_missing_urgency,
                   count(*) FILTER (WHERE class = 3) AS n_missing_visit_at,
                   count(*) FILTER (WHERE class = 4) AS n_missing_assessment,
                   count(*) FILTER (WHERE class = 5) AS n_negative_wait
            FROM classified
            GROUP BY region_code
        )
        SELECT region_code, n_visits, n_eligible, n_within,
               CASE WHEN n_eligible > 0 THEN n_within::DOUBLE / n_eligible END AS share,
               {low} AS ci_low,
               {high} AS ci_high,
               median_wait_days, n_urgent, n_missing_urgency, n_missing_visit_at, n_missing_assessment,
               n_negative_wait, {days}::BIGINT AS days
        FROM counted
        ORDER BY region_code
    """
    with _connect() as con:
        return {"access": con.sql(sql).pl()}


def t3(
    folder: Path,
    *,
    measured_at: Sequence[dt.datetime] = MEASURED_AT,
    holidays: Sequence[dt.date] = HOLIDAYS,
) -> Results:
    """T3 per book at every measurement time, then the unit medians (censored books left out, and as 182)."""
    counted = "s.status = 'free' AND s.slot_type = 'non_urgent' AND s.slot_at >= u.measured_at"
    per_book = f"""
        CREATE TEMP TABLE per_book AS
        WITH slots AS (
            SELECT book_id, unit_id, captured_at, slot_at, status, slot_type FROM {_glob(folder, "slots")}
        ),
        times AS (SELECT unnest({_timestamps(measured_at)}) AS measured_at),
        captures AS (SELECT DISTINCT book_id, captured_at FROM slots),
        in_use AS (
            SELECT t.measured_at, c.book_id, max(c.captured_at) AS snapshot_at
            FROM times t JOIN captures c ON c.captured_at <= t.measured_at
            GROUP BY t.measured_at, c.book_id
        ),
        books AS (
            SELECT u.book_id, s.unit_id, u.measured_at, u.snapshot_at,
                   count(*) FILTER (WHERE {counted}) AS n_free,
                   min(s.slot_at, 3) FILTER (WHERE {counted}) AS first_three
            FROM in_use u JOIN slots s ON s.book_id = u.book_id AND s.captured_at = u.snapshot_at
            GROUP BY u.book_id, s.unit_id, u.measured_at, u.snapshot_at
        ),
        thirds AS (
            SELECT *, CASE WHEN n_free >= 3 THEN first_three[3] END AS third_slot_at FROM books
        ),
        calendar AS (
            -- Working days (Monday-Friday, not a holiday) counted up to each date.
            SELECT day::DATE AS day,
                   sum(CASE WHEN isodow(day) <= 5 AND NOT list_contains({_dates(holidays)}, day::DATE)
                            THEN 1 ELSE 0 END) OVER (ORDER BY day)::BIGINT AS working_to_date
            FROM generate_series(
                (SELECT min(measured_at)::DATE FROM times)::TIMESTAMP,
                (SELECT max(third_slot_at)::DATE FROM thirds)::TIMESTAMP,
                INTERVAL 1 DAY
            ) AS g(day)
        )
        SELECT t.book_id, t.unit_id, t.measured_at,
               date_diff('day', t.measured_at::DATE, t.third_slot_at::DATE) AS t3_days,
               t.n_free < 3 AS censored,
               t.third_slot_at, t.n_free,
               third.working_to_date - measured.working_to_date AS t3_working_days,
               t.snapshot_at
        FROM thirds t
        LEFT JOIN calendar measured ON measured.day = t.measured_at::DATE
        LEFT JOIN calendar third ON third.day = t.third_slot_at::DATE
    """

    def units(censored_days: int | None) -> str:
        substitute = "NULL" if censored_days is None else str(censored_days)
        return f"""
            SELECT unit_id, measured_at,
                   count(*) AS n_books,
                   count(*) FILTER (WHERE censored) AS n_censored,
                   median(value::DOUBLE) AS t3_median_days,
                   avg(value::DOUBLE) AS t3_mean_days,
                   {substitute}::BIGINT AS censored_days
            FROM (SELECT *, CASE WHEN censored THEN {substitute} ELSE t3_days END AS value FROM per_book)
            GROUP BY unit_id, measured_at
            ORDER BY unit_id, measured_at
        """

    with _connect() as con:
        con.execute(per_book)
        return {
            "t3_books": con.sql("SELECT * EXCLUDE (unit_id) FROM per_book ORDER BY book_id, measured_at").pl(),
            "t3_units": con.sql(units(None)).pl(),
            "t3_units_182": con.sql(units(THL_CENSORED_DAYS)).pl(),
        }


_KEYS = "region_code, profession, patient_id"


def _indices_sql(folder: Path, min_visits: int) -> str:
    """Per area, profession and patient: visit counts and the five indices (the SQL of continuity_indices)."""
    return f"""
        WITH visits AS (
            SELECT region_code, profession, patient_id, professional_id, visit_at, visit_id
            FROM {_glob(folder, "visits")}
        ),
        per_provider AS (
            SELECT {_KEYS}, professional_id, count(*) AS n_j
            FROM visits WHERE professional_id IS NOT NULL
            GROUP BY ALL
        ),
        concentration AS (
            SELECT {_KEYS}, sum(n_j)::BIGINT AS n, count(*) AS k, sum(n_j * n_j)::BIGINT AS sum_sq, max(n_j) AS max_j
            FROM per_provider
            GROUP BY ALL
        ),
        ordered AS (
            -- The previous visit with a known provider, in (visit_at, visit_id) order.
            SELECT {_KEYS}, professional_id,
                   lag(professional_id IGNORE NULLS) OVER (
                       PARTITION BY {_KEYS} ORDER BY visit_at, visit_id
                   ) AS previous
            FROM visits
        ),
        sequence AS (
            SELECT {_KEYS},
                   count(*) FILTER (WHERE professional_id IS NULL) AS n_missing_provider,
                   count(*) FILTER (WHERE professional_id = previous) AS repeats
            FROM ordered
            GROUP BY ALL
        )
        SELECT {_KEYS},
               coalesce(c.n, 0) AS n_visits,
               coalesce(c.k, 0) AS n_providers,
               CASE WHEN c.n >= {min_visits} THEN (c.sum_sq - c.n)::DOUBLE / (c.n * (c.n - 1)) END AS coc,
               CASE WHEN c.n >= {min_visits} THEN c.max_j::DOUBLE / c.n END AS upc,
               CASE WHEN c.n >= {min_visits} THEN s.repeats::DOUBLE / (c.n - 1) END AS secon,
               CASE WHEN c.n >= {min_visits} THEN (c.n - c.k + 1)::DOUBLE / c.n END AS mmci,
               CASE WHEN c.n >= {min_visits} THEN c.sum_sq::DOUBLE / (c.n * c.n) END AS hhi,
               s.n_missing_provider
        FROM sequence s LEFT JOIN concentration c USING ({_KEYS})
    """


def continuity_indices(folder: Path, *, min_visits: int = MIN_VISITS) -> Results:
    """The per-patient indices (for the agreement check, not timed)."""
    with _connect() as con:
        frame = con.sql(_indices_sql(folder, min_visits) + f" ORDER BY {_KEYS}").pl()
    return {"continuity_indices": frame}


def _mean_with_interval(index: str, prefix: str) -> str:
    mean, sd, m = f"avg({index})", f"stddev_samp({index})", f"count({index})"
    half = f"{Z95!r} * {sd} / sqrt({m})"
    return f"""
        {mean} AS mean_{index},
        CASE WHEN {m} >= 2 THEN greatest(0.0, least(1.0, {mean} - {half})) END AS {prefix}ci_low,
        CASE WHEN {m} >= 2 THEN greatest(0.0, least(1.0, {mean} + {half})) END AS {prefix}ci_high,
        sum(n_visits * {index}) / sum(n_visits) FILTER (WHERE {index} IS NOT NULL) AS visit_weighted_{index}
    """


def continuity(folder: Path, *, min_visits: int = MIN_VISITS) -> Results:
    """Continuity by area and profession: per-patient indices, then patient means with intervals."""
    sql = f"""
        WITH indices AS ({_indices_sql(folder, min_visits)})
        SELECT region_code, profession,
               count(*) AS n_patients,
               count(coc) AS n_eligible,
               sum(n_visits)::BIGINT AS n_visits,
               sum(n_missing_provider)::BIGINT AS n_missing_provider,
               {_mean_with_interval("coc", "")},
               {_mean_with_interval("upc", "upc_")},
               avg(secon) AS mean_secon,
               avg(mmci) AS mean_mmci,
               avg(hhi) AS mean_hhi,
               {min_visits}::BIGINT AS min_visits
        FROM indices
        GROUP BY region_code, profession
        ORDER BY region_code, profession
    """
    with _connect() as con:
        return {"continuity": con.sql(sql).pl()}


def _nps_sql(folder: Path, weight: str | None) -> str:
    valid = "score IS NOT NULL AND NOT isnan(score) AND score >= 0 AND score <= 10 AND score = floor(score)"
    if weight is not None:
        valid += f" AND {weight} IS NOT NULL AND NOT isnan({weight}) AND {weight} >= 0"
    w = weight if weight is not None else "1.0"
    if weight is None:
        se = "100 * sqrt(((p + d) - (p - d) * (p - d)) / n)"
        n_effective = "n::DOUBLE"
    else:
        se = "100 * sqrt(spread) / w_total"
        n_effective = "w_total * w_total / w_squares"
    return f"""
        WITH answers AS (
            SELECT region_code, respondent, score, {w}::DOUBLE AS w,
                   coalesce({valid}, false) AS valid,
                   CASE WHEN score >= 9 THEN 1 WHEN score >= 7 THEN 0 ELSE -1 END AS s
            FROM {_glob(folder, "answers")}
        ),
        groups AS (
            SELECT region_code, respondent,
                   count(*) FILTER (WHERE valid) AS n,
                   count(*) FILTER (WHERE NOT valid) AS n_invalid,
                   count(*) FILTER (WHERE valid AND s = 1) AS promoters,
                   count(*) FILTER (WHERE valid AND s = 0) AS passives,
                   count(*) FILTER (WHERE valid AND s = -1) AS detractors,
                   sum(w) FILTER (WHERE valid) AS w_total,
                   sum(w * w) FILTER (WHERE valid) AS w_squares,
                   sum(w) FILTER (WHERE valid AND s = 1) AS w_promoters,
                   sum(w) FILTER (WHERE valid AND s = 0) AS w_passives,
                   sum(w) FILTER (WHERE valid AND s = -1) AS w_detractors
            FROM answers
            GROUP BY region_code, respondent
        ),
        shares AS (
            SELECT *,
                   -- No valid answer, or weights summing to 0: no shares, and nothing built on them.
                   CASE WHEN n > 0 AND w_total > 0 THEN coalesce(w_promoters, 0) / w_total END AS p,
                   CASE WHEN n > 0 AND w_total > 0 THEN coalesce(w_passives, 0) / w_total END AS q,
                   CASE WHEN n > 0 AND w_total > 0 THEN coalesce(w_detractors, 0) / w_total END AS d
            FROM groups
        ),
        spreads AS (
            -- Σ w²(s − m)², with m = p − d the group's weighted mean score.
            SELECT a.region_code, a.respondent, sum(a.w * a.w * (a.s - (g.p - g.d)) * (a.s - (g.p - g.d))) AS spread
            FROM answers a JOIN shares g USING (region_code, respondent)
            WHERE a.valid
            GROUP BY a.region_code, a.respondent
        ),
        scored AS (
            SELECT g.*, 100 * (p - d) AS nps, CASE WHEN p IS NOT NULL THEN {se} END AS se
            FROM shares g LEFT JOIN spreads USING (region_code, respondent)
        )
        SELECT region_code, respondent, n, n_invalid, promoters, passives, detractors, nps, se,
               CASE WHEN se IS NOT NULL THEN greatest(-100.0, least(100.0, nps - {Z95!r} * se)) END AS ci_low,
               CASE WHEN se IS NOT NULL THEN greatest(-100.0, least(100.0, nps + {Z95!r} * se)) END AS ci_high,
               p AS promoter_share, q AS passive_share, d AS detractor_share,
               CASE WHEN p IS NOT NULL THEN {n_effective} END AS n_effective
        FROM scored
        ORDER BY region_code, respondent
    """


def nps(folder: Path, *, weight: str = "weight") -> Results:
    """NPS by area and respondent group, unweighted and with the survey weights."""
    with _connect() as con:
        return {
            "nps": con.sql(_nps_sql(folder, None)).pl(),
            "nps_weighted": con.sql(_nps_sql(folder, weight)).pl(),
        }


FAMILIES: dict[str, Callable[[Path], Results]] = {
    "access": access,
    "t3": t3,
    "continuity": continuity,
    "nps": nps,
}
CHECKS: dict[str, Callable[[Path], Results]] = {"continuity_indices": continuity_indices}
