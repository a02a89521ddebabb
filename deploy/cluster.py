"""Several dashboard processes behind HAProxy: ``python -m deploy.cluster`` (what ``make run-cluster`` does).

Usage::

    python -m deploy.cluster [--processes 2] [--port 8501] [--address 0.0.0.0] [--backend-port 8511] \\
        [--run-dir DIR] [-- STREAMLIT OPTIONS ...]

One Streamlit process runs Python on one core at a time (the interpreter lock): a server that must serve
more readers than one core can answer runs one process per core, here behind HAProxy (Debian's
``haproxy``), configured from ``deploy/haproxy.cfg``. Each process is ``python -m ui.serve`` on
127.0.0.1 at ``--backend-port`` + 0, 1, ...; HAProxy listens on ``--address``:``--port``, sends each new
session to the process with the fewest open ones, keeps a session's websocket on its process, and
pins a browser's other requests there with a cookie. All processes read the same store (the settings
come from the environment as for ``make run``); an empty store is filled once, before they start
(``python -m pipeline bootstrap``), so that they do not all build it at once.

``--processes 1`` runs one process on ``--port`` without a proxy. The command runs in the foreground
until it is stopped (Ctrl-C, SIGTERM) or any of its processes ends, and then stops them all.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from string import Template
from types import TracebackType
from typing import IO, Self

PROJECT = Path(__file__).resolve().parents[1]
HAPROXY_TEMPLATE = PROJECT / "deploy" / "haproxy.cfg"
#: The health endpoint every process and the proxy answer with "ok".
HEALTH_PATH = "/_stcore/health"


class ClusterError(RuntimeError):
    """A process did not start or stopped; the message names it and ends with the tail of its log."""


def haproxy_config(*, bind: str, backends: Sequence[int], template: Path = HAPROXY_TEMPLATE) -> str:
    """``deploy/haproxy.cfg`` with the listening address and one ``server`` line per process port."""
    servers = "\n".join(
        f"    server process{number} 127.0.0.1:{port} check inter 2s cookie process{number}"
        for number, port in enumerate(backends, start=1)
    )
    return Template(template.read_text(encoding="utf-8")).substitute(bind=bind, servers=servers)


def port_free(port: int, address: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((address, port))
        except OSError:
            return False
        return True


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}{HEALTH_PATH}", timeout=timeout) as answer:
            return bool(answer.status == 200 and answer.read().strip() == b"ok")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class Cluster:
    """``processes`` dashboard processes (and HAProxy in front when more than one); use ``with``.

    ``env`` is added to this process's environment for every child (the store's settings, say);
    ``server_options`` are passed to every ``python -m ui.serve``. Logs go to ``run_dir``.
    """

    def __init__(
        self,
        *,
        processes: int,
        port: int,
        run_dir: Path,
        address: str = "127.0.0.1",
        backend_port: int | None = None,
        env: Mapping[str, str] | None = None,
        server_options: Sequence[str] = (),
    ) -> None:
        if processes < 1:
            raise ValueError("a cluster needs at least one process")
        self.processes = processes
        self.port = port
        self.address = address
        self.run_dir = run_dir
        self.backend_port = backend_port or port + 10
        self.env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
        self.server_options = list(server_options)
        self.servers: list[subprocess.Popen[bytes]] = []
        self.proxy: subprocess.Popen[bytes] | None = None
        self._logs: list[IO[bytes]] = []

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.address in ("0.0.0.0", "") else self.address
        return f"http://{host}:{self.port}"

    @property
    def backend_ports(self) -> list[int]:
        if self.processes == 1:
            return [self.port]
        return [self.backend_port + number for number in range(self.processes)]

    @property
    def pids(self) -> list[int]:
        """The server processes' ids, and the proxy's."""
        return [process.pid for process in [*self.servers, *([self.proxy] if self.proxy else [])]]

    def _log(self, name: str) -> IO[bytes]:
        handle = (self.run_dir / f"{name}.log").open("ab")
        self._logs.append(handle)
        return handle

    def _spawn(self, command: list[str], name: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            cwd=PROJECT,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log(name),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, timeout: float = 600.0) -> Self:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        taken = [port for port in {self.port, *self.backend_ports} if not port_free(port)]
        if taken:
            raise ClusterError(f"another program listens on port {', '.join(map(str, sorted(taken)))}")
        haproxy = shutil.which("haproxy")
        if self.processes > 1 and haproxy is None:
            raise ClusterError("HAProxy is not installed (Debian: apt-get install haproxy)")
        if self.processes > 1:  # fill an empty store once, not in every process at the same time
            done = subprocess.run(
                [sys.executable, "-m", "pipeline", "bootstrap"],
                cwd=PROJECT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=self._log("bootstrap"),
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
            if done.returncode != 0:
                raise ClusterError(f"filling the store failed{self.tail('bootstrap')}")
        for number, port in enumerate(self.backend_ports, start=1):
            address = self.address if self.processes == 1 else "127.0.0.1"
            command = [
                sys.executable,
                "-m",
                "ui.serve",
                f"--server.port={port}",
                f"--server.address={address}",
                "--server.headless=true",
                *self.server_options,
            ]
            self.servers.append(self._spawn(command, f"process{number}"))
        deadline = time.monotonic() + timeout
        # The proxy starts once every process answers: it takes a process that fails its first checks for down,
        # and would send every session of the first seconds to the others.
        self.wait_until_healthy(deadline, self.backend_ports)
        if self.processes > 1 and haproxy is not None:
            config = self.run_dir / "haproxy.cfg"
            config.write_text(
                haproxy_config(bind=f"{self.address}:{self.port}", backends=self.backend_ports), encoding="utf-8"
            )
            self.proxy = self._spawn([haproxy, "-f", str(config), "-db"], "haproxy")
            self.wait_until_healthy(deadline, [self.port])
        return self

    def wait_until_healthy(self, deadline: float, ports: Sequence[int]) -> None:
        """Each of ``ports`` answers its health check before ``deadline`` (``time.monotonic()``)."""
        for port in ports:
            while not healthy(f"http://127.0.0.1:{port}"):
                self.check_running()
                if time.monotonic() > deadline:
                    raise ClusterError(f"127.0.0.1:{port} did not answer in time{self.tail()}")
                time.sleep(0.2)

    def check_running(self) -> None:
        for number, process in enumerate(self.servers, start=1):
            if process.poll() is not None:
                raise ClusterError(f"process {number} ended with {process.returncode}{self.tail(f'process{number}')}")
        if self.proxy is not None and self.proxy.poll() is not None:
            raise ClusterError(f"HAProxy ended with {self.proxy.returncode}{self.tail('haproxy')}")

    def tail(self, name: str = "process1", lines: int = 30) -> str:
        for handle in self._logs:
            handle.flush()
        path = self.run_dir / f"{name}.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        last = "\n".join(text.splitlines()[-lines:])
        return f"\n--- last lines of {path} ---\n{last}" if last else ""

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the proxy and every process (their process groups), SIGKILL to any that lingers."""
        processes = [*([self.proxy] if self.proxy else []), *self.servers]
        self.proxy, self.servers = None, []
        for process in processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
        for handle in self._logs:
            handle.close()
        self._logs = []

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="server processes (default: cores)")
    parser.add_argument("--port", type=int, default=8501, help="where readers connect (default 8501)")
    parser.add_argument("--address", default="0.0.0.0", help="the address listened on (default 0.0.0.0)")
    parser.add_argument("--backend-port", type=int, default=None, help="the first process's port (default PORT+10)")
    parser.add_argument("--run-dir", type=Path, default=None, help="logs and the proxy's configuration")
    parser.add_argument("streamlit_options", nargs="*", help="passed to every `python -m ui.serve`")
    args = parser.parse_args(argv)
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="dashboard-cluster-"))
    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    cluster = Cluster(
        processes=args.processes,
        port=args.port,
        address=args.address,
        backend_port=args.backend_port,
        run_dir=run_dir,
        server_options=args.streamlit_options,
    )
    try:
        with cluster:
            print(
                f"{args.processes} process(es) on {cluster.url} (ports {cluster.backend_ports}); logs in {run_dir}",
                file=sys.stderr,
            )
            while not stopping:
                cluster.check_running()
                time.sleep(0.5)
    except ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
