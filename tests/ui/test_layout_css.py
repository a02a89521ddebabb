"""The page's style rules ship with the code: read from disk once, not on every run of a page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ui import render


class CountedFile:
    def __init__(self) -> None:
        self.reads = 0

    def read_text(self, encoding: str) -> str:
        self.reads += 1
        return f"/* {encoding} */"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[CountedFile]:
    file = CountedFile()
    monkeypatch.setattr(render, "LAYOUT_CSS", file)
    render._layout_rules.cache_clear()
    yield file
    render._layout_rules.cache_clear()


def test_the_layout_rules_are_read_once_however_many_runs_ask(counted: CountedFile) -> None:
    assert [render._layout_rules() for _ in range(3)] == ["/* utf-8 */"] * 3
    assert counted.reads == 1


def test_the_layout_rules_are_the_files() -> None:
    assert render._layout_rules() == render.LAYOUT_CSS.read_text(encoding="utf-8")
