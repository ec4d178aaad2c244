"""`skpflow serve --workers N`, the production setting: N uvicorn worker processes behind one socket on PostgreSQL,
each answering the API (logins included), stopped together on SIGTERM; refused on SQLite, where writers would wait
on one file lock."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from api.embedded import BIN
from tests.conftest import POSTGRES_URL
from tests.integration.test_notify import free_port
from tests.integration.test_serve_start import _alive, _children
from workflows.store.db import make_engine

pytestmark = pytest.mark.slow


def _env(tmp_path: Path, database_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SKPFLOW_DATABASE_URL": database_url,
        "SKPFLOW_SECRET_FILE": str(tmp_path / "secret.key"),
        "SKPFLOW_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "SKPFLOW_ADMIN_USER": "admin",
        "SKPFLOW_ADMIN_PASSWORD": "admin-workers-2026",
    }
    env.pop("PREFECT_API_URL", None)
    return env


def test_several_workers_are_refused_on_sqlite(tmp_path: Path) -> None:
    refused = subprocess.run(
        [str(BIN / "skpflow"), "serve", "--workers", "2", "--no-scheduler", "--port", str(free_port())],
        env=_env(tmp_path, f"sqlite:///{tmp_path}/skpflow.db"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "--workers 2 needs PostgreSQL" in refused.stdout


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the process tree from /proc")
def test_two_workers_serve_the_api_on_postgresql_and_stop_together(tmp_path: Path) -> None:
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    port = free_port()
    serve = subprocess.Popen(
        [str(BIN / "skpflow"), "serve", "--workers", "2", "--no-scheduler", "--no-seal", "--port", str(port)],
        env=_env(tmp_path, url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert serve.poll() is None and time.monotonic() < deadline, "serve --workers 2 never answered"
            time.sleep(0.2)
        workers = _children(serve.pid)
        assert len([p for p in workers if _alive(p)]) >= 2, workers  # the supervisor's worker processes
        for _ in range(6):  # any worker logs in and reads: the presets were pinned once, before they started
            token = httpx.post(
                f"{base}/auth/token", data={"username": "admin", "password": "admin-workers-2026"}, timeout=10
            )
            assert token.status_code == 200, token.text
            listed = httpx.get(f"{base}/policies", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
            assert listed.status_code == 200 and listed.json()["items"], listed.text
    finally:
        serve.send_signal(signal.SIGTERM)
        out, _ = serve.communicate(timeout=60)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    assert "2 worker processes serve the API" in out, out
    assert "API and web UI ready" in out, out
    assert not [p for p in workers if _alive(p)], "a worker outlived serve"
