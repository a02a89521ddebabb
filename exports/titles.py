"""Slide titles that fit one line: measured in the deck's font, set smaller or shortened when they would wrap.

A chart slide's title names the chart, the county and the period
(:func:`slide_title`). :func:`fit_title` measures it in Liberation Sans Bold
(metric-compatible with Arial, the deck's font) when the font file is there,
and otherwise by a conservative average glyph width; a title too wide at the
largest size is tried at the smaller ones, then shortened by words taken out
of its middle (an ellipsis in their place), so that its start and its last
words, which tell similar charts apart ("… by health centre"), stay, as do the
county and period that end it. The full title
goes into the speaker notes when it was shortened.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from PIL import ImageFont

#: Where Debian's fonts-liberation keeps the bold face (the deck's titles are bold Arial, which it matches).
BOLD_FONT_FILES: Final = (
    Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf"),
)
#: Average advance of a bold sans glyph in ems, used without the font file (wider than Arial's, so titles fit).
FALLBACK_EM: Final = 0.62
#: The title sizes tried, in points, largest first.
TITLE_SIZES: Final = (26, 24, 22)
ELLIPSIS: Final = "…"
SEPARATOR: Final = " – "


@dataclass(frozen=True)
class FittedTitle:
    """A title as the slide shows it: its text, its size in points, and whether it was shortened."""

    text: str
    size: int
    shortened: bool


@cache
def _font() -> ImageFont.FreeTypeFont | None:
    for path in BOLD_FONT_FILES:
        if path.is_file():
            return ImageFont.truetype(str(path), size=100)
    return None


def text_width(text: str, size: float) -> float:
    """The width of ``text`` in bold at ``size`` points, in points."""
    font = _font()
    if font is None:
        return len(text) * size * FALLBACK_EM
    return float(font.getlength(text)) * size / 100


def slide_title(title: str, *, area: str, period: str) -> str:
    """``title – area period``; a part the title already names, or an empty one, is left out."""
    suffix = " ".join(part for part in (area, period) if part and part not in title)
    return f"{title}{SEPARATOR}{suffix}" if suffix else title


def fit_title(title: str, width: float, *, sizes: tuple[int, ...] = TITLE_SIZES) -> FittedTitle:
    """``title`` on one line ``width`` points wide: at the largest of ``sizes`` it fits, else shortened at the
    smallest by words left out of the middle of the chart's title, before the ``–`` suffix (county and period)
    that is kept whole."""
    for size in sizes:
        if text_width(title, size) <= width:
            return FittedTitle(title, size, shortened=False)
    size = sizes[-1]
    head, separator, tail = title.rpartition(SEPARATOR)
    if not separator or text_width(SEPARATOR + tail, size) > width / 2:
        head, tail, separator = title, "", ""
    ending = separator + tail
    words = head.split()
    fitting = []  # (words kept, last words kept, text): the most words, then the most of the last ones
    for last in range(min(3, len(words) - 2), 0 if len(words) > 3 else -1, -1):  # keep a last word or more
        for first in range(len(words) - last - 1, 0, -1):
            kept = " ".join(words[:first]).rstrip(" ,.:;–-")
            candidate = f"{kept}{ELLIPSIS}{' ' + ' '.join(words[-last:]) if last else ''}{ending}"
            if text_width(candidate, size) <= width:
                fitting.append((first + last, last, candidate))
                break
    if fitting:
        return FittedTitle(max(fitting)[2], size, shortened=True)
    characters = head
    while characters and text_width(characters + ELLIPSIS + ending, size) > width:
        characters = characters[:-1]
    return FittedTitle(characters + ELLIPSIS + ending, size, shortened=True)
