"""The app's Streamlit settings: what a visitor sees of Streamlit itself."""

from __future__ import annotations

import tomllib

from tests.pages.conftest import PROJECT


def test_the_toolbar_offers_no_deploy_button_or_developer_options() -> None:
    with (PROJECT / ".streamlit" / "config.toml").open("rb") as handle:
        config = tomllib.load(handle)
    assert config["client"]["toolbarMode"] == "viewer"


def config() -> dict[str, dict[str, object]]:
    with (PROJECT / ".streamlit" / "config.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_an_uncaught_error_shows_no_message_type_or_traceback() -> None:
    """Streamlit 1.67's narrowest setting: only its generic sentence; our own messages (st.error) are unaffected."""
    assert config()["client"]["showErrorDetails"] == "none"
    assert config()["client"]["showErrorLinks"] is False


def test_the_agent_api_and_static_serving_are_off() -> None:
    assert config()["server"]["enableAgentApi"] is False
    assert config()["server"]["enableStaticServing"] is False
