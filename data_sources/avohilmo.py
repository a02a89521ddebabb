"""The reading of THL's Avohilmo layout under its first name, kept for checks outside this repository.

:func:`read_visits` is a contract that external checks call as ``data_sources.avohilmo.read_visits``. The
layout itself lives in :mod:`data_sources.extracts.avohilmo`; code in this repository imports it from there.
"""

from __future__ import annotations

from data_sources.extracts.avohilmo import read_visits, read_visits_with_report

__all__ = ["read_visits", "read_visits_with_report"]
