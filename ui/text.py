"""Text from outside (users, remote servers) shown as written, in elements that render Markdown."""

from __future__ import annotations

import re

#: Every ASCII punctuation character may be backslash-escaped in Markdown; escaping them all keeps links,
#: images, emphasis, Streamlit's ``:color[...]`` and ``:material/...:`` directives, LaTeX (``$``), HTML
#: tags and bare-URL autolinks (``http\://``, ``www\.``) from forming.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def literal(text: object) -> str:
    """``text`` escaped for any Streamlit element that renders Markdown, so it shows exactly as written.

    For every text that comes from a user or a remote server (file names, error messages naming them,
    answers of remote sources, identities, link parameters): no link, image, emphasis or directive forms.
    Line breaks become spaces, so the text stays inside the sentence it was put in.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).splitlines()))
