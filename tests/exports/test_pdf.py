"""A deck as PDF: a clear error without LibreOffice, and one for a file LibreOffice cannot read."""

from __future__ import annotations

import pytest

from exports.errors import ExportError
from exports.pdf import OfficeUnavailableError, find_office, pptx_to_pdf


def test_without_libreoffice_the_error_says_what_to_install() -> None:
    with pytest.raises(OfficeUnavailableError, match="libreoffice-impress"):
        pptx_to_pdf(b"PK", office="/nonexistent/soffice")


def test_the_office_named_wins_and_a_missing_one_is_none() -> None:
    assert find_office("/nonexistent/soffice") is None


def test_a_file_libreoffice_cannot_read_is_an_export_error_not_an_empty_pdf() -> None:
    office = find_office()
    if office is None:
        pytest.skip("LibreOffice is not installed (`make system-deps` installs Debian's libreoffice-impress)")
    with pytest.raises(ExportError, match="LibreOffice could not convert"):
        pptx_to_pdf(b"not a presentation", office=office)
