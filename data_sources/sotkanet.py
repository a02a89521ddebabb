"""Sotkanet REST API 1.1 (THL's indicator bank) into the canonical indicator-values table.

Endpoints (no authentication, no paging): ``/indicators`` (list),
``/indicators/{id}`` (metadata), ``/regions`` (every region of every
category) and ``/json?indicator=…&years=…&genders=…`` (data rows). Years and
genders go as repeated keys, one indicator per request; the server has no
region filter and answers every region it has.

How data rows become canonical rows (``source`` = ``"sotkanet"``):

* ``region`` is Sotkanet's *internal* region id. It is mapped through
  ``/regions``: a ``HYVINVOINTIALUE`` row gives the county code (``"01"`` …
  ``"21"``, ``"90"`` Helsinki, ``"91"`` Åland; unpadded codes are padded), the
  ``MAA`` row (whole country, id 658) gives ``"SSS"``. Ids that ``/regions``
  does not list are looked up in ``reference_data/regions.csv`` (current and
  pre-2023 ids). Every other category (municipalities, hospital districts,
  regions, AVI and ERVA areas, …) is dropped; the count is logged at debug level.
* ``year`` → ``period`` ``"2024"``; ``gender`` → ``sex``.
* ``value`` → ``value``; ``absValue`` (the absolute count behind the rate)
  → ``numerator``. Either may be missing: rows with only ``absValue`` and rows
  with only ``value`` are kept, the missing one is null. Sotkanet publishes no
  denominator, so ``denominator`` is null.
* ``unit`` is the indicator's ``primaryValueType.code`` (e.g. ``PER1000``),
  read from ``/indicators/{id}`` (fetched once per client); its three-language
  title is in :class:`IndicatorMetadata`. When that page answers 404 the unit
  is null and the data request still decides; any other failure is raised.

An empty data array (no data for those years or genders: some indicators have
no ``total`` row) gives an empty canonical frame, not an error here; a refresh
(:mod:`pipeline.indicators`) never stores such an answer over a series and
reports it as a failure.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import polars as pl
import requests

from core import columns as c
from core.codes import WHOLE_COUNTRY
from core.errors import DataSourceError, InvalidInputError
from core.regions import all_regions, region_by_sotkanet_id
from core.schema import CANONICAL_DTYPES, INDICATOR_VALUES, SEXES
from core.settings import DEFAULT_REMOTE_MAX_BYTES, DEFAULT_REMOTE_REQUEST_DEADLINE
from data_sources.http import HttpClient, JsonReply, Timeout

log = logging.getLogger(__name__)

SOURCE = "sotkanet"
DEFAULT_BASE_URL = "https://sotkanet.fi/rest/1.1"
COUNTY_CATEGORY = "HYVINVOINTIALUE"
COUNTRY_CATEGORY = "MAA"
GENDERS = ("total", "male", "female")
LANGUAGES = ("fi", "sv", "en")
THL_ORGANIZATION_ID = 2

_STATUS_HINTS = {
    403: "Sotkanet refuses requests without a User-Agent header",
    404: "Sotkanet has no such resource (an unknown indicator id?)",
}
_KNOWN_CODES = frozenset(region.code for region in all_regions())


@dataclass(frozen=True)
class Localized:
    """A text in Finnish, Swedish and English; a language Sotkanet left out is ``""``."""

    fi: str = ""
    sv: str = ""
    en: str = ""

    def get(self, language: str) -> str:
        """The text in ``language``, else the first non-empty of fi, en, sv."""
        if language not in LANGUAGES:
            raise InvalidInputError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        text: str = getattr(self, language)
        return text or self.fi or self.en or self.sv

    def as_dict(self) -> dict[str, str]:
        return {"fi": self.fi, "sv": self.sv, "en": self.en}

    def plain(self) -> Localized:
        """The same texts with Sotkanet's HTML fragments (``<p>``, ``<br />``, entities) turned into plain text."""
        return Localized(fi=plain_text(self.fi), sv=plain_text(self.sv), en=plain_text(self.en))


@dataclass(frozen=True)
class Organization:
    id: int | None
    title: Localized


@dataclass(frozen=True)
class YearRange:
    start: int
    end: int

    def years(self) -> range:
        return range(self.start, self.end + 1)


@dataclass(frozen=True)
class ValueType:
    """``primaryValueType``: a code such as ``PER1000`` and its title."""

    code: str
    title: Localized


@dataclass(frozen=True)
class IndicatorMetadata:
    """``GET /indicators/{id}``: what the dashboard keeps and shows next to the series."""

    id: int
    title: Localized
    description: Localized = field(default_factory=Localized)
    interpretation: Localized = field(default_factory=Localized)
    limits: Localized = field(default_factory=Localized)
    organization: Organization | None = None
    data_updated: dt.date | None = None
    range: YearRange | None = None
    decimals: int | None = None
    unit: ValueType | None = None
    sexes: tuple[str, ...] = ()
    region_categories: tuple[str, ...] = ()

    @property
    def licence(self) -> str:
        """CC BY 4.0 for THL's own indicators; others carry their producer's terms."""
        if self.organization is None:
            return "unknown: check the producer's terms"
        if self.organization.id == THL_ORGANIZATION_ID:
            return "CC BY 4.0"
        return f"producer's terms: {self.organization.title.get('fi')}"

    def store_record(self) -> dict[str, object]:
        """One row for the store's ``indicators`` table (HTML turned into plain text; ``limits`` as fi/sv/en JSON)."""
        description = self.description.plain()
        return {
            "source": SOURCE,
            "indicator_id": str(self.id),
            "title_fi": self.title.fi,
            "title_sv": self.title.sv,
            "title_en": self.title.en,
            "description_fi": description.fi,
            "description_sv": description.sv,
            "description_en": description.en,
            "organization": self.organization.title.get("fi") if self.organization else None,
            "data_updated": self.data_updated,
            "decimals": self.decimals,
            "limits": json.dumps(self.limits.plain().as_dict(), ensure_ascii=False),
            "unit": self.unit.code if self.unit else None,
            "licence": self.licence,
        }


class SotkanetClient:
    """Sotkanet REST client: ``indicators()``, ``indicator(id)``, ``regions()``, ``data(id, years=…)``.

    ``timeout`` is ``(connect, read)`` seconds or one number; ``retries``,
    ``backoff_base``, ``backoff_max``, ``deadline`` (seconds one request may
    take, retries included) and ``max_bytes`` (the largest body read) tune
    :class:`~data_sources.http.HttpClient`.
    ``/regions`` and each indicator's metadata are fetched once per client and kept.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        *,
        session: requests.Session | None = None,
        timeout: Timeout = (5.0, 60.0),
        retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        user_agent: str | None = None,
        deadline: float = DEFAULT_REMOTE_REQUEST_DEADLINE,
        max_bytes: int = DEFAULT_REMOTE_MAX_BYTES,
    ) -> None:
        self.http = HttpClient(
            source=SOURCE,
            base_url=base_url,
            session=session,
            timeout=timeout,
            retries=retries,
            backoff_base=backoff_base,
            backoff_max=backoff_max,
            user_agent=user_agent,
            status_hints=_STATUS_HINTS,
            deadline=deadline,
            max_bytes=max_bytes,
        )
        self._regions: pl.DataFrame | None = None
        self._metadata: dict[int, IndicatorMetadata] = {}

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def indicators(self) -> pl.DataFrame:
        """``GET /indicators``: one row per indicator (see :func:`parse_indicators`)."""
        return parse_indicators(self.http.get_json("indicators"))

    def indicator(self, indicator_id: int | str) -> IndicatorMetadata:
        """``GET /indicators/{id}``: the indicator's metadata."""
        number = normalize_indicator_id(indicator_id)
        if number not in self._metadata:
            self._metadata[number] = parse_indicator(self.http.get_json(f"indicators/{number}"))
        return self._metadata[number]

    def regions(self) -> pl.DataFrame:
        """``GET /regions``: every region with its internal id and, for counties and the country, ``region_code``."""
        if self._regions is None:
            self._regions = parse_regions(self.http.get_json("regions"))
        return self._regions

    def data(
        self, indicator_id: int | str, *, years: Iterable[int], genders: Iterable[str] | str = ("total",)
    ) -> pl.DataFrame:
        """``GET /json``: the indicator's values for ``years`` and ``genders`` as a canonical indicator-values frame."""
        number = normalize_indicator_id(indicator_id)
        year_list = normalize_years(years)
        gender_list = normalize_genders(genders)
        codes = region_code_map(self.regions())
        unit = self._unit(number)
        params = [("indicator", str(number))]
        params += [("years", str(year)) for year in year_list]
        params += [("genders", gender) for gender in gender_list]
        reply = self.http.get_json("json", params)
        return parse_data(reply, indicator_id=number, region_codes=codes, unit=unit)

    def _unit(self, indicator_id: int) -> str | None:
        """The value-type code from the metadata; None when Sotkanet has no metadata page (404) for the id."""
        try:
            metadata = self.indicator(indicator_id)
        except DataSourceError as error:
            if error.status != 404:
                raise
            log.warning("sotkanet indicator %s has no metadata (HTTP 404); its unit is left empty", indicator_id)
            return None
        return metadata.unit.code if metadata.unit else None


# -- loose inputs, normalised at the boundary ----------------------------------------------------


def normalize_indicator_id(indicator_id: int | str) -> int:
    """A positive indicator id from an int or a string of digits."""
    if isinstance(indicator_id, str) and indicator_id.strip().isdigit():
        indicator_id = int(indicator_id.strip())
    if isinstance(indicator_id, bool) or not isinstance(indicator_id, int) or indicator_id < 1:
        raise InvalidInputError(f"a Sotkanet indicator id is a positive whole number, got {indicator_id!r}")
    return indicator_id


def normalize_years(years: Iterable[int]) -> list[int]:
    """Distinct years in ascending order; at least one (Sotkanet's answer without ``years`` is undocumented)."""
    items: Iterable[object] = [years] if isinstance(years, int | str) else years  # one year is a common slip
    values: list[int] = []
    for year in items:
        if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
            raise InvalidInputError(f"years must be whole years between 1900 and 2100, got {year!r}")
        values.append(year)
    if not values:
        raise InvalidInputError("years must name at least one year (use indicator(id).range.years() for all)")
    return sorted(set(values))


def normalize_genders(genders: Iterable[str] | str) -> list[str]:
    """Distinct genders from ``total``, ``male``, ``female``; a single string is one gender."""
    values = [genders] if isinstance(genders, str) else list(genders)
    wrong = [value for value in values if value not in GENDERS]
    if wrong or not values:
        raise InvalidInputError(f"genders must be one or more of {', '.join(GENDERS)}, got {values!r}")
    return [gender for gender in GENDERS if gender in values]


# -- parsers: JSON bodies (as served) into records and frames -----------------------------------


def parse_indicators(reply: JsonReply) -> pl.DataFrame:
    """The ``/indicators`` list: id, titles, organisation, sex values and region categories per indicator."""
    items = _array(reply, "indicators")
    rows = []
    for position, item in enumerate(items):
        obj = _object(reply, item, f"indicator #{position}")
        title = _localized(reply, obj.get("title"), f"indicator #{position} title")
        organization = _organization(reply, obj.get("organization"), f"indicator #{position}")
        sexes, categories = _classifications(reply, obj.get("classifications"), f"indicator #{position}")
        rows.append(
            {
                "indicator_id": _int(reply, obj.get("id"), f"indicator #{position} id"),
                "title_fi": title.fi,
                "title_sv": title.sv,
                "title_en": title.en,
                "organization_id": organization.id if organization else None,
                "organization_fi": organization.title.fi if organization else None,
                "sexes": list(sexes),
                "region_categories": list(categories),
            }
        )
    schema: dict[str, pl.DataType] = {
        "indicator_id": pl.Int64(),
        "title_fi": pl.String(),
        "title_sv": pl.String(),
        "title_en": pl.String(),
        "organization_id": pl.Int64(),
        "organization_fi": pl.String(),
        "sexes": pl.List(pl.String()),
        "region_categories": pl.List(pl.String()),
    }
    return pl.DataFrame(rows, schema=schema, orient="row").sort("indicator_id")


def parse_indicator(reply: JsonReply) -> IndicatorMetadata:
    """One ``/indicators/{id}`` object as :class:`IndicatorMetadata`."""
    obj = _object(reply, reply.body, "indicator metadata")
    where = "indicator metadata"
    updated = obj.get("data-updated")
    data_updated: dt.date | None = None
    if updated not in (None, ""):
        if not isinstance(updated, str):
            raise reply.error(f"{where}: 'data-updated' must be an ISO date string, got {updated!r}")
        try:
            data_updated = dt.date.fromisoformat(updated[:10])
        except ValueError as exc:
            raise reply.error(f"{where}: 'data-updated' is not an ISO date: {updated!r}") from exc
    year_range: YearRange | None = None
    if obj.get("range") is not None:
        span = _object(reply, obj["range"], f"{where} range")
        year_range = YearRange(_int(reply, span.get("start"), "range.start"), _int(reply, span.get("end"), "range.end"))
    decimals = obj.get("decimals")
    unit: ValueType | None = None
    if obj.get("primaryValueType") is not None:
        kind = _object(reply, obj["primaryValueType"], f"{where} primaryValueType")
        code = kind.get("code")
        if not isinstance(code, str) or not code:
            raise reply.error(f"{where}: primaryValueType.code must be a non-empty string, got {code!r}")
        unit = ValueType(code=code, title=_localized(reply, kind.get("title"), "primaryValueType.title"))
    sexes, categories = _classifications(reply, obj.get("classifications"), where)
    return IndicatorMetadata(
        id=_int(reply, obj.get("id"), f"{where} id"),
        title=_localized(reply, obj.get("title"), f"{where} title"),
        description=_localized(reply, obj.get("description"), f"{where} description"),
        interpretation=_localized(reply, obj.get("interpretation"), f"{where} interpretation"),
        limits=_localized(reply, obj.get("limits"), f"{where} limits"),
        organization=_organization(reply, obj.get("organization"), where),
        data_updated=data_updated,
        range=year_range,
        decimals=None if decimals in (None, "") else _int(reply, decimals, f"{where} decimals"),
        unit=unit,
        sexes=sexes,
        region_categories=categories,
    )


REGION_SCHEMA: Mapping[str, pl.DataType] = {
    "sotkanet_id": pl.Int64(),
    "code": pl.String(),
    "category": pl.String(),
    "title_fi": pl.String(),
    "title_sv": pl.String(),
    "title_en": pl.String(),
    "member_of": pl.List(pl.Int64()),
    c.REGION_CODE: pl.String(),
}


def parse_regions(reply: JsonReply) -> pl.DataFrame:
    """The ``/regions`` list; ``region_code`` is the county code, ``"SSS"`` for the country, else null.

    An empty list is an error: the real API always lists hundreds of regions,
    and no data row could be placed without them.
    """
    items = _array(reply, "regions")
    if not items:
        raise reply.error("the region list is empty, so no data row can be placed (the API lists about 500 regions)")
    rows = []
    for position, item in enumerate(items):
        obj = _object(reply, item, f"region #{position}")
        region_id = _int(reply, obj.get("id"), f"region #{position} id")
        code, category = obj.get("code"), obj.get("category")
        if not isinstance(code, str) or not isinstance(category, str):
            raise reply.error(f"region {region_id}: 'code' and 'category' must be strings, got {code!r}, {category!r}")
        title = _localized(reply, obj.get("title"), f"region {region_id} title")
        member_of = obj.get("memberOf") or []
        if not isinstance(member_of, list):
            raise reply.error(f"region {region_id}: 'memberOf' must be a list of ids, got {member_of!r}")
        rows.append(
            {
                "sotkanet_id": region_id,
                "code": code,
                "category": category,
                "title_fi": title.fi,
                "title_sv": title.sv,
                "title_en": title.en,
                "member_of": [_int(reply, parent, f"region {region_id} memberOf") for parent in member_of],
                c.REGION_CODE: _dashboard_code(region_id, code, category),
            }
        )
    return pl.DataFrame(rows, schema=dict(REGION_SCHEMA), orient="row")


def region_code_map(regions: pl.DataFrame) -> dict[int, str]:
    """Sotkanet internal id → dashboard region code, for the rows of :func:`parse_regions` that have one."""
    placed = regions.filter(pl.col(c.REGION_CODE).is_not_null())
    return dict(zip(placed["sotkanet_id"].to_list(), placed[c.REGION_CODE].to_list(), strict=True))


def parse_data(
    reply: JsonReply, *, indicator_id: int, region_codes: Mapping[int, str], unit: str | None
) -> pl.DataFrame:
    """``/json`` rows as a canonical indicator-values frame (see the module docstring for every rule)."""
    items = _array(reply, "data rows")
    rows: list[tuple[int, str, str, str, float | None, float | None]] = []
    dropped = 0
    for position, item in enumerate(items):
        obj = _object(reply, item, f"data row #{position}")
        where = f"data row #{position}"
        row_indicator = _int(reply, obj.get("indicator"), f"{where} indicator")
        if row_indicator != indicator_id:
            raise reply.error(f"{where} belongs to indicator {row_indicator}, but {indicator_id} was asked for")
        region_id = _int(reply, obj.get("region"), f"{where} region")
        year = _int(reply, obj.get("year"), f"{where} year")
        gender = obj.get("gender")
        if gender not in SEXES:
            raise reply.error(f"{where}: gender must be one of {', '.join(GENDERS)}, got {gender!r}")
        code, priority = region_codes.get(region_id), 0
        if code is None:
            fallback = region_by_sotkanet_id(region_id)
            code, priority = (fallback.code, 1) if fallback is not None else (None, 0)
        if code is None:
            dropped += 1
            continue
        value = _number(reply, obj.get("value"), f"{where} value")
        absolute = _number(reply, obj.get("absValue"), f"{where} absValue")
        rows.append((priority, code, str(year), str(gender), value, absolute))
    if dropped:
        log.debug("sotkanet indicator %s: dropped %d row(s) of other region categories", indicator_id, dropped)
    rows.sort(key=lambda row: row[0])  # a current id wins over a pre-2023 id for the same county
    dtypes = CANONICAL_DTYPES[INDICATOR_VALUES.name]
    frame = pl.DataFrame(
        {
            c.SOURCE: [SOURCE] * len(rows),
            c.INDICATOR_ID: [str(indicator_id)] * len(rows),
            c.REGION_CODE: [row[1] for row in rows],
            c.PERIOD: [row[2] for row in rows],
            c.SEX: [row[3] for row in rows],
            c.VALUE: [row[4] for row in rows],
            c.NUMERATOR: [row[5] for row in rows],
            c.DENOMINATOR: [None] * len(rows),
            c.UNIT: [unit] * len(rows),
        },
        schema=dict(dtypes),
    )
    keys = [c.REGION_CODE, c.PERIOD, c.SEX]
    unique = frame.unique(subset=keys, keep="first", maintain_order=True)
    if unique.height < frame.height:
        log.debug("sotkanet indicator %s: %d duplicate row(s) dropped", indicator_id, frame.height - unique.height)
    return unique.sort(keys)


def plain_text(text: str) -> str:
    """Sotkanet's HTML fragments as plain text: paragraphs and breaks become line breaks, tags go, entities decode."""
    text = re.sub(r"(?i)<br\s*/?>|</?p\b[^>]*>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# -- helpers ---------------------------------------------------------------------------------------


def _dashboard_code(region_id: int, code: str, category: str) -> str | None:
    if category == COUNTRY_CATEGORY:
        return WHOLE_COUNTRY
    if category != COUNTY_CATEGORY:
        return None
    padded = code.strip().zfill(2)
    if padded in _KNOWN_CODES:
        return padded
    known = region_by_sotkanet_id(region_id)
    return known.code if known is not None else None


def _array(reply: JsonReply, what: str) -> list[object]:
    if not isinstance(reply.body, list):
        raise reply.error(f"expected a JSON array of {what}, got {type(reply.body).__name__}")
    return reply.body


def _object(reply: JsonReply, value: object, where: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise reply.error(f"{where}: expected a JSON object, got {type(value).__name__}")
    return value


def _int(reply: JsonReply, value: object, where: str) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise reply.error(f"{where}: expected a whole number, got {value!r}")
    return value


def _number(reply: JsonReply, value: object, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise reply.error(f"{where}: expected a number, got {value!r}")
    return float(value)


def _localized(reply: JsonReply, value: object, where: str) -> Localized:
    if value is None:
        return Localized()
    obj = _object(reply, value, where)
    texts = {language: obj.get(language) for language in LANGUAGES}
    for language, text in texts.items():
        if text is not None and not isinstance(text, str):
            raise reply.error(f"{where}.{language}: expected text, got {text!r}")
    return Localized(**{language: str(text or "") for language, text in texts.items()})


def _organization(reply: JsonReply, value: object, where: str) -> Organization | None:
    if value is None:
        return None
    obj = _object(reply, value, f"{where} organization")
    org_id = obj.get("id")
    return Organization(
        id=None if org_id is None else _int(reply, org_id, f"{where} organization id"),
        title=_localized(reply, obj.get("title"), f"{where} organization title"),
    )


def _classifications(reply: JsonReply, value: object, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Sex values and region categories; newer metadata may give ``values: []`` with only a title."""
    if value is None:
        return (), ()
    obj = _object(reply, value, f"{where} classifications")

    def values(name: str) -> tuple[str, ...]:
        part = obj.get(name)
        if part is None:
            return ()
        entry = _object(reply, part, f"{where} classifications.{name}")
        listed = entry.get("values") or []
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise reply.error(f"{where} classifications.{name}.values must be a list of strings, got {listed!r}")
        if listed or name != "region":
            return tuple(str(item) for item in listed)
        title = _localized(reply, entry.get("title"), f"{where} classifications.{name}.title").fi
        return tuple(part.strip() for part in title.split(",") if part.strip())

    return values("sex"), values("region")
