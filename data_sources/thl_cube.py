"""THL's open cubes (sampo.thl.fi "pivot") as JSON-stat 2.0, and the access cube into canonical indicator values.

URL: ``{base}/{lang}/{subject}/{hydra}/fact_{cube}.json?row=…&column=…&filter=…``
with ``base`` = ``https://sampo.thl.fi/pivot/prod`` and ``lang`` ∈ fi, sv, en.
The body is ``{"dataset": {"version": "2.0", "class": "dataset", "label": …,
"dimension": {"id": […], "size": […], "<dim>": {"category": {"index": …,
"label": …}}}, "value": {…}}}``, as THL's exporter writes it:

* cell values are **strings** (``"5120"``, ``"0,0"`` with a decimal comma,
  ``".."`` for a suppressed cell); an older exporter wrote bare numbers, which
  are accepted too. ``""``, ``".."``, ``"."``, ``"-"`` and ``"…"`` are missing (null);
* ``value`` is a **sparse object** keyed by the row-major flat index over
  ``size``; an absent key is a cell with no value, and an empty cube has
  ``"value": []``. A dense JSON-stat array is accepted as well;
* category keys are surrogate ids; ``filter`` dimensions do not appear.

:func:`access_values` turns the monthly access cube ("Hoitoonpääsy
perusterveydenhuollossa": realised visits by wait from the care-need
assessment, × county × month × profession) into canonical rows
(``source`` = ``"thl_cube"``, ``sex`` = ``"total"``). The wait bins are read
from the cube's own labels (``"0-7 vrk"``, ``"yli 90 vrk"``, ``"Yhteensä"`` …)
by :func:`parse_wait_bin`, never hard-coded. Per county, month and profession:

* ``{cube}:wait_{lo}_{hi}_days:{profession}`` (``wait_over_{n}_days`` for the
  open-ended bin): visits in the bin; ``value`` = ``numerator`` = count,
  ``denominator`` = all visits, ``unit`` ``"visits"``;
* ``{cube}:visits:{profession}``: all visits (the total bin, else the sum of
  the bins when every bin has a value), ``unit`` ``"visits"``;
* ``{cube}:within_{n}_days:{profession}`` for each upper edge ``n`` that the
  bins reach from day 0 without a gap: visits waiting at most ``n`` days;
  ``numerator`` = their count, ``denominator`` = all visits, ``value`` =
  100 × numerator / denominator, ``unit`` ``"%"``; null when a needed cell is missing.

Provider labels are matched to county names (fi, sv, en, from regions.csv);
the whole country (``"Koko maa"``, …) becomes ``"SSS"``; AVI areas, national
providers and other labels are dropped (the count is logged at debug level).
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import polars as pl
import requests

from core import columns as c
from core.codes import ALL_PROFESSIONS, WHOLE_COUNTRY
from core.errors import DataSourceError, InvalidInputError
from core.regions import all_regions
from core.schema import CANONICAL_DTYPES, INDICATOR_VALUES
from core.settings import DEFAULT_REMOTE_MAX_BYTES, DEFAULT_REMOTE_REQUEST_DEADLINE
from data_sources.http import HttpClient, JsonReply, Timeout

log = logging.getLogger(__name__)

SOURCE = "thl_cube"
DEFAULT_BASE_URL = "https://sampo.thl.fi/pivot/prod"
LANGUAGES = ("fi", "sv", "en")

_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+$")
_MISSING = frozenset({"", "..", ".", "-", "…", "...", "x"})
_STATUS_HINTS = {404: "THL has no such cube (check subject, hydra and cube name)", 403: "the cube is not public"}


@dataclass(frozen=True)
class Dimension:
    """One JSON-stat dimension: category keys (surrogate ids) and labels, in index order."""

    id: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.codes)


@dataclass(frozen=True)
class JsonStatDataset:
    """A parsed JSON-stat dataset: its dimensions and its sparse cells, as the text THL sent."""

    label: str
    dimensions: tuple[Dimension, ...]
    values: Mapping[int, str | None]
    source: str = SOURCE
    request: str = ""

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        available = ", ".join(dimension.id for dimension in self.dimensions) or "(none)"
        raise self.error(f"the cube has no dimension {dimension_id!r}; its dimensions are {available}")

    def has_dimension(self, dimension_id: str) -> bool:
        return any(dimension.id == dimension_id for dimension in self.dimensions)

    def error(self, reason: str) -> DataSourceError:
        return DataSourceError(source=self.source, request=self.request or "reading a JSON-stat dataset", reason=reason)

    def cells(self) -> pl.DataFrame:
        """One row per cell present in ``value``: per dimension its label (column ``<id>``) and key
        (``<id>_code``), then ``text`` as sent and ``value`` as a number (null when missing)."""
        keys = sorted(self.values)
        index = pl.Series("cell", keys, dtype=pl.Int64)
        columns: dict[str, pl.Series] = {}
        stride = 1
        for dimension in reversed(self.dimensions):
            position = (index // stride) % max(dimension.size, 1)
            stride *= max(dimension.size, 1)
            columns[dimension.id] = pl.Series(dimension.id, dimension.labels, dtype=pl.String).gather(position)
            columns[f"{dimension.id}_code"] = pl.Series(dimension.id, dimension.codes, dtype=pl.String).gather(position)
        texts = [self.values[key] for key in keys]
        numbers = [parse_cell(text, where=f"cell {key}", dataset=self) for key, text in zip(keys, texts, strict=True)]
        ordered = {}
        for dimension in self.dimensions:
            ordered[dimension.id] = columns[dimension.id].alias(dimension.id)
            ordered[f"{dimension.id}_code"] = columns[f"{dimension.id}_code"].alias(f"{dimension.id}_code")
        return pl.DataFrame(
            {
                **ordered,
                "text": pl.Series("text", texts, dtype=pl.String),
                "value": pl.Series("value", numbers, dtype=pl.Float64),
            }
        )


@dataclass(frozen=True)
class WaitBin:
    """A wait-time class read from a label: ``lower``..``upper`` days (``upper`` None: open-ended), or the total."""

    code: str
    label: str
    lower: int
    upper: int | None
    total: bool = False

    @property
    def key(self) -> str:
        if self.total:
            return "visits"
        if self.upper is None:
            return f"wait_over_{self.lower - 1}_days" if self.lower > 0 else "wait_0_plus_days"
        return f"wait_{self.lower}_{self.upper}_days"


@dataclass(frozen=True)
class AccessCubeLayout:
    """Which dimension ids of the access cube hold what. THL's ids are unconfirmed, so they are settings."""

    region: str = "palveluntuottaja"
    period: str = "aika"
    profession: str = "ammatti"
    wait: str = "odotusaika"


class ThlCubeClient:
    """Reads JSON-stat from THL's open cube API over :class:`~data_sources.http.HttpClient`.

    ``timeout``, ``retries``, ``backoff_base``, ``backoff_max``, ``deadline``
    and ``max_bytes`` tune the HTTP client as for :class:`~data_sources.sotkanet.SotkanetClient`.
    An empty cube gives an empty frame here; a refresh never stores it (see :mod:`pipeline.indicators`).
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
        language: str = "fi",
    ) -> None:
        if language not in LANGUAGES:
            raise InvalidInputError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
        self.language = language
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

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def dataset(
        self,
        subject: str,
        hydra: str,
        cube: str,
        *,
        row: Sequence[str] = (),
        column: Sequence[str] = (),
        filter: Sequence[str] = (),  # THL's parameter name
        measure: Sequence[str] = (),
    ) -> JsonStatDataset:
        """``GET {lang}/{subject}/{hydra}/fact_{cube}.json`` with repeated ``row``/``column``/``filter``/``measure``."""
        path = cube_path(self.language, subject, hydra, cube)
        params = [("row", value) for value in row] + [("column", value) for value in column]
        params += [("filter", value) for value in filter] + [("measure", value) for value in measure]
        return parse_jsonstat(self.http.get_json(path, params))

    def access_values(
        self,
        subject: str,
        hydra: str,
        cube: str,
        *,
        row: Sequence[str] = (),
        column: Sequence[str] = (),
        filter: Sequence[str] = (),  # THL's parameter name
        layout: AccessCubeLayout = AccessCubeLayout(),  # frozen, so a shared default is safe
        period: str | None = None,
        profession: str = ALL_PROFESSIONS,
    ) -> pl.DataFrame:
        """Fetch the access cube and return canonical indicator values (see :func:`access_values`)."""
        dataset = self.dataset(subject, hydra, cube, row=row, column=column, filter=filter)
        return access_values(dataset, cube=cube, layout=layout, period=period, profession=profession)


def cube_path(language: str, subject: str, hydra: str, cube: str) -> str:
    """``{lang}/{subject}/{hydra}/fact_{cube}.json``; ``cube`` may be given with or without ``fact_``."""
    name = cube.removeprefix("fact_")
    for what, segment in (("subject", subject), ("hydra", hydra), ("cube", name)):
        if not _SEGMENT.match(segment):
            raise InvalidInputError(f"a THL {what} name has only letters, digits, '_' and '-', got {segment!r}")
    if language not in LANGUAGES:
        raise InvalidInputError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return f"{language}/{subject}/{hydra}/fact_{name}.json"


# -- JSON-stat ---------------------------------------------------------------------------------------


def parse_jsonstat(reply: JsonReply) -> JsonStatDataset:
    """A THL JSON-stat 2.0 body (``{"dataset": …}`` or a bare dataset) as a :class:`JsonStatDataset`."""
    body = reply.body
    if isinstance(body, dict) and "dataset" in body:
        body = body["dataset"]
    if not isinstance(body, dict):
        raise reply.error(f"expected a JSON-stat object with a 'dataset', got {type(reply.body).__name__}")
    dimension = body.get("dimension")
    if not isinstance(dimension, dict):
        raise reply.error("the dataset has no 'dimension' object")
    ids, sizes = dimension.get("id", body.get("id")), dimension.get("size", body.get("size"))
    if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
        raise reply.error(f"'dimension.id' must be a list of names, got {ids!r}")
    if not isinstance(sizes, list) or len(sizes) != len(ids) or not all(_is_count(size) for size in sizes):
        raise reply.error(f"'dimension.size' must list one whole number per dimension {ids}, got {sizes!r}")
    dimensions = tuple(_dimension(reply, dimension, name, size) for name, size in zip(ids, sizes, strict=True))
    cell_count = math.prod(sizes)
    label = body.get("label")
    return JsonStatDataset(
        label=label if isinstance(label, str) else "",
        dimensions=dimensions,
        values=_values(reply, body.get("value"), cell_count),
        source=reply.source,
        request=reply.request,
    )


def parse_cell(text: object, *, where: str = "cell", dataset: JsonStatDataset | None = None) -> float | None:
    """A cell as a number: ``"5120"``, ``"0,0"`` (decimal comma), ``"1 234"`` or a bare number; markers → None."""
    if text is None:
        return None
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text)
    if isinstance(text, str):
        compact = re.sub(r"[\s\u00a0\u202f]", "", text)
        if compact in _MISSING:
            return None
        try:
            number = float(compact.replace(",", "."))
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    reason = f"{where}: {text!r} is neither a number nor a missing-value marker ('..', '')"
    raise dataset.error(reason) if dataset else DataSourceError(source=SOURCE, request="reading a cell", reason=reason)


def _dimension(reply: JsonReply, dimensions: Mapping[str, object], name: str, size: int) -> Dimension:
    entry = dimensions.get(name)
    if entry is None and size == 0:  # THL's exporter lists empty levels in id/size but writes no object for them
        return Dimension(id=name, codes=(), labels=())
    category = entry.get("category") if isinstance(entry, dict) else None
    if not isinstance(category, dict):
        raise reply.error(f"dimension {name!r} has no 'category' object")
    index = category.get("index")
    codes: list[str]
    if isinstance(index, dict):
        positions = sorted(index.items(), key=lambda item: item[1] if _is_count(item[1]) else -1)
        if [position for _, position in positions] != list(range(len(positions))):
            raise reply.error(f"dimension {name!r}: 'category.index' positions must be 0..{len(positions) - 1}")
        codes = [str(code) for code, _ in positions]
    elif isinstance(index, list) and all(isinstance(code, str) for code in index):
        codes = [str(code) for code in index]
    else:
        raise reply.error(f"dimension {name!r}: 'category.index' must be an object or a list, got {index!r}")
    if len(codes) != size:
        raise reply.error(f"dimension {name!r} has {len(codes)} categories, but 'size' says {size}")
    labels = category.get("label") or {}
    if not isinstance(labels, dict):
        raise reply.error(f"dimension {name!r}: 'category.label' must be an object, got {labels!r}")
    return Dimension(id=name, codes=tuple(codes), labels=tuple(str(labels.get(code, code)) for code in codes))


def _values(reply: JsonReply, value: object, cell_count: int) -> dict[int, str | None]:
    if value is None:
        raise reply.error("the dataset has no 'value'")
    if isinstance(value, list):  # dense JSON-stat, or THL's "value": [] for an empty cube
        if value and len(value) != cell_count:
            raise reply.error(f"'value' lists {len(value)} cells, but the dimensions make {cell_count}")
        return {position: _cell_text(reply, cell, position) for position, cell in enumerate(value) if cell is not None}
    if not isinstance(value, dict):
        raise reply.error(f"'value' must be an object or a list, got {type(value).__name__}")
    cells: dict[int, str | None] = {}
    for key, cell in value.items():
        if not key.isdigit() or int(key) >= cell_count:
            raise reply.error(f"'value' has cell index {key!r}, outside 0..{cell_count - 1}")
        cells[int(key)] = _cell_text(reply, cell, int(key))
    return cells


def _cell_text(reply: JsonReply, cell: object, position: int) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, str):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return repr(cell) if isinstance(cell, float) else str(cell)
    raise reply.error(f"cell {position}: expected text or a number, got {cell!r}")


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# -- labels: wait bins, periods, regions, professions -------------------------------------------

_DAY_UNITS = r"(?:vrk|vuorokautta|vuorokausi|pv|päivää|päivä|pvä|d|dygn|dagar|dag|days?)"
_OTHER_UNITS = re.compile(r"\b(?:kk|kuukau\w*|mån\w*|months?|vko|viik\w*|veck\w*|weeks?)\b")
_TOTAL_WORDS = frozenset({"yhteensä", "kaikki", "totalt", "sammanlagt", "alla", "total", "all", "summa"})
_UNIT = rf"\s*{_DAY_UNITS}?\.?"
_BIN_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^(?P<a>\d+)\s*{_DAY_UNITS}?\s*-\s*(?P<b>\d+){_UNIT}$"), "range"),
    (re.compile(rf"^(?:yli|över|over|more than|>)\s*(?P<a>\d+){_UNIT}$"), "over"),
    (re.compile(rf"^(?P<a>\d+)\s*\+{_UNIT}$"), "from"),
    (re.compile(rf"^(?P<a>\d+){_UNIT}\s*(?:\+|tai yli|tai enemmän|eller mer|eller fler|or more)$"), "from"),
    (re.compile(rf"^(?:alle|under|less than|<)\s*(?P<a>\d+){_UNIT}$"), "under"),
    (re.compile(rf"^(?:enintään|korkeintaan|högst|at most|<=|≤)\s*(?P<a>\d+){_UNIT}$"), "upto"),
    (re.compile(rf"^(?P<a>\d+){_UNIT}$"), "single"),
)


def parse_wait_bin(code: str, label: str) -> WaitBin | None:
    """A wait class from its label (``"0-7 vrk"``, ``"8–14 dygn"``, ``"yli 90 vrk"``, ``"Yhteensä"``), else None.

    Only days are understood (a label without a unit is read as days); weeks
    and months are not, since their edges in days are ambiguous ("yli 3 kk"),
    so such a label is unreadable and the caller reports it.
    """
    text = " ".join(label.casefold().replace("–", "-").replace("—", "-").split())
    if text in _TOTAL_WORDS:
        return WaitBin(code=code, label=label, lower=0, upper=None, total=True)
    if _OTHER_UNITS.search(text):
        return None
    for pattern, kind in _BIN_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        a = int(match["a"])
        b = int(match["b"]) if kind == "range" else a
        lower, upper = {
            "range": (a, b),
            "over": (a + 1, None),
            "from": (a, None),
            "under": (0, a - 1),
            "upto": (0, a),
            "single": (a, a),
        }[kind]
        return WaitBin(code, label, lower, upper) if upper is None or lower <= upper else None
    return None


_MONTHS = {
    **{name: n for n, name in enumerate(
        ("tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu",
         "heinäkuu", "elokuu", "syyskuu", "lokakuu", "marraskuu", "joulukuu"), start=1)},
    **{name: n for n, name in enumerate(
        ("januari", "februari", "mars", "april", "maj", "juni",
         "juli", "augusti", "september", "oktober", "november", "december"), start=1)},
    **{name: n for n, name in enumerate(
        ("january", "february", "march", "april", "may", "june",
         "july", "august", "september", "october", "november", "december"), start=1)},
}  # fmt: skip
_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<y>\d{4})$"), "year"),
    (re.compile(r"^(?P<y>\d{4})\s*(?:[-/.]|\s|m)\s*(?P<m>\d{1,2})$"), "ym"),
    (re.compile(r"^(?P<m>\d{1,2})\s*[/.]\s*(?P<y>\d{4})$"), "ym"),
    (re.compile(r"^(?P<y>\d{4})\s*[/-]?\s*q(?P<q>[1-4])$"), "yq"),
    (re.compile(r"^q(?P<q>[1-4])\s*[/-]?\s*(?P<y>\d{4})$"), "yq"),
    (re.compile(r"^(?P<name>[a-zåäö]+)\s+(?P<y>\d{4})$"), "named"),
    (re.compile(r"^(?P<y>\d{4})\s+(?P<name>[a-zåäö]+)$"), "named"),
)


def parse_period(label: str) -> str | None:
    """``"2024-03"`` for a month label (``"2024-03"``, ``"2024/3"``, ``"3/2024"``, ``"2024M03"``,
    ``"maaliskuu 2024"``, ``"mars 2024"``, ``"March 2024"``), ``"2024"`` for a year, ``"2024Q1"`` for a quarter."""
    text = " ".join(label.casefold().split())
    for pattern, kind in _PERIOD_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        year = int(match["y"])
        if kind == "year":
            return f"{year:04d}"
        if kind == "yq":
            return f"{year:04d}Q{match['q']}"
        month = int(match["m"]) if kind == "ym" else _MONTHS.get(match["name"], 0)
        if 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    return None


_COUNTRY_NAMES = frozenset(
    {"koko maa", "hela landet", "whole country", "suomi", "finland", "koko suomi", "hela finland"}
)


def region_lookup(aliases: Mapping[str, str] | None = None) -> dict[str, str]:
    """Normalised label → region code: county names in fi, sv and en, the whole country, and ``aliases``."""
    lookup = {_normal(name): WHOLE_COUNTRY for name in _COUNTRY_NAMES}
    for region in all_regions():
        for language in LANGUAGES:
            lookup[_normal(region.name(language))] = region.code
    lookup.update({_normal(label): code for label, code in (aliases or {}).items()})
    return lookup


_PROFESSION_WORDS = (
    ("doctor", ("lääkär", "läkar", "doctor", "physician")),
    ("nurse", ("hoitaj", "sjukskötar", "hälsovårdar", "skötar", "nurse")),
    (ALL_PROFESSIONS, ("yhteensä", "kaikki", "totalt", "alla", "total", "all professions")),
)


def profession_key(label: str) -> str:
    """``doctor``, ``nurse`` or ``all`` from a profession label in fi, sv or en; else a short ASCII slug of it."""
    text = label.casefold()
    for key, words in _PROFESSION_WORDS:
        if any(word in text for word in words):
            return key
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:24].rstrip("_") or "unknown"  # ids stay short


def _normal(label: str) -> str:
    return " ".join(label.casefold().replace("–", "-").split())


# -- the access cube into canonical rows -----------------------------------------------------------


def access_values(
    dataset: JsonStatDataset,
    *,
    cube: str,
    layout: AccessCubeLayout = AccessCubeLayout(),  # frozen, so a shared default is safe
    period: str | None = None,
    profession: str = ALL_PROFESSIONS,
    region_aliases: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Canonical indicator values from the access cube (see the module docstring for the rows and rules).

    ``period`` is needed when the time dimension was a filter (so it is not in
    the body); ``profession`` names the profession when that dimension was a
    filter. Any other dimension must have one category (a filter left in the
    rows); THL's ``tiku_vtype`` keeps its value cell ``v``.
    """
    name = cube.removeprefix("fact_")
    dtypes: dict[str, pl.DataType] = dict(CANONICAL_DTYPES[INDICATOR_VALUES.name])
    waits = _wait_bins(dataset, layout.wait)
    dataset.dimension(layout.region)
    if not dataset.has_dimension(layout.period) and period is None:
        raise dataset.error(
            f"the cube has no time dimension {layout.period!r}; pass period= (e.g. '2024-03') for a filtered month"
        )
    cells = dataset.cells()
    for dimension in dataset.dimensions:
        if dimension.id in {layout.region, layout.period, layout.profession, layout.wait}:
            continue
        if dimension.id == "tiku_vtype":
            cells = cells.filter(pl.col("tiku_vtype_code") == "v")
        elif dimension.size > 1:
            raise dataset.error(
                f"dimension {dimension.id!r} has {dimension.size} categories; the access table takes one "
                f"(filter it in the query), or name its role in AccessCubeLayout"
            )
    if cells.is_empty():
        return pl.DataFrame(schema=dtypes)

    lookup = region_lookup(region_aliases)
    region_labels = dataset.dimension(layout.region).labels
    codes = {label: lookup.get(_normal(label)) for label in region_labels}
    dropped = sorted(label for label, code in codes.items() if code is None)
    if dropped:
        log.debug("thl cube %s: dropped providers that are not counties or the country: %s", name, dropped)
    _check_distinct(dataset, layout.region, codes)

    if dataset.has_dimension(layout.period):
        periods = {label: parse_period(label) for label in dataset.dimension(layout.period).labels}
        unreadable = [label for label, value in periods.items() if value is None]
        if unreadable:
            raise dataset.error(
                f"cannot read a period from time label(s) {unreadable}; expected a year, a quarter or a month "
                f"such as '2024-03', '3/2024' or 'maaliskuu 2024'"
            )
        _check_distinct(dataset, layout.period, periods)
        period_expr = pl.col(layout.period).replace_strict(periods, return_dtype=pl.String)
    else:
        period_expr = pl.lit(period, dtype=pl.String)
    if dataset.has_dimension(layout.profession):
        professions = {label: profession_key(label) for label in dataset.dimension(layout.profession).labels}
        _check_distinct(dataset, layout.profession, professions)
        profession_expr = pl.col(layout.profession).replace_strict(professions, return_dtype=pl.String)
    else:
        profession_expr = pl.lit(profession, dtype=pl.String)

    keys = [c.REGION_CODE, c.PERIOD, "profession"]
    long = cells.select(
        pl.col(layout.region).replace_strict(codes, return_dtype=pl.String).alias(c.REGION_CODE),
        period_expr.alias(c.PERIOD),
        profession_expr.alias("profession"),
        pl.col(f"{layout.wait}_code").alias("wait"),
        pl.col("value"),
    ).filter(pl.col(c.REGION_CODE).is_not_null())
    wide = long.pivot(on="wait", index=keys, values="value", aggregate_function="first")
    absent = [w.code for w in waits if w.code not in wide.columns]  # a class with no value anywhere
    wide = wide.with_columns([pl.lit(None, dtype=pl.Float64).alias(code) for code in absent])
    return (
        _access_rows(wide, waits, keys=keys, cube=name)
        .select(list(dtypes))
        .cast(pl.Schema(dtypes))
        .sort([c.INDICATOR_ID, c.REGION_CODE, c.PERIOD])
    )


def _check_distinct(dataset: JsonStatDataset, dimension_id: str, mapping: Mapping[str, str | None]) -> None:
    """Two labels of one dimension must not land on the same key (a region, a month, a profession)."""
    seen: dict[str, str] = {}
    for label, key in mapping.items():
        if key is None:
            continue
        if key in seen:
            raise dataset.error(
                f"dimension {dimension_id!r}: labels {seen[key]!r} and {label!r} both read as {key!r}; "
                f"select one of them in the query"
            )
        seen[key] = label


def _wait_bins(dataset: JsonStatDataset, dimension_id: str) -> list[WaitBin]:
    dimension = dataset.dimension(dimension_id)
    bins = [parse_wait_bin(code, label) for code, label in zip(dimension.codes, dimension.labels, strict=True)]
    unreadable = [label for label, parsed in zip(dimension.labels, bins, strict=True) if parsed is None]
    if unreadable:
        raise dataset.error(
            f"cannot read a wait-time class from label(s) {unreadable} of dimension {dimension_id!r}; "
            f"expected e.g. '0-7 vrk', 'yli 90 vrk' or 'Yhteensä' (days or weeks)"
        )
    waits = [parsed for parsed in bins if parsed is not None]
    if not any(not parsed.total for parsed in waits):
        labels = list(dimension.labels)
        raise dataset.error(f"dimension {dimension_id!r} has no wait-time classes, only totals: {labels}")
    return waits


def _access_rows(wide: pl.DataFrame, waits: list[WaitBin], *, keys: list[str], cube: str) -> pl.DataFrame:
    classes = sorted((w for w in waits if not w.total), key=lambda w: w.lower)
    totals = [w for w in waits if w.total]
    if totals:
        total = pl.col(totals[0].code)
    else:  # no total class: the sum, only when every class has a value
        total = pl.sum_horizontal(pl.col(w.code) for w in classes).alias("total")
        total = pl.when(pl.all_horizontal(pl.col(w.code).is_not_null() for w in classes)).then(total)

    def rows(key: str, value: pl.Expr, numerator: pl.Expr, denominator: pl.Expr, unit: str) -> pl.DataFrame:
        return wide.select(
            pl.lit(SOURCE).alias(c.SOURCE),
            pl.concat_str([pl.lit(f"{cube}:{key}:"), pl.col("profession")]).alias(c.INDICATOR_ID),
            pl.col(c.REGION_CODE),
            pl.col(c.PERIOD),
            pl.lit("total").alias(c.SEX),
            value.cast(pl.Float64).alias(c.VALUE),
            numerator.cast(pl.Float64).alias(c.NUMERATOR),
            denominator.cast(pl.Float64).alias(c.DENOMINATOR),
            pl.lit(unit).alias(c.UNIT),
        )

    frames = [rows("visits", total, pl.lit(None), pl.lit(None), "visits")]
    frames += [rows(w.key, pl.col(w.code), pl.col(w.code), total, "visits") for w in classes]
    reached, covered = -1, list[WaitBin]()  # the classes from day 0 without a gap
    for wait in classes:
        if wait.lower != reached + 1 or wait.upper is None:
            break
        reached, covered = wait.upper, [*covered, wait]
        within = pl.sum_horizontal(pl.col(w.code) for w in covered)
        within = pl.when(pl.all_horizontal(pl.col(w.code).is_not_null() for w in covered)).then(within)
        share = pl.when(total > 0).then(100 * within / total)
        frames.append(rows(f"within_{reached}_days", share, within, total, "%"))
    return pl.concat(frames)
