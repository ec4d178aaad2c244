"""The children of `skpflow serve` (the Prefect server, the worker) die with it, even when it is SIGKILLed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from api.embedded import BIN
from tests.integration.test_notify import free_port
from workflows.store.db import make_engine, upgrade

PARENT = """
import sys, time
from api import embedded
child = embedded._spawn(["sleep", "120"], {})
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not reaped yet
        return stat.read().split(") ")[1][0] != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="the parent-death signal is Linux's")
def test_a_child_does_not_outlive_a_killed_serve() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    with parent.stdout:
        child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(child):
        os.kill(child, signal.SIGKILL)
        pytest.fail("the child outlived its parent")


def test_a_worker_without_its_prefect_server_says_so(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
    env["SKPFLOW_DATABASE_URL"] = url = f"sqlite:///{tmp_path}/skpflow.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    done = subprocess.run(
        [str(BIN / "skpflow"), "worker"],
        check=False,
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot reach the Prefect API" in done.stdout and "Traceback" not in done.stdout + done.stderr
