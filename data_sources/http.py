"""The one HTTP client every remote source uses.

:class:`HttpClient` owns a :class:`requests.Session` and does, for every
request, the same things:

* sends a descriptive ``User-Agent`` (Sotkanet answers 403 without one) and
  explicit connect and read timeouts;
* retries, with exponential backoff, on timeouts, connection failures
  (including a body cut short of its ``Content-Length``), HTTP 429 and every
  5xx; a ``Retry-After`` header (seconds or an HTTP date) replaces the backoff
  for that wait;
* keeps every request within an **overall deadline** (``deadline`` seconds,
  every attempt, read and wait included, default
  ``DASHBOARD_REMOTE_REQUEST_DEADLINE``): each attempt's timeouts are cut to
  the time left, a watchdog shuts the socket when the deadline passes during
  the body (so a server that drips a byte at a time cannot hold it past the
  deadline), and no wait is started that would end after it. A caller can
  bring the deadline forward for a whole refresh with :meth:`HttpClient.finish_by`;
* reads the body **as it streams**, at most ``max_bytes`` of it (default
  ``DASHBOARD_REMOTE_MAX_BYTES``, counted after any content decoding): a
  ``Content-Length`` above the limit is refused before any of the body is
  read, and a body without one is refused as soon as it passes the limit;
* logs the method and URL at debug level, nothing else (no headers, no bodies);
* turns every failure into one :class:`~core.errors.DataSourceError` that names
  the source, the request (method and full URL), the HTTP status if there was
  one and what went wrong. Other 4xx answers are not retried, nor are a body
  over the limit or a passed deadline. A body that is not valid JSON is an
  error too, and is not retried: the server delivered it completely, so asking
  again would get the same bytes.

No single wait is longer than ``backoff_max`` seconds: when a server asks for
a longer ``Retry-After`` the client gives up at once instead of blocking the
dashboard, and says so in the error. The response headers are bounded by the
read timeout per read (cut to the time left), not by the watchdog.
"""

from __future__ import annotations

import contextlib
import email.utils
import importlib.metadata
import json
import logging
import math
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self

import requests

from core.errors import DataSourceError, InvalidInputError
from core.settings import DEFAULT_REMOTE_MAX_BYTES, DEFAULT_REMOTE_REQUEST_DEADLINE

log = logging.getLogger(__name__)

PROJECT_NAME = "care-continuity-dashboard"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

#: A query: pairs, so that a key can repeat (``years=2023&years=2024``), or a mapping of single values.
Params = Sequence[tuple[str, str | int]] | Mapping[str, str | int]
Timeout = float | tuple[float, float]

_BODY_EXCERPT = 160
_CHUNK = 64 * 1024
#: How much of an error answer's body is kept for the message (the rest is not read).
_ERROR_BODY_LIMIT = 16 * 1024


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
class HttpReply:
    """A complete answer: the URL asked, status, reason phrase, headers and the body as read."""

    url: str
    status_code: int
    reason: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def text(self) -> str:
        """The body as text (UTF-8; undecodable bytes replaced), for messages."""
        return self.content.decode("utf-8", errors="replace")


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
    ``deadline`` is the most seconds one request may take, retries and waits
    included; ``max_bytes`` the largest body read. A ``session`` passed in
    stays the caller's: :meth:`close` closes only a session this client
    created. ``sleep`` exists for tests.
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
        deadline: float = DEFAULT_REMOTE_REQUEST_DEADLINE,
        max_bytes: int = DEFAULT_REMOTE_MAX_BYTES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise InvalidInputError(f"{source}: base URL must start with http:// or https://, got {base_url!r}")
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidInputError(f"{source}: retries must be a whole number of at least 0, got {retries!r}")
        for name, seconds in (("backoff_base", backoff_base), ("backoff_max", backoff_max)):
            if not _is_finite_non_negative(seconds):
                raise InvalidInputError(f"{source}: {name} must be a number of seconds of at least 0, got {seconds!r}")
        if not (_is_finite_non_negative(deadline) and deadline > 0):
            raise InvalidInputError(f"{source}: deadline must be a number of seconds above 0, got {deadline!r}")
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
            raise InvalidInputError(f"{source}: max_bytes must be a whole number of at least 1, got {max_bytes!r}")
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
        self.deadline = float(deadline)
        self.max_bytes = max_bytes
        self._finish_by: float | None = None
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

    @contextlib.contextmanager
    def finish_by(self, moment: float | None) -> Iterator[None]:
        """Within the block, every request also ends by ``moment`` (a :func:`time.monotonic` value), if sooner.

        A refresh uses it so that its last request cannot outlast the refresh's own deadline.
        """
        previous = self._finish_by
        self._finish_by = moment if previous is None or moment is None else min(previous, moment)
        try:
            yield
        finally:
            self._finish_by = previous

    def get(self, path: str, params: Params | None = None) -> HttpReply:
        """GET ``path`` with retries within the deadline; the 2xx answer with its body, or :class:`DataSourceError`."""
        url = self.url(path)
        pairs = _pairs(params)
        request = f"GET {self.url(path, params)}"
        clock = _Deadline(time.monotonic() + self.deadline, self.deadline, self._finish_by)
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            if clock.left() <= 0:
                raise self._error(request, clock.reason(attempt - 1))
            log.debug("GET %s", request.removeprefix("GET "))
            outcome = self._attempt(url, pairs, request, clock, attempt, last=attempt == attempts)
            if isinstance(outcome, HttpReply):
                return outcome
            self._wait(request, clock, outcome, attempt)
        raise AssertionError("unreachable: the last attempt returns or raises")  # pragma: no cover

    def _attempt(
        self, url: str, pairs: list[tuple[str, str]], request: str, clock: _Deadline, attempt: int, *, last: bool
    ) -> HttpReply | _Retry:
        """One attempt: the 2xx answer, a retry to wait for, or :class:`DataSourceError`."""
        try:
            response = self.session.get(
                url,
                params=pairs,
                headers={"User-Agent": self.user_agent},
                timeout=self._attempt_timeout(clock.left()),
                stream=True,
            )
        except requests.Timeout as exc:
            if clock.left() <= 0:
                raise self._error(request, clock.reason(attempt)) from exc
            if last:
                reason = f"no answer within the timeout ({self._timeout_text()}){_tries(attempt)}"
                raise self._error(request, reason) from exc
            return _Retry(self._backoff(attempt))
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            if last:
                raise self._error(request, f"connection failed: {_exception_text(exc)}{_tries(attempt)}") from exc
            return _Retry(self._backoff(attempt))
        except requests.RequestException as exc:  # invalid URL, too many redirects, ...: not transient
            raise self._error(request, f"request failed: {_exception_text(exc)}") from exc
        status = response.status_code
        try:
            content = self._read_body(response, request, clock, attempt, error_answer=status >= 400)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:  # a body cut short
            if last:
                raise self._error(request, f"connection failed: {_exception_text(exc)}{_tries(attempt)}") from exc
            return _Retry(self._backoff(attempt))
        except requests.RequestException as exc:  # a body that cannot be decoded: not transient
            raise self._error(request, f"request failed: {_exception_text(exc)}", status=status) from exc
        finally:
            response.close()
        headers = requests.structures.CaseInsensitiveDict(response.headers)  # "retry-after" is "Retry-After"
        reply = HttpReply(str(response.url), status, str(response.reason or ""), headers, content)
        if status < 400:
            return reply
        return self._retry_after_error(request, reply, attempt, last=last)

    def _retry_after_error(self, request: str, reply: HttpReply, attempt: int, *, last: bool) -> _Retry:
        """How long to wait after a 429 or 5xx answer; any other error status, or the last attempt, raises."""
        status = reply.status_code
        if status != 429 and status < 500:
            raise self._error(request, self._status_reason(reply), status=status)
        wait = self._backoff(attempt)
        retry_after = parse_retry_after(reply.headers.get("Retry-After"))
        if retry_after is not None:
            if retry_after > self.backoff_max:
                reason = (
                    f"{self._status_reason(reply)}; the server asks to retry after {retry_after:g} s, "
                    f"longer than this client waits ({self.backoff_max:g} s)"
                )
                raise self._error(request, reason, status=status)
            wait = retry_after
        if last:
            raise self._error(request, f"{self._status_reason(reply)}{_tries(attempt)}", status=status)
        return _Retry(wait, status=status, answer=self._status_reason(reply))

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

    def _attempt_timeout(self, left: float) -> tuple[float, float]:
        """The connect and read timeouts, each cut to the time left before the deadline."""
        connect, read = self.timeout
        return min(connect, left), min(read, left)

    def _wait(self, request: str, clock: _Deadline, retry: _Retry, attempt: int) -> None:
        """Sleep before the next attempt, or give up now when the wait would end after the deadline."""
        if retry.seconds >= clock.left():
            prefix = f"{retry.answer}; " if retry.answer else ""
            reason = (
                f"{prefix}waiting {retry.seconds:g} s to try again would pass the deadline: {clock.reason(attempt)}"
            )
            raise self._error(request, reason, status=retry.status)
        self._sleep(retry.seconds)

    def _read_body(
        self, response: requests.Response, request: str, clock: _Deadline, attempt: int, *, error_answer: bool
    ) -> bytes:
        """The body, read as it streams, within the size limit and the deadline.

        An error answer's body is only needed for the message: its first
        ``_ERROR_BODY_LIMIT`` bytes are kept and the rest is not read.
        """
        status = response.status_code
        limit = min(self.max_bytes, _ERROR_BODY_LIMIT) if error_answer else self.max_bytes
        declared = _content_length(response.headers.get("Content-Length"))
        if not error_answer and declared is not None and declared > limit:
            reason = (
                f"the answer announces {declared} bytes, more than the limit of {limit} bytes "
                f"(DASHBOARD_REMOTE_MAX_BYTES); none of it was read"
            )
            raise self._error(request, reason, status=status)
        watchdog = _Watchdog(response, clock.left())
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if watchdog.fired:
                    break
                if len(body) > limit:
                    if error_answer:
                        return bytes(body[:limit])
                    reason = (
                        f"the answer is larger than the limit of {limit} bytes (DASHBOARD_REMOTE_MAX_BYTES); "
                        f"reading stopped after {len(body)} bytes"
                    )
                    raise self._error(request, reason, status=status)
        except requests.RequestException as exc:
            if watchdog.fired:
                raise self._error(request, clock.reason(attempt, reading=len(body)), status=status) from exc
            raise
        finally:
            watchdog.cancel()
        if watchdog.fired:
            raise self._error(request, clock.reason(attempt, reading=len(body)), status=status)
        return bytes(body)

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))

    def _timeout_text(self) -> str:
        connect, read = self.timeout
        return f"connect {connect:g} s, read {read:g} s"

    def _status_reason(self, response: HttpReply) -> str:
        parts = [f"{response.reason or 'HTTP error'}".strip()]
        hint = self.status_hints.get(response.status_code)
        if hint:
            parts.append(hint)
        text = response.text.strip()
        if text:
            parts.append(f"body starts {_excerpt(text)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class _Retry:
    """An attempt that may be repeated after ``seconds``; ``status`` and ``answer`` describe the answer, if any."""

    seconds: float
    status: int | None = None
    answer: str = ""


class _Deadline:
    """When one request must be done: its own deadline, or a refresh's if that comes first."""

    def __init__(self, own_end: float, own_seconds: float, finish_by: float | None) -> None:
        self.own_seconds = own_seconds
        self.by_refresh = finish_by is not None and finish_by < own_end
        self.end = finish_by if finish_by is not None and self.by_refresh else own_end

    def left(self) -> float:
        return self.end - time.monotonic()

    def reason(self, attempts: int, *, reading: int | None = None) -> str:
        """Why the request stopped: which deadline passed, during what, after how many attempts."""
        during = f" while the body was still arriving ({reading} bytes read)" if reading is not None else ""
        tries = _tries(attempts) if attempts else ""
        if self.by_refresh:
            return f"the refresh's deadline (DASHBOARD_REFRESH_DEADLINE) passed{during}{tries}"
        return (
            f"no complete answer within the request deadline of {self.own_seconds:g} s "
            f"(DASHBOARD_REMOTE_REQUEST_DEADLINE, retries included){during}{tries}"
        )


class _Watchdog:
    """Shuts the answer's socket when the deadline passes, so a blocked read returns at once."""

    def __init__(self, response: requests.Response, seconds: float) -> None:
        self._response = response
        self._fired = threading.Event()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def fired(self) -> bool:
        return self._fired.is_set()

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self._fired.set()
        # urllib3 >= 2.3: interrupts a read blocked in another thread; an answer already released or closed
        # has nothing blocked on it.
        with contextlib.suppress(AttributeError, RuntimeError, ValueError, OSError):
            self._response.raw.shutdown()


def _content_length(value: str | None) -> int | None:
    text = (value or "").strip()
    return int(text) if text.isdigit() else None


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
