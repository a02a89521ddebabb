"""The app's Streamlit settings: what a visitor sees of Streamlit itself."""

from __future__ import annotations

import tomllib

from tests.pages.conftest import PROJECT


def test_the_toolbar_offers_no_deploy_button_or_developer_options() -> None:
    with (PROJECT / ".streamlit" / "config.toml").open("rb") as handle:
        config = tomllib.load(handle)
    assert config["client"]["toolbarMode"] == "viewer"
