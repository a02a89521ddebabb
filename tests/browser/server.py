"""Start the dashboard as a real Streamlit server for browser tests and benchmarks.

:class:`AppServer` runs ``python -m ui.serve`` (the launcher ``make run`` uses: ``streamlit run app.py``
with the page libraries imported first, the security headers and the cache-clearing guard) on 127.0.0.1
on a free port with its own data folder, waits until the health endpoint answers, and stops the
whole process group on exit. It imports neither pytest nor Playwright, so the
benchmarks in ``bench/`` use it too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

PROJECT = Path(__file__).resolve().parents[2]

#: Small enough that the first start builds the sample store in seconds.
TEST_SAMPLE_SCALE = "0.03"

#: Settings from the caller's environment that must not leak into a test server
#: (a real database, say); the server always gets its own data folder.
_ISOLATED_SETTINGS = ("DASHBOARD_DATABASE_URL", "DASHBOARD_DATA_DIR", "DASHBOARD_SAMPLE_SCALE")


class AppServerError(RuntimeError):
    """The server did not start, or stopped answering; the message ends with the tail of its log."""


def chromium_executable() -> str | None:
    """Debian's Chromium, or None when it is not installed (browser tests then skip)."""
    return shutil.which("chromium")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class AppServer:
    """One dashboard server process (``python -m ui.serve``).

    >>> with AppServer(data_dir=tmp, log_path=tmp / "server.log") as server:  # doctest: +SKIP
    ...     server.wait_until_healthy()
    ...     print(server.url)
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        log_path: Path,
        sample_scale: str = TEST_SAMPLE_SCALE,
        port: int | None = None,
        project: Path = PROJECT,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.log_path = log_path
        self.sample_scale = sample_scale
        self.port = port or free_port()
        self.project = project
        self.extra_env = dict(extra_env or {})
        self.url = f"http://127.0.0.1:{self.port}"
        self.started_at: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # -- life cycle -----------------------------------------------------------------

    def start(self) -> Self:
        if self._process is not None:
            raise AppServerError(f"the server on {self.url} is already running")
        env = {key: value for key, value in os.environ.items() if key not in _ISOLATED_SETTINGS}
        env |= {
            "DASHBOARD_DATA_DIR": str(self.data_dir),
            "DASHBOARD_SAMPLE_SCALE": self.sample_scale,
            "PYTHONUNBUFFERED": "1",
        }
        env |= self.extra_env
        command = [
            sys.executable,
            "-m",
            "ui.serve",
            f"--server.port={self.port}",
            "--server.address=127.0.0.1",
            "--server.headless=true",
            # Others edit the checkout while the tests run: never reload on a save.
            "--server.fileWatcherType=none",
            "--server.runOnSave=false",
            "--browser.gatherUsageStats=false",
        ]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self.started_at = time.perf_counter()
        self._process = subprocess.Popen(
            command,
            cwd=self.project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        if self._process is None:
            raise AppServerError("the server has not been started")
        return self._process.pid

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def wait_until_healthy(self, timeout: float = 60.0) -> float:
        """Poll ``/_stcore/health`` until it answers ``ok``; returns the seconds since :meth:`start`."""
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if not self.is_running():
                raise AppServerError(f"the server exited with code {self._exit_code()} before it answered{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return time.perf_counter() - (self.started_at or time.perf_counter())
                    last_error = f"status {response.status}"
            except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                last_error = str(exc)
            time.sleep(0.1)
        raise AppServerError(
            f"{self.url}/_stcore/health did not answer ok within {timeout:.0f} s ({last_error}){self.tail()}"
        )

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM to the server's process group, SIGKILL if it lingers; closes the log."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=timeout)
        elif process is not None:
            process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- diagnostics ---------------------------------------------------------------

    def tail(self, lines: int = 40) -> str:
        """The last lines of the server log, formatted to end an error message."""
        if self._log is not None:
            self._log.flush()
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        last = "\n".join(text.splitlines()[-lines:])
        return f"\n--- last lines of {self.log_path.name} ---\n{last}" if last else ""

    def log_text(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def memory_bytes(self) -> int:
        """Resident memory of the server and all its children now (needs psutil)."""
        import psutil

        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def _exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()
