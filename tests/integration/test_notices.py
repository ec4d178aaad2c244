"""Notices for the steps people wait on (issue 17 item 6): each move that leaves someone something to do or to
know writes one outbox message to them in the move's own transaction — a refused move writes none."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import GuardFailed
from states.evaluation import EVALUATION
from states.follow_up import CASE, SANCTION
from states.keberatan import KEBERATAN
from states.lifecycle import TriggerInput
from states.skp import SKP
from tests.integration.org import KABID, KADIS, STAF1
from tests.integration.scenario import assess, monitored_cycle
from workflows.cases import notices, objections, skps
from workflows.store.tables import Outbox
from workflows.store.uow import reading, unit_of_work

BAWAH, SESUAI = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI


def _notices(db: Engine, entity_type: str, entity_id: int) -> list[tuple[str, str, str]]:
    """(recipient, status, subject) of each notice on an entity, in the order written."""
    with reading(db) as s:
        found = s.execute(
            select(col(Outbox.recipient), col(Outbox.status), col(Outbox.subject), col(Outbox.dedupe_key))
            .where(
                col(Outbox.action) == "notice",
                col(Outbox.entity_type) == entity_type,
                col(Outbox.entity_id) == entity_id,
            )
            .order_by(col(Outbox.id))
        ).all()
    assert all(key.startswith(f"notice:{entity_type}:{entity_id}:") for *_, key in found)
    return [(recipient, status, subject) for recipient, status, subject, _ in found]


def test_planning_tells_the_penilai_and_the_pegawai_in_turn(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)  # STAF1 proposes, the kepala bidang cascades and agrees
    assert _notices(db, "skp", cast.skps[STAF1]) == [
        (f"nip:{KABID}", "no_address", "[SKP] Rencana SKP menunggu persetujuan — Dewi Epidemiolog"),
        (f"nip:{STAF1}", "no_address", "[SKP] RHK atasan telah diturunkan — Dewi Epidemiolog"),
        (f"nip:{STAF1}", "no_address", "[SKP] SKP disetujui — Dewi Epidemiolog"),
    ]


def test_a_rating_and_a_keberatan_reach_who_acts_next(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    at = now + timedelta(days=360)
    assess(db, cast, at, {STAF1: (BAWAH, SESUAI)}, {"DINKES": CapaianLevel.BAIK, "DINKES-P2P": CapaianLevel.BAIK})
    skp_id = cast.skps[STAF1]
    assert _notices(db, "skp", skp_id)[-1][::2] == (
        f"nip:{STAF1}",
        "[SKP] Hasil penilaian kinerja tahunan — Dewi Epidemiolog",
    )
    with unit_of_work(db) as s:
        filed = objections.file(s, skp_id, "Target triwulan IV", actor=cast.actors[STAF1], now=at + timedelta(days=2))
    with reading(db) as s:
        body = s.scalars(
            select(col(Outbox.body)).where(col(Outbox.entity_type) == "keberatan", col(Outbox.entity_id) == filed.id)
        ).one()
    assert _notices(db, "keberatan", filed.id)[0][0] == f"nip:{KADIS}"  # the atasan pejabat penilai decides
    assert "Catatan: Target triwulan IV" in body and "NIP " + STAF1 in body and "None" not in body


def test_a_refused_move_tells_nobody(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    with reading(db) as s:
        before = len(s.scalars(select(col(Outbox.id))).all())
    with pytest.raises(GuardFailed), unit_of_work(db) as s:  # adjusting needs a reason
        skps.fire(s, cast.skps[STAF1], "adjust", actor=cast.actors[KABID], now=now, inp=TriggerInput())
    with reading(db) as s:
        assert len(s.scalars(select(col(Outbox.id))).all()) == before


def test_every_handoff_names_a_move_of_its_lifecycle() -> None:
    triggers = {
        "skp": {r.trigger for r in SKP.rows} | {"propose"},  # proposing is a plan edit, not a transition
        "evaluation": {r.trigger for r in EVALUATION.rows},
        "keberatan": {r.trigger for r in KEBERATAN.rows} | {"file"},  # filing creates the keberatan
        "follow_up_case": {r.trigger for r in CASE.rows} | {r.trigger for r in SANCTION.rows},
    }
    unknown = [key for key in notices.HANDOFFS if key[1] not in triggers.get(key[0], set())]
    assert unknown == []
