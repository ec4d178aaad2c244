"""The schedule plan: the running cycles' policies decide when each workflow runs, in each zone their units use."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from policies.loader import load_preset
from policies.schema import Schedules
from tests.integration.org import small_org
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import import_org
from workflows.flows import scheduler, schedules
from workflows.flows.schedules import Planned
from workflows.store.uow import reading, unit_of_work

ROOT = Actor.admin("root")
WORKFLOWS = {"open-period", "close-period", "enforce-deadlines", "close-assessment", "dispatch-follow-up"}


def _instansi(db: Engine, now: datetime, code: str, zones: dict[str, str | None]) -> int:
    data = small_org().model_dump(mode="json")
    data["instansi"]["code"] = code
    for u in data["units"]:
        u["code"] = f"{code}-{u['code']}"
        u["parent_code"] = u["parent_code"] and f"{code}-{u['parent_code']}"
        u["timezone"] = zones.get(u["code"].removeprefix(f"{code}-"))
        u["head_nip"] = None
    for i, p in enumerate(data["pegawai"]):
        p["unit_code"] = f"{code}-{p['unit_code']}"
        p["nip"] = p["nip"][:-3] + f"{ord(code[-1]) % 10}{i:02d}"  # one NIP per person across the instansi
        p["atasan_nip"] = None
        p["password"] = None
    with unit_of_work(db) as s:
        return import_org(s, type(small_org()).model_validate(data), actor=ROOT, now=now).instansi_id


def _cycle(
    db: Engine, now: datetime, instansi_id: int, schedule: Schedules | None = None, *, open_it: bool = True
) -> int:
    with unit_of_work(db) as s:
        policy = load_preset("permenpanrb-6-2022")
        if schedule is not None:
            policy = policy.model_copy(update={"name": f"own-{instansi_id}", "schedules": schedule})
        pv = policy_store.store(s, policy, instansi_id=instansi_id, created_by="test", now=now)
        made = cycle.create(
            s,
            instansi_id=instansi_id,
            year=2026,
            name=f"SKP {instansi_id} {open_it}",
            policy_version_id=pv.id,
            actor=ROOT,
            now=now,
        )
    if open_it:
        # an organisation without heads or atasan: nobody has a penilai, which the quality gate blocks; HR forces it
        cycle.open_cycle(lambda: Session(db, expire_on_commit=False), made.id, actor=ROOT, now=now, force=True)
    return made.id


def test_one_entry_per_workflow_zone_and_cron_over_the_running_cycles(db: Engine, now: datetime) -> None:
    a = _instansi(db, now, "KAB-A", {"PEMDA": "Asia/Jakarta", "DINKES-YANKES": "WIT"})
    b = _instansi(db, now, "KAB-B", {})
    early = Schedules(enforce_deadlines="30 6 * * 1-5")
    cycle_a = _cycle(db, now, a)
    cycle_b = _cycle(db, now, b, early)
    _cycle(db, now, b, open_it=False)  # planned, not running: nothing to schedule for it
    with reading(db) as s:
        plan = schedules.plan(s)
    by_key = {(p.workflow, p.zone, p.cron): p.cycles for p in plan}
    preset = load_preset("permenpanrb-6-2022").schedules
    for workflow in WORKFLOWS:
        assert by_key[(workflow, "Asia/Jayapura", preset.cron(workflow))] == (cycle_a,)
        jakarta = by_key[(workflow, "Asia/Jakarta", preset.cron(workflow))]
        assert jakarta == ((cycle_a,) if workflow == "enforce-deadlines" else (cycle_a, cycle_b))
    assert by_key[("enforce-deadlines", "Asia/Jakarta", "30 6 * * 1-5")] == (cycle_b,)
    assert len(plan) == 2 * len(WORKFLOWS) + 1
    assert plan == sorted(plan)

    with reading(db) as s:
        assert schedules.cycles_to_sweep(s, "enforce-deadlines", cron="30 6 * * 1-5") == [cycle_b]
        assert schedules.cycles_to_sweep(s, "enforce-deadlines", cron=preset.enforce_deadlines) == [cycle_a]
        assert schedules.cycles_to_sweep(s, "enforce-deadlines") == [cycle_a, cycle_b]
        assert schedules.cycles_to_sweep(s, "close-period") == []  # both still drafting


def test_nothing_runs_without_a_running_cycle(db: Engine, now: datetime) -> None:
    _cycle(db, now, _instansi(db, now, "KAB-C", {}), open_it=False)
    with reading(db) as s:
        assert schedules.plan(s) == []


def test_each_entry_becomes_a_deployment_with_its_cron_in_its_zone() -> None:
    plan = [
        Planned("enforce-deadlines", "Asia/Jayapura", "0 7 * * *", (1,)),
        Planned("close-period", "Asia/Jakarta", "20 0 * * *", (1, 2)),
    ]
    every = {"deliver-notifications": timedelta(minutes=5), "seal-audit": timedelta(hours=1)}
    made = asyncio.run(scheduler.deployments(plan, every=every))
    seen = {
        (d.name, d.entrypoint, d.schedules[0].schedule.cron, d.schedules[0].schedule.timezone)  # type: ignore[union-attr]
        for d in made[:2]
        if d.schedules
    }
    assert seen == {
        ("Asia-Jayapura 0 7 * * *", "workflows.flows.enforce_deadlines", "0 7 * * *", "Asia/Jayapura"),
        ("Asia-Jakarta 20 0 * * *", "workflows.flows.close_period", "20 0 * * *", "Asia/Jakarta"),
    }
    assert made[0].parameters == {"zone": "Asia/Jayapura", "cron": "0 7 * * *"}
    assert made[2].entrypoint == "workflows.flows.deliver_notifications"
    assert made[2].schedules and made[2].schedules[0].schedule.interval == timedelta(minutes=5)  # type: ignore[union-attr]
    assert made[3].entrypoint == "workflows.flows.seal_audit"
    assert made[3].schedules and made[3].schedules[0].schedule.interval == timedelta(hours=1)  # type: ignore[union-attr]
    assert scheduler.keys(plan, {}) == {
        ("enforce-deadlines", "Asia-Jayapura 0 7 * * *"),
        ("close-period", "Asia-Jakarta 20 0 * * *"),
    }
    assert len(asyncio.run(scheduler.deployments(plan, every={}))) == 2


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "Asia/Jayapura"])
def test_the_deployment_name_is_stable(zone: str) -> None:
    one = Planned("open-period", zone, "10 0 * * *", (1,))
    other = Planned("open-period", zone, "10 0 * * *", (1, 2, 3))
    assert one == other and one.name == other.name and "/" not in one.name
