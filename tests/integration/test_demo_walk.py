"""`seed-demo --agreed-levels N`: the top of the penilai chain planned and agreed through the use cases, audited.

So the demo can be walked: the first cascade an atasan below tries is accepted, not refused for an unagreed SKP.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Engine, func, select, update
from sqlmodel import col

from workflows import audit
from workflows.actors import Actor
from workflows.cases import skps
from workflows.cases.users import ensure_first_admin
from workflows.simulation.demo import DEMO_PASSWORD, generate_kabupaten
from workflows.simulation.demo_walk import demo_accounts, seed_kabupaten
from workflows.store.passwords import hash_password
from workflows.store.tables import AuditEvent, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

POLICY = "permenpanrb-6-2022"


def test_the_top_levels_are_agreed_through_the_use_cases_and_the_next_can_cascade(db: Engine, now: datetime) -> None:
    payload = generate_kabupaten(pegawai=300, seed=2026)
    seeded = seed_kabupaten(db, payload, year=2026, policy=POLICY, agreed_levels=2, now=now)
    agreed = [lv for lv in seeded.levels if lv.agreed]
    assert [lv.level for lv in agreed] == [1, 2] and agreed[0].skps == 1
    below = next(lv for lv in seeded.levels if not lv.agreed)
    with reading(db) as s:
        states = Counter(s.scalars(select(col(Skp.state))))
        assert states["agreed"] == agreed[0].skps + agreed[1].skps
        assert states["drafted"] == 300 - states["agreed"]
        top = s.scalars(select(Skp).where(col(Skp.state) == "agreed")).all()
        for skp in top:  # each step is the use case's, with its audit event, on an intact chain
            events = s.scalars(
                select(col(AuditEvent.trigger))
                .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == skp.id)
                .order_by(col(AuditEvent.seq))
            ).all()
            assert list(events) == ["draft", "plan", "cascade", "agree"], (skp.id, events)
            rhk, indikator = skps.plan_rows(s, skp.id or 0)
            assert len(rhk) == 1 and rhk[0].jenis == "UTAMA" and indikator[0].target == 100
            if skp.penilai_id is not None:  # it intervenes its penilai's agreed RHK
                boss = skps.atasan_skp(s, skp)
                assert boss is not None and rhk[0].intervensi_rhk_id == skps.plan_rows(s, boss.id or 0)[0][0].id
        assert audit.verify(s).ok
        # the level below: its penilai's SKP is agreed, so the penilai's cascade is accepted
        waiting = s.scalar(
            select(Skp).where(col(Skp.state) == "drafted", col(Skp.penilai_id).in_([t.pegawai_id for t in top]))
        )
        assert waiting is not None and below.level == 3
        penilai = s.get(Pegawai, waiting.penilai_id)
        assert penilai is not None and penilai.id is not None
    with unit_of_work(db) as s:
        view = skps.fire(s, waiting.id or 0, "cascade", actor=Actor.pegawai(penilai.id, penilai.nip), now=now)
        assert view.state == "cascaded"

    skp_events = select(func.count()).where(col(AuditEvent.entity_type) == "skp")
    with reading(db) as s:
        before = s.scalar(skp_events)
    again = seed_kabupaten(db, payload, year=2026, policy=POLICY, agreed_levels=2, now=now)  # no SKP moves again
    assert again.opened.drafted == 0
    with reading(db) as s:
        assert s.scalar(skp_events) == before
        assert audit.verify(s).ok


def test_start_lists_the_accounts_that_still_have_a_demo_password(db: Engine, now: datetime) -> None:
    payload = generate_kabupaten(pegawai=60, seed=7)
    seed_kabupaten(db, payload, year=2026, policy=POLICY, agreed_levels=0, now=now)
    with unit_of_work(db) as s:
        ensure_first_admin(s, "admin", "admin-demo-2026", now=now)
        ensure_first_admin(s, "other", "Kopi-tubruk-di-pagi-hari-77", now=now)  # not created: an admin exists already
    demo = {p.nip for p in payload.pegawai if p.password == DEMO_PASSWORD}
    with reading(db) as s:
        found = demo_accounts(s)
    assert {a.login for a in found} == demo | {"admin"}
    assert {a.password for a in found if a.login in demo} == {"demo"}
    changed = sorted(demo)[0]
    with unit_of_work(db) as s:  # a changed password is no longer listed
        s.execute(update(Pegawai).where(col(Pegawai.nip) == changed).values(password_hash=hash_password("changed")))
    with reading(db) as s:
        assert changed not in {a.login for a in demo_accounts(s)}
