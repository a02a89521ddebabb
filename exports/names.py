"""File names that say what is inside: indicator, county, period and language, in safe characters.

``export_filename(indicator="access_7d", region="Pohjois-Savo", period="2025",
language="fi", extension="png")`` gives ``access-7d_pohjois-savo_2025_fi.png``.
Each part is folded to ASCII (ä → a, å → a), lower-cased, and every run of
other characters becomes one hyphen, so parts never blur into each other
(parts are joined with ``_``). The result is safe on every common file system
and in a URL, and never a name Windows reserves.
"""

from __future__ import annotations

import re
import unicodedata

from core.errors import InvalidInputError

EXTENSIONS = frozenset({"png", "svg", "csv", "xlsx", "pptx", "pdf"})
MAX_STEM = 120
_UNSAFE = re.compile(r"[^a-z0-9]+")
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
)


def slug(text: str) -> str:
    """``text`` in lower-case ASCII letters, digits and single hyphens ("Länsi-Uusimaa" → "lansi-uusimaa")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _UNSAFE.sub("-", folded.lower()).strip("-")


def export_filename(
    *, indicator: str, extension: str, region: str = "", period: str = "", language: str = "", kind: str = ""
) -> str:
    """A file name for an export of ``indicator`` (and ``region``, ``period``, ``language``, ``kind``).

    Empty parts are left out; ``kind`` names the chart when one indicator has
    several ("funnel", "trend"). ``extension`` is one of png, svg, csv,
    xlsx, pptx or pdf. The stem is cut at 120 characters.
    """
    extension = extension.lower().lstrip(".")
    if extension not in EXTENSIONS:
        raise InvalidInputError(f"extension {extension!r} is not an export format; use one of {sorted(EXTENSIONS)}")
    parts = [slug(part) for part in (indicator, kind, region, period, language)]
    stem = "_".join(part for part in parts if part)[:MAX_STEM].strip("_-") or "chart"
    if stem in _WINDOWS_RESERVED:
        stem += "_"
    return f"{stem}.{extension}"
