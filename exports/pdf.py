"""A deck as PDF (the county profile for readers without PowerPoint): the same slides, converted by LibreOffice.

:func:`pptx_to_pdf` writes the deck into a private temporary folder and runs
LibreOffice headless on it (``soffice --convert-to pdf``) with a profile of its
own, so conversions running at once do not share LibreOffice's lock; the
editable charts are drawn by LibreOffice, the pictures are embedded as they
are. LibreOffice is looked up with :func:`find_office`; Debian's
``libreoffice-impress`` provides it (``make system-deps`` installs it).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final

from exports.errors import ExportError

OFFICE_NAMES: Final = ("soffice", "libreoffice")
#: Seconds a conversion may take (a first start of LibreOffice with a new profile takes a few).
CONVERT_TIMEOUT: Final = 180.0

log = logging.getLogger(__name__)


class OfficeUnavailableError(ExportError):
    """No LibreOffice to convert a deck to PDF."""


def find_office(preferred: str | None = None) -> str | None:
    """The path of LibreOffice's ``soffice`` (``preferred`` first, then the usual names on ``PATH``), or None."""
    for name in (preferred,) if preferred else OFFICE_NAMES:
        if name and (found := shutil.which(name)):
            return found
    return None


def pptx_to_pdf(pptx: bytes, *, office: str | None = None, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """``pptx`` (a deck's bytes) as PDF bytes, one page per slide."""
    program = find_office(office)
    if program is None:
        raise OfficeUnavailableError(
            "a PDF needs LibreOffice to draw the slides, and none was found (looked for "
            f"{', '.join(OFFICE_NAMES)}); install Debian's libreoffice-impress (`make system-deps` as root) "
            "or download the .pptx instead"
        )
    with tempfile.TemporaryDirectory(prefix="deck-pdf-") as folder:
        work = Path(folder)
        source = work / "deck.pptx"
        source.write_bytes(pptx)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        log.info("converting a deck to PDF with %s", program)
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise ExportError(f"LibreOffice did not convert the deck to PDF within {timeout:.0f} seconds") from error
        target = work / "deck.pdf"
        if done.returncode != 0 or not target.is_file():
            said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            raise ExportError(
                f"LibreOffice could not convert the deck to PDF (exit status {done.returncode}"
                f"{': ' + said[-1] if said else ''})"
            )
        return target.read_bytes()
