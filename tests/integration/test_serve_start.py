"""`skpflow serve` on a seeded demo answers at once: it does not wait for the Prefect server before listening.

Measured (README, `make run`): a fresh local Prefect server takes 30–50 s on two busy cores before its health check
answers (imports, its own migrations, block registration), and nothing at start scales with the demo's size. So the
test starts serve with its real local Prefect server on a fresh home and checks that the pages answered while that
server did not yet; then that the server and the worker come up beside the API, each announced, and go with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from api.embedded import BIN
from tests.integration.test_notify import free_port

pytestmark = pytest.mark.slow

BOUND = 90.0  # seconds from the command's start to the first answer: generous for two shared cores


def _answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _children(pid: int) -> list[int]:
    """The children of every thread of `pid` (Linux lists them per thread)."""
    return [int(p) for task in Path(f"/proc/{pid}/task").iterdir() for p in (task / "children").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not reaped yet
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_serve_on_a_seeded_demo_answers_without_waiting_for_prefect(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SKPFLOW_DATABASE_URL": f"sqlite:///{tmp_path}/skpflow.db",
        "SKPFLOW_SECRET_FILE": str(tmp_path / "secret.key"),
        "SKPFLOW_PREFECT_HOME": str(tmp_path / "prefect"),
        "SKPFLOW_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "SKPFLOW_ADMIN_USER": "admin",
        "SKPFLOW_ADMIN_PASSWORD": "admin-demo-2026",
        "SKPFLOW_DEMO": "true",  # as `make run` sets it
        "COLUMNS": "200",  # one table row per line
    }
    env.pop("PREFECT_API_URL", None)  # serve starts its own Prefect server
    seeded = subprocess.run(
        [str(BIN / "skpflow"), "seed-demo", "--pegawai", "300", "--agreed-levels", "2"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stdout + seeded.stderr
    assert "planned and agreed the SKPs of the penilai chain's top levels (level 1: 1, level 2:" in seeded.stdout

    port, prefect_port = free_port(), free_port()
    started = time.monotonic()
    serve = subprocess.Popen(
        [str(BIN / "skpflow"), "serve", "--port", str(port), "--prefect-port", str(prefect_port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    assert serve.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(serve.stdout or []), daemon=True)
    reader.start()
    try:
        status = None
        while status is None and time.monotonic() - started < BOUND and serve.poll() is None:
            status = _answers(f"http://127.0.0.1:{port}/ui/login")
            time.sleep(0.2)
        took = time.monotonic() - started
        assert status == 200, f"no answer after {took:.0f} s:\n{''.join(lines)}"
        assert _answers(f"http://127.0.0.1:{prefect_port}/api/health") != 200, "Prefect was ready first: no proof"
        assert "Prefect server ready" not in "".join(lines)
        deadline = time.monotonic() + 300  # then Prefect and the worker come up beside the API
        while "worker started" not in "".join(lines) and time.monotonic() < deadline and serve.poll() is None:
            time.sleep(0.5)
        assert serve.poll() is None, "".join(lines)
        time.sleep(5)  # the children live on (a child started by a thread that ended gets its parent-death signal)
        assert _answers(f"http://127.0.0.1:{port}/health") == 200
        assert _answers(f"http://127.0.0.1:{prefect_port}/api/health") == 200
        children = _children(serve.pid)
        assert len(children) == 2 and all(_alive(pid) for pid in children), children  # Prefect server, worker
    finally:
        os.killpg(serve.pid, signal.SIGTERM)  # what a supervisor sends
        serve.wait(60)
        reader.join(10)
        serve.stdout.close()
    out = "".join(lines)
    assert serve.returncode == 128 + signal.SIGTERM, out
    assert not any(_alive(pid) for pid in children), out  # stopping serve stops both
    assert f"web UI:     http://127.0.0.1:{port}/ui" in out
    assert f"API docs:   http://127.0.0.1:{port}/docs" in out
    assert f"Prefect UI: http://127.0.0.1:{prefect_port}" in out
    assert f"waiting for the local Prefect server on port {prefect_port}" in out  # it says what it waits for
    order = [out.index(step) for step in ("API and web UI ready", "Prefect server ready", "worker started")]
    assert order == sorted(order), out
    logins = [line for line in out.splitlines() if "│" in line]
    assert any("admin" in line and "admin-demo-2026" in line for line in logins), out
    assert any("Sekretaris Daerah" in line and "│ demo" in line for line in logins), out
