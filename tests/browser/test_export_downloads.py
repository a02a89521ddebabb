"""Exports in the browser: three charts into the deck basket, the deck, and a PNG and a CSV from a chart's menu."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page
from pptx import Presentation

from i18n import t
from tests.browser.artifacts import Screenshots
from tests.browser.driver import expect_rerun, go_to_page, open_app, wait_for_idle
from tests.browser.server import AppServer

pytestmark = pytest.mark.browser


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_three_charts_go_into_a_deck_and_the_deck_a_png_and_a_csv_download(
    page: Page, app_server: AppServer, screenshots: Screenshots, tmp_path: Path
) -> None:
    open_app(page, f"{app_server.url}/compare?lang=en&region=13&period=2025&indicator=access_7d")
    screenshots.take(page, "compare")
    add = page.get_by_role("button", name=t("deck.add", "en"))
    for _ in range(3):
        with expect_rerun(page):
            add.first.click()
        wait_for_idle(page)
    assert page.get_by_role("button", name=t("deck.added", "en")).count() == 3
    screenshots.take(page, "three-added")

    page.locator('[data-testid="stMain"] [data-testid="stPopover"]').filter(
        has=page.get_by_role("button", name=t("export.download", "en"))
    ).first.get_by_role("button", name=t("export.download", "en")).click()
    menu = page.locator('[data-testid="stPopoverBody"]')
    with page.expect_download(timeout=60_000) as png_download:
        menu.get_by_role("button", name=t("export.png", "en"), exact=True).click()
    png = Path(png_download.value.path()).read_bytes()
    width, _height = png_size(png)
    assert width >= 1920
    assert png_download.value.suggested_filename.endswith(".png")
    assert "en" in png_download.value.suggested_filename

    # The table's provenance is made when the file is, after the page was drawn: the CSV still carries it.
    if not menu.is_visible():
        page.locator('[data-testid="stMain"] [data-testid="stPopover"]').filter(
            has=page.get_by_role("button", name=t("export.download", "en"))
        ).first.get_by_role("button", name=t("export.download", "en")).click()
    with page.expect_download(timeout=60_000) as csv_download:
        menu.get_by_role("button", name=t("export.csv_zip", "en"), exact=True).click()
    with zipfile.ZipFile(io.BytesIO(Path(csv_download.value.path()).read_bytes())) as bundle:
        names = bundle.namelist()
        sidecar = bundle.read(next(n for n in names if n.endswith(".check.txt"))).decode("utf-8-sig")
        table = bundle.read(next(n for n in names if n.endswith(".csv"))).decode("utf-8-sig")
    assert t("source.sample", "en") in sidecar
    assert t("source.licence", "en") in sidecar
    assert t("check.title", "en") in sidecar
    assert table.startswith("Area code,")
    assert csv_download.value.suggested_filename.endswith(".zip")

    go_to_page(page, t("nav.deck", "en"))
    screenshots.take(page, "deck-page")
    with page.expect_download(timeout=180_000) as deck_download:  # one click builds and downloads
        page.get_by_role("button", name=t("deck.download", "en")).click()
    screenshots.take(page, "deck-built")
    deck = Presentation(io.BytesIO(Path(deck_download.value.path()).read_bytes()))
    slides = list(deck.slides)
    assert len(slides) == 4  # the title slide and the three charts
    titles = [next(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in slides[1:]]
    full = [  # a shortened title's full text opens the slide's notes
        slide.notes_slide.notes_text_frame.paragraphs[0].text if "…" in title else title
        for slide, title in zip(slides[1:], titles, strict=True)
    ]
    assert all(t("indicator.access_7d", "en") in title for title in full[:2])
    footers = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in slides[1:]]
    assert all("CC BY 4.0" in footer for footer in footers)
