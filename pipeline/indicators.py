"""Published indicator series into the store: from the recorded copies (offline) or live (refresh).

A refresh is offline-first: each indicator is fetched only when Sotkanet's
``data-updated`` differs from the stored one, every indicator is saved in its
own transaction, and any failure keeps the last good data, records the
reason and the time of the attempt, and lets the pages say "as of".

What counts as a failure, besides an error from the source (an HTTP error,
a body cut short or not JSON, a body over ``DASHBOARD_REMOTE_MAX_BYTES``, a
request past ``DASHBOARD_REMOTE_REQUEST_DEADLINE``):

* **An empty answer.** A series answer with no values (no rows for the years
  asked, or rows whose value and count are all missing) is never written,
  whether or not the store holds the series: a refresh asks only for series
  that are expected to have data, so an empty answer is a fault at the source
  (Sotkanet has answered ``200 []`` during maintenance), and writing it would
  wipe the last good series. It is reported as failed with that reason. The
  same holds for the THL cube as a whole and for each series in it.
* **The refresh's deadline** (``DASHBOARD_REFRESH_DEADLINE``). Once it passes,
  the request under way is stopped, the series not yet fetched are not asked
  for and are reported as failed with that reason; the series saved before
  stay saved.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import sqlalchemy as sa

from core import columns as c
from core.errors import DataSourceError, InvalidInputError
from core.settings import DEFAULT_REFRESH_DEADLINE, PROJECT_ROOT, Settings
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


def published_copies(folder: Path = RECORDED) -> dict[int, dt.date]:
    """The bundled copies of THL's published Sotkanet series: indicator id → the day it was copied.

    Read from ``sotkanet/published_copies.json``, which ``published_copies.py`` writes beside the data files.
    """
    path = folder / "sotkanet" / "published_copies.json"
    body = _recorded_reply(path, "sotkanet").body
    copies = body.get("copies") if isinstance(body, dict) else None
    reason = "expected {'copies': [{'indicator': id, 'retrieved': 'YYYY-MM-DD'}, …]}"
    if not isinstance(copies, list):
        raise DataSourceError(source="sotkanet", request=f"read {path.name}", reason=reason)
    try:
        return {int(row["indicator"]): dt.date.fromisoformat(row["retrieved"]) for row in copies}
    except (KeyError, TypeError, ValueError) as exc:
        raise DataSourceError(source="sotkanet", request=f"read {path.name}", reason=f"{reason}: {exc}") from exc


def load_recorded_indicators(engine: sa.Engine, folder: Path = RECORDED, *, now: dt.datetime | None = None) -> int:
    """Store the bundled copies of THL's Sotkanet series and the THL access cube; returns the number of series.

    The Sotkanet series are the copies of THL's published values listed in ``published_copies.json``, stored
    with the day they were copied (``retrieved``) and without an update date (THL's is not known here). The
    other ``data_*.json`` files in the folder are constructed examples with made-up numbers for the connector's
    tests, and are not loaded. The cube is constructed too: it is stored without a retrieval date, so its charts
    carry the sample badge.
    """
    fetched_at = now or _now()
    stored = _load_published_copies(engine, folder, fetched_at=fetched_at)
    for cube in RECORDED_CUBES:
        dataset = parse_jsonstat(_recorded_reply(folder / "thl" / f"{cube}.json", "thl_cube"))
        values = access_values(dataset, cube=cube)
        stored += save_cube(engine, values, title=dataset.label, fetched_at=fetched_at, recorded=True)
    return stored


def replace_sotkanet_examples(engine: sa.Engine, folder: Path = RECORDED, *, now: dt.datetime | None = None) -> int:
    """Swap the constructed Sotkanet examples a store from an older version holds for THL's published copies.

    Such a store loaded made-up Sotkanet series on its first start (``recorded`` without a retrieval date). They
    are deleted, and the bundled copies are loaded for every indicator not fetched live since (a live series is
    kept as it is). Returns the number of copies loaded; 0, and nothing changed, when there is no example.
    """
    stored = read_table(engine, tables.indicators, source="sotkanet")
    examples = stored.filter(pl.col("recorded") & pl.col("retrieved").is_null())["indicator_id"].to_list()
    if not examples:
        return 0
    live = set(stored.filter(~pl.col("recorded"))["indicator_id"].to_list())
    with engine.begin() as connection:
        for table in (tables.indicator_values, tables.indicators):
            connection.execute(table.delete().where(table.c.source == "sotkanet", table.c.indicator_id.in_(examples)))
    return _load_published_copies(engine, folder, fetched_at=now or _now(), skip=live)


def _load_published_copies(
    engine: sa.Engine, folder: Path, *, fetched_at: dt.datetime, skip: Iterable[str] = ()
) -> int:
    """Store each published copy not in ``skip`` (indicator ids), with its retrieval date; returns how many."""
    skipped = set(skip)
    sotkanet = folder / "sotkanet"
    codes = region_code_map(parse_regions(_recorded_reply(sotkanet / "regions.json", "sotkanet")))
    stored = 0
    for indicator_id, retrieved in sorted(published_copies(folder).items()):
        if str(indicator_id) in skipped:
            continue
        meta = parse_indicator(_recorded_reply(sotkanet / f"indicator_{indicator_id}.json", "sotkanet"))
        values = parse_data(
            _recorded_reply(sotkanet / f"data_{indicator_id}.json", "sotkanet"),
            indicator_id=indicator_id,
            region_codes=codes,
            unit=meta.unit.code if meta.unit else None,
        )
        # THL's update date of the copied values is not known (the bundled metadata is constructed): none is stored
        record = {**meta.store_record(), "data_updated": None, "recorded": True, "retrieved": retrieved}
        save_indicator_series(engine, record, values, fetched_at=fetched_at)
        stored += 1
    return stored


def save_cube(
    engine: sa.Engine, values: pl.DataFrame, *, title: str, fetched_at: dt.datetime, recorded: bool = False
) -> int:
    """Store a cube's canonical values, one series per indicator id, each in its own transaction.

    ``recorded`` marks the bundled copy (constructed numbers, no retrieval date) apart from a live refresh.
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
    deadline: float = DEFAULT_REFRESH_DEADLINE,
) -> RefreshOutcome:
    """Fetch the indicators whose ``data-updated`` changed; keep the last good data on any failure.

    A bundled copy (``recorded``) is always fetched: its metadata, update date included, is constructed, so
    it cannot tell whether THL has published newer values since the copy was made.
    An answer without values is a failure (see the module docstring). ``deadline`` is the seconds the
    whole refresh may take: the indicators not fetched by then are reported as failed.
    """
    report = progress or (lambda _fraction, _message: None)
    attempted_at = now or _now()
    end = time.monotonic() + deadline
    outcome = RefreshOutcome(source="sotkanet")
    ids = list(indicator_ids)
    stored = read_table(engine, tables.indicators, source="sotkanet").filter(~pl.col("recorded"))
    known = dict(zip(stored["indicator_id"].to_list(), stored["data_updated"].to_list(), strict=True))
    with client.http.finish_by(end):
        for position, indicator_id in enumerate(ids):
            if time.monotonic() >= end:
                for rest in ids[position:]:
                    outcome.failed[str(rest)] = str(_not_fetched("sotkanet", f"indicator {rest}", deadline))
                break
            report(position / max(len(ids), 1), f"Sotkanet {indicator_id}")
            try:
                meta = client.indicator(indicator_id)
                if known.get(str(indicator_id)) == meta.data_updated and meta.data_updated is not None:
                    outcome.unchanged.append(str(indicator_id))
                    continue
                values = client.data(indicator_id, years=years, genders=("total",))
                _require_values(values, "sotkanet", f"GET json for indicator {indicator_id}, years {_span(years)}")
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
    deadline: float = DEFAULT_REFRESH_DEADLINE,
) -> RefreshOutcome:
    """Fetch the access cube and replace its series; on failure keep the last good data and record why.

    A cube without values is a failure; so is each series of it without values, which keeps its
    last good data while the others are replaced (see the module docstring).
    """
    report = progress or (lambda _fraction, _message: None)
    attempted_at = now or _now()
    end = time.monotonic() + deadline
    outcome = RefreshOutcome(source="thl_cube")
    report(0.0, f"THL {query.cube}")
    try:
        if deadline <= 0:
            raise _not_fetched("thl_cube", f"cube {query.cube}", deadline)
        with client.http.finish_by(end):
            dataset = client.dataset(query.subject, query.hydra, query.cube)
        values = access_values(dataset, cube=query.cube)
        request = f"GET cube {query.subject}/{query.hydra}/{query.cube}"
        _require_values(values, "thl_cube", request)
        present = _has_values().any().over(c.INDICATOR_ID)  # the series has a value somewhere
        empty = values.filter(~present)[c.INDICATOR_ID].unique(maintain_order=True)
        save_cube(engine, values.filter(present), title=dataset.label, fetched_at=attempted_at)
        outcome.updated.append(query.cube)
        for series in empty.to_list():
            outcome.failed[series] = str(_no_values("thl_cube", f"{request}, series {series}"))
    except DataSourceError as exc:
        outcome.failed[query.cube] = str(exc)
    error = "; ".join(f"{key}: {reason}" for key, reason in outcome.failed.items()) or None
    record_source_attempt(engine, "thl_cube", at=attempted_at, error=error)
    report(1.0, "THL done")
    return outcome


#: The remote sources a refresh can fetch, as the command line names them.
REFRESH_SOURCES = ("sotkanet", "thl")
#: The first year a refresh asks Sotkanet for (the reform's baseline years start here).
FIRST_REFRESH_YEAR = 2019


def refresh_years(today: dt.date | None = None) -> range:
    """The years a refresh asks for by default: :data:`FIRST_REFRESH_YEAR` to the current year."""
    return range(FIRST_REFRESH_YEAR, (today or dt.date.today()).year + 1)


def refresh_all(
    engine: sa.Engine,
    settings: Settings,
    *,
    years: Sequence[int] | None = None,
    sources: Sequence[str] = REFRESH_SOURCES,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> tuple[RefreshOutcome, ...]:
    """Refresh Sotkanet's series, then THL's cube, with the limits in ``settings``, within one deadline.

    ``years`` default to :func:`refresh_years`; ``sources`` (some of :data:`REFRESH_SOURCES`) choose what
    is fetched, and the outcomes come back in that order. The clients take the body limit and the request
    deadline from ``settings``; the refreshes share ``settings.refresh_deadline``. With both sources,
    progress runs from 0 to 0.8 for Sotkanet and on to 1 for THL.
    """
    unknown = [source for source in sources if source not in REFRESH_SOURCES]
    if unknown or not sources:
        raise InvalidInputError(
            f"sources must be some of {', '.join(REFRESH_SOURCES)}, got {', '.join(map(repr, sources)) or 'none'}"
        )
    chosen = [source for source in REFRESH_SOURCES if source in sources]
    report = progress or (lambda _fraction, _message: None)
    # Where each source's progress starts and how much of the bar it fills.
    spans = {"sotkanet": (0.0, 0.8), "thl": (0.8, 0.2)} if len(chosen) == 2 else {chosen[0]: (0.0, 1.0)}

    def part(source: str) -> Progress:
        begin, width = spans[source]
        return lambda fraction, message: report(begin + fraction * width, message)

    end = time.monotonic() + settings.refresh_deadline
    deadline, max_bytes = settings.remote_request_deadline, settings.remote_max_bytes
    outcomes = []
    if "sotkanet" in chosen:
        with SotkanetClient(settings.sotkanet_url, deadline=deadline, max_bytes=max_bytes) as sotkanet_client:
            outcomes.append(
                refresh_sotkanet(
                    engine,
                    sotkanet_client,
                    settings.sotkanet_indicators,
                    years=refresh_years() if years is None else years,
                    progress=part("sotkanet"),
                    now=now,
                    deadline=settings.refresh_deadline,
                )
            )
    if "thl" in chosen:
        with ThlCubeClient(settings.thl_url, deadline=deadline, max_bytes=max_bytes) as cube_client:
            outcomes.append(
                refresh_thl_cube(
                    engine,
                    cube_client,
                    progress=part("thl"),
                    now=now,
                    deadline=max(end - time.monotonic(), 0.0),
                )
            )
    return tuple(outcomes)


def _has_values() -> pl.Expr:
    """Per row: a value or a count is present."""
    return pl.col(c.VALUE).is_not_null() | pl.col(c.NUMERATOR).is_not_null()


def _require_values(values: pl.DataFrame, source: str, request: str) -> None:
    """Raise when an answer has no values at all: it must not replace a series (see the module docstring)."""
    if values.is_empty() or not values.select(_has_values().any()).item():
        raise _no_values(source, request)


def _no_values(source: str, request: str) -> DataSourceError:
    return DataSourceError(
        source=source,
        request=request,
        reason="the answer has no values (no rows, or every value and count missing); "
        "an empty answer never replaces a series, so the last good data are kept",
    )


def _not_fetched(source: str, what: str, deadline: float) -> DataSourceError:
    return DataSourceError(
        source=source,
        request=f"refresh of {what}",
        reason=f"not fetched: the refresh's deadline of {deadline:g} s (DASHBOARD_REFRESH_DEADLINE) passed "
        f"first, so the last good data are kept",
    )


def _span(years: Sequence[int]) -> str:
    listed = sorted(years)
    return f"{listed[0]}–{listed[-1]}" if len(listed) > 1 else "".join(map(str, listed))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
