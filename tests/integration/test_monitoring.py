"""Monitoring a cycle as HR and a unit head check it: per unit who has not planned, proposed, been agreed,
submitted realisasi or been rated; the agreement deadline kept on time, late or still pending; each step with the
person it waits on and its due instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import FeedbackPolicy
from states.errors import NotFound, NotPermitted
from tests.integration.org import KABID, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, monitored_cycle, open_cycle, plan
from workflows.actors import Actor
from workflows.cases import evaluations, policy_store, skps
from workflows.cases.evaluations import RealisasiIn
from workflows.cases.feedback import FeedbackIn, add_feedback
from workflows.queries.monitoring import monitoring
from workflows.store.tables import Cycle, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

AGREEMENT_DUE = datetime(2026, 1, 31, 16, 0, tzinfo=UTC)  # 00:00 WITA on 1 February: the units' zone


def _skp_of(s: Session, nip: str) -> int:
    pegawai = s.query(Pegawai).filter_by(nip=nip).one()
    return s.query(Skp).filter_by(pegawai_id=pegawai.id).one().id or 0


def test_what_each_unit_waits_for_while_planning(db: Engine, now: datetime) -> None:
    cycle_id = open_cycle(db, now)
    with unit_of_work(db) as s:
        sekda, kadis = _skp_of(s, SEKDA), _skp_of(s, KADIS)
        ids = {nip: Actor.pegawai(s.query(Pegawai).filter_by(nip=nip).one().id or 0, nip) for nip in (SEKDA, KADIS)}
        skps.save_plan(s, sekda, plan(None), actor=ids[SEKDA], now=now)  # proposed
        unproposed = plan(None).model_copy(update={"propose": False})
        skps.save_plan(s, kadis, unproposed, actor=ids[KADIS], now=now)

    with reading(db) as s:
        seen = monitoring(s, ROOT, cycle_id, now=now)
    by_unit = {u.unit_code: u for u in seen.units}
    assert {code: {k: n for k, n in u.waiting.items() if n} for code, u in by_unit.items()} == {
        "PEMDA": {"agree": 1},
        "DINKES": {"propose": 1},
        "DINKES-P2P": {"plan": 3},
        "DINKES-YANKES": {"plan": 1},
    }
    assert sum(u.pending_on_time for u in seen.units) == 6 and sum(u.pending_late for u in seen.units) == 0
    steps = {w.nip: w for w in seen.waiting}
    assert (steps[SEKDA].step, steps[SEKDA].waits_on_nip) == ("agree", None)  # the Sekda is rated from outside
    assert (steps[KADIS].step, steps[KADIS].waits_on_nip) == ("propose", KADIS)
    assert (steps[STAF2].due, steps[STAF2].overdue) == (AGREEMENT_DUE, False)

    with reading(db) as s:
        late = monitoring(s, ROOT, cycle_id, now=AGREEMENT_DUE + timedelta(days=1))
    assert sum(u.pending_late for u in late.units) == 6 and all(w.overdue for w in late.waiting)
    assert sum(u.overdue for u in late.units) == 6

    with reading(db) as s:
        p2p = monitoring(s, ROOT, cycle_id, now=now, unit="DINKES-P2P")
    assert [u.unit_code for u in p2p.units] == ["DINKES-P2P"] and len(p2p.waiting) == 3


def test_realisasi_and_ratings_of_the_latest_period(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)  # every SKP agreed on 5 January: on time
    evaluations.open_period(lambda: Session(db), cast.cycle_id, 1, actor=SYSTEM, now=now)
    with unit_of_work(db) as s:
        items = [
            {"indikator_id": r.indikator_id, "value": 1}
            for r in evaluations.get_evaluation(s, cast.skps[STAF1], 1, actor=ROOT).realisasi
        ]
        body = RealisasiIn.model_validate({"realisasi": items, "submit": True})
        evaluations.save_realisasi(s, cast.skps[STAF1], 1, body, actor=cast.actors[STAF1], now=now)

        feedback = FeedbackIn.model_validate({"core_value": "KOLABORATIF", "text": "Koordinasi tim KLB sangat baik"})
        add_feedback(s, cast.skps[STAF2], feedback, actor=cast.actors[KABID], now=now)

    with reading(db) as s:
        seen = monitoring(s, ROOT, cast.cycle_id, now=now + timedelta(days=20))
    assert seen.period_no == 1
    # dialog kinerja: policy feedback.every_weeks is off in the preset, so any umpan balik in the cycle counts
    coverage = {u.unit_code: (u.with_feedback, u.agreed) for u in seen.units}
    assert (coverage["DINKES-P2P"], coverage["DINKES"], seen.feedback_since) == ((1, 3), (0, 1), None)
    with unit_of_work(db) as s:  # an instansi that expects umpan balik every 2 weeks
        preset = policy_store.cycle_policy(s, s.get_one(Cycle, cast.cycle_id))
        routine = preset.model_copy(update={"name": "routine", "feedback": FeedbackPolicy(every_weeks=2)})
        pinned = policy_store.store(s, routine, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))
    with reading(db) as s:
        within = monitoring(s, ROOT, cast.cycle_id, now=now + timedelta(days=13))
        lapsed = monitoring(s, ROOT, cast.cycle_id, now=now + timedelta(days=15))
    assert [u.with_feedback for u in within.units if u.unit_code == "DINKES-P2P"] == [1]
    assert [u.with_feedback for u in lapsed.units if u.unit_code == "DINKES-P2P"] == [0]
    assert lapsed.feedback_since == now + timedelta(days=1)
    assert sum(u.agreed_on_time for u in seen.units) == 6 and sum(u.agreed_late for u in seen.units) == 0
    steps = {w.nip: w for w in seen.waiting}
    assert (steps[STAF1].step, steps[STAF1].waits_on_nip) == ("evaluate", KABID)
    assert (steps[STAF2].step, steps[STAF2].waits_on_nip) == ("realisasi", STAF2)
    assert sum(u.waiting["realisasi"] for u in seen.units) == 5

    with reading(db) as s:  # the kepala bidang watches the unit they lead, not the whole instansi
        led = monitoring(s, cast.actors[KABID], cast.cycle_id, now=now)
        assert [u.unit_code for u in led.units] == ["DINKES-P2P"]
        assert {w.nip for w in led.waiting} == {KABID, STAF1, STAF2}
        with pytest.raises(NotPermitted):  # a pegawai who heads nothing
            monitoring(s, cast.actors[STAF1], cast.cycle_id, now=now)
        with pytest.raises(NotFound):  # HR of another instansi is not told the cycle exists
            monitoring(s, Actor.admin("other", frozenset({999})), cast.cycle_id, now=now)
