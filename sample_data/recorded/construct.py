"""Write the CONSTRUCTED recorded responses in this folder (seeded: the same files every run).

    python sample_data/recorded/construct.py

The shapes follow the real Sotkanet REST 1.1 and THL JSON-stat formats (see
README.md next to this file); every number written here is made up. The two
verbatim copies (``sotkanet/indicator_4.json``, ``thl/fact_reference_example.json``)
are not touched, nor are the data of the indicators in :data:`PUBLISHED`: those
are copies of THL's published values, written by ``published_copies.py``; only
their metadata (``indicator_{id}.json``) is constructed here. Stand-alone on
purpose: it reads only ``reference_data/regions.csv``.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGIONS_CSV = HERE.parent.parent / "reference_data" / "regions.csv"
SEED = 20260315
YEARS = range(2019, 2026)
THL = {"id": 2, "title": {
    "fi": "Terveyden ja hyvinvoinnin laitos (THL)",
    "en": "Institute for Health and Welfare (THL)",
    "sv": "Institutet för hälsa och välfärd (THL)",
}}  # fmt: skip

# Approximate populations (thousands) per county code: only to make counts plausible.
POPULATION = {
    "01": 99, "02": 204, "03": 484, "04": 285, "05": 486, "06": 214, "07": 171, "08": 535,
    "09": 205, "10": 161, "11": 126, "12": 130, "13": 248, "14": 163, "15": 275, "16": 191,
    "17": 177, "18": 77, "19": 418, "20": 70, "21": 176, "90": 675, "91": 30,
}  # fmt: skip

# Six rows of the real /regions answer, verbatim from Oskari's recorded 2016 fixture.
VERBATIM_REGIONS = [
    {
        "id": 833,
        "code": "1",
        "category": "ALUEHALLINTOVIRASTO",
        "title": {
            "fi": "Etelä-Suomen AVIn alue",
            "en": "Area for Southern Finland AVI",
            "sv": "Området för Södra Finlands RFV",
        },
        "memberOf": [],
        "uri": "http://www.yso.fi/onto/kunnat/ahv1",
    },
    {
        "id": 901,
        "code": "1",
        "category": "ERVA",
        "title": {
            "fi": "Helsingin Yliopistosairaalan erityisvastuualue",
            "en": "Helsinki University hospital special responsibility area ",
            "sv": "Specialupptagningsområdet för Helsingfors universitetssjukhus",
        },
        "memberOf": [],
    },
    {
        "id": 658,
        "code": "358",
        "category": "MAA",
        "title": {"fi": "Koko maa", "en": "Whole country", "sv": "Hela landet"},
        "memberOf": [],
        "uri": "http://www.yso.fi/onto/kunnat/suomi",
    },
    {
        "id": 488,
        "code": "01",
        "category": "MAAKUNTA",
        "title": {"fi": "Uusimaa", "en": "Region of Uusimaa", "sv": "Nyland"},
        "memberOf": [],
        "uri": "http://www.yso.fi/onto/kunnat/mk01",
    },
    {
        "id": 629,
        "code": "25",
        "category": "SAIRAANHOITOPIIRI",
        "title": {
            "fi": "Helsingin ja Uudenmaan sairaanhoitopiiri",
            "en": "Helsinki and Uusimaa hospital district",
            "sv": "Helsingfors och Nylands sjukvårdsdistrikt",
        },
        "memberOf": [],
        "uri": "http://www.yso.fi/onto/kunnat/shp25",
    },
    {
        "id": 2,
        "code": "005",
        "category": "KUNTA",
        "title": {"fi": "Alajärvi", "en": "Alajärvi", "sv": "Alajärvi"},
        "memberOf": [842, 658, 500, 572, 613, 727, 931, 836, 903],
        "uri": "http://www.yso.fi/onto/kunnat/k005",
    },
]

# The first two items of the real /indicators answer, verbatim from Oskari's recorded 2016 fixture.
_OLD_REGION_VALUES = ["Kunta", "Maakunta", "Erva", "Aluehallintovirasto", "Sairaanhoitopiiri", "Maa", "Suuralue",
                      "Seutukunta", "Nuts1"]  # fmt: skip
VERBATIM_INDICATORS = [
    {"id": 4, "title": {
        "fi": "Mielenterveyden häiriöihin sairaalahoitoa saaneet 0 - 17-vuotiaat / 1 000 vastaavanikäistä",
        "en": "Hospital care for mental disorders, recipients aged 0-17 per 1000 persons of the same age",
        "sv": "0 - 17-åringar som vårdats på sjukhus för psykiska störningar / 1 000 i samma åldrar"},
     "organization": THL,
     "classifications": {"sex": {"values": ["male", "female", "total"]}, "region": {"values": _OLD_REGION_VALUES}}},
    {"id": 5, "title": {
        "fi": "Toimeentulotukea saaneet 25 - 64-vuotiaat, % vastaavanikäisestä väestöstä",
        "en": "Social assistance recipients aged 25-64, as % of total population of same age",
        "sv": "25-64-åriga mottagare av utkomststöd, % av befolkningen i samma ålder"},
     "organization": THL,
     "classifications": {"sex": {"values": ["male", "female", "total"]}, "region": {"values": _OLD_REGION_VALUES}}},
]  # fmt: skip

PERCENT = {"code": "PERCENT", "title": {"fi": "Prosenttia", "en": "Percent", "sv": "Procent"}}  # code unconfirmed
PER1000 = {"code": "PER1000", "title": {
    "fi": "Tuhatta asukasta kohden", "en": "Per 1 000 inhabitants", "sv": "Per tusen invånare"}}  # fmt: skip
INDEX = {"code": "INDEX", "title": {"fi": "Indeksi", "en": "Index", "sv": "Index"}}  # code unconfirmed
SEX_TITLE_ALL = {"fi": "miehet, naiset, yhteensä", "en": "male, female, combined", "sv": "män, kvinnor, totalt"}
SEX_TITLE_TOTAL = {"fi": "yhteensä", "en": "combined", "sv": "totalt"}
REGION_TITLE = {
    "fi": "Kunta, hyvinvointialue, koko maa",
    "en": "Municipality, wellbeing services county, whole country",
    "sv": "Kommun, välfärdsområde, hela landet",
}
PRIMARY_CARE_SOURCE = {
    "organization": THL,
    "title": {"fi": "Perusterveydenhuoltotilasto (THL)", "en": "Primary health care (THL)", "sv": "Primär vård (THL)"},
    "description": {
        "fi": "Perusterveydenhuollon avohoidon hoitoilmoitukset (Avohilmo). RAKENNETTU KUVAUS testiaineistoa varten.",
        "en": "Care notifications of primary health care outpatient services (Avohilmo). CONSTRUCTED text.",
        "sv": "Vårdanmälningar inom den öppna primärvården (Avohilmo). KONSTRUERAD text för testdata.",
    },
}
SURVEY_SOURCE = {
    "organization": THL,
    "title": {"fi": "Terveys, hyvinvointi ja palvelut -tutkimus (THL)", "en": "Healthy Finland survey (THL)",
              "sv": "Hälsa, välfärd och tjänster (THL)"},
    "description": {"fi": "Kyselytutkimus. RAKENNETTU KUVAUS.", "en": "Survey. CONSTRUCTED text.",
                    "sv": "Enkätundersökning. KONSTRUERAD text."},
}  # fmt: skip


def _wait_text(days: str, en_days: str, sv_days: str) -> dict[str, dict[str, str]]:
    return {
        "title": {
            "fi": f"Perusterveydenhuollon avosairaanhoidon lääkärin kiireettömän käynnin odotusaika yli {days} "
            "hoidon tarpeen arvioinnista, % toteutuneista käynneistä",
            "en": f"Waiting time of over {en_days} from the assessment of care needs to a non-urgent physician visit "
            "in primary health care outpatient services, % of realised visits",
            "sv": f"Väntetid på över {sv_days} från bedömningen av vårdbehovet till ett icke-brådskande läkarbesök "
            "inom den öppna primärvården, % av genomförda besök",
        },
        "description": {
            "fi": f"Indikaattori ilmaisee niiden kiireettömien lääkärikäyntien osuuden, joissa odotusaika hoidon "
            f"tarpeen arvioinnista käyntiin oli yli {days}.<p id=suhteutus>RAKENNETTU KUVAUS testiaineistoa "
            "varten.</p> ",
            "en": f"The share of non-urgent physician visits with a wait of over {en_days} from the assessment of "
            "care needs to the visit.<p id=suhteutus>CONSTRUCTED description for fixtures.</p> ",
            "sv": f"Andelen icke-brådskande läkarbesök där väntetiden från bedömningen av vårdbehovet till besöket "
            f"var över {sv_days}.<br />KONSTRUERAD beskrivning för testdata. ",
        },
    }


@dataclass(frozen=True)
class Spec:
    """One indicator: its texts, years, sexes, unit, decimals, data-updated and what its absValue counts."""

    title: dict[str, str]
    description: dict[str, str]
    years: tuple[int, ...]
    sexes: tuple[str, ...]
    unit: Mapping[str, object]
    decimals: int
    updated: str
    absolute: str | None  # "count" (visits behind a share), "visits" (behind a rate) or None (no absValue)
    survey: bool = False


ALL_SEXES = ("male", "female", "total")
#: Indicators whose data files are copies of THL's published values (``published_copies.py``), not made up here.
PUBLISHED = frozenset({1080, 4909, 5081, 5186, 5502, 6411})
SPECS: dict[int, Spec] = {
    2676: Spec(**_wait_text("7 pv", "7 days", "7 dagar"), years=tuple(YEARS), sexes=("total",), unit=PERCENT,
               decimals=1, updated="2026-03-18", absolute="count"),
    3176: Spec(**_wait_text("3 kk", "3 months", "3 månader"), years=tuple(YEARS), sexes=("total",), unit=PERCENT,
               decimals=1, updated="2026-03-18", absolute="count"),
    6411: Spec(title={"fi": "Kiireettömän lääkärikäynnin odotusaika yli 7 päivää",
                      "en": "Wait for a non-urgent physician visit over 7 days",
                      "sv": "Väntetid till icke-brådskande läkarbesök över 7 dagar"},
               description={"fi": "Osuus toteutuneista kiireettömistä lääkärikäynneistä. RAKENNETTU KUVAUS.",
                            "en": "Share of realised non-urgent physician visits. CONSTRUCTED description.",
                            "sv": "Andel av genomförda icke-brådskande läkarbesök. KONSTRUERAD beskrivning."},
               years=tuple(range(2021, 2026)), sexes=("total",), unit=PERCENT, decimals=1,
               updated="2026-04-09", absolute=None),
    5502: Spec(title={"fi": "Hoidon jatkuvuus lääkärikäynneillä (COCI)",
                      "en": "Continuity of care in physician visits (COCI)",
                      "sv": "Vårdkontinuitet vid läkarbesök (COCI)"},
               description={"fi": "Bice–Boxermanin jatkuvuusindeksi (0–1) perusterveydenhuollon lääkärikäynneillä. "
                                  "RAKENNETTU KUVAUS.",
                            "en": "Bice–Boxerman continuity of care index (0–1) of primary-care physician visits. "
                                  "CONSTRUCTED description.",
                            "sv": "Bice–Boxermans kontinuitetsindex (0–1) för läkarbesök i primärvården. "
                                  "KONSTRUERAD beskrivning."},
               years=tuple(range(2020, 2026)), sexes=("total",), unit=INDEX, decimals=2,
               updated="2026-02-26", absolute=None),
    5186: Spec(title={"fi": "Hoitopaikkaan riittävän nopeasti yhteyden saaneet",
                      "en": "Reached the place of care quickly enough",
                      "sv": "Fick kontakt med vårdplatsen tillräckligt snabbt"},
               description={"fi": "Osuus kyselyyn vastanneista, jotka saivat yhteyden hoitopaikkaan riittävän "
                                  "nopeasti. RAKENNETTU KUVAUS.",
                            "en": "Share of survey respondents who reached the place of care quickly enough. "
                                  "CONSTRUCTED description.",
                            "sv": "Andel av de svarande som fick kontakt med vårdplatsen tillräckligt snabbt. "
                                  "KONSTRUERAD beskrivning."},
               years=(2020, 2022, 2024), sexes=ALL_SEXES, unit=PERCENT, decimals=1,
               updated="2025-06-12", absolute=None, survey=True),
    1552: Spec(title={"fi": "Perusterveydenhuollon avohoidon kaikki lääkärikäynnit / 1 000 asukasta",
                      "en": "All physician visits in primary health care outpatient services per 1 000 inhabitants",
                      "sv": "Alla läkarbesök inom den öppna primärvården / 1 000 invånare"},
               description={"fi": "Kaikki perusterveydenhuollon avohoidon lääkärikäynnit tuhatta asukasta kohti, "
                                  "kaikki yhteystavat.<br />RAKENNETTU KUVAUS.",
                            "en": "All primary health care outpatient physician visits per 1 000 inhabitants, all "
                                  "contact types.<br />CONSTRUCTED description.",
                            "sv": "Alla läkarbesök inom den öppna primärvården per 1 000 invånare, alla "
                                  "kontaktsätt.<br />KONSTRUERAD beskrivning."},
               years=tuple(YEARS), sexes=ALL_SEXES, unit=PER1000, decimals=1,
               updated="2026-03-18", absolute="visits"),
    4909: Spec(title={"fi": "Tarpeeseen nähden riittämättömästi lääkäripalveluja saaneet",
                      "en": "Received insufficient physician services for their needs",
                      "sv": "Fick otillräckligt med läkartjänster i förhållande till behovet"},
               description={"fi": "Osuus kyselyyn vastanneista, jotka kokivat saaneensa lääkäripalveluja "
                                  "tarpeeseensa nähden riittämättömästi. RAKENNETTU KUVAUS.",
                            "en": "Share of survey respondents who found the physician services they received "
                                  "insufficient for their needs. CONSTRUCTED description.",
                            "sv": "Andel av de svarande som fick otillräckligt med läkartjänster i förhållande "
                                  "till behovet. KONSTRUERAD beskrivning."},
               years=(2020, 2022, 2024), sexes=("total",), unit=PERCENT, decimals=1,
               updated="2025-06-12", absolute=None, survey=True),
    1080: Spec(title={"fi": "Perusterveydenhuollon avohoidon lääkärikäynnit, kaikki yhteystavat / 1 000 asukasta",
                      "en": "Physician visits in primary health care outpatient services, all contact types, "
                            "per 1 000 inhabitants",
                      "sv": "Läkarbesök inom den öppna primärvården, alla kontaktsätt / 1 000 invånare"},
               description={"fi": "Lääkärikäynnit tuhatta asukasta kohti. RAKENNETTU KUVAUS.",
                            "en": "Physician visits per 1 000 inhabitants. CONSTRUCTED description.",
                            "sv": "Läkarbesök per 1 000 invånare. KONSTRUERAD beskrivning."},
               years=tuple(range(2020, 2025)), sexes=("total",), unit=PER1000, decimals=1,
               updated="2026-03-18", absolute="visits"),
    5081: Spec(title={"fi": "Päivystyskäynnit perusterveydenhuollossa, mukaan lukien yhteispäivystys / 1 000 "
                            "asukasta",
                      "en": "Emergency visits in primary health care, including joint emergency services, "
                            "per 1 000 inhabitants",
                      "sv": "Jourbesök inom primärvården, inklusive samjour / 1 000 invånare"},
               description={"fi": "Päivystyskäynnit tuhatta asukasta kohti. RAKENNETTU KUVAUS.",
                            "en": "Emergency visits per 1 000 inhabitants. CONSTRUCTED description.",
                            "sv": "Jourbesök per 1 000 invånare. KONSTRUERAD beskrivning."},
               years=tuple(range(2020, 2026)), sexes=("total",), unit=PER1000, decimals=1,
               updated="2026-03-18", absolute="visits"),
}  # fmt: skip


def counties() -> list[dict[str, str]]:
    with REGIONS_CSV.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_json(path: Path, body: object, *, compact: bool = True) -> None:
    text = (
        json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        if compact
        else json.dumps(body, ensure_ascii=False, indent=2)
    )
    path.write_text(text, encoding="utf-8")


def regions_body() -> list[dict[str, object]]:
    """Six verbatim rows and 23 CONSTRUCTED HYVINVOINTIALUE rows (ids from regions.csv, memberOf assumed)."""
    hva = [
        {"id": int(row["sotkanet_id"]), "code": row["hva_code"], "category": "HYVINVOINTIALUE",
         "title": {"fi": row["name_fi"], "en": row["name_en"], "sv": row["name_sv"]}, "memberOf": [658]}
        for row in counties()
    ]  # fmt: skip
    return [*VERBATIM_REGIONS[:3], *hva, *VERBATIM_REGIONS[3:]]


def metadata_body(indicator_id: int, spec: Spec) -> dict[str, object]:
    return {
        "id": indicator_id,
        "data-updated": spec.updated,
        "range": {"start": spec.years[0], "end": spec.years[-1]},
        "title": spec.title,
        "description": spec.description,
        "interpretation": {"fi": "RAKENNETTU TULKINTA. ", "en": "CONSTRUCTED interpretation. ", "sv": ""},
        "limits": {
            "fi": "Tietosuojan vuoksi pieniä lukuja ei julkaista. RAKENNETTU TEKSTI. ",
            "en": "Small numbers are not published, for privacy. CONSTRUCTED text. ",
            "sv": "Små tal publiceras inte på grund av dataskyddet. KONSTRUERAD text. ",
        },
        "legislation": {"fi": "", "en": "", "sv": ""},
        "notices": {"fi": " ", "en": "", "sv": ""},
        "primaryValueType": spec.unit,
        "decimals": spec.decimals,
        "classifications": {
            "sex": {
                "title": SEX_TITLE_ALL if len(spec.sexes) > 1 else SEX_TITLE_TOTAL,
                "values": list(spec.sexes),
            },
            "region": {"title": REGION_TITLE, "values": []},  # the newer style: values empty, title given
        },
        "organization": THL,
        "subjects": [{"fi": "hoitoonpääsy", "sv": "tillgång till vård", "en": "access to care", "uri": ""}],
        "sources": [SURVEY_SOURCE if spec.survey else PRIMARY_CARE_SOURCE],
        "groups": [1],
    }


def summary_body(indicator_id: int, spec: Spec) -> dict[str, object]:
    return {
        "id": indicator_id,
        "title": spec.title,
        "organization": THL,
        "classifications": {
            "sex": {"values": list(spec.sexes)},
            "region": {"values": ["Kunta", "Hyvinvointialue", "Maa"]},
        },
    }


Model = Callable[[str, int, str], float]


def value_model(indicator_id: int, rng: random.Random) -> Model:
    """A county level, a year effect, a sex effect and noise, for one indicator."""
    level = {code: rng.uniform(-1.0, 1.0) for code in POPULATION}
    year_effect = {
        2676: {2019: 0, 2020: -4, 2021: 1, 2022: 6, 2023: 8, 2024: 2, 2025: -3},
        6411: {2021: 0, 2022: 5, 2023: 7, 2024: 1, 2025: -4},
        3176: {2019: 0, 2020: -0.5, 2021: 0.5, 2022: 1.8, 2023: 1.2, 2024: -0.6, 2025: -1.0},
        5502: {year: 0.005 * (year - 2020) for year in range(2020, 2026)},
        5186: {2020: 2, 2022: -4, 2024: -1},
        1552: {2019: 0, 2020: -120, 2021: -40, 2022: 20, 2023: 40, 2024: 60, 2025: 70},
    }[indicator_id]
    base, spread, noise, low, high = {
        2676: (42.0, 15.0, 1.5, 5.0, 85.0),
        6411: (40.0, 15.0, 1.5, 5.0, 85.0),
        3176: (2.5, 1.8, 0.3, 0.1, 15.0),
        5502: (0.26, 0.07, 0.01, 0.05, 0.6),
        5186: (68.0, 8.0, 1.0, 30.0, 95.0),
        1552: (1450.0, 250.0, 20.0, 600.0, 2500.0),
    }[indicator_id]
    sex_effect = {2676: 0.0, 6411: 0.0, 3176: 0.0, 5502: 0.0, 5186: 1.5, 1552: 170.0}[indicator_id]

    def model(code: str, year: int, sex: str) -> float:
        shift = {"male": sex_effect, "female": -sex_effect, "total": 0.0}[sex]
        if indicator_id == 1552:
            shift = -shift  # women visit doctors more often
        value = base + spread * level[code] + year_effect[year] + shift + rng.gauss(0.0, noise)
        return min(high, max(low, value))

    return model


# Non-county rows in the data: (internal id, the counties they stand for, population in thousands).
OTHER_AREAS = [
    (488, ("01", "02", "03", "04", "90"), None),  # MAAKUNTA Uusimaa
    (629, ("01", "02", "03", "04", "90"), None),  # SAIRAANHOITOPIIRI HUS
    (833, ("01", "02", "03", "04", "90", "10", "11"), None),  # ALUEHALLINTOVIRASTO Etelä-Suomi
    (901, ("01", "02", "03", "04", "90", "10", "11"), None),  # ERVA HYKS
    (2, ("16",), 9.4),  # KUNTA Alajärvi
]


def data_body(indicator_id: int, spec: Spec, rng: random.Random) -> list[dict[str, object]]:
    """Rows for every listed area (23 counties, the country, five others), shuffled like the real answer."""
    model = value_model(indicator_id, rng)
    ids = {row["hva_code"]: int(row["sotkanet_id"]) for row in counties()}
    decimals = spec.decimals
    rows: list[dict[str, object]] = []

    def emit(region: int, year: int, sex: str, value: float | None, absolute: int | None) -> None:
        row: dict[str, object] = {"indicator": indicator_id, "region": region, "year": year, "gender": sex}
        if value is not None:
            row["value"] = round(value, decimals)
        if absolute is not None:
            row["absValue"] = absolute
        rows.append(row)

    def weighted(values: dict[str, float], codes: Iterable[str]) -> float:
        codes = list(codes)
        return sum(values[code] * POPULATION[code] for code in codes) / sum(POPULATION[code] for code in codes)

    def absolute(value: float, population_k: float, sex: str) -> int | None:
        people = population_k * 1000 * (0.5 if sex != "total" else 1.0)
        if spec.absolute == "visits":
            return round(value * people / 1000)
        if spec.absolute == "count":  # visits behind the share: ~0.3 assessed non-urgent visits per resident
            return round(people * 0.3 * value / 100)
        return None

    for year in spec.years:
        for sex in spec.sexes:
            values = {code: model(code, year, sex) for code in POPULATION}
            for code, value in values.items():
                shown = value
                if indicator_id == 1552 and code == "91":
                    shown = None  # Åland: rows with only absValue, a quirk of the real API
                emit(ids[code], year, sex, shown, absolute(value, POPULATION[code], sex))
            national = weighted(values, POPULATION)
            emit(658, year, sex, national, absolute(national, sum(POPULATION.values()), sex))
            for region, codes, population in OTHER_AREAS:
                value = weighted(values, codes) + rng.gauss(0.0, 0.5 if decimals < 2 else 0.005)
                size = population if population is not None else sum(POPULATION[code] for code in codes)
                emit(region, year, sex, value, absolute(value, size, sex))
    rng.shuffle(rows)
    return rows


# -- THL cube --------------------------------------------------------------------------------------

MONTHS_FI = ("Tammikuu", "Helmikuu", "Maaliskuu", "Huhtikuu", "Toukokuu", "Kesäkuu", "Heinäkuu", "Elokuu",
             "Syyskuu", "Lokakuu", "Marraskuu", "Joulukuu")  # fmt: skip
WAIT_LABELS = ("0-7 vrk", "8-14 vrk", "15-28 vrk", "29-90 vrk", "yli 90 vrk", "Yhteensä")  # placeholders
SEASON = {1: 1.05, 2: 1.05, 3: 1.1, 4: 1.0, 5: 1.0, 6: 0.85, 7: 0.6, 8: 0.9, 9: 1.1, 10: 1.1, 11: 1.1, 12: 0.8}


def cube_body(rng: random.Random) -> tuple[dict[str, object], dict[int, str]]:
    """Dimensions and sparse string cells of the access cube: provider × month × profession × wait class."""
    rows = [row for row in counties() if row["hva_code"] != "91"]
    providers = [("Koko maa", None)] + [(row["name_fi"], row["hva_code"]) for row in rows]
    providers.append(("Valtakunnalliset palveluntuottajat", None))
    months = [(year, month) for year in (2023, 2024, 2025) for month in range(1, 13)]
    professions = (("Lääkärit", 0.02, 0.55), ("Hoitajat", 0.045, 0.82))  # visits per resident per month, base share
    dimensions = {
        "palveluntuottaja": [(str(600101 + i), label) for i, (label, _) in enumerate(providers)],
        "aika": [(str(700201 + i), f"{MONTHS_FI[month - 1]} {year}") for i, (year, month) in enumerate(months)],
        "ammatti": [(str(800301 + i), label) for i, (label, _, _) in enumerate(professions)],
        "odotusaika": [(str(910001 + i), label) for i, label in enumerate(WAIT_LABELS)],
    }
    level = {row["hva_code"]: rng.uniform(-0.15, 0.18) for row in rows}
    counts: dict[tuple[int, int, int], list[int]] = {}
    for p_index, (_, rate, share) in enumerate(professions):
        for m_index, (year, month) in enumerate(months):
            trend = {2023: -0.04, 2024: 0.0, 2025: 0.03}[year]
            national = [0] * 5
            for r_index, (_, code) in enumerate(providers):
                if code is None:
                    continue
                total = round(POPULATION[code] * 1000 * rate * SEASON[month] * rng.uniform(0.95, 1.05))
                within7 = min(0.97, max(0.2, share + level[code] + trend + rng.gauss(0.0, 0.02)))
                rest = 1.0 - within7
                split = [within7, 0.45 * rest, 0.3 * rest, 0.2 * rest]
                bins = [round(total * part) for part in split]
                bins.append(max(0, total - sum(bins)))
                counts[(r_index, m_index, p_index)] = bins
                national = [a + b for a, b in zip(national, bins, strict=True)]
            counts[(0, m_index, p_index)] = national
            small = round(sum(national) * 0.002)
            counts[(len(providers) - 1, m_index, p_index)] = [round(small * 0.9), round(small * 0.07), 2, 0, 0]
    values: dict[int, str] = {}
    sizes = [len(dimensions[name]) for name in dimensions]
    for (r_index, m_index, p_index), bins in counts.items():
        for w_index, count in enumerate([*bins, sum(bins)]):
            flat = ((r_index * sizes[1] + m_index) * sizes[2] + p_index) * sizes[3] + w_index
            if count == 0:
                continue  # no value: the exporter writes no key
            values[flat] = ".." if count < 5 else str(count)  # small counts suppressed (a CONSTRUCTED rule)
    values[sorted(values)[len(values) // 3]] = ""  # one empty string, as in the reference example
    return dimensions, values


def jsonstat_text(label: str, dimensions: dict[str, list[tuple[str, str]]], values: dict[int, str]) -> str:
    """The exact layout THL's JsonStatExporter prints (tabs, line breaks, ``"id" : {``, string cells)."""
    out = ["{\n", '\t"dataset": {\n', '\t\t"version": "2.0",\n', '\t\t"class": "dataset",\n']
    out.append(f'\t\t"label": "{label}",\n')
    out.append('\t\t"dimension": {\n')
    out.append('\t\t\t"id": [\n\t\t\t\t' + ",".join(f'"{name}"' for name in dimensions) + "\n\t\t\t]")
    out.append(',\n\t\t\t"size": [\n\t\t\t\t' + ",".join(str(len(v)) for v in dimensions.values()) + "\n\t\t\t]")
    for name, nodes in dimensions.items():
        out.append(f',\n\t\t\t"{name}" : {{\n')
        out.append('\t\t\t\t"category": {\n')
        out.append('\t\t\t\t\t"index": {\t\t\t\t\t')
        out.append(",".join(f'\n\t\t\t\t\t\t"{sid}": {i}' for i, (sid, _) in enumerate(nodes)) + "\n")
        out.append("\t\t\t\t\t},\n")
        out.append('\t\t\t\t\t"label": {\t\t\t\t\t')
        out.append(",".join(f'\n\t\t\t\t\t\t"{sid}": "{text}"' for sid, text in nodes) + "\n")
        out.append("\t\t\t\t\t}\n")
        out.append("\t\t\t\t}\n\t\t\t}")
    out.append("\n\t\t}")
    if values:
        out.append(',\n\t\t"value": {\n\t\t\t')
        out.append(",\n\t\t\t".join(f'"{index}": "{values[index]}"' for index in sorted(values)))
        out.append("\n\t\t}\n")
    else:
        out.append(',\n\t\t"value": []\n')
    out.append("\t}\n}\n")
    return "".join(out)


def main() -> None:
    sotkanet, thl = HERE / "sotkanet", HERE / "thl"
    sotkanet.mkdir(exist_ok=True)
    thl.mkdir(exist_ok=True)
    write_json(sotkanet / "regions.json", regions_body())
    summaries = [*VERBATIM_INDICATORS, *(summary_body(key, spec) for key, spec in sorted(SPECS.items()))]
    write_json(sotkanet / "indicators.json", summaries)
    for indicator_id, spec in SPECS.items():
        rng = random.Random(SEED + indicator_id)
        write_json(sotkanet / f"indicator_{indicator_id}.json", metadata_body(indicator_id, spec), compact=False)
        if indicator_id not in PUBLISHED:  # the published ones are THL's values (published_copies.py)
            write_json(sotkanet / f"data_{indicator_id}.json", data_body(indicator_id, spec, rng))
    dimensions, values = cube_body(random.Random(SEED))
    label = "Perusterveydenhuollon hoitoonpääsytiedot hoidon tarpeen arvioinnista käyntiin palveluntuottajittain"
    (thl / "fact_ahil_pthjono01.json").write_text(jsonstat_text(label, dimensions, values), encoding="utf-8")


if __name__ == "__main__":
    main()
