"""The Prefect flows for real (prefect_test_harness): one flow run per sweep and a task run per cycle, whatever
the number of SKPs, and a rerun for the same moment changes nothing. The logic they call is tested directly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from prefect.client.orchestration import get_client
from prefect.client.schemas.sorting import TaskRunSort
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.roles import Role
from states.skp import SKP, SkpFacts
from tests.integration.test_notify import Sink, free_port
from workflows import engine, flows
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import OrgImport, import_org
from workflows.simulation.demo import generate_kabupaten
from workflows.store.db import make_engine, upgrade
from workflows.store.passwords import DEMO
from workflows.store.settings import get_settings
from workflows.store.tables import AuditEvent, DeadlineStep, Evaluation, FollowUpCase, Outbox, Skp
from workflows.store.uow import reading, unit_of_work

pytestmark = pytest.mark.xdist_group("prefect")  # one Prefect test server for the module, on one worker

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ROOT = Actor.admin("root")
READY = SkpFacts(proposed=True, rhk_utama=1, top_jpt=True, cycle_state="drafting")  # guards met, for the setup


@pytest.fixture(scope="module")
def harness() -> Iterator[None]:
    with prefect_test_harness(server_startup_timeout=120):
        yield


def _monitoring_cycle(db: Engine, pegawai: int, name: str, *, emails: bool = False) -> int:
    """A cycle in monitoring whose SKPs are all agreed (the guards met by fiat: this tests the flow, not them)."""
    with unit_of_work(db) as s:
        payload = generate_kabupaten(pegawai=pegawai, seed=pegawai, name=name)
        if emails:
            data = payload.model_dump(mode="json")
            for p in data["pegawai"]:
                p["email"], p["password"] = f"{p['nip']}@contoh.go.id", None
            payload = OrgImport.model_validate(data)
        instansi_id = import_org(s, payload, actor=ROOT, now=START, passwords=DEMO).instansi_id  # the demo's `demo`
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


def _counts(db: Engine) -> dict[str, int]:
    with reading(db) as s:
        return {
            t.__name__: s.scalar(select(func.count()).select_from(t)) or 0
            for t in (AuditEvent, Evaluation, DeadlineStep, Outbox, FollowUpCase)
        }


def test_every_flow_run_twice_for_the_same_moment_does_nothing_the_second_time(
    harness: None, database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _monitoring_cycle(database, 40, "Kabupaten Dua Kali", emails=True)
    sink, port = Sink(), free_port()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    monkeypatch.setenv("SKPFLOW_NOTIFY_URL", f"mailto://127.0.0.1:{port}?from=skpflow@contoh.go.id")
    get_settings.cache_clear()
    try:
        flows.open_period(as_of=datetime(2026, 1, 10, 1, tzinfo=UTC))  # January opens; nobody reports realisasi
        # January's realisasi is overdue and escalated, its evaluation is due; January closes only on 19 February
        as_of = datetime(2026, 2, 12, 1, tzinfo=UTC)

        def the_day() -> None:
            flows.close_period(as_of=as_of)
            flows.open_period(as_of=as_of)
            flows.enforce_deadlines(as_of=as_of)
            flows.close_assessment(as_of=as_of)
            flows.dispatch_follow_up(as_of=as_of)
            flows.deliver_notifications(as_of=as_of)

        the_day()
        first, mailed = _counts(database), len(sink.messages)
        assert first["DeadlineStep"] > 0 and first["Outbox"] > 0 and mailed > 0, (first, mailed)
        assert first["Evaluation"] == 80  # January and February for 40 SKPs
        the_day()
        assert (_counts(database), len(sink.messages)) == (first, mailed)
        with reading(database) as s:
            statuses = list(s.scalars(select(col(Outbox.status))))
        assert set(statuses) <= {"sent", "no_address"}  # HR of the demo has no e-mail: named, never sent
        assert statuses.count("sent") == mailed
    finally:
        server.stop()
        get_settings.cache_clear()
