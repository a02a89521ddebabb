"""The one HTTP client: User-Agent, timeouts, retries with backoff and Retry-After, typed errors, logging.

Every test runs the real client over real HTTP against the stub on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
import socket
import time
from collections.abc import Iterator

import pytest
import requests

from core.errors import DataSourceError, InvalidInputError
from data_sources.http import HttpClient, default_user_agent, parse_retry_after, project_version
from tests.data_sources.stub_server import (
    NetworkBlocked,
    StubServer,
    body,
    cut_off,
    dripping,
    fail,
    guard_network,
    hung,
    oversized,
    rate_limited,
    raw_get,
    running_stub,
    slow,
    truncated,
)

REGIONS = "/rest/1.1/regions"
READ_TIMEOUT = 0.25


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    guard_network(monkeypatch)


@pytest.fixture
def stub() -> Iterator[StubServer]:
    yield from running_stub()


class Sleeps(list[float]):
    """Records the waits instead of sleeping, so retry tests stay fast and exact."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_client(stub: StubServer, **options: object) -> HttpClient:
    settings: dict[str, object] = {
        "source": "sotkanet",
        "base_url": stub.sotkanet_url,
        "timeout": (2.0, READ_TIMEOUT),
        "retries": 2,
        "backoff_base": 0.001,
        "backoff_max": 0.01,
        "status_hints": {403: "Sotkanet refuses requests without a User-Agent header"},
    } | options
    return HttpClient(**settings)  # type: ignore[arg-type]


@pytest.fixture
def client(stub: StubServer) -> Iterator[HttpClient]:
    with make_client(stub) as http:
        yield http


def raised(excinfo: pytest.ExceptionInfo[DataSourceError]) -> DataSourceError:
    return excinfo.value


# -- the User-Agent --------------------------------------------------------------------------------


def test_every_request_carries_a_descriptive_user_agent(client: HttpClient, stub: StubServer) -> None:
    client.get_json("regions")
    agent = stub.seen(REGIONS)[0].headers["User-Agent"]
    assert re.fullmatch(r"care-continuity-dashboard/\S+ \(.+; python-requests/\S+\)", agent)
    assert agent == default_user_agent()


def test_user_agent_carries_the_project_version() -> None:
    assert default_user_agent().startswith(f"care-continuity-dashboard/{project_version()} ")
    assert project_version() != "0+unknown"


def test_stub_answers_403_to_a_request_without_user_agent_like_sotkanet(stub: StubServer) -> None:
    status, _ = raw_get(stub.sotkanet_url + "/regions")
    assert status == 403
    assert raw_get(stub.sotkanet_url + "/regions", headers={"User-Agent": "x"})[0] == 200


# -- answers that are not retried ------------------------------------------------------------------


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_a_4xx_answer_fails_at_once_with_its_status(client: HttpClient, stub: StubServer, status: int) -> None:
    stub.script(REGIONS, fail(status, b"nope"))
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    error = raised(excinfo)
    assert (error.source, error.status) == ("sotkanet", status)
    assert error.request == f"GET {stub.sotkanet_url}/regions"
    assert "'nope'" in error.reason
    assert len(stub.seen(REGIONS)) == 1


def test_a_403_says_what_it_means_at_sotkanet(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, fail(403))
    with pytest.raises(DataSourceError, match="without a User-Agent header"):
        client.get_json("regions")


def test_the_message_names_source_request_status_and_reason(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, fail(404, b"missing"))
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    assert str(excinfo.value) == (
        f"sotkanet: GET {stub.sotkanet_url}/regions failed (HTTP 404): Not Found; body starts 'missing'"
    )


# -- retries: 5xx, 429, timeouts, broken connections -----------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_then_200_succeeds_on_the_retry(client: HttpClient, stub: StubServer, status: int) -> None:
    stub.script(REGIONS, fail(status))
    reply = client.get_json("regions")
    assert isinstance(reply.body, list)
    assert reply.body
    assert len(stub.seen(REGIONS)) == 2


def test_a_5xx_on_every_attempt_fails_after_all_attempts(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, *[fail(503, b"maintenance")] * 3)
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    error = raised(excinfo)
    assert error.status == 503
    assert "gave up after 3 attempts" in error.reason
    assert "'maintenance'" in error.reason
    assert len(stub.seen(REGIONS)) == 3


def test_backoff_doubles_and_is_capped(stub: StubServer) -> None:
    sleeps = Sleeps()
    stub.script(REGIONS, *[fail(500)] * 5)
    with (
        make_client(stub, retries=4, backoff_base=0.01, backoff_max=0.03, sleep=sleeps) as http,
        pytest.raises(DataSourceError),
    ):
        http.get_json("regions")
    assert sleeps == pytest.approx([0.01, 0.02, 0.03, 0.03])


def test_a_429_with_retry_after_zero_is_retried(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, rate_limited("0"))
    assert client.get_json("regions").body
    assert len(stub.seen(REGIONS)) == 2


def test_retry_after_in_seconds_replaces_the_backoff(stub: StubServer) -> None:
    sleeps = Sleeps()
    stub.script(REGIONS, rate_limited("2"))
    with make_client(stub, backoff_max=5.0, sleep=sleeps) as http:
        http.get_json("regions")
    assert sleeps == [2.0]


def test_retry_after_as_an_http_date_is_honoured(stub: StubServer) -> None:
    sleeps = Sleeps()
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    stub.script(REGIONS, rate_limited(email.utils.format_datetime(when, usegmt=True)))
    with make_client(stub, backoff_max=5.0, sleep=sleeps) as http:
        http.get_json("regions")
    assert len(sleeps) == 1
    assert 1.0 < sleeps[0] <= 3.0


def test_a_retry_after_longer_than_backoff_max_fails_at_once(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, rate_limited("3600"))
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    error = raised(excinfo)
    assert error.status == 429
    assert "retry after 3600 s" in error.reason
    assert len(stub.seen(REGIONS)) == 1


def test_a_429_on_every_attempt_fails_with_status_429(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, *[rate_limited("0")] * 3)
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    assert raised(excinfo).status == 429
    assert len(stub.seen(REGIONS)) == 3


def test_one_timeout_then_an_answer_succeeds(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, slow(READ_TIMEOUT * 8))
    assert client.get_json("regions").body
    assert len(stub.seen(REGIONS)) == 2


def test_timeouts_on_every_attempt_fail_without_a_status(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, *[slow(READ_TIMEOUT * 8)] * 3)
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    error = raised(excinfo)
    assert error.status is None
    assert error.reason == "no answer within the timeout (connect 2 s, read 0.25 s) (gave up after 3 attempts)"
    assert len(stub.seen(REGIONS)) == 3


def test_a_refused_connection_is_retried_then_reported() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with (
        HttpClient(source="thl_cube", base_url=f"http://127.0.0.1:{port}", retries=2, sleep=sleeps) as http,
        pytest.raises(DataSourceError) as excinfo,
    ):
        http.get_json("x.json")
    error = raised(excinfo)
    assert (error.source, error.status) == ("thl_cube", None)
    assert error.reason.startswith("connection failed: ")
    assert error.reason.endswith("(gave up after 3 attempts)")
    assert len(sleeps) == 2


def test_a_body_cut_off_midway_is_retried(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, cut_off(100))
    assert client.get_json("regions").body
    assert len(stub.seen(REGIONS)) == 2


def test_a_body_cut_off_on_every_attempt_fails(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, *[cut_off(100)] * 3)
    with pytest.raises(DataSourceError, match=r"connection failed: .*gave up after 3 attempts"):
        client.get_json("regions")


# -- bodies that are not JSON ----------------------------------------------------------------------


def test_truncated_json_fails_at_once_as_invalid_json(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, truncated(100))
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    error = raised(excinfo)
    assert error.status == 200
    assert error.reason.startswith("the response is not valid JSON (")
    assert "of 100)" in error.reason
    assert len(stub.seen(REGIONS)) == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the response body is empty, expected JSON"),
        (b"<html><body>Huoltokatko</body></html>", "the response is not valid JSON (Expecting value at character 0"),
        (b'["K\xe4ynnit"]', "the body is not UTF-8 text"),  # Latin-1, not UTF-8
    ],
)
def test_a_body_that_is_not_json_is_an_error(client: HttpClient, stub: StubServer, content: bytes, reason: str) -> None:
    stub.script(REGIONS, fail(200, content))
    with pytest.raises(DataSourceError) as excinfo:
        client.get_json("regions")
    assert raised(excinfo).reason.startswith(reason)


def test_an_empty_array_is_valid_json(client: HttpClient, stub: StubServer) -> None:
    stub.script(REGIONS, body([]))
    assert client.get_json("regions").body == []


# -- requests and logging ---------------------------------------------------------------------------


def test_repeated_keys_are_sent_as_repeated_parameters(client: HttpClient, stub: StubServer) -> None:
    params: list[tuple[str, str | int]] = [("indicator", 2676), ("years", 2023), ("years", 2024), ("genders", "total")]
    reply = client.get_json("json", params)
    assert stub.seen("/rest/1.1/json")[0].query == [(key, str(value)) for key, value in params]
    assert reply.request == f"GET {stub.sotkanet_url}/json?indicator=2676&years=2023&years=2024&genders=total"


def test_debug_log_names_method_and_url_only(
    client: HttpClient, stub: StubServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="data_sources.http")
    stub.script(REGIONS, fail(500, b"secret body"))
    client.get_json("regions", {"a": "1"})
    messages = [record.getMessage() for record in caplog.records if record.name == "data_sources.http"]
    assert messages == [f"GET {stub.sotkanet_url}/regions?a=1"] * 2


def test_a_session_passed_in_is_used_and_left_open(stub: StubServer) -> None:
    class CountingSession(requests.Session):
        closed = 0

        def close(self) -> None:
            self.closed += 1
            super().close()

    session = CountingSession()
    with make_client(stub, session=session) as http:
        http.get_json("regions")
    assert session.closed == 0
    session.close()


def test_a_session_of_its_own_is_closed() -> None:
    http = HttpClient(source="sotkanet", base_url="http://127.0.0.1:9")
    closed: list[bool] = []
    http.session.close = lambda: closed.append(True)  # type: ignore[method-assign]
    http.close()
    assert closed == [True]


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("base_url", "ftp://example", "base URL must start with http"),
        ("retries", -1, "retries must be a whole number"),
        ("retries", 1.5, "retries must be a whole number"),
        ("timeout", 0, "timeout must be a positive number"),
        ("timeout", (1.0, -1.0), "timeout must be a positive number"),
        ("timeout", (1.0, 2.0, 3.0), "timeout must be a positive number"),
        ("backoff_base", -0.1, "backoff_base must be a number of seconds"),
        ("backoff_max", float("inf"), "backoff_max must be a number of seconds"),
        ("user_agent", "  ", "User-Agent must not be empty"),
    ],
)
def test_invalid_options_are_rejected(option: str, value: object, fragment: str) -> None:
    settings: dict[str, object] = {"source": "sotkanet", "base_url": "http://127.0.0.1:9", option: value}
    with pytest.raises(InvalidInputError, match=fragment):
        HttpClient(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("0", 0.0),
        (" 7 ", 7.0),
        ("120", 120.0),
        ("-1", None),  # not delay-seconds
        ("1.5", None),  # not delay-seconds either
        ("soon", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
        ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    now = dt.datetime(2015, 10, 21, 7, 28, tzinfo=dt.UTC).timestamp()
    assert parse_retry_after(header, now=lambda: now) == seconds


# -- the network guard -------------------------------------------------------------------------------


def test_the_guard_blocks_connections_to_other_hosts() -> None:
    with pytest.raises(NetworkBlocked):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


def test_the_guard_is_not_swallowed_by_the_client() -> None:
    with HttpClient(source="sotkanet", base_url="https://sotkanet.fi/rest/1.1") as http, pytest.raises(NetworkBlocked):
        http.get_json("regions")


# -- limits: one deadline per request, a largest body -------------------------------------------------
# Deadlines here are a fraction of a second and every scripted server would run for minutes or forever, so
# each test can only pass by the client stopping; the assertions are on the reason, not on the time taken.


def test_a_dripping_body_is_stopped_at_the_request_deadline(stub: StubServer) -> None:
    stub.script(REGIONS, dripping(piece=16, pause=0.01))  # every read answers well within the read timeout
    with make_client(stub, timeout=(2.0, 5.0), deadline=0.5) as http, pytest.raises(DataSourceError) as excinfo:
        http.get_json("regions")
    error = raised(excinfo)
    assert error.status == 200
    assert error.reason.startswith("no complete answer within the request deadline of 0.5 s")
    assert "while the body was still arriving" in error.reason
    assert len(stub.seen(REGIONS)) == 1  # a passed deadline is not retried


def test_a_hung_server_fails_at_the_deadline_not_after_every_retry(stub: StubServer) -> None:
    stub.script(REGIONS, *[hung()] * 4)
    with (
        make_client(stub, timeout=(2.0, 30.0), retries=3, deadline=0.3) as http,
        pytest.raises(DataSourceError) as excinfo,
    ):
        http.get_json("regions")
    error = raised(excinfo)
    assert error.status is None
    assert "within the request deadline of 0.3 s" in error.reason
    assert len(stub.seen(REGIONS)) == 1  # the read timeout was cut to the deadline: no time was left for a retry


def test_a_wait_that_would_pass_the_deadline_is_not_started(stub: StubServer) -> None:
    sleeps = Sleeps()
    stub.script(REGIONS, rate_limited("20"))
    with (
        make_client(stub, backoff_max=30.0, deadline=5.0, sleep=sleeps) as http,
        pytest.raises(DataSourceError) as excinfo,
    ):
        http.get_json("regions")
    error = raised(excinfo)
    assert error.status == 429
    assert "waiting 20 s to try again would pass the deadline" in error.reason
    assert sleeps == []


def test_finish_by_brings_the_deadline_forward_and_says_whose_it_was(stub: StubServer) -> None:
    stub.script(REGIONS, hung())
    with make_client(stub, timeout=(2.0, 30.0), deadline=30.0) as http:
        with http.finish_by(time.monotonic() + 0.3), pytest.raises(DataSourceError) as excinfo:
            http.get_json("regions")
        assert "the refresh's deadline (DASHBOARD_REFRESH_DEADLINE) passed" in raised(excinfo).reason
        assert http.get_json("regions").body  # outside the block the request's own deadline applies again


def test_an_announced_body_over_the_limit_is_refused_before_it_is_read(stub: StubServer) -> None:
    stub.script(REGIONS, oversized(600 * 1024 * 1024))
    with make_client(stub, max_bytes=1000) as http, pytest.raises(DataSourceError) as excinfo:
        http.get_json("regions")
    error = raised(excinfo)
    assert error.status == 200
    assert error.reason == (
        f"the answer announces {600 * 1024 * 1024} bytes, more than the limit of 1000 bytes "
        "(DASHBOARD_REMOTE_MAX_BYTES); none of it was read"
    )
    assert len(stub.seen(REGIONS)) == 1  # the same answer would come again: not retried


def test_a_body_without_a_length_is_refused_once_it_passes_the_limit(stub: StubServer) -> None:
    stub.script(REGIONS, oversized(600 * 1024 * 1024, announce=False))
    limit = 100 * 1024
    with make_client(stub, max_bytes=limit) as http, pytest.raises(DataSourceError) as excinfo:
        http.get_json("regions")
    match = re.fullmatch(
        rf"the answer is larger than the limit of {limit} bytes \(DASHBOARD_REMOTE_MAX_BYTES\); "
        r"reading stopped after (\d+) bytes",
        raised(excinfo).reason,
    )
    assert match
    assert limit < int(match.group(1)) <= limit + 64 * 1024  # one piece past the limit, not the whole body


def test_a_body_at_the_limit_is_read(stub: StubServer) -> None:
    size = len(raw_get(stub.sotkanet_url + "/regions", headers={"User-Agent": "x"})[1])
    with make_client(stub, max_bytes=size) as http:
        assert http.get_json("regions").body


def test_an_error_answer_keeps_only_the_start_of_a_large_body(stub: StubServer) -> None:
    stub.script(REGIONS, fail(404, b"x" * (1024 * 1024)))
    with make_client(stub, max_bytes=1000) as http, pytest.raises(DataSourceError) as excinfo:
        http.get_json("regions")
    assert raised(excinfo).status == 404  # not refused as too large: the status is what matters


@pytest.mark.parametrize(
    ("option", "value", "fragment"),
    [
        ("deadline", 0, "deadline must be a number of seconds above 0"),
        ("deadline", float("nan"), "deadline must be a number of seconds above 0"),
        ("max_bytes", 0, "max_bytes must be a whole number of at least 1"),
        ("max_bytes", 1.5, "max_bytes must be a whole number of at least 1"),
    ],
)
def test_invalid_limits_are_rejected(option: str, value: object, fragment: str) -> None:
    with pytest.raises(InvalidInputError, match=fragment):
        HttpClient(source="sotkanet", base_url="http://127.0.0.1:9", **{option: value})  # type: ignore[arg-type]


def test_header_names_are_read_in_any_case(stub: StubServer) -> None:
    sleeps = Sleeps()
    stub.script(REGIONS, fail(429, b"", ("retry-after", "2")))
    with make_client(stub, backoff_max=5.0, sleep=sleeps) as http:
        http.get_json("regions")
    assert sleeps == [2.0]
