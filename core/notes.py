"""Report notes the pages translate: a remark on a whole file kept as its catalogue key and parameters.

A reader writes ``note("separator", separator=";")``, stored in the validation report (and its JSON) as
``note:separator {"separator": ";"}``; a page reads it back with :func:`parse_note` and says it in the
reader's language (``extract_note.<key>`` in the catalogues). A note without the prefix is plain text.
"""

from __future__ import annotations

import json
from typing import Final

NOTE_PREFIX: Final = "note:"


def note(key: str, **params: str) -> str:
    """A remark for a validation report, stored as its catalogue key and parameters."""
    return f"{NOTE_PREFIX}{key} {json.dumps(params, ensure_ascii=False, sort_keys=True)}"


def parse_note(text: str) -> tuple[str, dict[str, str]] | None:
    """``(key, params)`` of a note made by :func:`note`; None for a plain-text note."""
    if not text.startswith(NOTE_PREFIX):
        return None
    key, _, rest = text[len(NOTE_PREFIX) :].partition(" ")
    try:
        params = json.loads(rest) if rest else {}
    except ValueError:
        return None
    if not key or not isinstance(params, dict):
        return None
    return key, {str(name): str(value) for name, value in params.items()}
