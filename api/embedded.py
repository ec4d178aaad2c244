"""The embedded scheduler of `skpflow serve`: a local Prefect server and a `skpflow worker`, as child processes.

Prefect's temporary in-process server runs no scheduler, so served schedules need a real one; on one machine
`skpflow serve` starts it with its SQLite database under `prefect_home` and stops it on exit. With
`PREFECT_API_URL` set, the server is someone else's and only the worker is started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def wait_healthy(api_url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 120.0) -> None:
    """Wait until the Prefect API answers its health check; fail early if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the Prefect server exited with {process.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
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
