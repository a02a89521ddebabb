"""Seeded generator of the SYNTHETIC sample data set. It contains no real register data and no real persons.

The set covers the 21 wellbeing services counties and the City of Helsinki
with named health centres, and has three canonical tables (``core.schema``):

- **visits**: a sample of residents per health centre, each with a usual
  (named) doctor and nurse inside an own team (omatiimi). A visit goes to the
  usual professional, else to another member of the own team or to anyone in
  the unit, locums included. For doctors the chance of the usual doctor is
  solved per county and year so that the mean COC is THL's published COCI
  (Sotkanet 5502); for nurses it rises after the county's care-continuity
  programme start (``calibration.programme_starts()``: the participants and
  seed-stated starts of ``reference_data/participants.csv``, assumed starts
  where it states none). Each visit has a service type: mostly T11
  (curative outpatient care, the scope of THL's statistics), some T31 and T71.
  Doctors' share within 7 days is THL's published figure per county and year
  (100 − Sotkanet 6411); the other professions keep designed levels.
  Waits from the care-need assessment follow the legal care-guarantee period
  (3 months before 9/2023, 14 days 9/2023-12/2024, from 2025 3 months for
  adults and 14 days under 23). The data has realistic flaws: urgent visits,
  missing assessment dates (a few weak county-months), visits dated before
  their assessment, and missing professional ids.
- **appointment slots**: snapshots of a panel of doctors' and nurses' books
  every four weeks, each covering the following eight weeks.
- **survey answers**: patient answers after visits and a monthly staff pulse
  (0-10 recommendation scores), with a few invalid answers and a weight.

Shares are set per county and month by ranking a latent score inside the
county-month (systematic allocation), so county-month values follow the
designed paths at any scale while units still differ. The paths are pinned to
THL's published doctor figures and to the targets in
:mod:`sample_data.calibration`. Everything is pure numpy and polars and
depends only on the seed, the date range and the scale.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from core import columns as c
from core.assignments import DTYPES as ASSIGNMENT_DTYPES
from core.errors import InvalidInputError
from core.schema import APPOINTMENT_SLOTS, CANONICAL_DTYPES, CONTACT_MODE_CODES, SURVEY_ANSWERS, VISITS
from core.schema import PROFESSIONS as CANONICAL_PROFESSIONS
from metrics.scope import CURATIVE_OUTPATIENT
from sample_data.calibration import (
    ALL_TARGETS,
    DoctorLevels,
    ProgrammeStart,
    Target,
    programme_starts,
    published_doctor_levels,
)
from sample_data.measures import assignments, with_ages

SYNTHETIC_NOTICE = "SYNTHETIC sample data (sample_data.generate): not real register data, no real persons."
PROFESSIONS = tuple(sorted(CANONICAL_PROFESSIONS))  # doctor, nurse, other: the generator indexes them
#: Avohilmo's palvelumuoto (service type) codes the visits carry: T11 avosairaanhoito (curative outpatient care,
#: the scope of THL's access and continuity statistics), T31 työterveyshuollon sairaanhoito (curative occupational
#: health care given at a health centre) and T71 mielenterveystyö (mental-health work).
SERVICE_TYPES = (CURATIVE_OUTPATIENT, "T31", "T71")  # the first is the statistics' scope; every urgent visit is T11
#: Non-urgent visits' shares of each service type, per profession (doctor, nurse, other; SERVICE_TYPES order).
_SERVICE_TYPE_SHARES = np.array([[0.96, 0.03, 0.01], [0.91, 0.03, 0.06], [0.72, 0.0, 0.28]])
FILE_NAMES = {
    "visits": "visits.parquet",
    "slots": "appointment_slots.parquet",
    "answers": "survey_answers.parquet",
    "units": "units.parquet",
    "assignments": "assignments.parquet",
}


@dataclass(frozen=True)
class SampleData:
    """The generated tables, in the canonical columns and dtypes (``core.schema.CANONICAL_DTYPES``).

    ``units`` is a small reference table (unit_id, region_code, population,
    n_doctors, n_nurses) that is not a canonical table.
    """

    visits: pl.DataFrame
    slots: pl.DataFrame
    answers: pl.DataFrame
    units: pl.DataFrame
    assignments: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=dict(ASSIGNMENT_DTYPES)))
    """Named teams, doctors and nurses of the persons seen (``core.assignments``; see ``sample_data.measures``)."""


# --- the synthetic world ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _County:
    """One area: its health centres ("genitive-stem thousands-of-residents; ...") and its character."""

    units: str
    access: float  # offset of the 7-day share from the national path (nurses and others; doctors follow THL)
    urgent: float  # share of urgent visits
    missing_professional: float  # share of visits without a professional id
    missing_assessment: float  # share of non-urgent visits without an assessment date
    nps: float  # offset of the patient NPS from the national path
    staff: float  # mean staff score, 0-10
    continuity: float  # offset of the probability of seeing one's usual nurse (doctors follow THL's COCI)


# Health centres are named "<stem> terveysasema"; residents in thousands (approximate, synthetic).
# fmt: off
_COUNTIES: dict[str, _County] = {
    "01": _County(
        "Porvoon 33; Kevätkummun 18; Nikkilän 12; Söderkullan 11; Loviisan 14; Askolan 5; Myrskylän 2; "
        "Lapinjärven 2.6; Pukkilan 2",
        0.02, 0.13, 0.03, 0.03, 2, 7.4, 0.02,
    ),
    "02": _County(
        "Hyvinkään 47; Järvenpään 46; Hyrylän 27; Jokelan 12; Mäntsälän 21; Nurmijärven 26; Klaukkalan 19; "
        "Pornaisten 5",
        -0.03, 0.15, 0.03, 0.04, -2, 7.1, -0.01,
    ),
    "03": _County(
        "Espoonlahden 45; Iso Omenan 40; Kalajärven 25; Kilon 30; Leppävaaran 45; Tapiolan 38; Viherlaakson 25; "
        "Espoon keskuksen 40; Matinkylän 30; Kauniaisten 10; Kirkkonummen 41; Lohjan 45; Nummelan 22; Vihdin 8; "
        "Karkkilan 8.5; Siuntion 6; Inkoon 5.5; Tammisaaren 14; Karjaan 13; Hangon 8",
        -0.05, 0.16, 0.04, 0.04, -3, 7.0, -0.03,
    ),
    "04": _County(
        "Hakunilan 32; Koivukylän 38; Korson 30; Länsimäen 18; Martinlaakson 30; Myyrmäen 40; Tikkurilan 42; "
        "Kivistön 15; Keravan 38",
        -0.08, 0.18, 0.07, 0.05, -6, 6.8, -0.04,
    ),
    "05": _County(
        "Turun keskustan 45; Runosmäen 30; Varissuon 28; Mäntymäen 25; Nummen 30; Hirvensalon 12; Pansion 10; "
        "Skanssin 20; Kaarinan 35; Raision 25; Naantalin 20; Liedon 21; Salon 45; Uudenkaupungin 15; Loimaan 15; "
        "Paimion 11; Paraisten 15; Laitilan 8; Maskun 10; Mynämäen 7.5; Someron 8.5; Auran 4; Pöytyän 8; "
        "Kemiönsaaren 6.5; Nousiaisten 4.8; Ruskon 6.3; Sauvon 3; Taivassalon 1.6; Kustavin 0.9; Oripään 1.3; "
        "Pyhärannan 2; Vehmaan 2.2; Marttilan 1.8; Kosken 2.2",
        0.0, 0.15, 0.03, 0.03, 0, 7.2, 0.0,
    ),
    "06": _County(
        "Porin keskustan 35; Meri-Porin 15; Noormarkun 8; Itä-Porin 25; Ulvilan 13; Rauman 39; Harjavallan 7; "
        "Kankaanpään 11; Huittisten 10; Eurajoen 9; Euran 11; Kokemäen 7; Nakkilan 5.3; Säkylän 6.5; Pomarkun 2; "
        "Jämijärven 1.8; Merikarvian 2.8; Siikaisten 1.4; Karvian 2.2",
        0.0, 0.14, 0.035, 0.04, 1, 7.5, 0.0,
    ),
    "07": _County(
        "Hämeenlinnan keskustan 35; Jukolan 18; Lammin 5; Hauhon 4; Kalvolan 5; Riihimäen 28; Forssan 17; "
        "Janakkalan 16; Hattulan 9.5; Lopen 8; Hausjärven 8; Jokioisten 5; Tammelan 6; Ypäjän 2.3; Humppilan 2.2",
        0.04, 0.14, 0.03, 0.08, 0, 7.4, 0.01,
    ),
    "08": _County(
        "Hervannan 35; Kalevan 30; Lielahden 25; Tesoman 22; Linnainmaan 25; Hatanpään 28; Koivistonkylän 25; "
        "Kaukajärven 25; Tammerkosken 40; Nokian 35; Ylöjärven 34; Kangasalan 33; Lempäälän 25; Pirkkalan 20; "
        "Valkeakosken 21; Sastamalan 24; Akaan 16; Oriveden 9; Mänttä-Vilppulan 9.5; Parkanon 6.3; Ikaalisten 7; "
        "Hämeenkyrön 10.5; Vesilahden 4.5; Urjalan 4.7; Virtain 6.5; Ruoveden 4.2; Pälkäneen 6.5; Juupajoen 1.7; "
        "Kihniön 1.8; Punkalaitumen 2.8",
        0.01, 0.15, 0.03, 0.03, 0, 7.3, 0.0,
    ),
    "09": _County(
        "Lahden keskustan 30; Launeen 20; Liipolan 18; Jalkarannan 12; Mukkulan 15; Nastolan 15; Renkomäen 10; "
        "Hollolan 24; Heinolan 18; Orimattilan 16; Asikkalan 8; Padasjoen 3; Sysmän 3.5; Hartolan 2.8; "
        "Kärkölän 4.3; Iitin 6.5",
        0.0, 0.16, 0.04, 0.04, -2, 7.0, -0.02,
    ),
    "10": _County(
        "Karhulan 25; Kotkansaaren 15; Langinkosken 12; Kouvolan 30; Kuusankosken 20; Valkealan 10; Elimäen 8; "
        "Myllykosken 12; Haminan 20; Pyhtään 5; Miehikkälän 1.8; Virolahden 3",
        -0.02, 0.15, 0.03, 0.04, -1, 7.1, 0.0,
    ),
    "11": _County(
        "Lappeenrannan keskustan 30; Sammonlahden 20; Lauritsalan 14; Joutsenon 9; Imatran 18; Vuoksenniskan 8; "
        "Lemin 3; Luumäen 4.5; Taipalsaaren 4.7; Savitaipaleen 3.2; Parikkalan 4.5; Rautjärven 3.2; "
        "Ruokolahden 4.9",
        0.05, 0.13, 0.025, 0.03, 3, 7.5, 0.02,
    ),
    "12": _County(
        "Mikkelin 30; Rantakylän 12; Ristiinan 4.5; Savonlinnan 25; Kerimäen 5; Pieksämäen 17; Juvan 6; "
        "Kangasniemen 5; Mäntyharjun 5.6; Rantasalmen 3.4; Sulkavan 2.5; Enonkosken 1.3; Puumalan 2.1; "
        "Hirvensalmen 2.1; Pertunmaan 1.6",
        0.06, 0.12, 0.025, 0.03, 4, 7.6, 0.03,
    ),
    "13": _County(
        "Kuopion 55; Petosen 22; Neulamäen 18; Kallaveden 15; Nilsiän 6; Juankosken 5; Karttulan 3.5; "
        "Siilinjärven 22; Iisalmen 21; Varkauden 20; Leppävirran 9.5; Suonenjoen 7; Lapinlahden 9.5; "
        "Kiuruveden 7.5; Pielaveden 4.3; Sonkajärven 3.7; Vieremän 3.5; Keiteleen 2.1; Rautalammin 3.1; "
        "Tuusniemen 2.4; Vesannon 1.9; Tervon 1.4; Rautavaaran 1.5; Joroisten 4.6",
        0.0, 0.14, 0.03, 0.03, 2, 7.4, 0.01,
    ),
    "14": _County(
        "Joensuun 35; Niinivaaran 20; Karsikon 15; Enon 5.5; Pyhäselän 8; Kontiolahden 15; Liperin 12; "
        "Kiteen 10; Lieksan 11; Nurmeksen 7.5; Outokummun 6.5; Polvijärven 4.2; Juuan 4.5; Ilomantsin 4.8; "
        "Tohmajärven 4.3; Rääkkylän 2; Heinäveden 3.2",
        0.03, 0.13, 0.03, 0.03, 2, 7.4, 0.02,
    ),
    "15": _County(
        "Jyväskylän keskustan 40; Kyllön 20; Palokan 22; Vaajakosken 20; Kuokkalan 25; Korpilahden 5; "
        "Tikkakosken 10; Äänekosken 18; Jämsän 19; Laukaan 19; Muuramen 10.5; Keuruun 9.5; Saarijärven 9.3; "
        "Viitasaaren 6; Petäjäveden 3.8; Uuraisten 3.6; Hankasalmen 4.6; Joutsan 4.3; Toivakan 2.4; Multian 1.6; "
        "Pihtiputaan 3.7; Kannonkosken 1.3; Kivijärven 1.1; Karstulan 3.8; Kinnulan 1.5; Luhangan 0.7; "
        "Konneveden 2.5; Kyyjärven 1.3",
        -0.02, 0.15, 0.03, 0.04, 0, 7.2, 0.0,
    ),
    "16": _County(
        "Seinäjoen 40; Nurmon 14; Ylistaron 5; Peräseinäjoen 3.5; Lapuan 14; Kauhavan 15; Kurikan 20; "
        "Ilmajoen 12; Alavuden 11; Kauhajoen 12.5; Alajärven 9.5; Ähtärin 5.6; Teuvan 4.9; Kuortaneen 3.5; "
        "Evijärven 2.4; Lappajärven 2.9; Vimpelin 2.8; Isojoen 1.9; Karijoen 1.3; Soinin 2",
        0.07, 0.12, 0.02, 0.02, 5, 7.7, 0.04,
    ),
    "17": _County(
        "Vaasan keskustan 35; Palosaaren 12; Huutoniemen 12; Variskan 8; Mustasaaren 20; Pietarsaaren 19; "
        "Uudenkaarlepyyn 7.5; Närpiön 9.5; Kristiinankaupungin 6.4; Kaskisten 1.2; Maalahden 5.5; Laihian 8; "
        "Vöyrin 6.5; Isonkyrön 4.5; Kruunupyyn 6.5; Pedersören 11; Korsnäsin 2.2; Luodon 5",
        0.04, 0.13, 0.025, 0.03, 4, 7.6, 0.03,
    ),
    "18": _County(
        "Kokkolan 36; Koivuhaan 8; Kälviän 4; Kannuksen 5.4; Kaustisen 4.2; Vetelin 3.1; Perhon 2.7; "
        "Halsuan 1.1; Lestijärven 0.7; Toholammin 3.1",
        0.05, 0.12, 0.02, 0.03, 5, 7.7, 0.04,
    ),
    "19": _County(
        "Oulun keskustan 35; Tuiran 25; Kaijonharjun 20; Kaakkurin 22; Rajakylän 15; Myllyojan 18; "
        "Haukiputaan 22; Kiimingin 14; Oulunsalon 11; Höyhtyän 18; Jäälin 8; Kempeleen 19; Limingan 10.5; "
        "Raahen 24; Ylivieskan 15; Kuusamon 14.5; Nivalan 10.5; Haapaveden 6.7; Kalajoen 12.3; Oulaisten 7; "
        "Iin 10; Muhoksen 8.7; Tyrnävän 6.8; Pudasjärven 7.7; Haapajärven 7; Siikajoen 5; Taivalkosken 3.8; "
        "Pyhäjärven 5; Utajärven 2.6; Vaalan 2.8; Reisjärven 2.7; Pyhäjoen 3; Sievin 4.8; Hailuodon 1; "
        "Merijärven 1.1; Kärsämäen 2.4; Alavieskan 2.5; Lumijoen 2",
        0.0, 0.15, 0.035, 0.04, 0, 7.3, 0.0,
    ),
    "20": _County(
        "Kajaanin 28; Lehtikankaan 8; Vuolijoen 2; Sotkamon 10.5; Kuhmon 8; Suomussalmen 7.5; Paltamon 3.2; "
        "Hyrynsalmen 2.1; Puolangan 2.3; Ristijärven 1.2",
        0.03, 0.13, 0.03, 0.04, 3, 7.4, 0.02,
    ),
    "21": _County(
        "Rovaniemen 40; Ounasrinteen 15; Saarenkylän 10; Kemin 20; Tornion 21; Kemijärven 7; Sodankylän 8.2; "
        "Kittilän 6.8; Ivalon 6.9; Keminmaan 8; Tervolan 2.8; Ylitornion 3.8; Kolarin 3.8; Muonion 2.3; "
        "Enontekiön 1.8; Utsjoen 1.2; Sallan 3.2; Posion 2.9; Ranuan 3.6; Savukosken 1; Pellon 3.2; Simon 2.8; "
        "Pelkosenniemen 0.9",
        -0.01, 0.14, 0.035, 0.04, 1, 7.3, 0.01,
    ),
    "90": _County(
        "Itäkeskuksen 35; Kalasataman 40; Kivikon 20; Laajasalon 25; Lassilan 25; Malmin 40; Maunulan 25; "
        "Myllypuron 30; Herttoniemen 30; Kannelmäen 30; Kontulan 30; Lauttasaaren 25; Munkkiniemen 28; "
        "Pihlajamäen 22; Puistolan 25; Suutarilan 20; Tapanilan 18; Töölön 45; Vuosaaren 40; Viiskulman 45; "
        "Jakomäen 12; Pasilan 30; Ruoholahden 25; Oulunkylän 15",
        -0.06, 0.19, 0.09, 0.05, -5, 6.9, -0.05,
    ),
}
# fmt: on

# People and staff.
_SAMPLED_PER_RESIDENT = 0.065  # persons simulated per resident at scale 1
_VISITS_PER_PERSON_YEAR = 2.2
_VISIT_RATE_SHAPE = 0.55  # gamma shape of the personal visit rate: many non-users, some heavy users
_PROFESSION_SHARES = (0.40, 0.52, 0.08)
_RESIDENTS_PER_DOCTOR = 1800
_RESIDENTS_PER_NURSE = 1000
_RESIDENTS_PER_OTHER = 6000
_DOCTORS_PER_TEAM = 4

# Continuity: probability of the usual professional; else own team with _TEAM_SHARE, else anyone in the unit.
# Doctors' probability is solved per county and year for THL's COCI (_doctor_shifts); nurses' is designed.
_USUAL = {"nurse": 0.305}
_TEAM_SHARE = 0.25
_PROGRAMME_GAIN = {"doctor": 0.14, "nurse": 0.10, "team": 0.35}
_PROGRAMME_RAMP_DAYS = 365
_SHIFT_STEPS = 18  # bisection steps for the doctors' usual-doctor level: 1.6 / 2**18, about 6e-6
_PILOT_UNITS = {"03": ("Iso Omenan terveysasema", 2.0, 0.5)}  # region: (pilot unit, its factor, other units' factor)

# fmt: off
# Access paths: (month, share within 7 days) anchors; the 14-day share is a + (1 - a) * r.
_ACCESS_NATIONAL = (("2023-01", 0.56), ("2023-08", 0.57), ("2023-09", 0.60), ("2024-12", 0.66), ("2025-01", 0.62),
                    ("2025-12", 0.64))
_ACCESS_R = (("2023-01", 0.45), ("2023-08", 0.45), ("2023-09", 0.70), ("2024-12", 0.72), ("2025-01", 0.50),
             ("2025-12", 0.52))
_ACCESS_COUNTY = {
    # Pohjois-Savo: OmaTiimi roll-out, access "improved slightly" to 77 % (000:37).
    "13": (("2023-01", 0.66), ("2023-08", 0.67), ("2023-09", 0.70), ("2024-08", 0.73), ("2024-12", 0.75),
           ("2025-01", 0.77), ("2025-03", 0.77), ("2025-12", 0.79)),
    # Päijät-Häme: fell to 56.1 % with sick leave and growing call volume (000:40).
    "09": (("2023-01", 0.57), ("2023-08", 0.58), ("2023-09", 0.61), ("2024-09", 0.65), ("2024-12", 0.61),
           ("2025-01", 0.561), ("2025-03", 0.561), ("2025-06", 0.58), ("2025-12", 0.60)),
    # Varsinais-Suomi: goals 66 % by Q2/2024 and 80 % by Q4/2025 (003:228-230).
    "05": (("2023-01", 0.54), ("2023-08", 0.55), ("2023-09", 0.59), ("2024-04", 0.655), ("2024-06", 0.675),
           ("2024-12", 0.70), ("2025-01", 0.66), ("2025-12", 0.75)),
}
# fmt: on
_PROGRAMME_ACCESS_GAIN = 0.03  # for programme counties without their own path

# Wait days inside each band, and the tail beyond 14 days per legal period (mean excess days, cap).
_WITHIN_7_WEIGHTS = np.array([0.10, 0.14, 0.15, 0.15, 0.13, 0.12, 0.11, 0.10])
_DAYS_8_14_WEIGHTS = np.array([0.18, 0.16, 0.15, 0.14, 0.13, 0.12, 0.12])
_TAIL = {0: (20.0, 120), 1: (6.0, 60), 2: (16.0, 120)}  # 0: 3 months, 1: 14 days, 2: from 2025
_NEGATIVE_WAIT_SHARE = 0.004

# Patient NPS (national path, Kanta-Häme's own path), staff scores.
_NPS_NATIONAL = (("2023-01", 68.0), ("2025-12", 72.0))
_NPS_COUNTY = {"07": (("2023-01", 72.0), ("2024-01", 75.0), ("2024-10", 82.0), ("2025-12", 86.5))}  # 002:6065
_PROGRAMME_NPS_GAIN = 3.0
# fmt: off
_STAFF_COUNTY = {  # Satakunta: job satisfaction 7.45 in January, 6.7 in February 2025 (000:71)
    "06": (("2023-01", 7.6), ("2024-12", 7.5), ("2025-01", 7.45), ("2025-02", 6.7), ("2025-06", 6.9),
           ("2025-12", 7.1)),
}
# fmt: on
_STAFF_SCORE_SD = 1.9
_STAFF_RESPONSE_RATE = 0.3
_PATIENT_RESPONSE_RATE = 0.09
_KANTA_HAME_FEEDBACK = ("07", "2024-10", 0.22)  # new feedback system; response rate 24.3 % (002:1567-1570)
_INVALID_SCORE = 99.0  # "en osaa sanoa" coded outside 0-10

# Books.
_SNAPSHOT_EVERY_DAYS = 28
_HORIZON_DAYS = 56
_SECOND_BOOK_FROM = 25  # units with this many doctors (nurses) have two doctor (nurse) books in the panel
_NURSE_T3_FACTOR = 0.35
_T3_BEYOND_BACKLOG = 2.0  # days from the end of the backlog to the third free slot, roughly
_FIXED_HOLIDAYS = ((1, 1), (1, 6), (5, 1), (12, 6), (12, 24), (12, 25), (12, 26))

_MONTH_WEIGHTS = np.array([1.08, 1.05, 1.05, 1.0, 0.98, 0.86, 0.62, 0.94, 1.05, 1.08, 1.07, 0.9])
_US_PER_DAY = 86_400_000_000
_US_PER_MINUTE = 60_000_000


@dataclass(frozen=True)
class _World:
    """Areas, units and professionals. Professionals are numbered unit by unit: regular doctors, locum
    doctors, regular nurses, temporary nurses, other professionals."""

    codes: tuple[str, ...]
    unit_names: tuple[str, ...]
    unit_region: np.ndarray
    unit_population: np.ndarray
    doctors: np.ndarray  # regular doctors per unit
    doctor_first: np.ndarray
    doctor_pool: np.ndarray  # regular + locums
    nurses: np.ndarray
    nurse_first: np.ndarray
    nurse_pool: np.ndarray
    other_first: np.ndarray
    others: np.ndarray
    teams: np.ndarray
    programme_factor: np.ndarray  # per unit, multiplies the programme gains
    n_professionals: int


@dataclass(frozen=True)
class _Grid:
    """The days and months of the requested range."""

    first_day: int  # days since 1970-01-01
    n_days: int
    day_month: np.ndarray  # month index of each day
    day_weekday: np.ndarray  # 0 = Monday
    months: np.ndarray  # absolute month numbers (year * 12 + month - 1)
    day_of_month: np.ndarray
    month_of_year: np.ndarray  # 1-12 of each day


@dataclass(frozen=True)
class _Paths:
    """Per area and month: the designed values every table is drawn from (shape: areas x months)."""

    within_7: np.ndarray  # nurses and other professions: their own, designed levels
    within_14: np.ndarray
    doctor_within_7: np.ndarray  # doctors: THL's published share per county and year (100 − Sotkanet 6411)
    doctor_within_14: np.ndarray
    doctor_coc: np.ndarray  # areas x years: THL's doctor COCI (Sotkanet 5502) the doctors' visits are solved for
    doctor_usual_shape: np.ndarray  # areas x months: the within-year movement of the usual-doctor probability
    month_year: np.ndarray  # year index (into doctor_coc's columns) of each month
    ramp: np.ndarray  # 0 before the programme start, rising to 1 a year after it
    missing_assessment: np.ndarray
    nps: np.ndarray
    staff: np.ndarray
    answer_rate: np.ndarray
    t3_doctor: np.ndarray


def _world() -> _World:
    codes = tuple(sorted(_COUNTIES))
    names: list[str] = []
    region: list[int] = []
    population: list[float] = []
    for index, code in enumerate(codes):
        for entry in _COUNTIES[code].units.split(";"):
            stem, thousands = entry.strip().rsplit(" ", 1)
            names.append(f"{stem} terveysasema")
            region.append(index)
            population.append(float(thousands) * 1000)
    pop = np.array(population)
    doctors = np.maximum(1, np.round(pop / _RESIDENTS_PER_DOCTOR)).astype(np.int64)
    doctor_pool = doctors + np.maximum(2, np.round(0.4 * doctors)).astype(np.int64)
    nurses = np.maximum(2, np.round(pop / _RESIDENTS_PER_NURSE)).astype(np.int64)
    nurse_pool = nurses + np.maximum(1, np.round(0.2 * nurses)).astype(np.int64)
    others = np.maximum(1, np.round(pop / _RESIDENTS_PER_OTHER)).astype(np.int64)
    per_unit = doctor_pool + nurse_pool + others
    first = np.concatenate([[0], np.cumsum(per_unit)[:-1]])
    region_index = np.array(region)
    factor = np.ones(len(names))
    for code, (pilot, pilot_factor, other_factor) in _PILOT_UNITS.items():
        in_region = region_index == codes.index(code)
        factor[in_region] = other_factor
        factor[names.index(pilot)] = pilot_factor
    return _World(
        codes=codes,
        unit_names=tuple(names),
        unit_region=region_index,
        unit_population=pop,
        doctors=doctors,
        doctor_first=first,
        doctor_pool=doctor_pool,
        nurses=nurses,
        nurse_first=first + doctor_pool,
        nurse_pool=nurse_pool,
        other_first=first + doctor_pool + nurse_pool,
        others=others,
        teams=np.maximum(1, np.ceil(doctors / _DOCTORS_PER_TEAM)).astype(np.int64),
        programme_factor=factor,
        n_professionals=int(per_unit.sum()),
    )


def _month_number(value: str | dt.date) -> int:
    if isinstance(value, str):
        year, month = value.split("-")
        return int(year) * 12 + int(month) - 1
    return value.year * 12 + value.month - 1


def _grid(start: dt.date, end: dt.date) -> _Grid:
    first = np.datetime64(start, "D")
    days = np.arange(first, np.datetime64(end, "D") + 1)
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month_of_year = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    absolute = years * 12 + month_of_year - 1
    months = np.arange(_month_number(start), _month_number(end) + 1)
    return _Grid(
        first_day=int(first.astype(np.int64)),
        n_days=len(days),
        day_month=absolute - months[0],
        day_weekday=(days.astype(np.int64) + 3) % 7,  # 1970-01-01 was a Thursday
        months=months,
        day_of_month=(days - days.astype("datetime64[M]")).astype(np.int64) + 1,
        month_of_year=month_of_year,
    )


# --- designed paths per area and month ------------------------------------------------------------------------------


def _path(anchors: Sequence[tuple[str, float]], months: np.ndarray) -> np.ndarray:
    xs = np.array([_month_number(month) for month, _ in anchors], dtype=float)
    ys = np.array([value for _, value in anchors], dtype=float)
    values: np.ndarray = np.interp(months.astype(float), xs, ys)
    return values


def _wobble(rng: np.random.Generator, shape: tuple[int, int], sd: float, rho: float = 0.5) -> np.ndarray:
    """Month-to-month AR(1) noise with standard deviation ``sd``."""
    shocks = rng.normal(0.0, sd * math.sqrt(1 - rho**2), shape)
    noise = np.empty(shape)
    noise[:, 0] = rng.normal(0.0, sd, shape[0])
    for month in range(1, shape[1]):
        noise[:, month] = rho * noise[:, month - 1] + shocks[:, month]
    return noise


def _month_volume(grid: _Grid) -> np.ndarray:
    weights = np.where(grid.day_weekday < 5, _MONTH_WEIGHTS[grid.month_of_year - 1], 0.0)
    return np.bincount(grid.day_month, weights=weights, minlength=len(grid.months))


def _pin(values: np.ndarray, weights: np.ndarray, world: _World, grid: _Grid, target: Target) -> None:
    """Shift the target's area-months so their volume-weighted mean equals the target (in place)."""
    if target.region_code is None:
        return
    row = world.codes.index(target.region_code)
    mask = (grid.months >= _month_number(target.start)) & (grid.months <= _month_number(target.end))
    if not mask.any():
        return
    w = weights[row, mask] if weights.ndim == 2 else weights[mask]
    values[row, mask] += target.value - float(np.average(values[row, mask], weights=w))


def _programme_ramp(world: _World, grid: _Grid, starts: Sequence[ProgrammeStart]) -> np.ndarray:
    ramp = np.zeros((len(world.codes), len(grid.months)))
    mid_month = np.array([dt.date(m // 12, m % 12 + 1, 15).toordinal() for m in grid.months], dtype=float)
    for start in starts:
        elapsed = (mid_month - start.start.toordinal()) / _PROGRAMME_RAMP_DAYS
        ramp[world.codes.index(start.region_code)] = np.clip(elapsed, 0.0, 1.0)
    return ramp


def _paths(rng: np.random.Generator, world: _World, grid: _Grid, starts: Sequence[ProgrammeStart]) -> _Paths:
    shape = (len(world.codes), len(grid.months))
    volume = _month_volume(grid)
    ramp = _programme_ramp(world, grid, starts)
    targets = [t for t in ALL_TARGETS if t.region_code is not None]
    in_programme = {start.region_code for start in starts}

    within_7 = np.empty(shape)
    for row, code in enumerate(world.codes):
        if code in _ACCESS_COUNTY:
            within_7[row] = _path(_ACCESS_COUNTY[code], grid.months)
        else:
            gain = _PROGRAMME_ACCESS_GAIN * ramp[row] if code in in_programme else 0.0
            within_7[row] = _path(_ACCESS_NATIONAL, grid.months) + _COUNTIES[code].access + gain
    within_7 += _wobble(rng, shape, 0.012)
    levels = published_doctor_levels(world.codes, [int(year) for year in _years(grid)[0]])
    doctor_within_7 = _doctor_path(rng, world, grid, levels, volume)
    r = np.clip(_path(_ACCESS_R, grid.months) + _wobble(rng, shape, 0.015), 0.2, 0.9)
    doctor_within_14 = np.clip(doctor_within_7 + (1 - doctor_within_7) * r, doctor_within_7 + 0.02, 0.99)
    access_targets = [t for t in targets if t.metric == "access_within_days" and t.contradicted_by is None]
    for target in access_targets:
        if target.days == 7:
            _pin_pooled(within_7, doctor_within_7, volume, world, grid, target=target)
    within_7 = np.clip(within_7, 0.2, 0.95)
    within_14 = within_7 + (1 - within_7) * r
    for target in access_targets:
        if target.days == 14:
            _pin_pooled(within_14, doctor_within_14, volume, world, grid, target=target)
    within_14 = np.clip(within_14, within_7 + 0.02, 0.99)
    doctor_coc, usual_shape = _doctor_continuity(world, grid, levels, volume)

    answer_rate = np.full(shape, _PATIENT_RESPONSE_RATE)
    code, since, rate = _KANTA_HAME_FEEDBACK
    answer_rate[world.codes.index(code), grid.months >= _month_number(since)] = rate

    nps = np.empty(shape)
    for row, code in enumerate(world.codes):
        base = _path(_NPS_COUNTY[code], grid.months) if code in _NPS_COUNTY else _path(_NPS_NATIONAL, grid.months)
        nps[row] = base + (0.0 if code in _NPS_COUNTY else _COUNTIES[code].nps) + _PROGRAMME_NPS_GAIN * ramp[row]
    nps += _wobble(rng, shape, 1.2)
    staff = np.empty(shape)
    for row, code in enumerate(world.codes):
        staff[row] = _path(_STAFF_COUNTY[code], grid.months) if code in _STAFF_COUNTY else _COUNTIES[code].staff
    staff += _wobble(rng, shape, 0.1)
    for target in targets:
        if target.metric == "nps":
            _pin(nps, volume * answer_rate, world, grid, target)
        elif target.metric == "mean_score":
            _pin(staff, np.ones(shape), world, grid, target)

    return _Paths(
        within_7=within_7,
        within_14=within_14,
        doctor_within_7=doctor_within_7,
        doctor_within_14=doctor_within_14,
        doctor_coc=doctor_coc,
        doctor_usual_shape=usual_shape,
        month_year=_years(grid)[1],
        ramp=ramp,
        missing_assessment=_missing_assessment(rng, world, grid),
        nps=np.clip(nps, -100.0, 99.0),
        staff=np.clip(staff, 1.0, 9.5),
        answer_rate=answer_rate,
        t3_doctor=np.clip(2 + 45 * (0.85 - doctor_within_7), 3.0, 40.0),
    )


def _years(grid: _Grid) -> tuple[np.ndarray, np.ndarray]:
    """The calendar years the range touches, and each month's index into them."""
    years = grid.months // 12
    unique = np.unique(years)
    return unique, np.searchsorted(unique, years)


def _through_mid_years(values: np.ndarray, grid: _Grid) -> np.ndarray:
    """Areas x months: piecewise linear through each year's value placed in July, flat beyond the ends."""
    anchors = (_years(grid)[0] * 12 + 6).astype(float)
    return np.stack([np.interp(grid.months.astype(float), anchors, row) for row in values])


def _yearly_means(values: np.ndarray, weights: np.ndarray, grid: _Grid) -> np.ndarray:
    """Areas x years: the ``weights``-weighted mean of each area's months in each year."""
    month_year = _years(grid)[1]
    indicator = np.equal.outer(month_year, np.arange(month_year.max() + 1)) * weights[:, None]
    means: np.ndarray = (values @ indicator) / indicator.sum(axis=0)
    return means


def _published(levels: dict[tuple[str, int], DoctorLevels], world: _World, grid: _Grid, what: str) -> np.ndarray:
    years = _years(grid)[0]
    return np.array([[getattr(levels[code, int(year)], what).value for year in years] for code in world.codes])


def _doctor_path(
    rng: np.random.Generator,
    world: _World,
    grid: _Grid,
    levels: dict[tuple[str, int], DoctorLevels],
    volume: np.ndarray,
) -> np.ndarray:
    """Doctors' share within 7 days per area and month: THL's yearly value as the (volume-weighted) mean of
    each year's months, moving smoothly from year to year with a little month-to-month noise."""
    published = _published(levels, world, grid, "within_7")
    path = _through_mid_years(published, grid) + _wobble(rng, (len(world.codes), len(grid.months)), 0.01)
    path += (published - _yearly_means(path, volume, grid))[:, _years(grid)[1]]
    clipped: np.ndarray = np.clip(path, 0.05, 0.97)
    return clipped


def _doctor_continuity(
    world: _World, grid: _Grid, levels: dict[tuple[str, int], DoctorLevels], volume: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """THL's doctor COCI per area and year, and the within-year movement of the usual-doctor probability.

    COC is roughly the square of the probability of seeing one's usual
    doctor, so the movement follows the square root of THL's yearly
    values through mid-year, minus each year's mean: the level of each year
    is solved later, on the drawn visits (:func:`_doctor_shifts`).
    """
    published = _published(levels, world, grid, "coc")
    smooth = _through_mid_years(np.sqrt(published), grid)
    shape: np.ndarray = smooth - _yearly_means(smooth, volume, grid)[:, _years(grid)[1]]
    return published, shape


def _pin_pooled(
    values: np.ndarray, doctors: np.ndarray, weights: np.ndarray, world: _World, grid: _Grid, *, target: Target
) -> None:
    """Shift the other professions' share in the target's area-months so that, pooled with the doctors' share,
    the volume-weighted mean equals the target (in place). Doctors are about 40 % of the visits."""
    if target.region_code is None:
        return
    row = world.codes.index(target.region_code)
    mask = (grid.months >= _month_number(target.start)) & (grid.months <= _month_number(target.end))
    if not mask.any():
        return
    doctor_share = _PROFESSION_SHARES[0]
    doctor_mean = float(np.average(doctors[row, mask], weights=weights[mask]))
    needed = (target.value - doctor_share * doctor_mean) / (1 - doctor_share)
    values[row, mask] += needed - float(np.average(values[row, mask], weights=weights[mask]))


def _missing_assessment(rng: np.random.Generator, world: _World, grid: _Grid) -> np.ndarray:
    """Share of non-urgent visits without an assessment date: a county level plus a few weak months."""
    base = np.array([_COUNTIES[code].missing_assessment for code in world.codes])
    shares = base[:, None] + np.abs(rng.normal(0.0, 0.006, (len(world.codes), len(grid.months))))
    months = grid.months
    # Päijät-Häme: errors found in the statistics of non-urgent care (000:68).
    weak = (months >= _month_number("2024-11")) & (months <= _month_number("2025-02"))
    shares[world.codes.index("09"), weak] = 0.2
    # Kanta-Häme: mandatory recording fields added 11/2025 (002:3147-3149).
    shares[world.codes.index("07"), months >= _month_number("2025-11")] = 0.01
    # Three more weak county-months, e.g. a patient-record system change.
    for _ in range(3):
        shares[rng.integers(len(world.codes)), rng.integers(len(months))] = rng.uniform(0.25, 0.4)
    return shares


# --- shared helpers --------------------------------------------------------------------------------------------------


def _rank_fraction(group: np.ndarray, latent: np.ndarray) -> np.ndarray:
    """Each row's position in its group, ordered by ``latent``, as (rank + 0.5) / group size."""
    if len(group) == 0:
        return np.empty(0)
    order = np.argsort(group + 0.49 * (1 + np.tanh(latent / 2)))  # one sort: by group, then by latent
    sizes = np.bincount(group)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ordered_group = group[order]
    rank = np.arange(len(group)) - starts[ordered_group]
    fraction = np.empty(len(group))
    fraction[order] = (rank + 0.5) / sizes[ordered_group]
    return fraction


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(len(weights), size=size, p=weights / weights.sum())


def _pick_rows(rng: np.random.Generator, probabilities: np.ndarray) -> np.ndarray:
    """One category per row of ``probabilities`` (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    chosen: np.ndarray = (rng.random(len(probabilities))[:, None] >= cumulative[:, :-1]).sum(axis=1)
    return chosen


def _ids(prefix: str, numbers: pl.Expr | pl.Series, width: int) -> pl.Expr:
    return pl.lit(prefix) + numbers.cast(pl.String).str.zfill(width)


def _gather(values: Sequence[str], index: np.ndarray) -> pl.Series:
    return pl.Series(values=list(values), dtype=pl.String).gather(index)


def _canonical(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    dtypes = CANONICAL_DTYPES[table]
    return frame.select(pl.col(name).cast(dtype) for name, dtype in dtypes.items())


# --- visits ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Draft:
    """Per-visit arrays (``person_unit`` is per person) before the frame is built."""

    person: np.ndarray
    person_unit: np.ndarray
    unit: np.ndarray
    region: np.ndarray
    profession: np.ndarray
    urgent: np.ndarray
    day: np.ndarray
    minute: np.ndarray
    month: np.ndarray


@dataclass(frozen=True)
class _Visits:
    frame: pl.DataFrame
    unit: np.ndarray  # per visit, in the frame's order
    day: np.ndarray
    minute: np.ndarray


def _visits(rng: np.random.Generator, world: _World, grid: _Grid, paths: _Paths, scale: float) -> _Visits:
    persons_per_unit = rng.poisson(world.unit_population * _SAMPLED_PER_RESIDENT * scale)
    person_unit = np.repeat(np.arange(len(world.unit_names)), persons_per_unit)
    n_persons = len(person_unit)
    rate = rng.gamma(_VISIT_RATE_SHAPE, _VISITS_PER_PERSON_YEAR / _VISIT_RATE_SHAPE, n_persons)
    per_person = rng.poisson(rate * grid.n_days / 365.25)
    person = np.repeat(np.arange(n_persons), per_person)
    n = len(person)
    unit = person_unit[person]
    region = world.unit_region[unit]

    profession = _pick(rng, np.array(_PROFESSION_SHARES), n)
    urgent_share = np.array([_COUNTIES[code].urgent for code in world.codes])
    urgent = rng.random(n) < urgent_share[region]
    day, minute = _visit_times(rng, grid, urgent)
    draft = _Draft(person, person_unit, unit, region, profession, urgent, day, minute, grid.day_month[day])
    service = np.where(urgent, 0, _pick_rows(rng, _SERVICE_TYPE_SHARES[profession]))

    missing_share = np.array([_COUNTIES[code].missing_professional for code in world.codes])
    known = rng.random(n) >= missing_share[region]
    provider = _providers(rng, world, paths, draft, counted=known & (service == 0))
    provider[~known] = -1
    mode = _contact_modes(rng, world, grid, draft)
    assessed, assessment_day, assessment_minute = _assessments(rng, world, grid, paths, draft)

    # One sort key: visit time, then person, then profession (ties are the same row content).
    order = np.argsort(((day * 24 * 60 + minute) * n_persons + person) * len(PROFESSIONS) + profession)
    person_number = rng.permutation(n_persons)
    person_ids = pl.select(_ids("SYN-P", pl.int_range(1, n_persons + 1), 7)).to_series()
    professional_ids = pl.select(_ids("SYN-H", pl.int_range(1, world.n_professionals + 1), 6)).to_series()
    visit_us = (grid.first_day + day) * _US_PER_DAY + minute * _US_PER_MINUTE
    assessment_us = (grid.first_day + assessment_day) * _US_PER_DAY + assessment_minute * _US_PER_MINUTE
    provider = provider[order]
    frame = pl.DataFrame(
        {
            c.VISIT_ID: pl.select(_ids("SYN-V", pl.int_range(1, n + 1), 8)).to_series(),
            c.PATIENT_ID: person_ids.gather(person_number[person[order]]),
            c.PROFESSIONAL_ID: professional_ids.gather(np.maximum(provider, 0)).scatter(
                np.flatnonzero(provider < 0), None
            ),
            c.PROFESSION: _gather(PROFESSIONS, profession[order]),
            c.UNIT_ID: _gather(world.unit_names, unit[order]),
            c.REGION_CODE: _gather(world.codes, region[order]),
            c.VISIT_AT: visit_us[order],
            c.ASSESSMENT_AT: pl.Series(assessment_us[order]).scatter(np.flatnonzero(~assessed[order]), None),
            c.URGENT: urgent[order],
            c.CONTACT_MODE: _gather(CONTACT_MODE_CODES, mode[order]),
            c.SERVICE_TYPE: _gather(SERVICE_TYPES, service[order]),
        }
    )
    return _Visits(_canonical(frame, VISITS.name), unit[order], day[order], minute[order])


def _visit_times(rng: np.random.Generator, grid: _Grid, urgent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Day index and minute of day: non-urgent on weekdays 8-16, urgent also on weekends and until 20."""
    season = _MONTH_WEIGHTS[grid.month_of_year - 1]
    weekday = grid.day_weekday < 5
    holiday = _holidays(grid.month_of_year, grid.day_of_month)
    non_urgent_weights = np.where(weekday & ~holiday, season, 0.0)
    urgent_weights = season * np.where(weekday & ~holiday, 1.0, 0.35)
    day = np.empty(len(urgent), dtype=np.int64)
    minute = np.empty(len(urgent), dtype=np.int64)
    for flag, weights, slots in ((False, non_urgent_weights, 32), (True, urgent_weights, 48)):
        chosen = urgent == flag
        cumulative = np.cumsum(weights)
        draws = rng.random(int(chosen.sum())) * cumulative[-1]
        day[chosen] = np.minimum(np.searchsorted(cumulative, draws, side="right"), grid.n_days - 1)
        minute[chosen] = 8 * 60 + 15 * rng.integers(0, slots, int(chosen.sum()))
    return day, minute


def _holidays(month_of_year: np.ndarray, day_of_month: np.ndarray) -> np.ndarray:
    holiday = np.zeros(len(month_of_year), dtype=bool)
    for month, day in _FIXED_HOLIDAYS:
        holiday |= (month_of_year == month) & (day_of_month == day)
    return holiday


def _providers(
    rng: np.random.Generator, world: _World, paths: _Paths, draft: _Draft, *, counted: np.ndarray
) -> np.ndarray:
    """Professional index per visit: usual professional, own team, or anyone in the unit (locums included).

    Doctors' chance of their usual doctor is solved per area and year so
    that the COC of the ``counted`` visits (known professional, service
    type T11) equals THL's published COCI; nurses' follows their designed
    level and the programme starts.
    """
    person, person_unit, unit, region, profession, month = (
        draft.person,
        draft.person_unit,
        draft.unit,
        draft.region,
        draft.profession,
        draft.month,
    )
    n_persons = len(person_unit)
    team = (rng.random(n_persons) * world.teams[person_unit]).astype(np.int64)
    provider: np.ndarray = world.other_first[unit] + (rng.random(len(unit)) * world.others[unit]).astype(np.int64)
    offset = np.array([_COUNTIES[code].continuity for code in world.codes])
    unit_effect = rng.normal(0.0, 0.05, len(world.unit_names))
    ramp = paths.ramp[region, month]
    for code, (first, regular, pool) in enumerate(
        ((world.doctor_first, world.doctors, world.doctor_pool), (world.nurse_first, world.nurses, world.nurse_pool))
    ):
        name = PROFESSIONS[code]
        teams = world.teams[person_unit]
        low = team * regular[person_unit] // teams
        high = (team + 1) * regular[person_unit] // teams
        usual_of_person = low + (rng.random(n_persons) * (high - low)).astype(np.int64)
        personal = rng.normal(0.0, 0.08, n_persons)
        chosen = profession == code
        who, at, where, growth = person[chosen], unit[chosen], region[chosen], ramp[chosen]
        draw, branch = rng.random(len(who)), rng.random(len(who))
        in_team = low[who] + (rng.random(len(who)) * (high[who] - low[who])).astype(np.int64)
        anyone = (rng.random(len(who)) * pool[at]).astype(np.int64)
        usual = usual_of_person[who]
        if name == "doctor":
            # The county's level comes from THL; inside it, a pilot unit still gains on the county's other units.
            base = unit_effect[at] + personal[who] + paths.doctor_usual_shape[where, month[chosen]]
            base += _PROGRAMME_GAIN[name] * growth * (world.programme_factor[at] - 1)
            alternative = np.where(branch < _TEAM_SHARE, in_team, anyone)
            n_years = paths.doctor_coc.shape[1]
            year = paths.month_year[month[chosen]]
            cell = where * n_years + year
            kept = counted[chosen]
            shift = _doctor_shifts(
                base[kept],
                draw[kept],
                same=(alternative == usual)[kept],
                alternative=alternative[kept],
                patient_year=(who * n_years + year)[kept],
                cell=cell[kept],
                targets=paths.doctor_coc.ravel(),
            )
            p_usual = np.clip(base + shift[cell], 0.02, 0.95)
        else:
            gain = growth * world.programme_factor[at]
            p_usual = _USUAL[name] + offset[where] + unit_effect[at] + personal[who]
            p_usual = np.clip(p_usual + _PROGRAMME_GAIN[name] * gain, 0.02, 0.95)
            p_team = np.clip(_TEAM_SHARE + _PROGRAMME_GAIN["team"] * gain, 0.0, 0.95)
            alternative = np.where(branch < p_team, in_team, anyone)
        provider[chosen] = first[at] + np.where(draw < p_usual, usual, alternative)
    return provider


def _doctor_shifts(
    base: np.ndarray,
    draw: np.ndarray,
    *,
    same: np.ndarray,
    alternative: np.ndarray,
    patient_year: np.ndarray,
    cell: np.ndarray,
    targets: np.ndarray,
) -> np.ndarray:
    """Per area-year cell: the shift of the usual-doctor probability that makes the drawn visits' mean COC
    equal the target, found by bisection on the draws themselves (so sampling noise is calibrated away too).

    A visit goes to the usual doctor when ``draw < clip(base + shift)``, else to its ``alternative``
    (``same`` when that is the usual doctor anyway). COC per patient and year is (Σn_j² − n)/(n(n − 1)) over
    n ≥ 2 visits, averaged over patients, as :func:`metrics.continuity.continuity_summary` computes it.
    """
    shift = np.zeros(len(targets))
    if len(draw) == 0:
        return shift
    patients, patient = np.unique(patient_year, return_inverse=True)
    pairs, pair = np.unique(patient * (int(alternative.max()) + 1) + alternative, return_inverse=True)
    pair_patient = (pairs // (int(alternative.max()) + 1)).astype(np.int64)
    pair_same = np.zeros(len(pairs), dtype=bool)
    pair_same[pair] = same
    visits = np.bincount(patient).astype(float)
    eligible = visits >= 2
    patient_cell = np.zeros(len(patients), dtype=np.int64)
    patient_cell[patient] = cell
    counted_cell = patient_cell[eligible]
    n_counted = np.bincount(counted_cell, minlength=len(targets))
    pairs_per = visits[eligible] * (visits[eligible] - 1)
    low, high = np.full(len(targets), -0.6), np.full(len(targets), 1.0)
    for _ in range(_SHIFT_STEPS):
        shift = (low + high) / 2
        usual = draw < np.clip(base + shift[cell], 0.02, 0.95)
        rest = np.bincount(pair, weights=~usual, minlength=len(pairs))
        at_usual = np.bincount(patient, weights=usual, minlength=len(patients))
        at_usual += np.bincount(pair_patient, weights=rest * pair_same, minlength=len(patients))
        squares = at_usual**2 + np.bincount(pair_patient, weights=rest**2 * ~pair_same, minlength=len(patients))
        coc = (squares[eligible] - visits[eligible]) / pairs_per
        mean = np.bincount(counted_cell, weights=coc, minlength=len(targets)) / np.maximum(n_counted, 1)
        below = mean < targets
        low, high = np.where(below, shift, low), np.where(below, high, shift)
    # An area-year without a patient of two counted visits has nothing to solve: a COC-like level will do.
    solved: np.ndarray = np.where(n_counted > 0, (low + high) / 2, np.sqrt(targets))
    return solved


def _contact_modes(rng: np.random.Generator, world: _World, grid: _Grid, draft: _Draft) -> np.ndarray:
    """in_person / phone / video / message / home, with remote contacts growing over time."""
    day = draft.day
    base = np.array(
        [
            [0.66, 0.24, 0.03, 0.05, 0.02],  # doctor, non-urgent
            [0.52, 0.30, 0.02, 0.11, 0.05],  # nurse, non-urgent
            [0.80, 0.10, 0.04, 0.02, 0.04],  # other
            [0.75, 0.22, 0.01, 0.01, 0.01],  # urgent
        ]
    )
    trend = np.array([-0.08, 0.02, 0.02, 0.04, 0.0])
    digital = np.array([-0.07, 0.0, 0.03, 0.04, 0.0])  # Kanta-Häme's Oma Häme chat and video (002, ch. 7)
    group = np.where(draft.urgent, 3, draft.profession)
    absolute_day = grid.first_day + day
    progress = np.clip((absolute_day - _epoch_days(dt.date(2023, 1, 1))) / (3 * 365.0), 0.0, 1.0)
    digital_on = (draft.region == world.codes.index("07")) & (absolute_day >= _epoch_days(dt.date(2024, 1, 1)))
    adjustable = group < 2
    draw = rng.random(len(day))
    cumulative = np.zeros(len(day))
    mode = np.zeros(len(day), dtype=np.int64)
    for k in range(len(CONTACT_MODE_CODES) - 1):
        cumulative += base[group, k] + adjustable * (trend[k] * progress + digital[k] * digital_on)
        mode += draw >= cumulative
    return mode


def _epoch_days(day: dt.date) -> int:
    return (day - dt.date(1970, 1, 1)).days


def _assessments(
    rng: np.random.Generator, world: _World, grid: _Grid, paths: _Paths, draft: _Draft
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whether each visit has an assessment, and its day index and minute."""
    unit, region, day, minute, month, urgent = (
        draft.unit,
        draft.region,
        draft.day,
        draft.minute,
        draft.month,
        draft.urgent,
    )
    n = len(day)
    missing = ~urgent & (rng.random(n) < paths.missing_assessment[region, month])
    negative = ~urgent & ~missing & (rng.random(n) < _NEGATIVE_WAIT_SHARE)
    eligible = ~urgent & ~missing & ~negative

    wait = np.zeros(n, dtype=np.int64)
    # Doctors and the other professions are allocated apart: doctors follow THL's published shares.
    doctor = draft.profession[eligible] == PROFESSIONS.index("doctor")
    group = (region * len(grid.months) + month)[eligible] * 2 + doctor
    unit_speed = rng.normal(0.0, 0.6, len(world.unit_names))
    fraction = _rank_fraction(group, -unit_speed[unit[eligible]] + rng.logistic(0.0, 1.0, int(eligible.sum())))
    cell = (region[eligible], month[eligible])
    within_7 = np.where(doctor, paths.doctor_within_7[cell], paths.within_7[cell])
    within_14 = np.where(doctor, paths.doctor_within_14[cell], paths.within_14[cell])
    band = np.where(fraction < within_7, 0, np.where(fraction < within_14, 1, 2))
    wait[eligible] = _wait_days(rng, band, _legal_period(grid.months[month[eligible]]))

    same_day = eligible & (wait == 0)
    urgent_assessed = urgent & (rng.random(n) < 0.7)
    assessed = eligible | negative | urgent_assessed
    assessment_day = day - wait
    assessment_minute = 8 * 60 + rng.integers(0, 8 * 60, n)
    before_visit = same_day | urgent_assessed
    assessment_minute[before_visit] = 7 * 60 + (
        rng.random(int(before_visit.sum())) * (minute[before_visit] - 7 * 60)
    ).astype(np.int64)
    assessment_day[negative] = day[negative] + rng.integers(1, 6, int(negative.sum()))
    return assessed, assessment_day, assessment_minute


def _legal_period(months: np.ndarray) -> np.ndarray:
    """0: three months (before 9/2023); 1: 14 days (9/2023-12/2024); 2: three months for adults (2025-)."""
    period: np.ndarray = np.where(
        months < _month_number("2023-09"), 0, np.where(months < _month_number("2025-01"), 1, 2)
    )
    return period


def _wait_days(rng: np.random.Generator, band: np.ndarray, period: np.ndarray) -> np.ndarray:
    wait = np.empty(len(band), dtype=np.int64)
    short, middle, long = band == 0, band == 1, band == 2
    wait[short] = _pick(rng, _WITHIN_7_WEIGHTS, int(short.sum()))
    wait[middle] = 8 + _pick(rng, _DAYS_8_14_WEIGHTS, int(middle.sum()))
    for code, (mean_excess, cap) in _TAIL.items():
        chosen = long & (period == code)
        wait[chosen] = np.minimum(14 + rng.geometric(1 / mean_excess, int(chosen.sum())), cap)
    return wait


# --- appointment books -----------------------------------------------------------------------------------------------


def _slots(rng: np.random.Generator, world: _World, grid: _Grid, paths: _Paths, scale: float) -> pl.DataFrame:
    """Snapshots of the panel's books every four weeks, each row one slot of the following eight weeks.

    Rows come out ordered by capture time, book and slot time.
    """
    snapshot_days = _snapshot_days(grid)
    doctor_unit, doctor_number = _panel(rng, world, world.doctor_first, world.doctors, scale)
    nurse_unit, nurse_number = _panel(rng, world, world.nurse_first, world.nurses, scale)
    order = np.argsort(np.concatenate([doctor_number, nurse_number]))
    book_unit = np.concatenate([doctor_unit, nurse_unit])[order]
    book_number = np.concatenate([doctor_number, nurse_number])[order]
    profession = np.concatenate([np.zeros(len(doctor_unit), np.int64), np.ones(len(nurse_unit), np.int64)])[order]
    n_books, n_snapshots = len(book_unit), len(snapshot_days)

    backlog, closed = _backlogs(
        rng, world, grid, paths, snapshot_days=snapshot_days, book_unit=book_unit, profession=profession
    )
    offset_of, minute_of, kind_of = _TEMPLATE
    per_snapshot = len(offset_of)
    book_snapshot = np.repeat(np.arange(n_snapshots * n_books), per_snapshot)
    template = np.tile(np.arange(per_snapshot), n_snapshots * n_books)
    snapshot, book = book_snapshot // n_books, book_snapshot % n_books
    slot_day = snapshot_days[snapshot] + offset_of[template]
    keep = ~_holidays(*_calendar(grid.first_day + slot_day))
    snapshot, book, template, slot_day = snapshot[keep], book[keep], template[keep], slot_day[keep]
    offset, kind = offset_of[template], kind_of[template]
    status = _statuses(rng, offset, kind, backlog[snapshot, book], closed[snapshot, book])

    book_ids = pl.select(_ids("SYN-B", pl.Series(book_number + 1), 6)).to_series()
    frame = pl.DataFrame(
        {
            c.CAPTURED_AT: (grid.first_day + snapshot_days[snapshot]) * _US_PER_DAY + 7 * 60 * _US_PER_MINUTE,
            c.BOOK_ID: book_ids.gather(book),
            c.UNIT_ID: _gather(world.unit_names, book_unit[book]),
            c.REGION_CODE: _gather(world.codes, world.unit_region[book_unit[book]]),
            c.PROFESSION: _gather(PROFESSIONS, profession[book]),
            c.SLOT_AT: (grid.first_day + slot_day) * _US_PER_DAY + minute_of[template] * _US_PER_MINUTE,
            c.STATUS: _gather(("free", "booked", "held"), status),
            c.SLOT_TYPE: _gather(("non_urgent", "urgent"), kind),
        }
    )
    return _canonical(frame, APPOINTMENT_SLOTS.name)


def _slot_template() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(day offset from the Monday snapshot, minute of day, 0 non-urgent / 1 urgent) of one snapshot's slots.

    Two non-urgent slots each working day for eight weeks; urgent slots are
    released one week ahead, so only the first week shows them.
    """
    rows = []
    for offset in range(_HORIZON_DAYS):
        if offset % 7 < 5:
            rows.append((offset, 8 * 60 + 30, 0))
            if offset < 7:
                rows.append((offset, 11 * 60, 1))
            rows.append((offset, 13 * 60 + 30, 0))
    return tuple(np.array(column, dtype=np.int64) for column in zip(*rows, strict=True))  # type: ignore[return-value]


_TEMPLATE = _slot_template()


def _snapshot_days(grid: _Grid) -> np.ndarray:
    first_monday = int(np.argmax(grid.day_weekday == 0))
    return np.arange(first_monday, grid.n_days, _SNAPSHOT_EVERY_DAYS)


def _panel(
    rng: np.random.Generator, world: _World, first: np.ndarray, regular: np.ndarray, scale: float
) -> tuple[np.ndarray, np.ndarray]:
    """The books measured for T3 (unit and professional number): one per unit, two in big units.

    Above scale 1 the panel grows with the scale; below it each book is kept
    with probability ``scale``, but every area keeps its largest unit's first book.
    """
    base = 1 + (regular >= _SECOND_BOOK_FROM)
    count = (np.minimum(regular, np.maximum(1, np.round(base * scale))) if scale >= 1 else base).astype(np.int64)
    unit = np.repeat(np.arange(len(regular)), count)
    position = np.arange(len(unit)) - np.repeat(np.cumsum(count) - count, count)
    keep = np.ones(len(unit), dtype=bool)
    if scale < 1:
        keep = rng.random(len(unit)) < scale
        for row in range(len(world.codes)):
            units = np.flatnonzero(world.unit_region == row)
            largest = units[np.argmax(world.unit_population[units])]
            keep |= (unit == largest) & (position == 0)
    return unit[keep], (first[unit] + position)[keep]


def _backlogs(
    rng: np.random.Generator,
    world: _World,
    grid: _Grid,
    paths: _Paths,
    *,
    snapshot_days: np.ndarray,
    book_unit: np.ndarray,
    profession: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Per snapshot and book: the backlog (calendar days before the book opens up) and whether it is closed."""
    n_books = len(book_unit)
    region = world.unit_region[book_unit]
    month = grid.day_month[snapshot_days]
    unit_delay = np.exp(rng.normal(0.0, 0.3, len(world.unit_names)))
    book_delay = np.exp(rng.normal(0.0, 0.2, n_books)) * unit_delay[book_unit]
    doctor_t3 = paths.t3_doctor[region[None, :], month[:, None]]
    target = np.where(profession == 0, doctor_t3, _NURSE_T3_FACTOR * doctor_t3 + 1.0)
    noise = np.exp(rng.normal(0.0, 0.15, target.shape))
    backlog = np.maximum(0.0, target * book_delay * noise - _T3_BEYOND_BACKLOG)
    closed_share = np.where(paths.within_7[region[None, :], month[:, None]] < 0.6, 0.06, 0.015)
    return backlog, rng.random(target.shape) < closed_share


def _calendar(epoch_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    days = epoch_days.astype("datetime64[D]")
    month_start = days.astype("datetime64[M]")
    return month_start.astype(np.int64) % 12 + 1, (days - month_start).astype(np.int64) + 1


def _statuses(
    rng: np.random.Generator, offset: np.ndarray, kind: np.ndarray, backlog: np.ndarray, closed: np.ndarray
) -> np.ndarray:
    """0 free, 1 booked, 2 held. Non-urgent slots are nearly full before the backlog ends, then about half free;
    a closed book (hoidonjärjestelykirja in use) has no free non-urgent slot. Urgent slots open on the day."""
    draw = rng.random(len(offset))
    full = offset < backlog
    free_share = np.where(full, 0.015, 0.55)
    held_share = np.where(full, 0.06, 0.05)
    status = np.where(draw < free_share, 0, np.where(draw < free_share + held_share, 2, 1))
    status = np.where(closed & (status == 0), 2, status)
    urgent_status = np.where(offset == 0, np.where(draw < 0.4, 0, 1), np.where(draw < 0.3, 0, 2))
    chosen: np.ndarray = np.where(kind == 1, urgent_status, status)
    return chosen


# --- survey answers --------------------------------------------------------------------------------------------------


def _answers(rng: np.random.Generator, world: _World, grid: _Grid, paths: _Paths, visits: _Visits) -> pl.DataFrame:
    patients = _patient_answers(rng, world, grid, paths, visits)
    staff = _staff_answers(rng, world, grid, paths)
    frame = pl.concat([patients, staff]).sort("_answered_us", c.RESPONDENT, c.UNIT_ID, maintain_order=True)
    frame = frame.with_columns(
        _ids("SYN-R", pl.int_range(1, pl.len() + 1), 7).alias(c.RESPONSE_ID),
        pl.col("_answered_us").cast(pl.Datetime("us")).alias(c.ANSWERED_AT),
    )
    return _canonical(frame, SURVEY_ANSWERS.name)


def _patient_answers(
    rng: np.random.Generator, world: _World, grid: _Grid, paths: _Paths, visits: _Visits
) -> pl.DataFrame:
    """Answers to the feedback text message after a visit; scores set per area and month from the NPS path."""
    region = world.unit_region[visits.unit]
    answered = rng.random(len(region)) < paths.answer_rate[region, grid.day_month[visits.day]]
    unit, region = visits.unit[answered], region[answered]
    delay_minutes = (60 + rng.exponential(20 * 60, len(unit))).astype(np.int64)
    answered_minute = visits.day[answered] * 24 * 60 + visits.minute[answered] + delay_minutes
    inside = answered_minute < grid.n_days * 24 * 60
    unit, region, answered_minute = unit[inside], region[inside], answered_minute[inside]
    month = grid.day_month[answered_minute // (24 * 60)]

    unit_mood = rng.normal(0.0, 0.5, len(world.unit_names))
    fraction = _rank_fraction(region * len(grid.months) + month, -unit_mood[unit] + rng.logistic(0.0, 1.0, len(unit)))
    level = paths.nps[region, month] / 100
    promoters = level + 0.2 * (1 - level)
    passives = 0.6 * (1 - level)
    score = np.where(
        fraction < promoters,
        np.where(rng.random(len(unit)) < 0.75, 10, 9),
        np.where(
            fraction < promoters + passives,
            np.where(rng.random(len(unit)) < 0.6, 8, 7),
            _pick(rng, np.array([0.08, 0.04, 0.05, 0.08, 0.1, 0.25, 0.4]), len(unit)),
        ),
    ).astype(np.float64)
    weight = rng.lognormal(0.0, 0.3, len(unit))
    return _answer_frame(
        rng, world, grid, unit=unit, minute=answered_minute, score=score, respondent="patient", weight=weight
    )


def _staff_answers(rng: np.random.Generator, world: _World, grid: _Grid, paths: _Paths) -> pl.DataFrame:
    """A monthly staff pulse: each regular doctor and nurse answers with probability 0.3."""
    staff_unit = np.concatenate(
        [
            np.repeat(np.arange(len(world.unit_names)), world.doctors),
            np.repeat(np.arange(len(world.unit_names)), world.nurses),
        ]
    )
    answers = rng.random((len(staff_unit), len(grid.months))) < _STAFF_RESPONSE_RATE
    who, month = np.nonzero(answers)
    unit = staff_unit[who]
    region = world.unit_region[unit]
    month_first = np.searchsorted(grid.day_month, month)
    month_length = np.bincount(grid.day_month, minlength=len(grid.months))[month]
    day = month_first + (rng.random(len(month)) * month_length).astype(np.int64)
    answered_minute = day * 24 * 60 + 8 * 60 + rng.integers(0, 8 * 60, len(day))

    unit_mood = rng.normal(0.0, 0.4, len(world.unit_names))
    fraction = _rank_fraction(region * len(grid.months) + month, unit_mood[unit] + rng.logistic(0.0, 1.0, len(unit)))
    cumulative = np.cumsum(_score_distribution(paths.staff), axis=-1)
    score = (fraction[:, None] > cumulative[region, month]).sum(axis=1).astype(np.float64)
    return _answer_frame(
        rng, world, grid, unit=unit, minute=answered_minute, score=score, respondent="staff", weight=np.ones(len(unit))
    )


def _score_distribution(means: np.ndarray) -> np.ndarray:
    """Probabilities of the scores 0-10 (last axis): a discretised normal whose mean is exactly ``means``."""
    scores = np.arange(11.0)
    low, high = means - 4.0, means + 4.0
    for _ in range(40):
        centre = (low + high) / 2
        weights = np.exp(-0.5 * ((scores - centre[..., None]) / _STAFF_SCORE_SD) ** 2)
        mean = (weights * scores).sum(axis=-1) / weights.sum(axis=-1)
        low = np.where(mean < means, centre, low)
        high = np.where(mean < means, high, centre)
    weights = np.exp(-0.5 * ((scores - ((low + high) / 2)[..., None]) / _STAFF_SCORE_SD) ** 2)
    probabilities: np.ndarray = weights / weights.sum(axis=-1, keepdims=True)
    return probabilities


def _answer_frame(
    rng: np.random.Generator,
    world: _World,
    grid: _Grid,
    *,
    unit: np.ndarray,
    minute: np.ndarray,
    score: np.ndarray,
    respondent: str,
    weight: np.ndarray,
) -> pl.DataFrame:
    """Answers at ``minute`` (minutes since the first day); a few are blank (null) or "don't know" (99)."""
    draw = rng.random(len(score))
    score = np.where(draw < 0.0015, _INVALID_SCORE, score)
    return pl.DataFrame(
        {
            c.REGION_CODE: _gather(world.codes, world.unit_region[unit]),
            c.UNIT_ID: _gather(world.unit_names, unit),
            "_answered_us": grid.first_day * _US_PER_DAY + minute * _US_PER_MINUTE,
            c.SCORE: pl.Series(score).scatter(np.flatnonzero(draw > 0.996), None),
            c.RESPONDENT: pl.Series([respondent]).gather(np.zeros(len(unit), dtype=np.int64)),
            c.WEIGHT: np.round(weight, 3),
        }
    )


# --- the public API --------------------------------------------------------------------------------------------------


def generate(
    seed: int = 2025,
    *,
    start: dt.date = dt.date(2023, 1, 1),
    end: dt.date = dt.date(2025, 12, 31),
    scale: float = 1.0,
    programme: Sequence[ProgrammeStart] | None = None,
) -> SampleData:
    """Generate the SYNTHETIC sample data set: visits, appointment-book snapshots and survey answers.

    The same ``seed``, range and ``scale`` give identical frames. ``scale``
    multiplies the sampled residents (visits, patient answers) and the T3
    panel of books; the units, professionals and staff survey do not change
    with it. At scale 1 the default range has about 2.4 million visits.
    ``programme`` lists the counties whose continuity improves from their
    start (default: :func:`sample_data.calibration.programme_starts`, read
    from ``reference_data/participants.csv``). Raises :class:`InvalidInputError` for a non-integer seed, a reversed
    range or a scale that is not a positive number.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidInputError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime) or not isinstance(start, dt.date):
        raise InvalidInputError(f"start and end must be dates, got {start!r} and {end!r}")
    if not isinstance(end, dt.date) or end < start:
        raise InvalidInputError(f"end must be a date on or after start ({start.isoformat()}), got {end!r}")
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not math.isfinite(scale) or scale <= 0:
        raise InvalidInputError(f"scale must be a positive number, got {scale!r}")

    world = _world()
    grid = _grid(start, end)
    starts = programme_starts() if programme is None else tuple(programme)
    unknown = sorted({item.region_code for item in starts} - set(world.codes))
    if unknown:
        raise InvalidInputError(f"programme counties must be among {', '.join(world.codes)}, got {unknown}")
    paths = _paths(np.random.default_rng([seed, 0]), world, grid, starts)
    visits = _visits(np.random.default_rng([seed, 1]), world, grid, paths, float(scale))
    slots = _slots(np.random.default_rng([seed, 2]), world, grid, paths, float(scale))
    answers = _answers(np.random.default_rng([seed, 3]), world, grid, paths, visits)
    units = pl.DataFrame(
        {
            c.UNIT_ID: list(world.unit_names),
            c.REGION_CODE: [world.codes[i] for i in world.unit_region],
            "population": np.round(world.unit_population).astype(np.int64),
            "n_doctors": world.doctors,
            "n_nurses": world.nurses,
        }
    )
    aged = with_ages(np.random.default_rng([seed, 4]), visits.frame, start)
    named = assignments(np.random.default_rng([seed, 5]), aged, starts, start)
    return SampleData(visits=aged, slots=slots, answers=answers, units=units, assignments=named)


def write_parquet(sample: SampleData, folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Write each table to ``folder`` as Parquet, labelled synthetic in the file metadata.

    Returns the path of each table by its attribute name (``visits``,
    ``slots``, ``answers``, ``units``). Each file is written under a
    temporary name and then renamed, so a file is either complete or absent.
    """
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, file_name in FILE_NAMES.items():
        path = target / file_name
        partial = path.with_suffix(".parquet.partial")
        frame: pl.DataFrame = getattr(sample, name)
        frame.write_parquet(partial, metadata={"synthetic": "true", "notice": SYNTHETIC_NOTICE})
        partial.replace(path)
        paths[name] = path
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m sample_data.generate OUT_DIR [--seed N] [--scale X]``."""
    parser = argparse.ArgumentParser(prog="python -m sample_data.generate", description=SYNTHETIC_NOTICE)
    parser.add_argument("out_dir", type=Path, help="folder for the Parquet files")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2023, 1, 1))
    parser.add_argument("--end", type=dt.date.fromisoformat, default=dt.date(2025, 12, 31))
    args = parser.parse_args(argv)
    began = time.perf_counter()
    sample = generate(args.seed, start=args.start, end=args.end, scale=args.scale)
    written = write_parquet(sample, args.out_dir)
    elapsed = time.perf_counter() - began
    for name, path in written.items():
        print(f"{name}: {getattr(sample, name).height} rows -> {path}")
    print(f"{SYNTHETIC_NOTICE} Generated in {elapsed:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
