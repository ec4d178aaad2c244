"""The embedded scheduler of `skpflow serve`: a local Prefect server and a `skpflow worker`, as child processes.

Prefect's temporary in-process server runs no scheduler, so served schedules need a real one; on one machine
`skpflow serve` starts it with its SQLite database under `prefect_home` and stops it on exit. With
`PREFECT_API_URL` set, the server is someone else's and only the worker is started.

`Scheduler` starts both beside the API, never before it: a fresh Prefect server takes 30–50 s on two busy cores to
import, migrate its database and register its blocks, and the pages must answer meanwhile. It says what it waits
for and when each part is ready.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def _die_with_parent() -> None:
    """In the child before exec: on Linux, SIGTERM when `skpflow serve` dies, even by SIGKILL (no orphans left
    holding the Prefect port or polling for work); elsewhere nothing."""
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _spawn(command: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    """A child in its own process group (stopped as a group), that dies with this process."""
    return subprocess.Popen(command, env=env, start_new_session=True, preexec_fn=_die_with_parent, **kwargs)  # noqa: PLW1509


def prefect_server(home: Path, port: int) -> subprocess.Popen[bytes]:
    """Start `prefect server start` on 127.0.0.1:`port`, its database and log under `home`."""
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": str(home.resolve()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    with (home / "server.log").open("ab") as log:  # the child keeps its own descriptor
        return _spawn(command, env, stdout=log, stderr=subprocess.STDOUT)


def wait_healthy(
    api_url: str,
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = 120.0,
    stop: threading.Event | None = None,
) -> None:
    """Wait until the Prefect API answers its health check; fail early if `process` exits or `stop` is set."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if stop is not None:
            stop.wait(0.5)
        else:
            time.sleep(0.5)
    if stop is not None and stop.is_set():
        raise RuntimeError("stopped before the Prefect API was ready")
    raise RuntimeError(f"the Prefect API at {api_url} did not become healthy within {timeout:.0f} s")


def worker(api_url: str, *args: str) -> subprocess.Popen[bytes]:
    """Start `skpflow worker` against `api_url` (it inherits the skpflow settings of this process)."""
    env = {**os.environ, "PREFECT_API_URL": api_url}
    return _spawn([str(BIN / "skpflow"), "worker", *args], env)


def stop(processes: list[subprocess.Popen[bytes]], grace: float = 15.0) -> None:
    """SIGTERM each child's process group, then SIGKILL what is still alive after `grace` seconds."""
    for p in processes:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for p in processes:
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


class Scheduler:
    """The Prefect server (unless `api_url` names one) and the worker of `skpflow serve`, started in a thread.

    `say` is called with each step (waiting, ready, failed, with the seconds since `started_at`); a Prefect server
    that fails to start is reported and leaves the API serving. `stop` stops what was started, and anything the
    thread would still start.
    """

    def __init__(
        self,
        say: Callable[[str], None],
        *,
        home: Path,
        port: int,
        api_url: str | None,
        started_at: float,
        timeout: float = 300.0,
    ) -> None:
        self._say, self._home, self._port, self._timeout = say, home, port, timeout
        self._own_server = api_url is None
        self.api_url = api_url or f"http://127.0.0.1:{port}/api"
        self._started_at = started_at
        self._children: list[subprocess.Popen[bytes]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skpflow-scheduler", daemon=True)
        self.ready = threading.Event()  # the worker runs (tests and callers may wait on it)

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self._started_at:.1f} s"

    def _keep(self, start: Callable[[], subprocess.Popen[bytes]]) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._stopping.is_set():
                return None
            child = start()
            self._children.append(child)
            return child

    def start(self) -> None:
        """Start the thread that starts the children and stays alive while they run: on Linux a child's
        parent-death signal fires when the *thread* that started it ends, so no short-lived thread may start one."""
        self._thread.start()

    def _run(self) -> None:
        server = None
        if self._own_server:
            log = self._home / "server.log"
            self._say(f"waiting for the local Prefect server on port {self._port} (beside the API; log: {log})")
            server = self._keep(lambda: prefect_server(self._home, self._port))
            if server is None:
                return
        else:
            self._say(f"waiting for the Prefect server at {self.api_url} (PREFECT_API_URL)")
        try:
            wait_healthy(self.api_url, server, timeout=self._timeout, stop=self._stopping)
        except RuntimeError as exc:
            if not self._stopping.is_set():
                self._say(f"[red]the schedules do not run[/red]: {exc}; the API keeps serving")
            self._stopping.wait()
            return
        self._say(f"Prefect server ready after {self._elapsed()}: UI at {self.api_url.removesuffix('/api')}")
        child = self._keep(lambda: worker(self.api_url))
        if child is not None:
            self._say(f"worker started after {self._elapsed()} (pid {child.pid}): the schedules run")
            self.ready.set()
        self._stopping.wait()  # the children's parent thread lives until serve stops them

    def stop(self, grace: float = 15.0) -> None:
        with self._lock:
            self._stopping.set()
            children = list(self._children)
        stop(children, grace)
        if self._thread.is_alive():
            self._thread.join(5)
