"""360 input on perilaku, on SQLite and PostgreSQL: the penilai names pemberi pertimbangan, they rate each BerAKHLAK
value within the window, the penilai sees the aggregate and (under `required`) cannot rate perilaku before the input
is in or the window has closed; everything on the audit trail, and pending requests follow a reassignment."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.loader import load_preset
from policies.schema import Policy
from states.enums import CapaianLevel, CoreValue, Rating
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2, small_org
from tests.integration.scenario import ROOT, Cast, monitored_cycle
from workflows import audit
from workflows.cases import cycles, input_360, policy_store, skps
from workflows.cases.input_360 import NameIn, SubmitIn
from workflows.cases.org.imports import import_org
from workflows.flows.sweep import enforce_deadlines
from workflows.store.tables import AuditEvent, Cycle, Input360, Outbox
from workflows.store.uow import reading, unit_of_work


def _use_policy(db: Engine, cast: Cast, now: datetime, **perilaku: Any) -> None:
    """Pin the cycle to the preset with `perilaku` overridden (as an instansi version would)."""
    base = load_preset("permenpanrb-6-2022").model_dump(mode="json")
    base["perilaku"] |= perilaku
    base["version"] = f"4-t{zlib.crc32(repr(sorted(perilaku.items())).encode())}"
    with unit_of_work(db) as s:
        stored = policy_store.store(s, Policy.model_validate(base), instansi_id=None, created_by="t", now=now)
        # a test's shortcut (the cycle's policy is immutable once pinned): a Core UPDATE, leaving the chain as it is
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=stored.id))


def _all_good(note: str = "") -> SubmitIn:
    return SubmitIn.model_validate(
        {"ratings": {v.value: {"rating": "SESUAI_EKSPEKTASI", "note": note} for v in CoreValue}}
    )


def _name(db: Engine, cast: Cast, nip: str, nips: list[str], now: datetime, period_no: int = 0) -> input_360.Board:
    with unit_of_work(db) as s:
        return input_360.name_pemberi(
            s, cast.skps[nip], NameIn(period_no=period_no, nips=nips), actor=cast.penilai_of(nip), now=now
        )


def _request_ids(db: Engine, skp_id: int) -> dict[int, int]:
    with reading(db) as s:
        return {pid: i for i, pid in s.execute(select(col(Input360.id), col(Input360.pemberi_id)).where(
            col(Input360.skp_id) == skp_id))}  # fmt: skip


def test_the_penilai_names_bawahan_and_they_rate_each_value(db: Engine, now: datetime) -> None:
    """KABID's perilaku, rated by KADIS, with input from KABID's two staff: the aggregate per value appears once two
    inputs are in, without names; each input is on its own chain and on the SKP's."""
    cast = monitored_cycle(db, now)
    board = _name(db, cast, KABID, [STAF1, STAF2], now)
    assert (board.named, board.submitted, board.waiting) == (2, 0, 2)
    assert {r.relation for r in board.requests} == {"BAWAHAN"}
    ids = _request_ids(db, cast.skps[KABID])
    with unit_of_work(db) as s:
        mine = input_360.my_requests(s, actor=cast.actors[STAF1], now=now + timedelta(days=1))
        assert [m.pegawai_nip for m in mine] == [KABID]
        input_360.submit_input(s, mine[0].id, _all_good("Selalu membantu"), actor=cast.actors[STAF1], now=now)
    with reading(db) as s:
        one = input_360.board(s, cast.skps[KABID], 0, actor=cast.actors[KADIS], now=now)
    assert one.submitted == 1
    assert all(v.count == 1 and v.distribution is None and v.mean is None for v in one.values)  # too few to show
    ratings = {v.value: {"rating": "DI_ATAS_EKSPEKTASI"} for v in CoreValue}
    with unit_of_work(db) as s:
        input_360.submit_input(
            s, ids[cast.actors[STAF2].pegawai_id or 0], SubmitIn.model_validate({"ratings": ratings}),
            actor=cast.actors[STAF2], now=now,
        )  # fmt: skip
        two = input_360.board(s, cast.skps[KABID], 0, actor=cast.actors[KADIS], now=now)
    akuntabel = next(v for v in two.values if v.core_value is CoreValue.AKUNTABEL)
    assert akuntabel.count == 2 and akuntabel.mean == 2.5
    assert akuntabel.distribution == {
        Rating.DI_ATAS_EKSPEKTASI: 1,
        Rating.SESUAI_EKSPEKTASI: 1,
        Rating.DI_BAWAH_EKSPEKTASI: 0,
    }
    assert akuntabel.notes == ("Selalu membantu",)
    assert two.by_pemberi is None  # who said what: not by default
    with reading(db) as s:
        triggers = s.execute(
            select(col(AuditEvent.entity_type), col(AuditEvent.trigger)).where(
                col(AuditEvent.entity_type).in_(["input_360", "skp"]),
                col(AuditEvent.trigger).in_(["name", "submit", "name_pemberi"]),
            )
        ).all()
        assert sorted(triggers) == sorted(
            [("skp", "name_pemberi"), ("input_360", "name"), ("input_360", "name"), ("input_360", "submit"),
             ("input_360", "submit")]
        )  # fmt: skip
        assert audit.verify(s).ok


@pytest.mark.parametrize(
    ("nip", "nips", "message"),
    [
        (STAF1, [STAF2], None),  # a rekan setingkat: same unit, pelaksana and fungsional one level
        (STAF1, [KABID2], "neither a rekan kerja setingkat"),  # another unit, another level
        (STAF1, [KABID], "is the pejabat penilai"),
        (STAF1, [KADIS], "is the atasan pejabat penilai"),
        (STAF1, [STAF1], "is the pegawai rated"),
        (STAF1, [STAF2, STAF2], "listed twice"),
        (STAF1, ["199999999999999999"], "no pegawai with NIP"),
        (KABID, [KABID2], "neither a rekan kerja setingkat"),  # same level, another unit
    ],
)
def test_who_may_be_named(db: Engine, now: datetime, nip: str, nips: list[str], message: str | None) -> None:
    cast = monitored_cycle(db, now)
    before = _request_ids(db, cast.skps[nip])
    if message is None:
        assert _name(db, cast, nip, nips, now).named == len(nips)
        return
    with pytest.raises(InvalidInput, match=message):
        _name(db, cast, nip, nips, now)
    assert _request_ids(db, cast.skps[nip]) == before  # a refusal changes nothing


def test_naming_is_the_penilais_and_the_policys(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    with unit_of_work(db) as s, pytest.raises(NotPermitted):  # the atasan penilai reads, the penilai names
        input_360.name_pemberi(
            s, cast.skps[STAF1], NameIn(period_no=0, nips=[STAF2]), actor=cast.actors[KADIS], now=now
        )
    with unit_of_work(db) as s, pytest.raises(NotFound):
        input_360.name_pemberi(
            s, cast.skps[STAF1], NameIn(period_no=0, nips=[STAF2]), actor=cast.actors[KABID2], now=now
        )
    _use_policy(db, cast, now, input_360="off")
    with pytest.raises(InvalidInput, match=r"perilaku\.input_360 is off"):
        _name(db, cast, STAF1, [STAF2], now)
    _use_policy(db, cast, now, input_360="optional", max_pemberi=1)
    with pytest.raises(InvalidInput, match=r"perilaku\.max_pemberi"):
        _name(db, cast, KABID, [STAF1, STAF2], now)


def test_required_holds_the_rating_until_the_input_is_in_or_the_window_closes(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    _use_policy(db, cast, now, input_360="required")
    at = now.replace(year=2027, month=1, day=10)
    with unit_of_work(db) as s:
        cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=at)
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], skps.ANNUAL, CapaianLevel.BAIK, actor=ROOT, now=at)
    inp = TriggerInput(rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI, rating_perilaku=Rating.SESUAI_EKSPEKTASI)

    def assess(when: datetime) -> None:
        with unit_of_work(db) as s:
            skps.fire(s, cast.skps[STAF1], "assess", actor=cast.actors[KABID], now=when, inp=inp)

    with pytest.raises(GuardFailed, match="name at least one pemberi pertimbangan"):
        assess(at)
    _name(db, cast, STAF1, [STAF2], at)
    with pytest.raises(GuardFailed, match=r"1 of 1 360 inputs are not in yet"):
        assess(at + timedelta(days=1))
    assess(at + timedelta(days=15))  # the 14-day window has closed: the rating goes ahead without it
    with reading(db) as s:
        assert s.get_one(Cycle, cast.cycle_id).state == "assessing"
        request = s.scalars(select(Input360)).one()
    with unit_of_work(db) as s, pytest.raises(GuardFailed, match=r"closed at|already rated"):
        input_360.submit_input(s, request.id or 0, _all_good(), actor=cast.actors[STAF2], now=at + timedelta(days=16))


def test_a_submission_rates_every_value_and_only_the_pemberi_gives_it(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    _name(db, cast, STAF1, [STAF2], now)
    request_id = _request_ids(db, cast.skps[STAF1])[cast.actors[STAF2].pegawai_id or 0]
    partial = SubmitIn.model_validate({"ratings": {"AKUNTABEL": {"rating": "SESUAI_EKSPEKTASI"}}})
    with unit_of_work(db) as s, pytest.raises(GuardFailed, match=r"ratings\.KOMPETEN"):
        input_360.submit_input(s, request_id, partial, actor=cast.actors[STAF2], now=now)
    with unit_of_work(db) as s, pytest.raises(NotPermitted):
        input_360.submit_input(s, request_id, _all_good(), actor=cast.actors[KABID], now=now)
    with unit_of_work(db) as s, pytest.raises(NotFound):
        input_360.submit_input(s, request_id, _all_good(), actor=cast.actors[STAF1], now=now)  # the pegawai rated
    with unit_of_work(db) as s:
        done = input_360.submit_input(s, request_id, _all_good(), actor=cast.actors[STAF2], now=now)
    assert done.request.state == "submitted" and all(v.rating == "SESUAI_EKSPEKTASI" for v in done.values)


def test_show_who_said_what_when_the_policy_allows_it(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    _use_policy(db, cast, now, show_who_said_what=True, input_360="optional")
    _name(db, cast, STAF1, [STAF2], now)
    request_id = _request_ids(db, cast.skps[STAF1])[cast.actors[STAF2].pegawai_id or 0]
    with unit_of_work(db) as s:
        input_360.submit_input(s, request_id, _all_good("rapi"), actor=cast.actors[STAF2], now=now)
        seen = input_360.board(s, cast.skps[STAF1], 0, actor=cast.actors[KABID], now=now)
    assert seen.by_pemberi is not None
    assert [(p.pemberi_nip, p.notes["LOYAL"]) for p in seen.by_pemberi] == [(STAF2, "rapi")]


def test_the_sweep_reminds_the_pemberi_and_tells_the_penilai_when_the_window_closes(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    _name(db, cast, KABID, [STAF1], now)
    sessions = lambda: Session(db, expire_on_commit=False)  # noqa: E731
    report = enforce_deadlines(sessions, as_of=now + timedelta(days=15), cycle_id=cast.cycle_id)
    assert report.by_key["input_360"].auto_actions == {"close_input_window": 1}
    again = enforce_deadlines(sessions, as_of=now + timedelta(days=15), cycle_id=cast.cycle_id)
    assert again.by_key["input_360"].steps == 0  # idempotent
    with reading(db) as s:
        rows = s.execute(
            select(col(Outbox.recipient), col(Outbox.action)).where(col(Outbox.deadline_key) == "input_360")
        ).all()
        # both reminders were reached in one run after the due instant: superseded, so only the closing is sent
        assert sorted(rows) == [(f"nip:{KADIS}", "auto_action")]
        assert audit.verify(s).ok
    early = enforce_deadlines(sessions, as_of=now + timedelta(days=8), cycle_id=cast.cycle_id)
    assert early.by_key["input_360"].pending == 1


def test_the_sweep_reminds_a_pemberi_before_the_window_closes(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    _name(db, cast, KABID, [STAF1], now)
    sessions = lambda: Session(db, expire_on_commit=False)  # noqa: E731
    enforce_deadlines(sessions, as_of=now + timedelta(days=9), cycle_id=cast.cycle_id)
    with reading(db) as s:
        rows = s.execute(
            select(col(Outbox.recipient), col(Outbox.action)).where(col(Outbox.deadline_key) == "input_360")
        ).all()
    assert [tuple(r) for r in rows] == [(f"nip:{STAF1}", "reminder")]


def test_pending_requests_follow_a_new_penilai(db: Engine, now: datetime) -> None:
    """The import makes STAF2 head of Bidang P2P: STAF1's SKP moves to STAF2, the request to STAF2 (now the penilai)
    is withdrawn, and the others are audited `reassigned` with both names."""
    cast = monitored_cycle(db, now)
    extra = small_org().pegawai[-1].model_dump() | {"nip": "199606062021011007", "name": "Sari Pelaksana"}
    org = small_org(pegawai=[p.model_dump() for p in small_org().pegawai] + [extra])
    with unit_of_work(db) as s:
        import_org(s, org, actor=ROOT, now=now)
    _name(db, cast, STAF1, [STAF2, "199606062021011007"], now)
    units = [u.model_dump() for u in small_org().units]
    for u in units:
        if u["code"] == "DINKES-P2P":
            u["head_nip"] = STAF2
    with unit_of_work(db) as s:
        import_org(s, small_org(units=units, pegawai=org.model_dump()["pegawai"]), actor=ROOT, now=now)
    with reading(db) as s:
        rows = {r.pemberi_id: r for r in s.scalars(select(Input360).where(col(Input360.skp_id) == cast.skps[STAF1]))}
        assert rows[cast.actors[STAF2].pegawai_id or 0].state == "withdrawn"
        kept = next(r for pid, r in rows.items() if pid != cast.actors[STAF2].pegawai_id)
        assert kept.state == "requested"
        event = s.scalars(
            select(AuditEvent).where(
                col(AuditEvent.entity_type) == "input_360",
                col(AuditEvent.entity_id) == kept.id,
                col(AuditEvent.trigger) == "reassigned",
            )
        ).one()
        assert event.note is not None and "Budi Kabid, S.KM" in event.note and "Joko Pengadministrasi" in event.note
        assert audit.verify(s).ok
