"""What the SYNTHETIC sample data is calibrated to, as data.

Three kinds of entries, each with its source:

- :data:`REPORTED_TARGETS`: figures the seed documents report (file and line
  as in ``reported_figures.csv``) or THL's published level (the metric
  definitions, §6). The generator pins the access, NPS and staff-score
  windows to them; the tests compute every target with the real metrics
  functions and check it against ``value`` within :meth:`Target.allowed_error`.
- :data:`DESIGN_TARGETS`: values the seeds do *not* report but that the sample
  data is built to show, so that charts against a goal are worth looking at
  (Varsinais-Suomi's 7-day goals). They are pinned and tested the same way.
- :func:`published_doctor_levels`: THL's published doctor figures per county
  and year, read from the copies the app ships
  (``recorded/sotkanet/data_5502.json``, COCI, and ``data_6411.json``, the
  share over 7 days). The doctors' continuity and 7-day share in the sample
  are set to them for every county and year; the other professions keep
  their own, designed levels.
- :func:`programme_starts`: when continuity starts improving in each county of
  the RRP4 Investment 1 care-continuity programme. Who takes part, and the
  start wherever a seed states one, come from ``reference_data/participants.csv``
  (the same table the investments page reads), so the sample data and the
  page's difference-in-differences agree; :data:`ASSUMED_STARTS` fills in the
  counties whose start participants.csv leaves empty, each marked as an
  assumption.

Everything here describes synthetic data. None of it is a measurement.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Final, Literal

import polars as pl

from core.errors import InvalidInputError

Metric = Literal["access_within_days", "nps", "mean_score", "mean_coc"]
Comparison = Literal["near", "below"]
Basis = Literal["reported", "design"]


@dataclass(frozen=True)
class Target:
    """One figure the sample data should reproduce when computed with the metrics package.

    The window is inclusive on both ends and applies to ``visit_at`` (access,
    continuity) or ``answered_at`` (survey answers). ``region_code`` None means
    the whole country. With ``comparison="near"`` the computed value must lie
    within :meth:`allowed_error` of ``value``; with ``"below"`` it must be
    below ``value``. A target with ``contradicted_by`` is kept for the record
    but not pinned: THL's published doctor figure rules it out, and the
    text says why.
    """

    key: str
    metric: Metric
    region_code: str | None
    start: date
    end: date
    value: float
    tolerance: float
    source: str
    note: str
    basis: Basis = "reported"
    comparison: Comparison = "near"
    days: int | None = None  # access threshold
    respondent: str | None = None  # survey answers: "patient" | "staff"
    profession: str | None = None  # continuity: "doctor" | "nurse"
    contradicted_by: str | None = None  # why the sample cannot reproduce it: THL's figure for doctors rules it out

    def allowed_error(self, n: int) -> float:
        """Tolerance for a value computed from ``n`` observations.

        ``tolerance`` is the error allowed at the default scale; small test
        sets add two sampling standard errors (binomial for shares, the
        NPS plug-in variance, a 2-point score SD, a 0.3 COC SD).
        """
        if n <= 0:
            return math.inf
        if self.metric == "access_within_days":
            spread = math.sqrt(self.value * (1 - self.value))
        else:
            spread = {"nps": 50.0, "mean_score": 2.0, "mean_coc": 0.3}[self.metric]
        return self.tolerance + 2 * spread / math.sqrt(n)


@dataclass(frozen=True)
class ProgrammeStart:
    """From when a county's continuity (named doctor, own team) improves in the sample data.

    ``assumed`` is False when ``reference_data/participants.csv`` states the
    start (``source`` then cites the seed line it quotes), True when it is one
    of :data:`ASSUMED_STARTS`.
    """

    region_code: str
    county: str
    start: date
    source: str
    assumed: bool


_Q1_2025 = (date(2025, 1, 1), date(2025, 3, 31))
_STATUS_REPORT_WINDOW = (
    "The status report (spring 2025) names no measurement window; the sample data reads it as Q1/2025."
)

REPORTED_TARGETS: tuple[Target, ...] = (
    Target(
        key="pohjois_savo_access_7d_q1_2025",
        metric="access_within_days",
        days=7,
        region_code="13",
        start=_Q1_2025[0],
        end=_Q1_2025[1],
        value=0.77,
        tolerance=0.02,
        source="000_eae0f6498add9be4.txt:37 (status report, Pohjois-Savo, 7 vrk 77 %)",
        note=_STATUS_REPORT_WINDOW + " The county counts all professions in its own system.",
        contradicted_by="THL publishes 60.5 % of Pohjois-Savo's doctor visits in 2025 as over 7 days (Sotkanet 6411): "
        "with doctors at 39.5 % within 7 days, 77 % for all professions would need the other professions above "
        "100 %. The sample keeps THL's doctor figure and the other professions' designed level (77 %), so all "
        "professions pooled come to about 62 %.",
    ),
    Target(
        key="paijat_hame_access_7d_q1_2025",
        metric="access_within_days",
        days=7,
        region_code="09",
        start=_Q1_2025[0],
        end=_Q1_2025[1],
        value=0.561,
        tolerance=0.02,
        source="000_eae0f6498add9be4.txt:40 (status report, Päijät-Häme, 7 vrk 56.1 %)",
        note=_STATUS_REPORT_WINDOW,
    ),
    Target(
        key="paijat_hame_access_14d_q1_2025",
        metric="access_within_days",
        days=14,
        region_code="09",
        start=_Q1_2025[0],
        end=_Q1_2025[1],
        value=0.7689,
        tolerance=0.02,
        source="000_eae0f6498add9be4.txt:40 (status report, Päijät-Häme, 14 vrk 76.89 %)",
        note=_STATUS_REPORT_WINDOW,
    ),
    Target(
        key="kanta_hame_patient_nps_10_2024_12_2025",
        metric="nps",
        respondent="patient",
        region_code="07",
        start=date(2024, 10, 1),
        end=date(2025, 12, 31),
        value=84.3,
        tolerance=1.5,
        source="002_2e354b78671e0859.txt:1572 (NPS 84.3, n = 108 971, 1.10.2024-31.12.2025; repeated at 4577)",
        note="All patient answers of the county in the window, unweighted.",
    ),
    Target(
        key="satakunta_staff_score_2025_01",
        metric="mean_score",
        respondent="staff",
        region_code="06",
        start=date(2025, 1, 1),
        end=date(2025, 1, 31),
        value=7.45,
        tolerance=0.1,
        source="000_eae0f6498add9be4.txt:71 (Satakunta, työtyytyväisyys 7.45 in January 2025)",
        note="The scale is not stated; the sample data reads it as the mean of 0-10 staff answers, "
        "so the staff eNPS falls with it.",
    ),
    Target(
        key="satakunta_staff_score_2025_02",
        metric="mean_score",
        respondent="staff",
        region_code="06",
        start=date(2025, 2, 1),
        end=date(2025, 2, 28),
        value=6.7,
        tolerance=0.1,
        source="000_eae0f6498add9be4.txt:71 (Satakunta, työtyytyväisyys 6.7 in February 2025)",
        note="As for January; 'Työtyytyväisyys on laskenut' (job satisfaction has fallen).",
    ),
    Target(
        key="national_doctor_coc_2023",
        metric="mean_coc",
        profession="doctor",
        region_code=None,
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
        value=0.30,
        tolerance=0.02,
        source="metric_definitions.md §6: THL, Hoidon jatkuvuus perusterveydenhuollossa, "
        "2022 level about 0.3 for physicians",
        note="Unweighted mean of patient COC over doctor visits in 2023 (before any programme start), min_visits=2.",
    ),
    Target(
        key="national_nurse_coc_2023",
        metric="mean_coc",
        profession="nurse",
        region_code=None,
        start=date(2023, 1, 1),
        end=date(2023, 12, 31),
        value=0.20,
        tolerance=0.0,
        comparison="below",
        source="metric_definitions.md §6: THL, Hoidon jatkuvuus perusterveydenhuollossa, "
        "2022 level below 0.2 for nurses",
        note="Unweighted mean of patient COC over nurse visits in 2023, min_visits=2; built to be about 0.16.",
    ),
)

DESIGN_TARGETS: tuple[Target, ...] = (
    Target(
        key="varsinais_suomi_access_7d_q2_2024",
        metric="access_within_days",
        days=7,
        region_code="05",
        start=date(2024, 4, 1),
        end=date(2024, 6, 30),
        value=0.665,
        tolerance=0.02,
        basis="design",
        source="003_d810aaaa0453439a.txt:228 (goal 66 % within 7 days by Q2/2024; repeated at 1061)",
        note="Not a reported figure: the sample data meets the first goal narrowly.",
    ),
    Target(
        key="varsinais_suomi_access_7d_q4_2025",
        metric="access_within_days",
        days=7,
        region_code="05",
        start=date(2025, 10, 1),
        end=date(2025, 12, 31),
        value=0.62,
        tolerance=0.02,
        basis="design",
        source="003_d810aaaa0453439a.txt:230 (goal 80 % within 7 days by Q4/2025; repeated at 1062)",
        note="Not a reported figure: the sample data misses the second goal by about 18 points. All professions; "
        "THL's doctor share for Varsinais-Suomi in 2025 is 42.1 % (100 − 6411), so the earlier design value of "
        "74 % would have needed the other professions at about 95 %.",
    ),
)

ALL_TARGETS: tuple[Target, ...] = REPORTED_TARGETS + DESIGN_TARGETS

#: The care-continuity programme whose counties improve in the sample data: (round, investment) in
#: ``reference_data/investments.csv``; its participants are listed by 001_646a86ef3f6e86e2.txt:200-207.
PROGRAMME: Final = ("RRP4", 1)

#: Starts for the programme's counties whose start ``participants.csv`` leaves empty: (county, start, source).
#: Every one is an ASSUMPTION read from the seeds' status reports, not a stated programme start.
ASSUMED_STARTS: Final[Mapping[str, tuple[str, date, str]]] = {
    "03": (
        "Länsi-Uusimaa",
        date(2025, 1, 1),
        "assumed from 000_eae0f6498add9be4.txt:32 (Iso-Omena pilot launched; strongest in that unit)",
    ),
    "05": (
        "Varsinais-Suomi",
        date(2024, 1, 1),
        "assumed from 003 (RRP2 TP4: continuity model in all sote-centres) and "
        "000_eae0f6498add9be4.txt:104 (omatiimi 69 %)",
    ),
    "06": ("Satakunta", date(2024, 9, 1), "assumed from 000_eae0f6498add9be4.txt:43 (Investment 1 on schedule)"),
    "13": (
        "Pohjois-Savo",
        date(2024, 9, 1),
        "assumed from 000_eae0f6498add9be4.txt:36-37 (OmaTiimi roll-out; access 'parantunut hieman' by spring 2025)",
    ),
    "19": (
        "Pohjois-Pohjanmaa",
        date(2025, 3, 31),
        "assumed from 000_eae0f6498add9be4.txt:117 ('Uusi toimintatapa käynnistyy 31.3.2025')",
    ),
    "20": (
        "Kainuu",
        date(2025, 3, 10),
        "assumed from 000_eae0f6498add9be4.txt:53 (development nurse from 10.3.2025)",
    ),
}

_START_FORMS = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")


def start_date(text: str) -> date:
    """The first day a start in participants.csv can mean: ``2023`` is 1 January, ``2024-09`` is 1 September."""
    match = _START_FORMS.match(text.strip())
    if match is None:
        raise InvalidInputError(f"a programme start must read YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}")
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise InvalidInputError(f"a programme start must be a real date, got {text!r}") from exc


def programme_starts(participants: pl.DataFrame | None = None) -> tuple[ProgrammeStart, ...]:
    """The programme's counties and their starts, ordered by county code.

    ``participants`` defaults to ``reference_data/participants.csv``
    (:func:`data_sources.reference.participants`). A participant with a
    start there gets that start; one without gets its :data:`ASSUMED_STARTS`
    entry. Raises :class:`InvalidInputError` when a participant has neither,
    so a county added to participants.csv cannot silently stay flat.
    """
    if participants is None:
        return _default_programme_starts()
    from core.regions import region_by_code  # noqa: PLC0415  # keeps this module's import light

    round_, investment = PROGRAMME
    rows = participants.filter((pl.col("round") == round_) & (pl.col("investment") == investment))
    starts = []
    for row in rows.sort("region_code").iter_rows(named=True):
        code = row["region_code"]
        if row["start"]:
            starts.append(
                ProgrammeStart(
                    code,
                    region_by_code(code).name("en").removesuffix(" wellbeing services county"),
                    start_date(row["start"]),
                    f"participants.csv ({row['start_seed_file']}:{row['start_seed_line']}: {row['start_fi']})",
                    assumed=False,
                )
            )
        elif code in ASSUMED_STARTS:
            county, start, source = ASSUMED_STARTS[code]
            starts.append(ProgrammeStart(code, county, start, source, assumed=True))
        else:
            raise InvalidInputError(
                f"participants.csv lists county {code} in {round_} investment {investment} without a start, "
                "and sample_data/calibration.py ASSUMED_STARTS has none for it"
            )
    return tuple(starts)


@cache
def _default_programme_starts() -> tuple[ProgrammeStart, ...]:
    from data_sources.reference import participants  # noqa: PLC0415

    return programme_starts(participants())


#: Plausible T3 per unit (median over the unit's books), in days; not a reported figure.
T3_DOCTOR_PLAUSIBLE_DAYS = (5.0, 40.0)


# --- THL's published doctor figures -----------------------------------------------------------------------------------

#: The copies of THL's published Sotkanet series that the app ships (the one place for these numbers).
PUBLISHED_COPIES: Final = Path(__file__).resolve().parent / "recorded" / "sotkanet"
DOCTOR_COC_INDICATOR: Final = 5502  # continuity of care in primary-care doctor visits, COCI
DOCTOR_OVER_7_DAYS_INDICATOR: Final = 6411  # non-urgent doctor visits over 7 days from the assessment, %
#: How close the sample's doctor figures must come to THL's, per county and year (issue 16).
DOCTOR_COC_TOLERANCE: Final = 0.02
DOCTOR_WITHIN_7_TOLERANCE: Final = 0.02


@dataclass(frozen=True)
class PublishedLevel:
    """THL's figure for one county and year, or the nearest year's when THL published none for it.

    ``published_year`` is the year the value is THL's figure for; when it
    differs from the year it stands in for, ``filled`` is True and the
    sample merely carries the nearest published level over (a test never
    compares the sample with a filled value).
    """

    value: float
    published_year: int
    filled: bool


@dataclass(frozen=True)
class DoctorLevels:
    """The doctors' COCI (Sotkanet 5502) and share within 7 days (1 − 6411/100) of one county and year."""

    region_code: str
    year: int
    coc: PublishedLevel
    within_7: PublishedLevel


def published_series(indicator: int, folder: Path = PUBLISHED_COPIES) -> dict[str, dict[int, float]]:
    """THL's published values of one bundled Sotkanet series: {county code: {year: value}}.

    Sotkanet's region ids become the product's codes through
    ``reference_data/regions.csv`` (:func:`core.regions.region_by_sotkanet_id`);
    the whole country and ids that are not a county are left out.
    """
    from core.regions import region_by_sotkanet_id  # noqa: PLC0415  # keeps this module's import light

    rows = json.loads((folder / f"data_{indicator}.json").read_text(encoding="utf-8"))
    series: dict[str, dict[int, float]] = {}
    for row in rows:
        region = region_by_sotkanet_id(int(row["region"]))
        if region is None or row.get("gender", "total") != "total" or row.get("value") is None:
            continue
        series.setdefault(region.code, {})[int(row["year"])] = float(row["value"])
    return series


def _level(values: Mapping[int, float], year: int, what: str, code: str) -> PublishedLevel:
    if not values:
        raise InvalidInputError(f"THL has published no {what} for county {code} in the bundled copies")
    if year in values:
        return PublishedLevel(values[year], year, filled=False)
    nearest = min(values, key=lambda published: (abs(published - year), -published))  # a tie takes the later year
    return PublishedLevel(values[nearest], nearest, filled=True)


def published_doctor_levels(
    codes: Iterable[str], years: Iterable[int], folder: Path = PUBLISHED_COPIES
) -> dict[tuple[str, int], DoctorLevels]:
    """THL's doctor COCI and 7-day share for every county and year asked for, keyed by (code, year).

    A year THL has not published for a county (Vantaa-Kerava's and
    Helsinki's COCI for 2023, say) takes the nearest published year's value,
    marked ``filled``; nothing is invented between years.
    """
    coc = published_series(DOCTOR_COC_INDICATOR, folder)
    over_7 = published_series(DOCTOR_OVER_7_DAYS_INDICATOR, folder)
    levels = {}
    for code in codes:
        for year in years:
            share = _level(over_7.get(code, {}), year, f"Sotkanet {DOCTOR_OVER_7_DAYS_INDICATOR}", code)
            levels[code, year] = DoctorLevels(
                code,
                year,
                _level(coc.get(code, {}), year, f"Sotkanet {DOCTOR_COC_INDICATOR}", code),
                PublishedLevel(round(1 - share.value / 100, 4), share.published_year, share.filled),
            )
    return levels
