"""Scale-out for real: PostgreSQL, a `prefect server` process, and `skpflow worker --pool` as a process worker.

The worker deploys the schedules planned from the running cycle's policy into a process work pool; the test runs
the `enforce-deadlines` deployment through the server, and the worker's flow-run subprocess writes the reminders
to the database. A second run for the same moment sends nothing more.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter
from prefect.client.schemas.objects import FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from api import embedded
from tests.conftest import POSTGRES_URL, _postgres_schema_engine
from tests.integration.test_deadlines import org
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import import_org
from workflows.store.db import upgrade
from workflows.store.tables import DeadlineStep, Outbox
from workflows.store.uow import reading, unit_of_work

pytestmark = pytest.mark.xdist_group("prefect-server")

ROOT = Actor.admin("root")
OPENED = datetime(2026, 1, 5, 9, tzinfo=UTC)
AS_OF = "2026-01-31T16:00:00+00:00"  # the agreement deadline's notice is due in WIB; reminders are past
DEPLOYMENT = "enforce-deadlines/Asia-Jakarta 0 7 * * *"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    server = embedded.prefect_server(tmp_path_factory.mktemp("prefect-home"), port)
    try:
        api = f"http://127.0.0.1:{port}/api"
        embedded.wait_healthy(api, server, timeout=180)
        with temporary_settings({PREFECT_API_URL: api}):
            yield api
    finally:
        embedded.stop([server])


@pytest.fixture
def postgres() -> Iterator[tuple[Engine, str]]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    db = _postgres_schema_engine(schema)
    upgrade(db)
    try:
        yield db, f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        db.dispose()
        admin = _postgres_schema_engine("public")
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _running_cycle(db: Engine) -> int:
    with unit_of_work(db) as s:
        instansi_id = import_org(s, org(), actor=ROOT, now=OPENED).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=OPENED)
        made = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=OPENED
        )
    cycle.open_cycle(lambda: Session(db, expire_on_commit=False), made.id, actor=ROOT, now=OPENED)
    return made.id


def _counts(db: Engine) -> tuple[int, int]:
    with reading(db) as s:
        return (
            s.scalar(select(func.count()).select_from(Outbox)) or 0,
            s.scalar(select(func.count()).select_from(DeadlineStep)) or 0,
        )


async def _deployment_id(name: str, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    async with get_client() as client:
        while True:
            try:
                return (await client.read_deployment_by_name(name)).id
            except Exception:  # not deployed yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


def _run(name: str) -> FlowRun:
    """Run the deployment through the server and wait for the worker to finish it."""
    done = run_deployment(name, parameters={"as_of": AS_OF}, timeout=180)
    assert isinstance(done, FlowRun)
    return done


def test_enforce_deadlines_runs_as_a_deployment_on_a_process_worker(
    prefect_api: str, postgres: tuple[Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, url = postgres
    cycle_id = _running_cycle(db)
    monkeypatch.setenv("SKPFLOW_DATABASE_URL", url)
    monkeypatch.setenv("PREFECT_WORKER_QUERY_SECONDS", "1")
    monkeypatch.delenv("SKPFLOW_NOTIFY_URL", raising=False)
    pool = f"skpflow-{uuid.uuid4().hex[:6]}"
    worker = embedded.worker(prefect_api, "--pool", pool)
    try:
        import asyncio

        deployment_id = asyncio.run(_deployment_id(DEPLOYMENT, timeout=90))
        assert worker.poll() is None, "the worker exited"
        assert _counts(db) == (0, 0)

        first = _run(DEPLOYMENT)
        assert first.state is not None and first.state.is_completed(), first.state
        after_first = _counts(db)
        assert after_first[0] > 0 and after_first[1] > 0
        with reading(db) as s:
            zones = set(
                s.scalars(text("SELECT DISTINCT u.timezone FROM deadlinestep d JOIN unit u ON u.id = d.unit_id"))
            )
        assert zones <= {"Asia/Jakarta", None}  # the deployment is the WIB one: the WIT unit waits for its own

        second = _run(DEPLOYMENT)
        assert second.state is not None and second.state.is_completed(), second.state
        assert _counts(db) == after_first  # the same moment again sends and records nothing more

        async def runs() -> list[Any]:
            async with get_client() as client:
                return await client.read_flow_runs(
                    deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                    flow_run_filter=FlowRunFilter(),
                    sort=FlowRunSort.START_TIME_DESC,
                    limit=50,
                )

        done = [r for r in asyncio.run(runs()) if r.state and r.state.is_completed()]
        assert {r.id for r in done} == {first.id, second.id}
        assert all(r.parameters["zone"] == "Asia/Jakarta" and r.parameters["cron"] == "0 7 * * *" for r in done)
        assert cycle_id
    finally:
        embedded.stop([worker])
    assert worker.returncode is not None


def test_worker_refuses_to_start_without_a_prefect_server(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path)
    done = subprocess.run(
        [str(embedded.BIN / "skpflow"), "worker"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "PREFECT_API_URL is not set" in done.stdout
