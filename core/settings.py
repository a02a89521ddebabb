"""Settings: built once at start-up from the environment (and secrets), then passed explicitly.

No other module reads the environment. Every setting is listed in
:data:`SETTINGS_DOC`, and a test checks the README documents each one.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The series bundled as copies of THL's published values (``sample_data/recorded``): doctor visits (1080) and
#: emergency visits (5081) per 1,000 residents, the survey's insufficient doctor services (4909) and quick
#: enough contact (5186), doctor COCI (5502), non-urgent doctor visits waited over 7 days (6411).
DEFAULT_SOTKANET_INDICATORS = (1080, 4909, 5081, 5186, 5502, 6411)
#: Limits on remote answers: the largest body read (bytes), one request's deadline and a whole refresh's (seconds).
DEFAULT_REMOTE_MAX_BYTES = 50 * 1024 * 1024
DEFAULT_REMOTE_REQUEST_DEADLINE = 60.0
DEFAULT_REFRESH_DEADLINE = 300.0
#: Plausible dates in extracts: none before the earliest date; appointment slots at most this many years ahead.
DEFAULT_EARLIEST_DATE = dt.date(2000, 1, 1)
DEFAULT_SLOT_HORIZON_YEARS = 2

SETTINGS_DOC: Mapping[str, str] = {
    "DASHBOARD_DATABASE_URL": "SQLAlchemy URL of the store; default: a SQLite file in the data directory",
    "DASHBOARD_DATA_DIR": "folder for the store and imported extracts; default: ./data",
    "DASHBOARD_SOTKANET_URL": "Sotkanet REST base URL; default: https://sotkanet.fi/rest/1.1",
    "DASHBOARD_SUPPRESSION_THRESHOLD": "smallest count shown; smaller cells are suppressed; default: 5",
    "DASHBOARD_SAMPLE_SCALE": "size of the sample data made on first start (default 0.5: about 1.2 million visits)",
    "DASHBOARD_SOTKANET_INDICATORS": "comma-separated Sotkanet indicator ids a refresh fetches; default: "
    + ",".join(str(item) for item in DEFAULT_SOTKANET_INDICATORS),
    "DASHBOARD_THL_URL": "THL open cube API base URL; default: https://sampo.thl.fi/pivot/prod",
    "DASHBOARD_ROLES_FILE": "TOML file mapping signed-in identities or claims to roles; default: none",
    "DASHBOARD_REMOTE_MAX_BYTES": "largest Sotkanet or THL answer read, in bytes; a larger one is refused while it "
    "streams and the last good data stay; default: 52428800 (50 MiB)",
    "DASHBOARD_REMOTE_REQUEST_DEADLINE": "seconds one Sotkanet or THL request may take, every read and retry "
    "included; default: 60",
    "DASHBOARD_REFRESH_DEADLINE": "seconds a whole refresh may take; series not fetched by then are reported as "
    "failed and keep their last good data; default: 300",
    "DASHBOARD_EARLIEST_DATE": "earliest date an extract row may carry (YYYY-MM-DD); rows dated earlier are rejected "
    "as date_too_early; default: 2000-01-01",
    "DASHBOARD_SLOT_HORIZON_YEARS": "how many years ahead an appointment slot may lie; later slots are rejected as "
    "date_too_far_ahead; default: 2",
    "DASHBOARD_ROLE_WITHOUT_SIGN_IN": "role of every viewer when sign-in is not configured: public (default) "
    "or analyst (a single-user laptop holding its own data)",
}


@dataclass(frozen=True)
class Settings:
    """Everything configurable, frozen after start-up."""

    data_dir: Path
    database_url: str
    sotkanet_url: str = "https://sotkanet.fi/rest/1.1"
    suppression_threshold: int = 5
    sample_scale: float = 0.5
    sotkanet_indicators: tuple[int, ...] = DEFAULT_SOTKANET_INDICATORS
    thl_url: str = "https://sampo.thl.fi/pivot/prod"
    roles_file: Path | None = None
    role_without_sign_in: str = "public"
    sign_in: bool = False
    remote_max_bytes: int = DEFAULT_REMOTE_MAX_BYTES
    remote_request_deadline: float = DEFAULT_REMOTE_REQUEST_DEADLINE
    refresh_deadline: float = DEFAULT_REFRESH_DEADLINE
    earliest_date: dt.date = DEFAULT_EARLIEST_DATE
    slot_horizon_years: int = DEFAULT_SLOT_HORIZON_YEARS

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, secrets: Mapping[str, object] | None = None
    ) -> Settings:
        """Build settings from environment variables, falling back to ``secrets`` and then to defaults."""
        env = dict(os.environ if environ is None else environ)
        secret_values = {key: str(value) for key, value in (secrets or {}).items() if not isinstance(value, Mapping)}

        def get(name: str) -> str | None:
            return (
                env.get(name) or secret_values.get(name) or secret_values.get(name.removeprefix("DASHBOARD_").lower())
            )

        data_dir = Path(get("DASHBOARD_DATA_DIR") or PROJECT_ROOT / "data")
        threshold_text = get("DASHBOARD_SUPPRESSION_THRESHOLD") or "5"
        if not threshold_text.isdigit() or int(threshold_text) < 1:
            raise InvalidInputError(
                f"DASHBOARD_SUPPRESSION_THRESHOLD must be a whole number of at least 1, got {threshold_text!r}"
            )
        scale_text = get("DASHBOARD_SAMPLE_SCALE") or "0.5"
        try:
            sample_scale = float(scale_text)
        except ValueError:
            sample_scale = -1.0
        if not 0 < sample_scale <= 10:
            raise InvalidInputError(
                f"DASHBOARD_SAMPLE_SCALE must be a number above 0 and at most 10, got {scale_text!r}"
            )
        indicator_text = get("DASHBOARD_SOTKANET_INDICATORS") or ",".join(map(str, DEFAULT_SOTKANET_INDICATORS))
        parts = [part.strip() for part in indicator_text.split(",") if part.strip()]
        if not parts or not all(part.isdigit() for part in parts):
            raise InvalidInputError(
                f"DASHBOARD_SOTKANET_INDICATORS must be comma-separated Sotkanet indicator ids, got {indicator_text!r}"
            )
        role_without_sign_in = get("DASHBOARD_ROLE_WITHOUT_SIGN_IN") or "public"
        if role_without_sign_in not in ("public", "analyst"):
            raise InvalidInputError(
                f"DASHBOARD_ROLE_WITHOUT_SIGN_IN must be public or analyst, got {role_without_sign_in!r}"
            )
        roles_file = get("DASHBOARD_ROLES_FILE")
        max_bytes_text = get("DASHBOARD_REMOTE_MAX_BYTES") or str(DEFAULT_REMOTE_MAX_BYTES)
        if not max_bytes_text.isdigit() or int(max_bytes_text) < 1:
            raise InvalidInputError(
                f"DASHBOARD_REMOTE_MAX_BYTES must be a whole number of bytes of at least 1, got {max_bytes_text!r}"
            )
        request_deadline = _seconds(get, "DASHBOARD_REMOTE_REQUEST_DEADLINE", DEFAULT_REMOTE_REQUEST_DEADLINE)
        refresh_deadline = _seconds(get, "DASHBOARD_REFRESH_DEADLINE", DEFAULT_REFRESH_DEADLINE)
        earliest_text = get("DASHBOARD_EARLIEST_DATE") or DEFAULT_EARLIEST_DATE.isoformat()
        try:
            earliest_date = dt.date.fromisoformat(earliest_text)
        except ValueError:
            raise InvalidInputError(
                f"DASHBOARD_EARLIEST_DATE must be a date as YYYY-MM-DD, got {earliest_text!r}"
            ) from None
        horizon_text = get("DASHBOARD_SLOT_HORIZON_YEARS") or str(DEFAULT_SLOT_HORIZON_YEARS)
        if not horizon_text.isdigit() or not 1 <= int(horizon_text) <= 50:
            raise InvalidInputError(
                f"DASHBOARD_SLOT_HORIZON_YEARS must be a whole number of years from 1 to 50, got {horizon_text!r}"
            )
        return cls(
            data_dir=data_dir,
            database_url=get("DASHBOARD_DATABASE_URL") or f"sqlite:///{data_dir / 'dashboard.sqlite'}",
            sotkanet_url=(get("DASHBOARD_SOTKANET_URL") or cls.sotkanet_url).rstrip("/"),
            suppression_threshold=int(threshold_text),
            sample_scale=sample_scale,
            sotkanet_indicators=tuple(int(part) for part in parts),
            thl_url=(get("DASHBOARD_THL_URL") or cls.thl_url).rstrip("/"),
            roles_file=Path(roles_file) if roles_file else None,
            role_without_sign_in=role_without_sign_in,
            sign_in=isinstance((secrets or {}).get("auth"), Mapping),
            remote_max_bytes=int(max_bytes_text),
            remote_request_deadline=request_deadline,
            refresh_deadline=refresh_deadline,
            earliest_date=earliest_date,
            slot_horizon_years=int(horizon_text),
        )


def _seconds(get: Callable[[str], str | None], name: str, default: float) -> float:
    """A positive, finite number of seconds from setting ``name``, else ``default``."""
    text = get(name) or repr(default)
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (math.isfinite(value) and value > 0):
        raise InvalidInputError(f"{name} must be a number of seconds above 0, got {text!r}")
    return value
