"""The same four families as DuckDB SQL over the same Parquet files, following docs/metrics.md."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl


def _query(sql: str) -> pl.DataFrame:
    with duckdb.connect() as connection:
        return connection.sql(sql).pl()


def access(folder: Path) -> pl.DataFrame:
    visits = f"read_parquet('{folder}/visits/*.parquet')"
    return _query(
        f"""
        with v as (
            select region_code, urgent, visit_at, assessment_at,
                   date_diff('day', assessment_at::date, visit_at::date) as wait
            from {visits}
        )
        select region_code,
               count(*) as n_visits,
               count(*) filter (where urgent) as n_urgent,
               count(*) filter (where not urgent and assessment_at is null) as n_missing_assessment,
               count(*) filter (where not urgent and wait < 0) as n_negative_wait,
               count(*) filter (where not urgent and wait >= 0) as n_eligible,
               count(*) filter (where not urgent and wait >= 0 and wait <= 7) as n_within,
               n_within / nullif(n_eligible, 0) as share,
               median(wait) filter (where not urgent and wait >= 0) as median_wait_days
        from v group by region_code order by region_code
        """
    )


def t3(folder: Path) -> pl.DataFrame:
    slots = f"read_parquet('{folder}/slots/*.parquet')"
    return _query(
        f"""
        with times as (select distinct captured_at as measured_at from {slots}),
        books as (select distinct book_id, unit_id from {slots}),
        captures as (select distinct book_id, captured_at from {slots}),
        chosen as (
            select b.book_id, b.unit_id, t.measured_at, c.captured_at
            from books b cross join times t
            asof join captures c on c.book_id = b.book_id and c.captured_at <= t.measured_at
        ),
        counted as (
            select ch.book_id, ch.unit_id, ch.measured_at, s.slot_at,
                   (s.status = 'free' and s.slot_type = 'non_urgent' and s.slot_at >= ch.measured_at) as ok
            from chosen ch join {slots} s on s.book_id = ch.book_id and s.captured_at = ch.captured_at
        ),
        per_book as (
            select book_id, unit_id, measured_at,
                   count(*) filter (where ok) as n_free,
                   list_sort(list(slot_at) filter (where ok))[3] as third
            from counted group by all
        ),
        t3 as (
            select unit_id, measured_at, n_free < 3 as censored,
                   case when n_free >= 3 then date_diff('day', measured_at::date, third::date) end as t3_days
            from per_book
        )
        select unit_id, measured_at,
               count(*) as n_books,
               count(*) filter (where censored) as n_censored,
               median(t3_days) as t3_median_days
        from t3 group by all order by unit_id, measured_at
        """
    )


def continuity(folder: Path) -> pl.DataFrame:
    visits = f"read_parquet('{folder}/visits/*.parquet')"
    keys = "region_code, profession, patient_id"
    return _query(
        f"""
        with v as (select region_code, profession, patient_id, professional_id, visit_at, visit_id from {visits}),
        known as (select * from v where professional_id is not null),
        per_provider as (select {keys}, professional_id, count(*) as nj from known group by all),
        concentration as (
            select {keys}, sum(nj) as n, count(*) as k, sum(nj * nj) as s, max(nj) as mx
            from per_provider group by all
        ),
        ordered as (
            select {keys}, professional_id = lag(professional_id) over (
                partition by {keys} order by visit_at, visit_id) as repeat
            from known
        ),
        repeats as (select {keys}, count(*) filter (where repeat) as reps from ordered group by all),
        missing as (select {keys}, count(*) filter (where professional_id is null) as nmiss from v group by all),
        patients as (
            select m.region_code, m.profession, m.nmiss, coalesce(c.n, 0) as n, c.k, c.s, c.mx, r.reps
            from missing m
            left join concentration c using (region_code, profession, patient_id)
            left join repeats r using (region_code, profession, patient_id)
        ),
        indices as (
            select *,
                   case when n >= 2 then (s - n)::double / (n * (n - 1)) end as coc,
                   case when n >= 2 then mx::double / n end as upc,
                   case when n >= 2 then reps::double / (n - 1) end as secon
            from patients
        )
        select region_code, profession,
               count(*) as n_patients,
               count(coc) as n_eligible,
               sum(n) as n_visits,
               sum(nmiss) as n_missing_provider,
               avg(coc) as mean_coc,
               sum(n * coc) / sum(n) filter (where coc is not null) as visit_weighted_coc,
               avg(upc) as mean_upc,
               avg(secon) as mean_secon
        from indices group by all order by region_code, profession
        """
    )


def nps(folder: Path) -> pl.DataFrame:
    answers = f"read_parquet('{folder}/answers/*.parquet')"
    return _query(
        f"""
        with a as (
            select region_code, respondent, score,
                   score is not null and not isnan(score) and score between 0 and 10 and score = floor(score) as ok
            from {answers}
        )
        select region_code, respondent,
               count(*) filter (where ok) as n,
               count(*) filter (where not ok or ok is null) as n_invalid,
               count(*) filter (where ok and score >= 9) as promoters,
               count(*) filter (where ok and score >= 7 and score < 9) as passives,
               count(*) filter (where ok and score < 7) as detractors,
               100.0 * (promoters - detractors) / nullif(n, 0) as nps,
               100.0 * sqrt(((promoters + detractors) / nullif(n, 0)
                    - power((promoters - detractors) / nullif(n, 0), 2)) / nullif(n, 0)) as se
        from a group by all order by region_code, respondent
        """
    )
