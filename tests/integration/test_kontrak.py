"""PPPK contracts on SQLite and PostgreSQL: HR records them (refusals change nothing), the deadline sweep opens the
extension recommendation once from the predikat of the contract's years, reminds HR until it is decided, and a PPPK
rated low is counselled, never sent down the PNS sanction path."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CONTRACT_KINDS, FollowUpKind, Predikat
from states.errors import GuardFailed, InvalidInput, NotPermitted
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, assess, event_count, monitored_cycle, open_cycle
from tests.integration.test_follow_up_rules import CAPAIAN, RATINGS
from workflows.actors import Actor
from workflows.cases import cycles, followups, policy_store
from workflows.cases.kontrak import KontrakIn, contracts_of, set_kontrak
from workflows.cases.org.imports import import_org
from workflows.flows.sweep import enforce_deadlines
from workflows.store.tables import AuditEvent, Cycle, DeadlineStep, FollowUpCase, Kontrak, Outbox, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

WITA = ZoneInfo("Asia/Makassar")  # the small organisation's zone
CONTRACT = KontrakIn(date(2025, 1, 1), date(2026, 12, 31), "SK Bupati 800/15/2025")  # due 30 June 2026
OPENS = datetime(2026, 5, 2, tzinfo=WITA)  # 60 days before it is due


def _sessions(db: Engine) -> Session:
    return Session(db, expire_on_commit=False)


def _sweep(db: Engine, at: datetime) -> None:
    enforce_deadlines(lambda: _sessions(db), as_of=at, chunk=2)


def _last_year(db: Engine, cycle_id: int, predikat: Predikat | None, now: datetime) -> None:
    """The instansi's 2025 cycle, STAF2's result in it (as an import of last year's predikat leaves it)."""
    with unit_of_work(db) as s:
        cycle = s.get_one(Cycle, cycle_id)
        earlier = cycles.create(
            s,
            instansi_id=cycle.instansi_id,
            year=2025,
            name="SKP 2025",
            policy_version_id=cycle.policy_version_id,
            actor=ROOT,
            now=now,
        ).id
    cycles.open_cycle(lambda: _sessions(db), earlier, actor=ROOT, now=now)
    if predikat is not None:
        with unit_of_work(db) as s:
            pegawai = select(col(Pegawai.id)).where(col(Pegawai.nip) == STAF2).scalar_subquery()
            s.execute(
                update(Skp)
                .where(col(Skp.cycle_id) == earlier, col(Skp.pegawai_id) == pegawai)
                .values(predikat=predikat.value)
            )


def _contract_cases(db: Engine) -> list[tuple[int, int, str, str]]:
    with reading(db) as s:
        found = s.execute(
            select(col(FollowUpCase.id), col(FollowUpCase.skp_id), col(FollowUpCase.kind), col(FollowUpCase.state))
            .where(col(FollowUpCase.kind).in_([k.value for k in CONTRACT_KINDS]))
            .order_by(col(FollowUpCase.id))
        ).tuples()
        return [(i or 0, skp, kind, state) for i, skp, kind, state in found]


def test_hr_records_contracts_and_bad_ones_change_nothing(db: Engine, now: datetime) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s:
        first = set_kontrak(s, STAF2, CONTRACT, actor=ROOT, now=now)
    before = event_count(db)
    refused = [
        (STAF1, CONTRACT, "a contract (perjanjian kerja) is recorded for a PPPK only"),
        (STAF2, KontrakIn(date(2027, 1, 1), date(2026, 12, 31)), "is before kontrak_mulai"),
        (STAF2, KontrakIn(date(2026, 6, 1), date(2027, 5, 31)), "overlaps the contract 2025-01-01 – 2026-12-31"),
    ]
    for nip, inp, message in refused:
        with pytest.raises(InvalidInput, match=re.escape(message)), unit_of_work(db) as s:
            set_kontrak(s, nip, inp, actor=ROOT, now=now)
    with pytest.raises(NotPermitted), unit_of_work(db) as s:
        set_kontrak(s, STAF2, CONTRACT, actor=Actor.pegawai(1, KABID), now=now)
    assert event_count(db) == before
    with unit_of_work(db) as s:  # the same first day corrects it; the next contract follows it
        fixed = set_kontrak(s, STAF2, KontrakIn(date(2025, 1, 1), date(2026, 11, 30)), actor=ROOT, now=now)
        set_kontrak(s, STAF2, KontrakIn(date(2026, 12, 1), date(2031, 11, 30)), actor=ROOT, now=now)
    assert (fixed.id, fixed.selesai, fixed.version) == (first.id, date(2026, 11, 30), 2)
    with reading(db) as s:
        listed = contracts_of(s, STAF2, actor=ROOT)
        trail = s.execute(
            select(col(AuditEvent.trigger)).where(col(AuditEvent.entity_type) == "kontrak").order_by(col(AuditEvent.id))
        ).scalars()
        assert list(trail) == ["create", "amend", "create"]
    assert [(k.mulai, k.selesai) for k in listed.items] == [
        (date(2025, 1, 1), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2031, 11, 30)),
    ]


def test_the_import_carries_contracts_and_checks_them(db: Engine, now: datetime) -> None:
    data = small_org().model_dump(mode="json")
    for p in data["pegawai"]:
        p["password"] = None
        if p["nip"] == STAF2:
            p |= {"kontrak_mulai": "2025-01-01", "kontrak_selesai": "2026-12-31"}
    good = small_org().model_validate(data)
    with unit_of_work(db) as s:
        import_org(s, good, actor=ROOT, now=now)
        import_org(s, good, actor=ROOT, now=now)  # idempotent: the same contract is left alone
    with reading(db) as s:
        assert s.scalar(select(func.count()).select_from(Kontrak)) == 1
    for p in data["pegawai"]:
        if p["nip"] == STAF1:
            p |= {"kontrak_mulai": "2025-01-01", "kontrak_selesai": "2026-12-31"}
        if p["nip"] == STAF2:
            p |= {"kontrak_mulai": "2026-01-01", "kontrak_selesai": None}
    with pytest.raises(InvalidInput) as bad, unit_of_work(db) as s:
        import_org(s, small_org().model_validate(data), actor=ROOT, now=now)
    assert any("pegawai[4].jenis" in p and "PPPK only" in p for p in bad.value.problems), bad.value.problems
    assert any("pegawai[5].kontrak_selesai: required" in p for p in bad.value.problems), bad.value.problems


@pytest.mark.parametrize(
    ("last_year", "kind", "counted"),
    [
        (Predikat.BAIK, FollowUpKind.PERPANJANGAN_KONTRAK, [{"year": 2025, "predikat": "BAIK", "source": "annual"}]),
        (
            Predikat.BUTUH_PERBAIKAN,
            FollowUpKind.TIDAK_DIPERPANJANG,
            [{"year": 2025, "predikat": "BUTUH_PERBAIKAN", "source": "annual"}],
        ),
        (None, FollowUpKind.TIDAK_DIPERPANJANG, []),  # nothing to weigh: kontrak.without_results
    ],
)
def test_the_sweep_opens_the_recommendation_once_and_reminds_hr_until_it_is_decided(
    db: Engine, now: datetime, last_year: Predikat | None, kind: FollowUpKind, counted: list[dict[str, object]]
) -> None:
    cycle_id = open_cycle(db, now)
    _last_year(db, cycle_id, last_year, now)
    with unit_of_work(db) as s:
        set_kontrak(s, STAF2, CONTRACT, actor=ROOT, now=now)
    _sweep(db, OPENS - timedelta(minutes=1))
    assert _contract_cases(db) == []
    _sweep(db, OPENS)
    _sweep(db, OPENS + timedelta(days=1))  # a rerun opens nothing more
    with reading(db) as s:
        skp_2026 = s.scalar(
            select(col(Skp.id))
            .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            .where(col(Pegawai.nip) == STAF2, col(Skp.cycle_id) == cycle_id)
        )
    [(case_id, skp_id, opened_kind, state)] = _contract_cases(db)
    assert (skp_id, opened_kind, state) == (skp_2026, kind.value, "opened")
    with reading(db) as s:
        assert s.scalar(select(col(Kontrak.case_id))) == case_id
        genesis = s.execute(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "follow_up_case", col(AuditEvent.entity_id) == case_id
            )
        ).scalar_one()
    assert (genesis.trigger, genesis.actor, genesis.to_state) == ("open", "system:enforce-deadlines", "opened")
    assert genesis.note is not None and "2025-01-01 – 2026-12-31" in genesis.note
    weighed = [f"{c['year']} {c['predikat']} ({c['source']})" for c in counted] or ["belum ada predikat"]
    assert all(w in genesis.note for w in weighed), genesis.note

    # the ladder: HR reminded 30 days before, twice no more for a rerun
    _sweep(db, datetime(2026, 6, 1, 8, tzinfo=WITA))
    _sweep(db, datetime(2026, 6, 1, 9, tzinfo=WITA))
    with reading(db) as s:
        steps = s.execute(
            select(col(DeadlineStep.step_index), col(DeadlineStep.action)).where(
                col(DeadlineStep.deadline_key) == "kontrak_recommendation"
            )
        ).all()
        mail = s.execute(
            select(col(Outbox.recipient), col(Outbox.subject)).where(
                col(Outbox.deadline_key) == "kontrak_recommendation"
            )
        ).all()
    assert [tuple(r) for r in steps] == [(0, "reminder")]
    assert [r for r, _ in mail] == ["hr:KAB-CONTOH"]  # no HR user with an address: the gap shows
    assert "Keputusan perpanjangan kontrak PPPK" in mail[0][1]

    # HR decides (here against a not-extend recommendation, as the PPK may): the ladder stops
    with unit_of_work(db) as s, pytest.raises(GuardFailed, match="citing the decision"):
        followups.fire_case(s, case_id, "extend", TriggerInput(), actor=ROOT, now=OPENS + timedelta(days=40))
    with unit_of_work(db) as s:
        decided = followups.fire_case(
            s, case_id, "extend", TriggerInput(note="Keputusan PPK 800/99"), actor=ROOT, now=OPENS + timedelta(days=40)
        )
    assert (decided.state, decided.lifecycle, decided.allowed_triggers) == ("extended", "kontrak", [])
    _sweep(db, datetime(2026, 7, 20, tzinfo=WITA))
    with reading(db) as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(DeadlineStep)
                .where(col(DeadlineStep.deadline_key) == "kontrak_recommendation")
            )
            == 1
        )
        decided_event = s.execute(
            select(AuditEvent).where(col(AuditEvent.entity_type) == "follow_up_case", col(AuditEvent.seq) == 2)
        ).scalar_one()
    assert (decided_event.trigger, decided_event.to_state, decided_event.actor) == ("extend", "extended", "user:root")
    with reading(db) as s:
        listed = contracts_of(s, STAF2, actor=ROOT)
    assert (listed.items[0].case_kind, listed.items[0].case_state) == (kind.value, "extended")


def test_a_renewed_or_ended_contract_opens_nothing(db: Engine, now: datetime) -> None:
    open_cycle(db, now)
    with unit_of_work(db) as s:
        set_kontrak(s, STAF2, CONTRACT, actor=ROOT, now=now)
        set_kontrak(s, STAF2, KontrakIn(date(2027, 1, 1), date(2031, 12, 31)), actor=ROOT, now=now)
    _sweep(db, OPENS + timedelta(days=1))  # HR recorded the next contract already
    assert _contract_cases(db) == []


def test_a_pppk_rated_low_is_counselled_never_sanctioned(db: Engine, now: datetime) -> None:
    """An instansi whose rules send BUTUH_PERBAIKAN down the sanction path for everyone, PPPK rule removed: the PNS
    enter it, the PPPK is counselled (kontrak.instead_of_sanction)."""
    cast = monitored_cycle(db, now)
    with unit_of_work(db) as s:
        preset = policy_store.cycle_policy(s, s.get_one(Cycle, cast.cycle_id))
        by_predikat = {**preset.follow_up.by_predikat, Predikat.BUTUH_PERBAIKAN: FollowUpKind.SANCTION}
        harsh = preset.model_copy(
            update={
                "name": "sanction-for-all",
                "follow_up": preset.follow_up.model_copy(update={"by_predikat": by_predikat, "rules": []}),
            }
        )
        pinned = policy_store.store(s, harsh, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))
    at = now + timedelta(days=360)
    assess(db, cast, at, RATINGS, CAPAIAN)
    done = followups.dispatch(
        lambda: Session(db), cast.cycle_id, actor=Actor.scheduler("test"), now=at + timedelta(days=15)
    )
    assert done.refused == 0, done.reasons
    by_skp = {skp_id: nip for nip, skp_id in cast.skps.items()}
    with reading(db) as s:
        cases = {by_skp[skp]: kind for skp, kind in s.execute(select(col(FollowUpCase.skp_id), col(FollowUpCase.kind)))}
        events = s.execute(
            select(col(AuditEvent.entity_id)).where(
                col(AuditEvent.entity_type) == "follow_up_case", col(AuditEvent.trigger) == "open"
            )
        ).scalars()
        assert len(list(events)) == 3
    assert cases == {KABID: "SANCTION", STAF1: "SANCTION", STAF2: "COUNSELING"}
