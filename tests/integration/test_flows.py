"""The Prefect flows for real (prefect_test_harness): one flow run per sweep and a task run per cycle, whatever
the number of SKPs, and a rerun for the same moment changes nothing. The logic they call is tested directly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.sorting import TaskRunSort
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.roles import Role
from states.skp import SKP, SkpFacts
from workflows import cycle, engine, flows, policy_store
from workflows.actors import Actor
from workflows.db import make_engine, upgrade
from workflows.demo import generate_kabupaten
from workflows.organisation import import_org
from workflows.settings import get_settings
from workflows.tables import AuditEvent, Evaluation, Skp
from workflows.uow import reading, unit_of_work

pytestmark = pytest.mark.xdist_group("prefect")  # one Prefect test server for the module, on one worker

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ROOT = Actor.admin("root")
READY = SkpFacts(proposed=True, rhk_utama=1, top_jpt=True, cycle_state="drafting")  # guards met, for the setup


@pytest.fixture(scope="module")
def harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


def _monitoring_cycle(db: Engine, pegawai: int, name: str) -> int:
    """A cycle in monitoring whose SKPs are all agreed (the guards met by fiat: this tests the flow, not them)."""
    with unit_of_work(db) as s:
        payload = generate_kabupaten(pegawai=pegawai, seed=pegawai, name=name)
        instansi_id = import_org(s, payload, actor=ROOT, now=START).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=START)
        made = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=START
        )
    cycle.open_cycle(lambda: Session(db, expire_on_commit=False), made.id, actor=ROOT, now=START)
    with reading(db) as s:
        ids = [i for i in s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == made.id)) if i]
    for trigger, role in (("cascade", Role.SYSTEM), ("agree", Role.PENILAI)):
        moved = engine.fire_many(
            lambda: Session(db),
            SKP,
            "skp",
            trigger,
            ids,
            instansi_id=instansi_id,
            actor=ROOT,
            now=START,
            facts=READY,
            role=role,
        )
        assert len(moved.fired) == len(ids)
    with unit_of_work(db) as s:
        cycle.fire(s, made.id, "start_monitoring", actor=ROOT, now=START)
    return made.id


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path}/flows.db"
    monkeypatch.setenv("SKPFLOW_DATABASE_URL", url)
    get_settings.cache_clear()
    db = make_engine(url)
    upgrade(db)
    yield db
    db.dispose()
    get_settings.cache_clear()


def _runs() -> tuple[int, int]:
    with get_client(sync_client=True) as client:
        return client.count_flow_runs(), len(client.read_task_runs(sort=TaskRunSort.ID_DESC, limit=200))


def test_open_period_is_one_flow_run_whatever_the_size(harness: None, database: Engine) -> None:
    small = _monitoring_cycle(database, 8, "Kabupaten Kecil")
    large = _monitoring_cycle(database, 120, "Kabupaten Besar")
    as_of = datetime(2026, 2, 2, 1, 0, tzinfo=UTC)
    counts = []
    for cycle_id in (small, large):
        before = _runs()
        result = flows.open_period(as_of=as_of, cycle_id=cycle_id, period=1)
        after = _runs()
        counts.append((after[0] - before[0], after[1] - before[1]))
        (swept,) = result["cycles"]
        assert swept["cycles"][0]["opened"]["opened"] == (8 if cycle_id == small else 120)
    assert counts == [(1, 1), (1, 1)]  # one flow run and one task run for 8 SKPs and for 120

    with reading(database) as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent))
    again = flows.open_period(as_of=as_of, period=1)  # every cycle in monitoring, same moment: nothing more
    assert [c["cycles"][0]["opened"]["opened"] for c in again["cycles"]] == [0, 0]
    with reading(database) as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events
        assert s.scalar(select(func.count()).select_from(Evaluation)) == 128
