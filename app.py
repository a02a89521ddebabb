"""Entry point: page configuration, settings, the store and navigation, nothing more."""

from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from core.settings import Settings
from pipeline.bootstrap import bootstrap

st.set_page_config(page_title="Hoitoon pääsy ja hoidon jatkuvuus", page_icon="🩺", layout="wide")


@st.cache_resource(show_spinner=False)
def load_settings() -> Settings:
    return Settings.from_environment()


@st.cache_resource(show_spinner=False)
def open_store(settings: Settings) -> sa.Engine:
    """The store, filled on the very first start (with a progress bar: it takes a little while)."""
    bar = st.progress(0.0, text="Valmistellaan tietoja · Preparing data")
    engine = bootstrap(
        settings,
        sample_scale=settings.sample_scale,
        progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
    )
    bar.empty()
    return engine


settings = load_settings()
st.session_state["settings"] = settings
st.session_state["engine"] = open_store(settings)
navigation = st.navigation(
    [
        st.Page("pages/data_status.py", title="Aineistot · Data", default=True),
        st.Page("pages/methods.py", title="Menetelmät · Methods"),
    ]
)
navigation.run()
