"""Several dashboard processes behind HAProxy (``deploy/``): the proxy's configuration and a running cluster.

The configuration test needs only the template; the others need Debian's ``haproxy`` (``make proxy-deps``,
which ``make test`` runs) and are skipped without it, or fail under DASHBOARD_REQUIRE_HAPROXY=1 (as in CI).
"""

from __future__ import annotations

import http.cookiejar
import os
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bench.load_client import load
from deploy.cluster import Cluster, haproxy_config, port_free
from tests.server.test_sessions import in_own_event_loop

HAPROXY = shutil.which("haproxy")
REQUIRE_ENV = "DASHBOARD_REQUIRE_HAPROXY"


@pytest.fixture
def haproxy_installed() -> None:
    if HAPROXY is None:
        message = "Debian's haproxy is not installed (`make proxy-deps` installs it as root)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 makes these tests mandatory")
        pytest.skip(message)


needs_haproxy = pytest.mark.usefixtures("haproxy_installed")


def test_the_configuration_lists_every_process_with_its_own_cookie() -> None:
    config = haproxy_config(bind="0.0.0.0:8501", backends=[8511, 8512, 8513])
    assert "bind 0.0.0.0:8501" in config
    servers = [line.split() for line in config.splitlines() if line.strip().startswith("server ")]
    assert [(words[1], words[2]) for words in servers] == [
        ("process1", "127.0.0.1:8511"),
        ("process2", "127.0.0.1:8512"),
        ("process3", "127.0.0.1:8513"),
    ]
    assert all(words[words.index("cookie") + 1] == words[1] for words in servers)
    assert "$" not in config  # every placeholder filled


@needs_haproxy
def test_haproxy_accepts_the_configuration(tmp_path: Path) -> None:
    path = tmp_path / "haproxy.cfg"
    path.write_text(haproxy_config(bind="127.0.0.1:8501", backends=[8511, 8512]), encoding="utf-8")
    checked = subprocess.run([str(HAPROXY), "-c", "-f", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _free_port() -> int:
    port = 19500
    while not all(port_free(candidate) for candidate in range(port, port + 13)):
        port += 37
    return port


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if HAPROXY is None:
        pytest.skip("Debian's haproxy is not installed (make proxy-deps)")
    folder = tmp_path_factory.mktemp("cluster")
    env = {"DASHBOARD_DATA_DIR": str(folder / "data"), "DASHBOARD_SAMPLE_SCALE": "0.03"}
    with Cluster(processes=2, port=_free_port(), run_dir=folder, env=env) as running:
        yield running


@pytest.mark.slow
def test_a_browser_stays_on_the_process_that_served_its_first_page(cluster: Cluster) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{cluster.url}/", timeout=30) as first:
        assert first.status == 200
    pinned = [cookie.value for cookie in jar if cookie.name == "DASHBOARD_PROCESS"]
    assert pinned in (["process1"], ["process2"])
    for _ in range(4):
        with opener.open(f"{cluster.url}/_stcore/health", timeout=30) as again:
            assert again.read().strip() == b"ok"
            assert "DASHBOARD_PROCESS" not in again.headers.get("Set-Cookie", "")  # still where it was sent
        assert [cookie.value for cookie in jar if cookie.name == "DASHBOARD_PROCESS"] == pinned


@pytest.mark.slow
def test_sessions_through_the_proxy_are_served_by_both_processes_without_an_error(cluster: Cluster) -> None:
    servers = [psutil.Process(process.pid) for process in cluster.servers]
    before = [sum(server.cpu_times()[:2]) for server in servers]
    tally = in_own_event_loop(lambda: load(cluster.url, sessions=4, duration=300, think=0, ramp=0, journeys=1))
    assert dict(tally.errors) == {}, f"{tally.examples}{cluster.tail('process1')}{cluster.tail('process2')}"
    assert tally.journeys == 4
    cluster.check_running()
    # new sessions go to the process with the fewest open ones: both ran journeys (seconds of CPU each; the
    # proxy's health checks alone cost a process hundredths of a second)
    spent = [sum(server.cpu_times()[:2]) - start for server, start in zip(servers, before, strict=True)]
    assert all(seconds > 1.0 for seconds in spent), spent
