"""The view state every page shares: language, county, period, profession, indicator, data set and age group.

The state lives in the URL's query parameters, so a copied link reopens the
same view. Reading is forgiving: a missing or unknown value falls back to the
default and is reported, never an exception, because links get edited by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace

from core.codes import DEFAULT_PROFESSION, PROFESSIONS
from core.regions import dashboard_regions
from i18n import DEFAULT_LANGUAGE, LANGUAGES
from metrics.age_groups import AGE_GROUPS, ALL_AGES
from views.indicators import DEFAULT_INDICATOR, INDICATORS

ALL_REGIONS = "all"


@dataclass(frozen=True)
class ViewState:
    """One view of the dashboard. ``period`` is a year ('2025'); empty means the latest year with data."""

    lang: str = DEFAULT_LANGUAGE
    region: str = ALL_REGIONS
    period: str = ""
    profession: str = DEFAULT_PROFESSION
    indicator: str = DEFAULT_INDICATOR
    dataset: str = ""
    """The data set the computed figures are of (``store.datasets``); empty means the store's default."""
    age_group: str = ALL_AGES
    """The population group the computed access and continuity figures are of (``metrics.age_groups``)."""

    def with_changes(self, **changes: str) -> ViewState:
        return replace(self, **changes)

    def only(self, *names: str) -> ViewState:
        """This state with every field but ``names`` at its default.

        For a view that reads only those fields: built from ``state.only(...)``, one cached view
        serves every state that differs elsewhere (another county, another year). The view tests
        check that such a view does not change when the other fields do.
        """
        unknown = set(names) - set(FIELDS)
        if unknown:
            raise ValueError(f"ViewState has no field(s) {sorted(unknown)}; it has {list(FIELDS)}")
        return replace(ViewState(), **{name: getattr(self, name) for name in names})


FIELDS = tuple(field.name for field in fields(ViewState))
#: The fields a link names only when they differ from the default, by the parameter that carries them.
OPTIONAL_KEYS = {"age_group": "age"}
#: The fields every link names, each by its own name (a copied link stays explicit).
QUERY_KEYS = tuple(name for name in FIELDS if name not in OPTIONAL_KEYS)


def region_choices() -> tuple[str, ...]:
    return (ALL_REGIONS, *(region.code for region in dashboard_regions()))


#: The longest data set name a link may carry (the store's limit).
MAX_DATASET_NAME = 64


def dataset_allowed(name: str) -> bool:
    """Whether ``name`` can name a data set; one the store does not hold falls back to the default where the
    results are loaded (the data sets change with imports, links outlive them)."""
    return 0 < len(name) <= MAX_DATASET_NAME and name.isprintable()


def allowed_values(periods: Sequence[str]) -> dict[str, tuple[str, ...]]:
    return {
        "lang": LANGUAGES,
        "region": region_choices(),
        "period": tuple(periods),
        "profession": PROFESSIONS,
        "indicator": tuple(INDICATORS),
        "age_group": AGE_GROUPS,
    }


def _first(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value[0] if value else None


def from_query(params: Mapping[str, str | Sequence[str]], *, periods: Sequence[str]) -> tuple[ViewState, list[str]]:
    """The state a URL describes, and the names of the parameters that were invalid and replaced by defaults.

    ``periods`` are the years that have data, oldest first; the default period is the latest of them.
    """
    allowed = allowed_values(periods)
    default = ViewState(period=periods[-1] if periods else "")
    values: dict[str, str] = {}
    rejected: list[str] = []
    for key in FIELDS:
        name = OPTIONAL_KEYS.get(key, key)
        given = _first(params.get(name))
        if given is None or given == "":
            continue
        if (key == "dataset" and dataset_allowed(given)) or given in allowed.get(key, ()):
            values[key] = given
        else:
            rejected.append(name)
    return replace(default, **values), rejected


def to_query(state: ViewState) -> dict[str, str]:
    """The query parameters for ``state``, in a fixed order, leaving out nothing (links stay explicit) but the
    optional ones at their default (a link from before the age groups reads as it always did)."""
    query = {key: getattr(state, key) for key in QUERY_KEYS}
    for key, name in OPTIONAL_KEYS.items():
        value = getattr(state, key)
        if value != getattr(ViewState(), key):
            query[name] = value
    return query
