"""Methods: the indicators the dashboard computes, with their definitions."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

DOC = Path(__file__).resolve().parent.parent / "docs" / "metrics.md"

st.title("Hoitoon pääsy ja hoidon jatkuvuus")
st.caption("Access to and continuity of primary care · Menetelmät / Methods")
st.info(
    "Mittarit (T3, hoitoon pääsy 7/14 vrk, hoidon jatkuvuus COC, NPS) on laskettu; "
    "alue- ja vertailusivut tulevat seuraavaksi. The metrics engine is in place; "
    "the regional pages come next."
)
st.markdown(DOC.read_text(encoding="utf-8"))
