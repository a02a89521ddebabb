"""The same four families in idiomatic pandas, following docs/metrics.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl


def _read(folder: Path, table: str, columns: list[str]) -> pd.DataFrame:
    return pd.read_parquet(folder / table, columns=columns)


def access(folder: Path) -> pl.DataFrame:
    v = _read(folder, "visits", ["region_code", "urgent", "visit_at", "assessment_at"])
    wait = (v["visit_at"].dt.normalize() - v["assessment_at"].dt.normalize()).dt.days
    non_urgent = ~v["urgent"]
    frame = pd.DataFrame(
        {
            "region_code": v["region_code"],
            "n_visits": 1,
            "n_urgent": v["urgent"].astype(int),
            "n_missing_assessment": (non_urgent & v["assessment_at"].isna()).astype(int),
            "n_negative_wait": (non_urgent & (wait < 0)).astype(int),
            "n_eligible": (non_urgent & (wait >= 0)).astype(int),
            "n_within": (non_urgent & (wait >= 0) & (wait <= 7)).astype(int),
            "eligible_wait": wait.where(non_urgent & (wait >= 0)),
        }
    )
    grouped = frame.groupby("region_code", sort=True)
    result = grouped[
        ["n_visits", "n_urgent", "n_missing_assessment", "n_negative_wait", "n_eligible", "n_within"]
    ].sum()
    result["share"] = result["n_within"] / result["n_eligible"].replace(0, np.nan)
    result["median_wait_days"] = grouped["eligible_wait"].median()
    return pl.from_pandas(result.reset_index())


def t3(folder: Path) -> pl.DataFrame:
    s = _read(folder, "slots", ["captured_at", "book_id", "unit_id", "slot_at", "status", "slot_type"])
    times = pd.DataFrame({"measured_at": np.sort(s["captured_at"].unique())})
    captures = s[["book_id", "captured_at"]].drop_duplicates().sort_values("captured_at")
    books = s[["book_id", "unit_id"]].drop_duplicates()
    grid = books.merge(times, how="cross").sort_values("measured_at")
    chosen = pd.merge_asof(grid, captures, left_on="measured_at", right_on="captured_at", by="book_id").dropna(
        subset=["captured_at"]
    )
    joined = chosen.merge(
        s[["book_id", "captured_at", "slot_at", "status", "slot_type"]], on=["book_id", "captured_at"]
    )
    ok = (
        (joined["status"] == "free")
        & (joined["slot_type"] == "non_urgent")
        & (joined["slot_at"] >= joined["measured_at"])
    )
    counted = joined[ok].sort_values("slot_at")
    third = counted.groupby(["book_id", "measured_at"])["slot_at"].nth(2)
    third = counted.loc[third.index, ["book_id", "measured_at", "slot_at"]].rename(columns={"slot_at": "third"})
    n_free = (
        ok.groupby([joined["book_id"], joined["measured_at"], joined["unit_id"]]).sum().rename("n_free").reset_index()
    )
    per_book = n_free.merge(third, on=["book_id", "measured_at"], how="left")
    per_book["censored"] = per_book["n_free"] < 3
    per_book["t3_days"] = (per_book["third"].dt.normalize() - per_book["measured_at"].dt.normalize()).dt.days
    result = per_book.groupby(["unit_id", "measured_at"], sort=True).agg(
        n_books=("book_id", "size"), n_censored=("censored", "sum"), t3_median_days=("t3_days", "median")
    )
    return pl.from_pandas(result.reset_index())


def continuity(folder: Path) -> pl.DataFrame:
    keys = ["region_code", "profession", "patient_id"]
    v = _read(folder, "visits", [*keys, "professional_id", "visit_at", "visit_id"])
    missing = v["professional_id"].isna().groupby([v[k] for k in keys]).sum().rename("nmiss")
    known = v.dropna(subset=["professional_id"]).sort_values([*keys, "visit_at", "visit_id"])
    per_provider = known.groupby([*keys, "professional_id"]).size().rename("nj").reset_index()
    per_provider["nj2"] = per_provider["nj"] ** 2
    concentration = per_provider.groupby(keys).agg(n=("nj", "sum"), s=("nj2", "sum"), mx=("nj", "max"))
    previous = known.groupby(keys)["professional_id"].shift()
    reps = (known["professional_id"] == previous).groupby([known[k] for k in keys]).sum().rename("reps")
    patients = missing.to_frame().join(concentration, how="left").join(reps, how="left").reset_index()
    patients["n"] = patients["n"].fillna(0)
    eligible = patients["n"] >= 2
    n = patients["n"]
    patients["coc"] = ((patients["s"] - n) / (n * (n - 1))).where(eligible)
    patients["upc"] = (patients["mx"] / n).where(eligible)
    patients["secon"] = (patients["reps"] / (n - 1)).where(eligible)
    patients["weighted"] = patients["coc"] * n
    patients["weight"] = n.where(eligible)
    grouped = patients.groupby(["region_code", "profession"], sort=True)
    result = grouped.agg(
        n_patients=("patient_id", "size"),
        n_eligible=("coc", "count"),
        n_visits=("n", "sum"),
        n_missing_provider=("nmiss", "sum"),
        mean_coc=("coc", "mean"),
        weighted=("weighted", "sum"),
        weight=("weight", "sum"),
        mean_upc=("upc", "mean"),
        mean_secon=("secon", "mean"),
    )
    result["visit_weighted_coc"] = result["weighted"] / result["weight"]
    return pl.from_pandas(result.drop(columns=["weighted", "weight"]).reset_index())


def nps(folder: Path) -> pl.DataFrame:
    a = _read(folder, "answers", ["region_code", "respondent", "score"])
    score = a["score"]
    ok = score.notna() & score.between(0, 10) & (score == np.floor(score))
    frame = pd.DataFrame(
        {
            "region_code": a["region_code"],
            "respondent": a["respondent"],
            "n": ok.astype(int),
            "n_invalid": (~ok).astype(int),
            "promoters": (ok & (score >= 9)).astype(int),
            "passives": (ok & (score >= 7) & (score < 9)).astype(int),
            "detractors": (ok & (score < 7)).astype(int),
        }
    )
    result = frame.groupby(["region_code", "respondent"], sort=True).sum()
    p = result["promoters"] / result["n"]
    d = result["detractors"] / result["n"]
    result["nps"] = 100 * (p - d)
    result["se"] = 100 * np.sqrt(((p + d) - (p - d) ** 2) / result["n"])
    return pl.from_pandas(result.reset_index())
