"""Entry point: page configuration, settings and navigation, nothing more."""

from __future__ import annotations

import streamlit as st

from core.settings import Settings

st.set_page_config(page_title="Hoitoon pääsy ja hoidon jatkuvuus", page_icon="🩺", layout="wide")


@st.cache_resource
def load_settings() -> Settings:
    return Settings.from_environment()


st.session_state.setdefault("settings", load_settings())
navigation = st.navigation([st.Page("pages/methods.py", title="Menetelmät · Methods", default=True)])
navigation.run()
