"""A standard four-chart deck opens in LibreOffice: it converts to PDF and PNG, its charts are native, labelled
and under one-line titles, and its title slide reads in words.

LibreOffice (Debian's libreoffice-impress) and pdftoppm/pdftotext (poppler-utils) come with `make system-deps`;
without them these tests skip, and under DASHBOARD_REQUIRE_LIBREOFFICE=1 (as in CI, see .ci/run) they fail.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from PIL import Image, ImageStat
from pptx import Presentation
from pptx.presentation import Presentation as PptxPresentation

from charts.builders import Reference, funnel_plot, ranked_dot_plot, trend_chart
from charts.theme import ChartText
from core.regions import dashboard_regions
from exports.pdf import find_office, pptx_to_pdf
from exports.pptx import PERCENT_VALUE, TITLE_WIDTH, Deck, Slide, build_pptx
from exports.titles import text_width
from i18n import region_name
from views.compare import funnel_limits_for

REQUIRE_ENV = "DASHBOARD_REQUIRE_LIBREOFFICE"
COUNTY = "Pohjois-Savo"


def _tool(name: str, package: str) -> str:
    found = find_office() if name == "soffice" else shutil.which(name)
    if found is None:
        message = f"{name} is not installed (Debian's {package}; `make system-deps` installs it as root)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 makes these tests mandatory")
        pytest.skip(message)
    return found


def counties() -> pl.DataFrame:
    """Every county in one year: shares from 40 % to 82 % with intervals and volumes; one county stands out."""
    names = [region_name(region.code, "fi", short=True) for region in dashboard_regions()]
    count = len(names)
    values = [0.40 + 0.02 * index for index in range(count)]
    volumes = [400 + 1500 * index for index in range(count)]
    return pl.DataFrame(
        {
            "label": names,
            "period": ["2025"] * count,
            "value": values,
            "ci_low": [value - 0.03 for value in values],
            "ci_high": [value + 0.03 for value in values],
            "n": volumes,
        }
    )


def trend() -> pl.DataFrame:
    quarters = [f"{year}Q{quarter}" for year in (2023, 2024, 2025) for quarter in (1, 2, 3, 4)]
    rows = [
        (label, period, base + 0.01 * index)
        for label, base in ((COUNTY, 0.55), ("Koko maa", 0.6))
        for index, period in enumerate(quarters)
    ]
    frame = pl.DataFrame(rows, schema=["label", "period", "value"], orient="row")
    return frame.with_columns(ci_low=pl.col("value") - 0.03, ci_high=pl.col("value") + 0.03, n=pl.lit(900))


def text(title: str) -> ChartText:
    return ChartText(
        title=title,
        subtitle=f"{COUNTY} · 2025 · Ammattiryhmä: Lääkäri",
        caption="Lähde: THL · Lisenssi CC BY 4.0",
        direction="Suurempi arvo on parempi",
    )


def four_chart_deck() -> Deck:
    frame = counties()
    national = Reference(0.6, "Koko maa 60,0 %", kind="national")
    flagged = frame.with_columns(
        flag=pl.when(pl.col("label") == frame["label"][-1]).then(pl.lit("above_998")).otherwise(pl.lit("inside"))
    )
    long_title = "Kiireettömät käynnit 7 vrk:n kuluessa hoidon tarpeen arvioinnista suhteessa käyntimäärään"
    figures = [
        (
            ranked_dot_plot(frame, text("Kiireettömät käynnit 7 vrk:n kuluessa"), highlight=COUNTY, national=national),
            frame,
        ),
        (
            funnel_plot(
                flagged,
                text(long_title),
                limits=funnel_limits_for(flagged, p0=0.6),
                volume_label="Käyntejä",
                value_label="Osuus (%)",
                highlight=COUNTY,
                language="fi",
                point_names={"inside": "Rajojen sisällä", "above": "Yläpuolella", "below": "Alapuolella"},
            ),
            flagged,
        ),
        (
            trend_chart(trend(), text("Kiireettömät käynnit 7 vrk:n kuluessa"), references=[Reference(0.8, "Tavoite")]),
            trend(),
        ),
        (
            trend_chart(trend(), text("Hoidon jatkuvuus (COC-indeksi)"), band=False),
            trend(),
        ),
    ]
    slides = tuple(
        Slide.from_chart(
            figure,
            data.drop("flag", strict=False),
            figure_text,
            source="Lähde: THL",
            licence="CC BY 4.0",
            percent_columns=PERCENT_VALUE,
        )
        for (figure, data), figure_text in zip(
            figures,
            [
                text(f"Kiireettömät käynnit 7 vrk:n kuluessa – {COUNTY} 2025"),
                text(f"{long_title} – {COUNTY} 2025"),
                text(f"Kiireettömät käynnit 7 vrk:n kuluessa – {COUNTY} 2023–2025"),
                text(f"Hoidon jatkuvuus (COC-indeksi) – {COUNTY} 2023–2025"),
            ],
            strict=True,
        )
    )
    return Deck(
        title=f"{COUNTY}: hoitoon pääsy ja hoidon jatkuvuus",
        subtitle="Hyvinvointialue: Pohjois-Savo · Ajanjakso: 2025 · Ammattiryhmä: Lääkäri",
        data_date="2025-06-30",
        language="fi",
        slides=slides,
    )


@pytest.fixture(scope="module")
def pptx_bytes() -> bytes:
    return build_pptx(four_chart_deck())


@pytest.fixture(scope="module")
def deck(pptx_bytes: bytes) -> PptxPresentation:
    return Presentation(io.BytesIO(pptx_bytes))


@pytest.fixture(scope="module")
def pdf(pptx_bytes: bytes) -> bytes:
    return pptx_to_pdf(pptx_bytes, office=_tool("soffice", "libreoffice-impress"))


@pytest.fixture(scope="module")
def pages(pdf: bytes, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pages")
    (folder / "deck.pdf").write_bytes(pdf)
    program = _tool("pdftoppm", "poppler-utils")
    subprocess.run([program, "-r", "40", "-png", str(folder / "deck.pdf"), str(folder / "page")], check=True)
    return sorted(folder.glob("page-*.png"))


def charts(deck: PptxPresentation) -> list[Any]:
    return [shape.chart for page in deck.slides for shape in page.shapes if shape.has_chart]


def test_every_chart_of_the_standard_deck_is_native(deck: PptxPresentation) -> None:
    assert len(charts(deck)) == 4
    assert not [shape for page in deck.slides for shape in page.shapes if shape.shape_type == 13]  # no picture


def test_every_chart_slide_has_a_title_on_one_line(deck: PptxPresentation) -> None:
    for page in list(deck.slides)[1:]:
        title = page.shapes.title.text_frame
        (paragraph,) = title.paragraphs
        size = paragraph.runs[0].font.size.pt
        assert title.word_wrap is False
        assert text_width(title.text, size) <= TITLE_WIDTH, title.text
        assert title.text.endswith(("2025", "2023–2025"))  # the county and the period end every title


def test_the_funnel_series_carry_county_names(deck: PptxPresentation) -> None:
    funnel = charts(deck)[1]._chartSpace.xml
    assert f"<a:t>{COUNTY}</a:t>" in funnel  # the highlighted county
    assert f"<a:t>{counties()['label'][-1]}</a:t>" in funnel  # the outlier


def test_the_ranking_names_every_county_and_the_country(deck: PptxPresentation) -> None:
    ranking = charts(deck)[0]
    names = list(ranking.plots[0].categories)
    assert set(counties()["label"]) | {"Koko maa 60,0 %"} == set(names)


def test_the_deck_converts_to_a_pdf_page_per_slide(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 5


def test_the_pdf_shows_every_title_on_one_line_and_the_title_slide_in_words(
    pdf: bytes, deck: PptxPresentation, tmp_path: Path
) -> None:
    source = tmp_path / "deck.pdf"
    source.write_bytes(pdf)
    program = _tool("pdftotext", "poppler-utils")
    shown = subprocess.run([program, "-layout", str(source), "-"], capture_output=True, check=True).stdout
    lines = [line.strip() for line in shown.decode().splitlines()]
    for page in list(deck.slides)[1:]:
        assert page.shapes.title.text in lines  # whole on one line of the page
    assert "Tiedot ajalta 30.6.2025" in lines
    assert "Hyvinvointialue: Pohjois-Savo · Ajanjakso: 2025 · Ammattiryhmä: Lääkäri" in lines


def test_every_slide_renders_to_a_png_that_is_not_blank(pages: list[Path]) -> None:
    assert len(pages) == 5
    for path in pages:
        with Image.open(path) as image:
            assert image.width > image.height  # 16:9
            spread = ImageStat.Stat(image.convert("L")).stddev[0]
            assert spread > 5, f"{path.name} is blank"
