"""The one HTTP client every remote source uses.

:class:`HttpClient` owns a :class:`requests.Session` and does, for every
request, the same four things:

* sends a descriptive ``User-Agent`` (Sotkanet answers 403 without one) and
  explicit connect and read timeouts;
* retries, with exponential backoff, on timeouts, connection failures
  (including a body cut short), HTTP 429 and every 5xx; a ``Retry-After``
  header (seconds or an HTTP date) replaces the backoff for that wait;
* logs the method and URL at debug level, nothing else (no headers, no bodies);
* turns every failure into one :class:`~core.errors.DataSourceError` that names
  the source, the request (method and full URL), the HTTP status if there was
  one and what went wrong. Other 4xx answers are not retried. A body that is
  not valid JSON is an error too, and is not retried: the server delivered it
  completely, so asking again would get the same bytes.

No single wait is longer than ``backoff_max`` seconds: when a server asks for
a longer ``Retry-After`` the client gives up at once instead of blocking the
dashboard, and says so in the error.
"""

from __future__ import annotations

import email.utils
import importlib.metadata
import json
import logging
import math
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import requests

from core.errors import DataSourceError, InvalidInputError

log = logging.getLogger(__name__)

PROJECT_NAME = "care-continuity-dashboard"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

#: A query: pairs, so that a key can repeat (``years=2023&years=2024``), or a mapping of single values.
Params = Sequence[tuple[str, str | int]] | Mapping[str, str | int]
Timeout = float | tuple[float, float]

_BODY_EXCERPT = 160


def project_version() -> str:
    """The dashboard's version: the installed distribution's, else pyproject.toml's, else ``0+unknown``."""
    try:
        return importlib.metadata.version(PROJECT_NAME)
    except importlib.metadata.PackageNotFoundError:
        pass
    try:
        with _PYPROJECT.open("rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"


def default_user_agent() -> str:
    """``care-continuity-dashboard/<version> (<what it is>; python-requests/<version>)``."""
    return (
        f"{PROJECT_NAME}/{project_version()} "
        f"(primary-care access and continuity dashboard for Finland's wellbeing services counties; "
        f"python-requests/{importlib.metadata.version('requests')})"
    )


@dataclass(frozen=True)
class JsonReply:
    """A decoded JSON body and the request it answered (for error messages)."""

    source: str
    request: str
    body: object

    def error(self, reason: str) -> DataSourceError:
        """An error about this reply's content (a shape the parser cannot use)."""
        return DataSourceError(source=self.source, request=self.request, reason=reason)


class HttpClient:
    """A session with timeouts, retries, a User-Agent and typed errors, for one source.

    ``source`` names the source in errors (``"sotkanet"``, ``"thl_cube"``).
    ``timeout`` is ``(connect, read)`` seconds, or one number for both.
    ``retries`` is how many times a retryable failure is retried (so at most
    ``retries + 1`` attempts); the n-th retry waits ``backoff_base * 2**(n-1)``
    seconds, at most ``backoff_max``. ``status_hints`` adds a source-specific
    explanation to the error for a status (e.g. what a 403 means at Sotkanet).
    A ``session`` passed in stays the caller's: :meth:`close` closes only a
    session this client created. ``sleep`` exists for tests.
    """

    def __init__(
        self,
        *,
        source: str,
        base_url: str,
        session: requests.Session | None = None,
        timeout: Timeout = (5.0, 60.0),
        retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        user_agent: str | None = None,
        status_hints: Mapping[int, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInputError(f"{source}: base URL must start with http:// or https://, got {base_url!r}")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidInputError(f"{source}: retries must be a whole number of at least 0, got {retries!r}")
        for name, seconds in (("backoff_base", backoff_base), ("backoff_max", backoff_max)):
            if not _is_finite_non_negative(seconds):
                raise InvalidInputError(f"{source}: {name} must be a number of seconds of at least 0, got {seconds!r}")
        agent = default_user_agent() if user_agent is None else user_agent.strip()
        if not agent:
            raise InvalidInputError(f"{source}: the User-Agent must not be empty (Sotkanet answers 403 without one)")
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.timeout = _check_timeout(source, timeout)
        self.retries = retries
        self.backoff_base = float(backoff_base)
        self.backoff_max = float(backoff_max)
        self.user_agent = agent
        self.status_hints = dict(status_hints or {})
        self._sleep = sleep
        self._owns_session = session is None
        self.session = requests.Session() if session is None else session

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------------

    def url(self, path: str, params: Params | None = None) -> str:
        """The full URL of ``path`` (relative to the base URL) with ``params`` encoded as sent."""
        prepared = requests.PreparedRequest()
        prepared.prepare_url(f"{self.base_url}/{path.lstrip('/')}", _pairs(params))
        return str(prepared.url)

    def get(self, path: str, params: Params | None = None) -> requests.Response:
        """GET ``path`` with retries; the 2xx response with its body read, or :class:`DataSourceError`."""
        url = self.url(path)
        pairs = _pairs(params)
        request = f"GET {self.url(path, params)}"
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            log.debug("GET %s", request.removeprefix("GET "))
            last = attempt == attempts
            try:
                response = self.session.get(
                    url, params=pairs, headers={"User-Agent": self.user_agent}, timeout=self.timeout
                )
                _ = response.content  # the whole body, even from a streaming session: a cut body is retried here
            except requests.Timeout as exc:
                if last:
                    reason = f"no answer within the timeout ({self._timeout_text()}){_tries(attempt)}"
                    raise self._error(request, reason) from exc
                self._sleep(self._backoff(attempt))
                continue
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                if last:
                    raise self._error(request, f"connection failed: {_exception_text(exc)}{_tries(attempt)}") from exc
                self._sleep(self._backoff(attempt))
                continue
            except requests.RequestException as exc:  # invalid URL, too many redirects, ...: not transient
                raise self._error(request, f"request failed: {_exception_text(exc)}") from exc

            status = response.status_code
            if status < 400:
                return response
            if status != 429 and status < 500:
                raise self._error(request, self._status_reason(response), status=status)
            wait = self._backoff(attempt)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None:
                if retry_after > self.backoff_max:
                    reason = (
                        f"{self._status_reason(response)}; the server asks to retry after {retry_after:g} s, "
                        f"longer than this client waits ({self.backoff_max:g} s)"
                    )
                    raise self._error(request, reason, status=status)
                wait = retry_after
            if last:
                raise self._error(request, f"{self._status_reason(response)}{_tries(attempt)}", status=status)
            response.close()
            self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def get_json(self, path: str, params: Params | None = None) -> JsonReply:
        """GET ``path`` and decode its JSON body; a body that is not JSON is a :class:`DataSourceError`."""
        response = self.get(path, params)
        request = f"GET {response.url}"
        try:
            body: object = json.loads(response.content)  # JSON is UTF-8 (RFC 8259); a BOM is tolerated
        except UnicodeDecodeError as exc:
            raise self._error(request, f"the body is not UTF-8 text: {exc}", status=response.status_code) from exc
        except json.JSONDecodeError as exc:
            size = len(response.content)
            reason = (
                f"the response is not valid JSON ({exc.msg} at character {exc.pos} of {size}); "
                f"it starts {_excerpt(response.text)}"
                if size
                else "the response body is empty, expected JSON"
            )
            raise self._error(request, reason, status=response.status_code) from exc
        return JsonReply(source=self.source, request=request, body=body)

    # -- helpers ---------------------------------------------------------------------------------

    def _error(self, request: str, reason: str, *, status: int | None = None) -> DataSourceError:
        return DataSourceError(source=self.source, request=request, reason=reason, status=status)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))

    def _timeout_text(self) -> str:
        connect, read = self.timeout
        return f"connect {connect:g} s, read {read:g} s"

    def _status_reason(self, response: requests.Response) -> str:
        parts = [f"{response.reason or 'HTTP error'}".strip()]
        hint = self.status_hints.get(response.status_code)
        if hint:
            parts.append(hint)
        text = response.text.strip()
        if text:
            parts.append(f"body starts {_excerpt(text)}")
        return "; ".join(parts)


def parse_retry_after(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date); None when absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        return None
    return max(0.0, when.timestamp() - now())


def _pairs(params: Params | None) -> list[tuple[str, str]]:
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    return [(str(key), str(value)) for key, value in items]


def _check_timeout(source: str, timeout: Timeout) -> tuple[float, float]:
    values = timeout if isinstance(timeout, tuple) else (timeout, timeout)
    if len(values) != 2 or not all(_is_finite_non_negative(value) and value > 0 for value in values):
        raise InvalidInputError(
            f"{source}: timeout must be a positive number of seconds or a (connect, read) pair of them, got {timeout!r}"
        )
    return float(values[0]), float(values[1])


def _is_finite_non_negative(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _tries(attempt: int) -> str:
    return f" (gave up after {attempt} attempt{'s' if attempt != 1 else ''})"


def _exception_text(exc: BaseException) -> str:
    """The innermost useful message of a requests/urllib3 exception chain, on one line."""
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:300]


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat[:_BODY_EXCERPT] + ("…" if len(flat) > _BODY_EXCERPT else ""))
