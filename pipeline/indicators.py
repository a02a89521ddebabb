"""Published indicator series into the store: from the recorded copies (offline) or live (refresh).

A refresh is offline-first: each indicator is fetched only when Sotkanet's
``data-updated`` differs from the stored one, every indicator is saved in its
own transaction, and any failure keeps the last good data, records the
reason and the time of the attempt, and lets the pages say "as of".
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from core import columns as c
from core.errors import DataSourceError
from core.settings import PROJECT_ROOT
from data_sources.http import JsonReply
from data_sources.sotkanet import SotkanetClient, parse_data, parse_indicator, parse_regions, region_code_map
from data_sources.thl_cube import ThlCubeClient, access_values, parse_jsonstat
from store import tables
from store.repository import read_table, record_source_attempt, save_indicator_series

RECORDED = PROJECT_ROOT / "sample_data" / "recorded"
THL_LICENCE = "CC BY 4.0"
RECORDED_CUBES = ("fact_ahil_pthjono01",)
Progress = Callable[[float, str], None]


@dataclass
class RefreshOutcome:
    """What a refresh did, for the page to show."""

    source: str
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def _recorded_reply(path: Path, source: str) -> JsonReply:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataSourceError(source=source, request=f"read {path.name}", reason=str(exc)) from exc
    return JsonReply(source=source, request=f"recorded {path.name}", body=body)


def load_recorded_indicators(engine: sa.Engine, folder: Path = RECORDED, *, now: dt.datetime | None = None) -> int:
    """Store every recorded Sotkanet series and THL access cube; returns the number of series stored."""
    fetched_at = now or _now()
    sotkanet = folder / "sotkanet"
    codes = region_code_map(parse_regions(_recorded_reply(sotkanet / "regions.json", "sotkanet")))
    stored = 0
    for data_file in sorted(sotkanet.glob("data_*.json")):
        indicator_id = int(data_file.stem.removeprefix("data_"))
        meta = parse_indicator(_recorded_reply(sotkanet / f"indicator_{indicator_id}.json", "sotkanet"))
        values = parse_data(
            _recorded_reply(data_file, "sotkanet"),
            indicator_id=indicator_id,
            region_codes=codes,
            unit=meta.unit.code if meta.unit else None,
        )
        save_indicator_series(engine, {**meta.store_record(), "recorded": True}, values, fetched_at=fetched_at)
        stored += 1
    for cube in RECORDED_CUBES:
        dataset = parse_jsonstat(_recorded_reply(folder / "thl" / f"{cube}.json", "thl_cube"))
        values = access_values(dataset, cube=cube)
        stored += save_cube(engine, values, title=dataset.label, fetched_at=fetched_at, recorded=True)
    return stored


def save_cube(
    engine: sa.Engine, values: pl.DataFrame, *, title: str, fetched_at: dt.datetime, recorded: bool = False
) -> int:
    """Store a cube's canonical values, one series per indicator id, each in its own transaction.

    ``recorded`` marks the bundled copies (constructed numbers) apart from a live refresh.
    """
    count = 0
    for (indicator_id,), series in values.group_by(c.INDICATOR_ID, maintain_order=True):
        meta = {
            "source": "thl_cube",
            "indicator_id": str(indicator_id),
            "title_fi": title,
            "organization": "Terveyden ja hyvinvoinnin laitos (THL)",
            "licence": THL_LICENCE,
            "unit": series[c.UNIT][0] if series.height else None,
            "recorded": recorded,
        }
        save_indicator_series(engine, meta, series, fetched_at=fetched_at)
        count += 1
    return count


def refresh_sotkanet(
    engine: sa.Engine,
    client: SotkanetClient,
    indicator_ids: Iterable[int],
    *,
    years: Sequence[int],
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> RefreshOutcome:
    """Fetch the indicators whose ``data-updated`` changed; keep the last good data on any failure.

    A bundled copy (``recorded``) is always fetched: its update date is THL's format, its numbers are made up.
    """
    report = progress or (lambda _fraction, _message: None)
    attempted_at = now or _now()
    outcome = RefreshOutcome(source="sotkanet")
    ids = list(indicator_ids)
    stored = read_table(engine, tables.indicators, source="sotkanet").filter(~pl.col("recorded"))
    known = dict(zip(stored["indicator_id"].to_list(), stored["data_updated"].to_list(), strict=True))
    for position, indicator_id in enumerate(ids):
        report(position / max(len(ids), 1), f"Sotkanet {indicator_id}")
        try:
            meta = client.indicator(indicator_id)
            if known.get(str(indicator_id)) == meta.data_updated and meta.data_updated is not None:
                outcome.unchanged.append(str(indicator_id))
                continue
            values = client.data(indicator_id, years=years, genders=("total",))
            save_indicator_series(engine, meta.store_record(), values, fetched_at=attempted_at)
            outcome.updated.append(str(indicator_id))
        except DataSourceError as exc:
            outcome.failed[str(indicator_id)] = str(exc)
    error = "; ".join(f"{key}: {reason}" for key, reason in outcome.failed.items()) or None
    record_source_attempt(engine, "sotkanet", at=attempted_at, error=error)
    report(1.0, "Sotkanet done")
    return outcome


@dataclass(frozen=True)
class CubeQuery:
    """Where THL's monthly access cube lives (placeholders until confirmed against the live API)."""

    subject: str = "avohpaasy"
    hydra: str = "pthjono01"
    cube: str = "ahil_pthjono01"


def refresh_thl_cube(
    engine: sa.Engine,
    client: ThlCubeClient,
    query: CubeQuery = CubeQuery(),  # frozen, so a shared default is safe
    *,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> RefreshOutcome:
    """Fetch the access cube and replace its series; on failure keep the last good data and record why."""
    report = progress or (lambda _fraction, _message: None)
    attempted_at = now or _now()
    outcome = RefreshOutcome(source="thl_cube")
    report(0.0, f"THL {query.cube}")
    try:
        dataset = client.dataset(query.subject, query.hydra, query.cube)
        save_cube(engine, access_values(dataset, cube=query.cube), title=dataset.label, fetched_at=attempted_at)
        outcome.updated.append(query.cube)
    except DataSourceError as exc:
        outcome.failed[query.cube] = str(exc)
    record_source_attempt(engine, "thl_cube", at=attempted_at, error=outcome.failed.get(query.cube))
    report(1.0, "THL done")
    return outcome


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
