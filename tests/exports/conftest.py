"""Export fixtures: one headless Chromium per session, as a server has; tests needing it skip without it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from exports.images import ImageRenderer, find_browser


@pytest.fixture(scope="session")
def chromium() -> str:
    path = find_browser()
    if path is None:
        pytest.skip("no Chromium installed (`make system-deps` installs Debian's chromium as root)")
    return path


@pytest.fixture(scope="session")
def renderer(chromium: str) -> Iterator[ImageRenderer]:
    """One browser for the whole session, as a server has."""
    with ImageRenderer(browser_path=chromium) as started:
        yield started
