"""Tindak lanjut: the sweep follows up what may be followed up and opens the case the predikat names, once; cases
move by their own lifecycles; HR lists them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.follow_up import add_months
from states.enums import CapaianLevel, FollowUpKind, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, Cast, Ratings, assess, event_count, monitored_cycle, rows
from workflows import audit
from workflows.actors import Actor
from workflows.cases import followups as follow_ups
from workflows.cases import objections
from workflows.store.tables import FollowUpCase, Skp
from workflows.store.uow import reading, unit_of_work

BAWAH, SESUAI, ATAS = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_ATAS_EKSPEKTASI
CAPAIAN = {
    "PEMDA": CapaianLevel.BAIK,
    "DINKES": CapaianLevel.SANGAT_KURANG,  # the kepala dinas heads it alone: his SANGAT_KURANG fits the curve
    "DINKES-P2P": CapaianLevel.BAIK,  # needs one BUTUH_PERBAIKAN or KURANG among its three
    "DINKES-YANKES": CapaianLevel.ISTIMEWA,
}
RATINGS: dict[str, Ratings] = {
    SEKDA: (None, SESUAI),  # BAIK: no case
    KADIS: (None, BAWAH),  # SANGAT_KURANG: sanction
    KABID: (None, ATAS),  # BAIK
    STAF1: (ATAS, ATAS),  # SANGAT_BAIK: reward
    STAF2: (SESUAI, BAWAH),  # KURANG: counselling
    KABID2: (None, SESUAI),  # BAIK (hasil kerja DI_ATAS from ISTIMEWA)
}


def dispatch(db: Engine, at: datetime, chunk: int = 5000) -> follow_ups.DispatchResult:
    with reading(db) as s:
        cycle_id = s.scalars(select(col(Skp.cycle_id))).first()
    assert cycle_id is not None
    return follow_ups.dispatch(lambda: Session(db), cycle_id, actor=SYSTEM, now=at, chunk=chunk)


def test_dispatch_waits_for_objections_and_the_curve_and_opens_each_case_once(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    at = now + timedelta(days=360)
    assess(db, cast, at, RATINGS | {STAF2: (BAWAH, BAWAH)}, CAPAIAN)  # SANGAT_KURANG: the P2P curve breaks
    with unit_of_work(db) as s:
        objections.file(s, cast.skps[STAF2], "Target tidak realistis", actor=cast.actors[STAF2], now=at)

    events = event_count(db)
    early = dispatch(db, at + timedelta(days=2))
    assert (early.followed_up, early.refused, early.cases) == (0, 6, {})
    assert event_count(db) == events

    first = dispatch(db, at + timedelta(days=15), chunk=2)
    assert (first.followed_up, first.cases, first.refused, first.chunks) == (3, {"SANCTION": 1}, 3, 3)
    assert any("awaits its decision" in reason for reason in first.reasons)
    blocked = [r for r in first.reasons if "at least one BUTUH_PERBAIKAN or KURANG" in r]
    assert sum(first.reasons[r] for r in blocked) == 3  # the whole unit waits, the objector included

    with unit_of_work(db) as s:  # the atasan penilai finds the result too harsh: KURANG, and the curve holds
        objections.decide(
            s,
            cast.skps[STAF2],
            "changed",
            "Target direvisi",
            rating_hasil_kerja=SESUAI,
            actor=cast.actors[KADIS],
            now=at,
        )
    second = dispatch(db, at + timedelta(days=16))
    assert (second.followed_up, second.cases, second.refused) == (3, {"REWARD": 1, "COUNSELING": 1}, 0)

    events, cases = event_count(db), rows(db, FollowUpCase)
    again = dispatch(db, at + timedelta(days=17))
    assert (again.followed_up, again.refused, again.cases) == (0, 0, {})
    assert (event_count(db), rows(db, FollowUpCase)) == (events, cases) == (events, 3)
    with pytest.raises(NotPermitted):  # the pegawai of the instansi see the cycle, HR and the scheduler run it
        follow_ups.dispatch(lambda: Session(db), cast.cycle_id, actor=cast.actors[KADIS], now=at)
    with reading(db) as s:
        assert set(s.scalars(select(col(Skp.state)))) == {"followed_up"}
        assert audit.verify(s).ok


def followed_up(db: Engine, now: datetime) -> tuple[Cast, dict[str, int], datetime]:
    cast = monitored_cycle(db, now)
    at = now + timedelta(days=360)
    assess(db, cast, at, RATINGS, CAPAIAN)
    opened_at = at + timedelta(days=15)
    done = dispatch(db, opened_at)
    assert (done.followed_up, done.cases) == (6, {"SANCTION": 1, "REWARD": 1, "COUNSELING": 1})
    with reading(db) as s:
        page = follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=ROOT)
    return cast, {c.kind: c.id for c in page.items}, opened_at


def test_cases_move_by_their_lifecycles_and_hr_lists_them(db: Engine, now: datetime) -> None:
    cast, case, opened = followed_up(db, now)
    kabid, counseling, sanction = cast.actors[KABID], case["COUNSELING"], case["SANCTION"]
    session_at = datetime(2027, 2, 3, 2, 0, tzinfo=UTC)

    events = event_count(db)
    refusals: list[tuple[type[Exception], int, str, TriggerInput, Actor]] = [
        (NotPermitted, counseling, "schedule", TriggerInput(when=session_at), cast.actors[STAF2]),
        (NotFound, counseling, "schedule", TriggerInput(when=session_at), cast.actors[KABID2]),
        (GuardFailed, counseling, "schedule", TriggerInput(), kabid),
        (InvalidInput, counseling, "schedule", TriggerInput(when=session_at.replace(tzinfo=None)), kabid),
        (GuardFailed, sanction, "test_competence", TriggerInput(), ROOT),  # six months have not passed
        (NotPermitted, sanction, "test_competence", TriggerInput(), cast.actors[SEKDA]),  # HR's, for the PyB
    ]
    for error, case_id, trigger, inp, actor in refusals:
        with pytest.raises(error), unit_of_work(db) as s:
            follow_ups.fire_case(s, case_id, trigger, inp, actor=actor, now=opened + timedelta(days=1))
    assert event_count(db) == events

    day = opened + timedelta(days=2)
    with unit_of_work(db) as s:
        scheduled = follow_ups.fire_case(s, counseling, "schedule", TriggerInput(when=session_at), actor=kabid, now=day)
        later = session_at + timedelta(days=7)
        moved = follow_ups.fire_case(s, counseling, "schedule", TriggerInput(when=later), actor=kabid, now=day)
    assert (scheduled.state, scheduled.scheduled_at, scheduled.state_since) == ("scheduled", session_at, day)
    assert (moved.scheduled_at, moved.state_since) == (later, day)  # rescheduling stays in the same state
    with unit_of_work(db) as s:
        held = follow_ups.fire_case(s, counseling, "hold", TriggerInput(note="Konseling"), actor=kabid, now=later)
        follow_ups.fire_case(s, counseling, "resolve", TriggerInput(note="Membaik"), actor=kabid, now=later)
    assert (held.state, held.state_since, held.allowed_triggers) == ("held", later, ["resolve"])

    improved_by = add_months(opened, 6)
    with pytest.raises(GuardFailed, match="improvement period has not elapsed"), unit_of_work(db) as s:
        follow_ups.fire_case(s, sanction, "test_competence", actor=ROOT, now=improved_by - timedelta(seconds=1))
    with unit_of_work(db) as s:
        follow_ups.fire_case(s, sanction, "test_competence", actor=ROOT, now=improved_by)
        placed = follow_ups.fire_case(
            s, sanction, "place_temporarily", TriggerInput(note="SK 800/12"), actor=ROOT, now=improved_by
        )
    assert (placed.state, placed.state_since) == ("temporary_placement", improved_by)
    with pytest.raises(GuardFailed, match="placement period has not elapsed"), unit_of_work(db) as s:
        follow_ups.fire_case(s, sanction, "dismiss", TriggerInput(note="SK"), actor=ROOT, now=improved_by)
    with unit_of_work(db) as s:
        dismissed = follow_ups.fire_case(
            s, sanction, "dismiss", TriggerInput(note="SK 800/99"), actor=ROOT, now=add_months(improved_by, 12)
        )
    assert (dismissed.lifecycle, dismissed.state, dismissed.nip) == ("sanction", "dismissed", KADIS)

    with reading(db) as s:
        everything = follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=ROOT, limit=2)
        rest = follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=ROOT, offset=2, limit=2)
        sanctions = follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=ROOT, kind=FollowUpKind.SANCTION)
        resolved = follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=ROOT, state="resolved")
        assert (everything.total, len(everything.items), everything.next, len(rest.items), rest.next) == (
            3,
            2,
            2,
            1,
            None,
        )
        assert [(c.nip, c.state) for c in sanctions.items] == [(KADIS, "dismissed")]
        assert [(c.nip, c.kind, c.scheduled_at) for c in resolved.items] == [(STAF2, "COUNSELING", later)]
        with pytest.raises(NotPermitted):  # a pegawai does not list the instansi's cases
            follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=cast.actors[KADIS])
        with pytest.raises(NotFound):  # nor does HR of another instansi learn the cycle exists
            follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=Actor.admin("x", frozenset({999})))
        with pytest.raises(InvalidInput):
            follow_ups.list_cases(s, cycle_id=cast.cycle_id, actor=ROOT, state="bogus", limit=0)
        assert follow_ups.get_case(s, counseling, actor=cast.actors[STAF2]).state == "resolved"  # the pegawai reads it
        assert audit.verify(s).ok
