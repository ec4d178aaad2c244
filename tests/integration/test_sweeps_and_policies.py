"""A batch sweep killed between chunks resumes to the same end; policies are pinned and re-pinned explicitly."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.loader import load_preset, policy_from_dict
from states.errors import InvalidInput
from states.skp import SKP, SkpFacts
from tests.integration.org import open_small_cycle
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.store.tables import AuditEvent, Cycle, Skp
from workflows.store.uow import reading, unit_of_work

ROOT, SYSTEM = Actor.admin("root"), Actor.scheduler("sweep")
CASCADABLE = SkpFacts(top_jpt=True)


def opened_cycle(db: Engine, now: datetime) -> tuple[int, list[int]]:
    cycle_id = open_small_cycle(db, now)
    with reading(db) as s:
        return cycle_id, [i for i in s.scalars(select(col(Skp.id)).order_by(col(Skp.id))) if i]


class Killed(Exception):
    pass


def test_a_sweep_killed_between_chunks_resumes_exactly_once(db: Engine, now: datetime) -> None:
    _, ids = opened_cycle(db, now)
    seen: list[int] = []

    def dies_in_the_second_chunk(skp_id: int) -> SkpFacts:
        seen.append(skp_id)
        if len(seen) == 3:
            raise Killed
        return CASCADABLE

    with pytest.raises(Killed):
        engine.fire_many(
            lambda: Session(db),
            SKP,
            "skp",
            "cascade",
            ids,
            instansi_id=1,
            actor=SYSTEM,
            now=now,
            facts=dies_in_the_second_chunk,
            chunk=2,
        )
    with reading(db) as s:  # the first chunk committed, the second left nothing behind
        assert sorted(s.scalars(select(col(Skp.state)))) == ["cascaded"] * 2 + ["drafted"] * 4
    rerun = engine.fire_many(
        lambda: Session(db), SKP, "skp", "cascade", ids, instansi_id=1, actor=SYSTEM, now=now, facts=CASCADABLE, chunk=2
    )
    assert (len(rerun.fired), len(rerun.refused)) == (4, 2)  # the two already moved are refused, not re-fired
    with reading(db) as s:
        assert set(s.scalars(select(col(Skp.state)))) == {"cascaded"}
        per_skp = s.execute(
            select(col(AuditEvent.entity_id), func.count())
            .where(col(AuditEvent.trigger) == "cascade")
            .group_by(col(AuditEvent.entity_id))
        ).all()
        assert sorted(n for _, n in per_skp) == [1] * 6
        assert audit.verify(s).ok


def test_a_policy_version_is_immutable_and_re_pinning_is_a_dry_run_first(db: Engine, now: datetime) -> None:
    cycle_id, _ = opened_cycle(db, now)
    preset = load_preset("permenpanrb-6-2022")
    with pytest.raises(InvalidInput, match="immutable"), unit_of_work(db) as s:
        policy_store.store(
            s, preset.model_copy(update={"description": "edited"}), instansi_id=None, created_by="root", now=now
        )
    overlay = {
        "name": "kab-contoh",
        "version": "2026.1",
        "base": "permenpanrb-6-2022",
        "overrides": {"distribution": {"mode": "soft"}},
    }
    soft = policy_from_dict(overlay, load_preset)
    with unit_of_work(db) as s:
        target = policy_store.store(s, soft, instansi_id=None, created_by="root", now=now).id
        assert target is not None
        report = cycle.migrate_policy(s, cycle_id, target, actor=ROOT, now=now, dry_run=True)
    assert "distribution.mode" in [c.path for c in report.changes]
    assert not report.applied
    with reading(db) as s:
        pinned = s.get_one(Cycle, cycle_id)
        assert pinned.policy_version_id != target
        events_before = s.scalar(select(func.count()).where(col(AuditEvent.entity_type) == "cycle"))
    with unit_of_work(db) as s:
        assert cycle.migrate_policy(s, cycle_id, target, actor=ROOT, now=now, dry_run=False).applied
    with reading(db) as s:
        assert s.get_one(Cycle, cycle_id).policy_version_id == target
        last = s.scalars(
            select(AuditEvent).where(col(AuditEvent.entity_type) == "cycle").order_by(col(AuditEvent.seq).desc())
        ).first()
        assert last is not None and last.trigger == "migrate_policy"
        assert s.scalar(select(func.count()).where(col(AuditEvent.entity_type) == "cycle")) == (events_before or 0) + 1
