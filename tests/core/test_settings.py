"""Settings: built from the environment once, every setting documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import DashboardError, InvalidInputError
from core.settings import SETTINGS_DOC, Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_use_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings.from_environment({"DASHBOARD_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'dashboard.sqlite'}"
    assert settings.suppression_threshold == 5
    assert settings.sotkanet_url == "https://sotkanet.fi/rest/1.1"


def test_environment_wins_over_secrets() -> None:
    settings = Settings.from_environment(
        {"DASHBOARD_DATABASE_URL": "postgresql+psycopg://a@h/db"},
        {"database_url": "sqlite:///ignored.sqlite", "suppression_threshold": "10"},
    )
    assert settings.database_url == "postgresql+psycopg://a@h/db"
    assert settings.suppression_threshold == 10


@pytest.mark.parametrize("text", ["0", "-1", "five", "2.5"])
def test_a_bad_suppression_threshold_is_refused_with_the_allowed_values(text: str) -> None:
    with pytest.raises(InvalidInputError, match="at least 1") as caught:
        Settings.from_environment({"DASHBOARD_SUPPRESSION_THRESHOLD": text})
    assert isinstance(caught.value, DashboardError)


@pytest.mark.parametrize("name", sorted(SETTINGS_DOC))
def test_every_setting_is_documented_in_the_readme(name: str) -> None:
    assert f"`{name}`" in README.read_text(encoding="utf-8")
