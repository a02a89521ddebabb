"""The four metric families in idiomatic pandas, following docs/metrics.md.

What an analyst would write with pandas alone: read the columns with
``read_parquet``, build boolean masks, ``groupby``/``agg``, ``merge_asof`` for
the snapshots, ``groupby().shift()`` for visit sequences. Each family is one
function ``(folder) -> {name: polars frame}`` with the same output names, keys
and value columns as our API (converted to polars only for the comparison).
Settings are the benchmark's (see :mod:`bench.reference_duckdb`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from bench.generate import ACCESS_DAYS, HOLIDAYS, MEASURED_AT

Z95 = 1.959963984540054
MIN_VISITS = 2
THL_CENSORED_DAYS = 182

Results = dict[str, pl.DataFrame]

_URGENT, _MISSING_URGENCY, _MISSING_VISIT_AT, _MISSING_ASSESSMENT, _NEGATIVE_WAIT, _ELIGIBLE = range(6)


def _read(folder: Path, table: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(folder / table, columns=columns)


def _to_polars(frame: pd.DataFrame) -> pl.DataFrame:
    return pl.from_pandas(frame.reset_index())


def _wilson(successes: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Wilson 95 % interval, clipped to [0, 1]; NaN (null) where n = 0."""
    total = n.astype(float).where(n > 0)
    p = successes / total
    denominator = 1 + Z95**2 / total
    centre = (p + Z95**2 / (2 * total)) / denominator
    half = Z95 * np.sqrt(p * (1 - p) / total + Z95**2 / (4 * total**2)) / denominator
    return (centre - half).clip(0.0, 1.0), (centre + half).clip(0.0, 1.0)


def access(folder: Path, *, days: int = ACCESS_DAYS) -> Results:
    """Access within ``days`` days by area."""
    visits = _read(folder, "visits", ["region_code", "visit_at", "assessment_at", "urgent"])
    wait = (visits["visit_at"].dt.normalize() - visits["assessment_at"].dt.normalize()).dt.days
    visit_class = np.select(
        [
            visits["urgent"].eq(True),
            visits["urgent"].isna(),
            visits["visit_at"].isna(),
            visits["assessment_at"].isna(),
            wait.lt(0),
        ],
        [_URGENT, _MISSING_URGENCY, _MISSING_VISIT_AT, _MISSING_ASSESSMENT, _NEGATIVE_WAIT],
        default=_ELIGIBLE,
    )
    frame = pd.DataFrame({"region_code": visits["region_code"], "visit_class": visit_class, "wait": wait})
    counts = (
        frame.groupby(["region_code", "visit_class"])
        .size()
        .unstack("visit_class", fill_value=0)
        .reindex(columns=range(6), fill_value=0)
    )
    eligible = frame[frame["visit_class"] == _ELIGIBLE]
    by_region = eligible.groupby("region_code")["wait"]
    within = eligible["wait"].le(days).groupby(eligible["region_code"]).sum()
    result = pd.DataFrame(
        {
            "n_visits": counts.sum(axis=1),
            "n_eligible": counts[_ELIGIBLE],
            "n_within": within.reindex(counts.index, fill_value=0),
            "median_wait_days": by_region.median().reindex(counts.index),
            "n_urgent": counts[_URGENT],
            "n_missing_urgency": counts[_MISSING_URGENCY],
            "n_missing_visit_at": counts[_MISSING_VISIT_AT],
            "n_missing_assessment": counts[_MISSING_ASSESSMENT],
            "n_negative_wait": counts[_NEGATIVE_WAIT],
        }
    )
    result["share"] = result["n_within"] / result["n_eligible"].where(result["n_eligible"] > 0)
    result["ci_low"], result["ci_high"] = _wilson(result["n_within"], result["n_eligible"])
    result["days"] = days
    return {"access": _to_polars(result.rename_axis(index="region_code", columns=None))}


def _per_book(folder: Path, measured_at: Sequence[dt.datetime], holidays: Sequence[dt.date]) -> pd.DataFrame:
    slots = _read(folder, "slots", ["book_id", "unit_id", "captured_at", "slot_at", "status", "slot_type"])
    captures = slots[["book_id", "captured_at"]].drop_duplicates().rename(columns={"captured_at": "snapshot_at"})
    times = pd.DataFrame({"measured_at": pd.to_datetime(list(measured_at)).astype("datetime64[us]")})
    grid = captures[["book_id"]].drop_duplicates().merge(times, how="cross").sort_values("measured_at")
    in_use = pd.merge_asof(
        grid,
        captures.sort_values("snapshot_at"),
        left_on="measured_at",
        right_on="snapshot_at",
        by="book_id",
        direction="backward",
    ).dropna(subset=["snapshot_at"])
    read = in_use.merge(slots, left_on=["book_id", "snapshot_at"], right_on=["book_id", "captured_at"])
    read["counted"] = (
        read["status"].eq("free") & read["slot_type"].eq("non_urgent") & (read["slot_at"] >= read["measured_at"])
    )
    books = (
        read.groupby(["book_id", "unit_id", "measured_at", "snapshot_at"]).agg(n_free=("counted", "sum")).reset_index()
    )
    third = (
        read[read["counted"]]
        .sort_values("slot_at")
        .groupby(["book_id", "measured_at"])
        .nth(2)[["book_id", "measured_at", "slot_at"]]
        .rename(columns={"slot_at": "third_slot_at"})
    )
    books = books.merge(third, on=["book_id", "measured_at"], how="left")
    measured_day = books["measured_at"].dt.normalize()
    third_day = books["third_slot_at"].dt.normalize()
    books["t3_days"] = (third_day - measured_day).dt.days.astype("Int64")
    books["censored"] = books["n_free"] < 3
    found = books["third_slot_at"].notna()
    one_day = pd.Timedelta(days=1)
    working = np.busday_count(
        (measured_day[found] + one_day).to_numpy().astype("datetime64[D]"),
        (third_day[found] + one_day).to_numpy().astype("datetime64[D]"),
        holidays=np.array(holidays, dtype="datetime64[D]"),
    )
    books["t3_working_days"] = pd.Series(working, index=books.index[found]).reindex(books.index).astype("Int64")
    return books


def t3(
    folder: Path,
    *,
    measured_at: Sequence[dt.datetime] = MEASURED_AT,
    holidays: Sequence[dt.date] = HOLIDAYS,
) -> Results:
    """T3 per book at every measurement time, then the unit medians (censored books left out, and as 182)."""
    books = _per_book(folder, measured_at, holidays)

    def units(censored_days: int | None) -> pd.DataFrame:
        substitute = np.nan if censored_days is None else float(censored_days)
        value = books["t3_days"].astype(float).mask(books["censored"], substitute)
        summary = (
            books.assign(value=value)
            .groupby(["unit_id", "measured_at"])
            .agg(
                n_books=("book_id", "size"),
                n_censored=("censored", "sum"),
                t3_median_days=("value", "median"),
                t3_mean_days=("value", "mean"),
            )
        )
        summary["censored_days"] = pd.Series(censored_days, index=summary.index, dtype="Int64")
        return summary

    per_book = books.drop(columns=["unit_id"]).set_index(["book_id", "measured_at"]).sort_index()
    return {
        "t3_books": _to_polars(per_book),
        "t3_units": _to_polars(units(None)),
        "t3_units_182": _to_polars(units(THL_CENSORED_DAYS)),
    }


_KEYS = ["region_code", "profession", "patient_id"]


def _indices(folder: Path, min_visits: int) -> pd.DataFrame:
    """Per area, profession and patient: visit counts and the five indices."""
    visits = _read(folder, "visits", [*_KEYS, "professional_id", "visit_at", "visit_id"])
    visits["missing"] = visits["professional_id"].isna()
    patients = visits.groupby(_KEYS, sort=False).agg(n_missing_provider=("missing", "sum"))
    known = visits[~visits["missing"]]

    per_provider = known.groupby([*_KEYS, "professional_id"], sort=False).size().rename("n_j").reset_index()
    per_provider["n_j2"] = per_provider["n_j"] ** 2
    concentration = per_provider.groupby(_KEYS, sort=False).agg(
        n_visits=("n_j", "sum"), n_providers=("n_j", "size"), sum_sq=("n_j2", "sum"), max_j=("n_j", "max")
    )
    # SECON: each patient's known-provider visits in (visit_at, visit_id) order; count repeats of the previous one.
    ordered = known.sort_values([*_KEYS, "visit_at", "visit_id"])
    previous = ordered.groupby(_KEYS, sort=False)["professional_id"].shift()
    repeats = ordered["professional_id"].eq(previous).groupby([ordered[key] for key in _KEYS], sort=False).sum()

    patients = patients.join(concentration).join(repeats.rename("repeats"))
    patients[["n_visits", "n_providers"]] = patients[["n_visits", "n_providers"]].fillna(0).astype("int64")
    n = patients["n_visits"].astype(float)
    k = patients["n_providers"].astype(float)
    defined = patients["n_visits"] >= min_visits
    patients["coc"] = ((patients["sum_sq"] - n) / (n * (n - 1))).where(defined)
    patients["upc"] = (patients["max_j"] / n).where(defined)
    patients["secon"] = (patients["repeats"] / (n - 1)).where(defined)
    patients["mmci"] = ((n - k + 1) / n).where(defined)
    patients["hhi"] = (patients["sum_sq"] / (n * n)).where(defined)
    columns = ["n_visits", "n_providers", "coc", "upc", "secon", "mmci", "hhi", "n_missing_provider"]
    return patients[columns]


def continuity_indices(folder: Path, *, min_visits: int = MIN_VISITS) -> Results:
    """The per-patient indices (for the agreement check, not timed)."""
    return {"continuity_indices": _to_polars(_indices(folder, min_visits).sort_index())}


def continuity(folder: Path, *, min_visits: int = MIN_VISITS) -> Results:
    """Continuity by area and profession: per-patient indices, then patient means with intervals."""
    patients = _indices(folder, min_visits).reset_index()
    eligible = patients["coc"].notna()
    patients["weight"] = patients["n_visits"].where(eligible)
    patients["weighted_coc"] = patients["n_visits"] * patients["coc"]
    patients["weighted_upc"] = patients["n_visits"] * patients["upc"]
    summary = patients.groupby(["region_code", "profession"]).agg(
        n_patients=("patient_id", "size"),
        n_eligible=("coc", "count"),
        n_visits=("n_visits", "sum"),
        n_missing_provider=("n_missing_provider", "sum"),
        mean_coc=("coc", "mean"),
        sd_coc=("coc", "std"),
        weighted_coc=("weighted_coc", "sum"),
        mean_upc=("upc", "mean"),
        sd_upc=("upc", "std"),
        weighted_upc=("weighted_upc", "sum"),
        weight=("weight", "sum"),
        mean_secon=("secon", "mean"),
        mean_mmci=("mmci", "mean"),
        mean_hhi=("hhi", "mean"),
    )
    m = summary["n_eligible"].where(summary["n_eligible"] >= 2)
    total_weight = summary["weight"].where(summary["n_eligible"] > 0)
    for index, prefix in (("coc", ""), ("upc", "upc_")):
        half = Z95 * summary[f"sd_{index}"] / np.sqrt(m)
        summary[f"{prefix}ci_low"] = (summary[f"mean_{index}"] - half).clip(0.0, 1.0)
        summary[f"{prefix}ci_high"] = (summary[f"mean_{index}"] + half).clip(0.0, 1.0)
        summary[f"visit_weighted_{index}"] = summary[f"weighted_{index}"] / total_weight
    summary["min_visits"] = min_visits
    helpers = ["sd_coc", "sd_upc", "weighted_coc", "weighted_upc", "weight"]
    return {"continuity": _to_polars(summary.drop(columns=helpers))}


def _nps(answers: pd.DataFrame, weight: str | None) -> pd.DataFrame:
    keys = ["region_code", "respondent"]
    score = answers["score"]
    valid = score.notna() & score.between(0, 10) & score.eq(np.floor(score))
    if weight is not None:
        valid &= answers[weight].notna() & answers[weight].ge(0)
    w = (answers[weight] if weight is not None else pd.Series(1.0, index=answers.index)).where(valid, 0.0)
    signed = pd.Series(np.select([score >= 9, score >= 7], [1, 0], default=-1), index=answers.index)
    frame = answers[keys].assign(
        valid=valid,
        invalid=~valid,
        promoter=valid & signed.eq(1),
        passive=valid & signed.eq(0),
        detractor=valid & signed.eq(-1),
        w=w,
        w2=w**2,
        w_signed=w * signed,
        w_promoter=w.where(signed.eq(1), 0.0),
        w_passive=w.where(signed.eq(0), 0.0),
        w_detractor=w.where(signed.eq(-1), 0.0),
    )
    grouped = frame.groupby(keys)
    sums = grouped[
        ["valid", "invalid", "promoter", "passive", "detractor", "w", "w2", "w_promoter", "w_passive", "w_detractor"]
    ].sum()
    # Σ w²(s − m)² around each group's weighted mean score m.
    group_mean = grouped["w_signed"].transform("sum") / grouped["w"].transform("sum")
    frame["spread"] = (frame["w2"] * (signed - group_mean) ** 2).where(valid, 0.0)
    spread = frame.groupby(keys)["spread"].sum()

    result = pd.DataFrame(
        {
            "n": sums["valid"],
            "n_invalid": sums["invalid"],
            "promoters": sums["promoter"],
            "passives": sums["passive"],
            "detractors": sums["detractor"],
        }
    )
    # No valid answer, or weights summing to 0: no shares, and nothing built on them.
    answered = (result["n"] > 0) & (sums["w"] > 0)
    total = sums["w"].where(answered)
    p, q, d = sums["w_promoter"] / total, sums["w_passive"] / total, sums["w_detractor"] / total
    result["nps"] = 100 * (p - d)
    if weight is None:
        result["se"] = 100 * np.sqrt(((p + d) - (p - d) ** 2) / result["n"].where(answered))
        result["n_effective"] = result["n"].astype(float).where(answered)
    else:
        result["se"] = 100 * np.sqrt(spread.where(answered)) / total
        result["n_effective"] = total**2 / sums["w2"].where(answered)
    result["ci_low"] = (result["nps"] - Z95 * result["se"]).clip(-100.0, 100.0)
    result["ci_high"] = (result["nps"] + Z95 * result["se"]).clip(-100.0, 100.0)
    result["promoter_share"], result["passive_share"], result["detractor_share"] = p, q, d
    return result


def nps(folder: Path, *, weight: str = "weight") -> Results:
    """NPS by area and respondent group, unweighted and with the survey weights."""
    answers = _read(folder, "answers", ["region_code", "respondent", "score", weight])
    return {"nps": _to_polars(_nps(answers, None)), "nps_weighted": _to_polars(_nps(answers, weight))}


FAMILIES: dict[str, Callable[[Path], Results]] = {
    "access": access,
    "t3": t3,
    "continuity": continuity,
    "nps": nps,
}
CHECKS: dict[str, Callable[[Path], Results]] = {"continuity_indices": continuity_indices}
