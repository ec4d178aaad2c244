"""The deadline sweep on a small organisation: who is told at each ladder step, once, in the unit's zone."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import Rating
from states.errors import NotPermitted
from states.lifecycle import TriggerInput
from states.roles import Role
from states.skp import SKP, SkpFacts
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2, small_org
from tests.integration.scenario import plan
from workflows import audit, engine
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.mutasi import MutasiIn, mutasi_pegawai
from workflows.cases.org.imports import OrgImport, import_org
from workflows.cases.skps import save_plan
from workflows.flows.sweep import DeadlineReport, enforce_deadlines
from workflows.store.tables import (
    AppUser,
    AuditEvent,
    Cycle,
    DeadlineStep,
    Evaluation,
    FollowUpCase,
    Keberatan,
    Outbox,
    Pegawai,
    Skp,
    Unit,
)
from workflows.store.uow import reading, unit_of_work

ROOT, SETUP = Actor.admin("root"), Actor.scheduler("test-setup")
WIB, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Jayapura")
HR = "user:hr.contoh"
HR_MAIL = "hr@contoh.go.id"
NO_MAIL = STAF2  # the only pegawai without an e-mail


def mail(nip: str) -> str:
    return f"{nip}@contoh.go.id"


def org() -> OrgImport:
    """The small organisation with e-mails (but one), a WIB head office and a WIT field unit."""
    data = small_org().model_dump(mode="json")
    zones = {"PEMDA": "Asia/Jakarta", "DINKES-YANKES": "Asia/Jayapura"}
    for u in data["units"]:
        u["timezone"] = zones.get(u["code"])
    for p in data["pegawai"]:
        p["email"] = None if p["nip"] == NO_MAIL else mail(p["nip"])
        p["password"] = None  # nobody logs in here: spare the password hashing
    return OrgImport.model_validate(data)


@dataclass(frozen=True)
class World:
    db: Engine
    cycle_id: int
    skp: dict[str, int]  # by NIP

    def sessions(self) -> Session:
        return Session(self.db, expire_on_commit=False)

    def sweep(self, as_of: datetime) -> DeadlineReport:
        return enforce_deadlines(self.sessions, as_of=as_of, chunk=2)


@pytest.fixture
def world(db: Engine, now: datetime) -> World:
    with unit_of_work(db) as s:
        instansi_id = import_org(s, org(), actor=ROOT, now=now).instansi_id
        s.add(
            AppUser(
                username="hr.contoh",
                password_hash="-",
                role="admin",
                instansi_id=instansi_id,
                email=HR_MAIL,
                created_at=now,
            )
        )
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle_id = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=now
        ).id
    cycle.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=now)
    with reading(db) as s:
        rows = s.execute(select(col(Pegawai.nip), col(Skp.id)).join(Skp, col(Skp.pegawai_id) == col(Pegawai.id)))
        skp = {nip: skp_id for nip, skp_id in rows if skp_id is not None}
    return World(db, cycle_id, skp)


def outbox(db: Engine, **where: object) -> list[Outbox]:
    with reading(db) as s:
        query = select(Outbox).order_by(col(Outbox.id))
        for name, value in where.items():
            query = query.where(getattr(Outbox, name) == value)
        return list(s.scalars(query))


def to(rows: list[Outbox], skp_id: int) -> set[tuple[str, str]]:
    """(action, recipient) of the rows about one SKP."""
    return {(r.action or "", r.recipient) for r in rows if r.entity_type == "skp" and r.entity_id == skp_id}


def audit_count(db: Engine) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=zone)


# SKP agreement, national preset: due 31 January 2026, late from 1 February 00:00 local.
# Ladder: -14 reminder, -3 reminder, 0 notice, +3 escalate, +7 hr_drafts.


def test_before_the_first_reminder_nothing_is_sent(world: World) -> None:
    report = world.sweep(local(WIB, 2026, 1, 17, 12))
    assert outbox(world.db) == []
    agreement = report.by_key["skp_agreement"]
    assert (agreement.pending, agreement.late, agreement.steps, agreement.notified) == (6, 0, 0, {})
    assert {(u.unit_code, u.on_time, u.late) for u in report.units} == {
        ("PEMDA", 1, 0),
        ("DINKES", 1, 0),
        ("DINKES-P2P", 3, 0),
        ("DINKES-YANKES", 1, 0),
    }


def test_each_step_tells_its_recipients_once(world: World) -> None:
    db, skp = world.db, world.skp
    first = world.sweep(local(WIB, 2026, 1, 18))
    rows = outbox(db)
    assert first.by_key["skp_agreement"].notified == {"reminder": 12}
    assert to(rows, skp[STAF1]) == {("reminder", mail(STAF1)), ("reminder", mail(KABID))}
    assert to(rows, skp[SEKDA]) == {("reminder", mail(SEKDA)), ("reminder", HR_MAIL)}  # rated from outside: HR
    no_address = [r for r in rows if r.status == "no_address"]
    assert [(r.recipient, r.entity_id) for r in no_address] == [(f"nip:{NO_MAIL}", skp[STAF2])]
    assert first.by_key["skp_agreement"].no_address == 1

    events = audit_count(db)
    again = world.sweep(local(WIB, 2026, 1, 18))
    assert (again.by_key["skp_agreement"].steps, again.by_key["skp_agreement"].notified) == (0, {})
    assert len(outbox(db)) == 12
    assert audit_count(db) == events

    world.sweep(local(WIB, 2026, 1, 29))  # -3: the second reminder
    assert len(outbox(db)) == 24

    later = world.sweep(local(WIB, 2026, 2, 4, 1))  # notice (0) and escalation (+3) reached together
    assert later.by_key["skp_agreement"].notified == {"notice": 12, "escalate": 10}
    rows = outbox(db)
    assert to(rows, skp[STAF1]) >= {
        ("notice", mail(STAF1)),
        ("notice", mail(KABID)),
        ("escalate", mail(KADIS)),  # the atasan's atasan
        ("escalate", HR_MAIL),
    }
    assert {r for r in to(rows, skp[KADIS]) if r[0] == "escalate"} == {("escalate", HR_MAIL)}  # no atasan penilai
    notice = next(r for r in rows if r.action == "notice" and r.recipient == mail(STAF1))
    assert notice.subject.startswith("[SKP] Batas waktu terlewati: Persetujuan (penetapan) SKP")
    assert "Sabtu, 31 Januari 2026 pukul 23.59 WIB" in notice.body
    assert audit_count(db) == events  # notifications only: no trail event before an automatic action


def test_the_automatic_action_is_audited_once(world: World) -> None:
    db = world.db
    world.sweep(local(WIB, 2026, 2, 4, 1))
    events = audit_count(db)
    report = world.sweep(local(WIB, 2026, 2, 8, 1))  # +7: the pengelola kinerja may draft
    assert report.by_key["skp_agreement"].auto_actions == {"hr_drafts": 6}
    assert report.by_key["skp_agreement"].notified == {"auto_action": 6}
    assert {r.recipient for r in outbox(db, action="auto_action")} == {HR_MAIL}
    with reading(db) as s:
        flagged = s.scalars(select(AuditEvent).where(col(AuditEvent.trigger) == "hr_drafts")).all()
        assert sorted(e.entity_id for e in flagged) == sorted(world.skp.values())
        assert {(e.from_state, e.to_state, e.role, e.actor) for e in flagged} == {
            ("drafted", "drafted", "system", "system:enforce-deadlines")
        }
        assert set(s.scalars(select(col(Skp.state)))) == {"drafted"}
        assert audit.verify(s).ok
        flags = s.scalars(select(DeadlineStep).where(col(DeadlineStep.auto_action) == "hr_drafts")).all()
        assert len(flags) == 6
    assert audit_count(db) == events + 6
    rerun = world.sweep(local(WIB, 2026, 2, 20))
    assert rerun.by_key["skp_agreement"].auto_actions == {}
    assert audit_count(db) == events + 6


def test_hr_drafts_and_proposes_once_the_ladder_says_so(world: World) -> None:
    with reading(world.db) as s:
        instansi_id = s.scalar(select(col(Cycle.instansi_id)).where(col(Cycle.id) == world.cycle_id))
    hr = Actor(ref="user:hr.contoh", admin_of=frozenset({instansi_id or 0}))
    skp_id = world.skp[STAF1]

    def draft() -> None:
        with unit_of_work(world.db) as s:
            save_plan(s, skp_id, plan(None).model_copy(update={"propose": True}), actor=hr, now=local(WIB, 2026, 2, 9))

    world.sweep(local(WIB, 2026, 2, 4, 1))  # escalated, but the pengelola kinerja may not draft yet
    events = audit_count(world.db)
    with pytest.raises(NotPermitted):
        draft()
    assert audit_count(world.db) == events
    world.sweep(local(WIB, 2026, 2, 8, 1))  # +7: hr_drafts
    draft()
    with reading(world.db) as s:
        skp = s.get_one(Skp, skp_id)
        assert (skp.state, skp.proposed) == ("drafted", True)
        last = s.scalars(select(AuditEvent).where(col(AuditEvent.entity_id) == skp_id).order_by(col(AuditEvent.seq)))
        event = list(last)[-1]
        assert (event.trigger, event.role, event.actor, event.note) == (
            "plan",
            "admin",
            "user:hr.contoh",
            "drafted by HR (hr_drafts); proposed",
        )
        assert audit.verify(s).ok


def test_a_late_first_sweep_skips_stale_reminders(world: World) -> None:
    report = world.sweep(local(WIB, 2026, 2, 2))  # both reminders and the notice reached at once
    agreement = report.by_key["skp_agreement"]
    assert (agreement.steps, agreement.notified, agreement.late) == (18, {"notice": 12}, 6)
    with reading(world.db) as s:
        taken = Counter(s.execute(select(col(DeadlineStep.action), col(DeadlineStep.notified))).tuples().all())
    assert taken == {("reminder", False): 12, ("notice", True): 6}
    world.sweep(local(WIB, 2026, 2, 3))
    assert {r.action for r in outbox(world.db)} == {"notice"}  # the skipped reminders never come back


def test_the_unit_time_zone_sets_the_due_instant(world: World) -> None:
    # 16:00 UTC on 31 January: already 1 February 01:00 in Jayapura (WIT), still 23:00 on the 31st in Jakarta (WIB)
    report = world.sweep(datetime(2026, 1, 31, 16, tzinfo=UTC))
    rows = outbox(world.db)
    assert to(rows, world.skp[KABID2]) == {("notice", mail(KABID2)), ("notice", mail(KADIS))}
    assert {a for a, _ in to(rows, world.skp[STAF1])} == {"reminder"}
    wit = next(r for r in rows if r.entity_id == world.skp[KABID2])
    wib = next(r for r in rows if r.entity_id == world.skp[STAF1])
    assert "Sabtu, 31 Januari 2026 pukul 23.59 WIT" in wit.body
    assert "Sabtu, 31 Januari 2026 pukul 23.59 WIB" in wib.body
    with reading(world.db) as s:
        due = dict(s.execute(select(col(DeadlineStep.entity_id), col(DeadlineStep.due_at))).tuples().all())
    assert due[world.skp[KABID2]] == datetime(2026, 1, 31, 15, tzinfo=UTC)
    assert due[world.skp[STAF1]] == datetime(2026, 1, 31, 17, tzinfo=UTC)
    assert {(u.unit_code, u.on_time, u.late) for u in report.units if u.deadline_key == "skp_agreement"} >= {
        ("DINKES-YANKES", 0, 1),
        ("DINKES-P2P", 3, 0),
    }


@pytest.mark.parametrize("first", ["WIT", "Asia/Jakarta"])
def test_zone_sweeps_split_the_work_between_them(world: World, first: str) -> None:
    """The scheduler sweeps each zone at its own local hour: each run acts for its zone's units only, and the runs
    of all zones together leave nothing for a sweep of every unit."""
    at = datetime(2026, 1, 31, 16, tzinfo=UTC)
    second = "Asia/Jakarta" if first == "WIT" else "WIT"
    with reading(world.db) as s:
        zone_of = {code: tz or "Asia/Jakarta" for code, tz in s.execute(select(col(Unit.code), col(Unit.timezone)))}
    alias = {"WIT": "Asia/Jayapura", "Asia/Jakarta": "Asia/Jakarta"}
    seen: list[set[int]] = []
    for zone in (first, second):
        before = {r.id for r in outbox(world.db)}
        report = enforce_deadlines(world.sessions, as_of=at, chunk=2, zone=zone)
        assert {zone_of[u.unit_code] for u in report.units} == {alias[zone]}
        seen.append({r.entity_id or 0 for r in outbox(world.db) if r.id not in before and r.entity_type == "skp"})
    wit, wib = seen if first == "WIT" else seen[::-1]
    assert wit == {world.skp[KABID2]}
    assert world.skp[STAF1] in wib and world.skp[KABID2] not in wib
    rows, events = len(outbox(world.db)), audit_count(world.db)
    world.sweep(at)
    assert (len(outbox(world.db)), audit_count(world.db)) == (rows, events)


# --- the other deadlines ------------------------------------------------------------------------------------------


def move(
    world: World,
    nips: list[str],
    trigger: str,
    facts: SkpFacts,
    *,
    at: datetime,
    role: Role = Role.SYSTEM,
    inp: TriggerInput | None = None,
    values: dict[str, object] | None = None,
) -> None:
    ids = [world.skp[n] for n in nips]
    with reading(world.db) as s:
        instansi_id = s.get_one(Pegawai, s.get_one(Skp, ids[0]).pegawai_id).instansi_id
    done = engine.fire_many(
        world.sessions,
        SKP,
        "skp",
        trigger,
        ids,
        instansi_id=instansi_id,
        actor=SETUP,
        now=at,
        facts=facts,
        role=role,
        inp=inp,
        values=values,
    )
    assert done.refused == {}


def assessed(world: World, nips: list[str], at: datetime) -> None:
    """Move SKPs to assessed through the engine, with facts that satisfy the guards (set-up, not the use cases)."""
    ready = SkpFacts(top_jpt=True, proposed=True, rhk_utama=1, cycle_state="assessing", unit_capaian_set=True)
    move(world, nips, "cascade", ready, at=at)
    move(world, nips, "agree", ready, at=at, role=Role.PENILAI)
    move(world, nips, "monitor", ready, at=at)
    ratings = TriggerInput(rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI, rating_perilaku=Rating.SESUAI_EKSPEKTASI)
    result = {"assessed_at": at, "predikat": "BAIK"}
    move(world, nips, "assess", ready, at=at, role=Role.PENILAI, inp=ratings, values=result)


def created(world: World, row: object, at: datetime) -> int:
    with unit_of_work(world.db) as s:
        engine.record(s, row, "create", actor=SETUP, role="system", now=at, created=True)
        return row.id  # type: ignore[attr-defined,no-any-return]


def test_a_withdrawn_objection_leaves_the_window_to_close(world: World) -> None:
    """The pegawai may file anew after withdrawing, so the window is still chased and closed."""
    assessed(world, [STAF1], local(WIB, 2027, 1, 10, 10))
    filing = local(WIB, 2027, 1, 12, 9)
    created(world, Keberatan(skp_id=world.skp[STAF1], reason="Ditarik", filed_at=filing, state="withdrawn"), filing)
    assert world.sweep(local(WIB, 2027, 1, 24, 23)).by_key["keberatan_filing"].pending == 1
    at_due = world.sweep(local(WIB, 2027, 1, 25))
    assert at_due.by_key["keberatan_filing"].auto_actions == {"close_objection_window": 1}


def test_objection_window_closes_and_decisions_are_chased(world: World) -> None:
    db, skp = world.db, world.skp
    assessed(world, [STAF1, STAF2], local(WIB, 2027, 1, 10, 10))
    filing = local(WIB, 2027, 1, 12, 9)
    filed = created(
        world, Keberatan(skp_id=skp[STAF2], reason="Realisasi tidak dipertimbangkan", filed_at=filing), filing
    )

    before = world.sweep(local(WIB, 2027, 1, 24, 23))  # the window is still open for STAF1
    assert before.by_key["keberatan_filing"].auto_actions == {}
    assert before.by_key["keberatan_filing"].pending == 1  # STAF2's result is under objection, not waiting on it

    at_due = world.sweep(local(WIB, 2027, 1, 25))  # 10 January + 14 days: late from 25 January 00:00
    assert at_due.by_key["keberatan_filing"].auto_actions == {"close_objection_window": 1}
    with reading(db) as s:
        closed = s.scalars(select(AuditEvent).where(col(AuditEvent.trigger) == "close_objection_window")).all()
        assert [(e.entity_id, e.from_state, e.to_state) for e in closed] == [(skp[STAF1], "assessed", "assessed")]
        assert audit.verify(s).ok
    window = outbox(db, deadline_key="keberatan_filing")
    assert {r.recipient for r in window} == {mail(STAF1), mail(KABID)}
    assert "Masa pengajuan keberatan ditutup" in window[0].body

    # the keberatan was filed on 12 January: decision due 26 January, reminder 3 days before the due instant
    decision = outbox(db, deadline_key="keberatan_decision")
    assert [(r.entity_type, r.entity_id, r.action, r.recipient) for r in decision] == [
        ("keberatan", filed, "reminder", mail(KADIS))
    ]

    events, sent = audit_count(db), len(outbox(db))
    rerun = world.sweep(local(WIB, 2027, 1, 25, 12))
    assert (audit_count(db), len(outbox(db))) == (events, sent)
    window_closed = rerun.by_key["keberatan_filing"]  # no longer read, still counted: late, awaiting follow-up
    assert (window_closed.pending, window_closed.late, window_closed.steps) == (1, 1, 0)


def test_periodic_work_and_coaching_are_chased_per_period_and_case(world: World) -> None:
    db, skp = world.db, world.skp
    jan = local(WIB, 2026, 2, 1)
    realisasi = created(world, Evaluation(skp_id=skp[STAF1], period_no=1), jan)
    evaluation = created(world, Evaluation(skp_id=skp[STAF2], period_no=1, state="realisasi_submitted"), jan)
    coaching = created(
        world,
        FollowUpCase(skp_id=skp[STAF1], kind="COACHING", state="opened", opened_at=jan, state_since=jan),
        jan,
    )
    report = world.sweep(local(WIB, 2026, 2, 18, 1))
    # realisasi of January due 5 February: notice and escalation reached, the stale reminder skipped
    assert report.by_key["realisasi"].notified == {"notice": 2, "escalate": 2}
    assert {(r.action, r.recipient) for r in outbox(db, entity_id=realisasi, entity_type="evaluation")} >= {
        ("notice", mail(STAF1)),
        ("escalate", HR_MAIL),
    }
    # periodic evaluation due 10 February: +7 flags the evaluation for HR, on its own trail
    assert report.by_key["periodic_evaluation"].auto_actions == {"flag_hr": 1}
    with reading(db) as s:
        flagged = s.scalars(select(AuditEvent).where(col(AuditEvent.trigger) == "flag_hr")).all()
        assert [(e.entity_type, e.entity_id) for e in flagged] == [("evaluation", evaluation)]
    # coaching opened 1 February, to be scheduled within 30 days: only the reminder is reached (3 March − 7 days)
    assert report.by_key["coaching_schedule"].notified == {}
    later = world.sweep(local(WIB, 2026, 2, 25, 1))
    assert later.by_key["coaching_schedule"].notified == {"reminder": 1}
    assert [r.recipient for r in outbox(db, entity_type="follow_up_case", entity_id=coaching)] == [mail(KABID)]
    with reading(db) as s:
        assert audit.verify(s).ok


def test_two_sweeps_at_once_take_each_step_once(world: World) -> None:
    as_of = local(WIB, 2026, 2, 8, 1)  # notice, escalation and the automatic action reached together
    reports: list[DeadlineReport] = []
    threads = [threading.Thread(target=lambda: reports.append(world.sweep(as_of))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(reports) == 2
    assert sum(r.by_key["skp_agreement"].auto_actions.get("hr_drafts", 0) for r in reports) == 6
    assert sum(sum(r.by_key["skp_agreement"].notified.values()) for r in reports) == len(outbox(world.db)) == 28
    assert len({r.dedupe_key for r in outbox(world.db)}) == 28
    with reading(world.db) as s:
        assert s.scalar(select(func.count()).where(col(AuditEvent.trigger) == "hr_drafts")) == 6
        assert audit.verify(s).ok


def test_reminders_follow_the_new_penilai_after_a_mutasi(world: World, now: datetime) -> None:
    """The ladder reads the SKP's current penilai when a step is reached: after STAF1's plan moved to Bidang
    Pelayanan, the agreement reminder goes to its head, not to the old one."""
    with unit_of_work(world.db) as s:
        mutasi_pegawai(
            s, STAF1, MutasiIn("DINKES-YANKES", date(2026, 1, 10), sk_number="SK 821/3"), actor=ROOT, now=now
        )
    world.sweep(local(WIB, 2026, 1, 18))
    assert to(outbox(world.db), world.skp[STAF1]) == {("reminder", mail(STAF1)), ("reminder", mail(KABID2))}
