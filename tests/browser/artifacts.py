"""Where browser tests leave what a person looks at afterwards: screenshots, reports, the server log.

The folder is ``tests/browser/artifacts/`` (ignored by git), or the one named by
``DASHBOARD_TEST_ARTIFACTS_DIR`` (CI points it at the folder it uploads).
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from playwright.sync_api import Page

ARTIFACTS_ENV = "DASHBOARD_TEST_ARTIFACTS_DIR"
DEFAULT_ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def artifacts_root() -> Path:
    root = Path(os.environ.get(ARTIFACTS_ENV) or DEFAULT_ARTIFACTS)
    root.mkdir(parents=True, exist_ok=True)
    return root


def slug(text: str) -> str:
    """'Vertaa alueita / fi' -> 'vertaa-alueita-fi': safe in a file name, still readable."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "step"


class Screenshots:
    """Numbered screenshots of one test: ``01-overview.png``, ``02-pick-lapland.png``, ...

    The whole page is captured, not only the viewport: Streamlit scrolls its main area inside a
    fixed-height frame, so the viewport is stretched to the content for the shot and then restored.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken: list[Path] = []

    def take(self, page: Page, step: str, *, whole_page: bool = True) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{len(self.taken) + 1:02d}-{slug(step)}.png"
        viewport = page.viewport_size
        content_height: int = page.evaluate(
            """() => Math.max(document.documentElement.scrollHeight,
                ...Array.from(document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]'),
                              node => node.scrollHeight + node.getBoundingClientRect().top))"""
        )
        stretch = whole_page and viewport is not None and content_height > viewport["height"]
        if stretch and viewport is not None:
            page.set_viewport_size({"width": viewport["width"], "height": min(int(content_height) + 16, 12000)})
            page.wait_for_timeout(250)  # let charts settle after the resize
        try:
            page.screenshot(path=path, full_page=True, animations="disabled")
        finally:
            if stretch and viewport is not None:
                page.set_viewport_size(viewport)
        self.taken.append(path)
        return path
