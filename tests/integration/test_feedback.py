"""Umpan balik: the pejabat penilai writes it, the people around the SKP read it, and the SKP's trail records it."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select
from sqlmodel import col

from states.errors import InvalidInput, NotFound, NotPermitted
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import ROOT, event_count, monitored_cycle, rows
from workflows import audit
from workflows.cases import feedback as feedbacks
from workflows.cases import skps
from workflows.cases.feedback import FeedbackIn
from workflows.store.tables import AuditEvent, Feedback
from workflows.store.uow import reading, unit_of_work


def test_feedback_from_the_penilai_read_around_the_skp(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    skp_id, kabid = cast.skps[STAF1], cast.actors[KABID]
    with reading(db) as s:
        rhk_id = skps.get(s, skp_id, ROOT).rhk[0]["id"]
        colleague_rhk = skps.get(s, cast.skps[STAF2], ROOT).rhk[0]["id"]

    with unit_of_work(db) as s:
        on_rhk = feedbacks.add_feedback(
            s, skp_id, FeedbackIn(rhk_id=rhk_id, text="Data cakupan perlu divalidasi"), actor=kabid, now=now
        )
        feedbacks.add_feedback(
            s,
            skp_id,
            FeedbackIn.model_validate({"core_value": "KOLABORATIF", "period_no": 1, "text": "Aktif di tim KLB"}),
            actor=kabid,
            now=now,
        )
    assert (on_rhk.author_nip, on_rhk.rhk_id, on_rhk.core_value) == (KABID, rhk_id, None)
    for reader in (cast.actors[STAF1], kabid, cast.actors[KADIS], ROOT):  # pegawai, penilai, atasan penilai, HR
        with reading(db) as s:
            seen = feedbacks.list_feedback(s, skp_id, actor=reader)
        assert [(f.rhk_id, f.core_value, f.period_no) for f in seen] == [(rhk_id, None, None), (None, "KOLABORATIF", 1)]

    events, kept = event_count(db), rows(db, Feedback)
    refusals: list[tuple[type[Exception], str | None, dict[str, object]]] = [
        (NotPermitted, STAF1, {"rhk_id": rhk_id, "text": "x"}),  # the pegawai does not give themselves feedback
        (NotFound, STAF2, {"rhk_id": rhk_id, "text": "x"}),  # a colleague does not see the SKP
        (InvalidInput, KABID, {"rhk_id": rhk_id, "core_value": "LOYAL", "text": "x"}),
        (InvalidInput, KABID, {"text": "x"}),
        (InvalidInput, KABID, {"rhk_id": colleague_rhk, "text": "x"}),
        (InvalidInput, KABID, {"core_value": "LOYAL", "period_no": 13, "text": "x"}),
        (InvalidInput, KABID, {"core_value": "LOYAL", "text": "   "}),
    ]
    for error, nip, data in refusals:
        with pytest.raises(error), unit_of_work(db) as s:
            feedbacks.add_feedback(
                s, skp_id, FeedbackIn.model_validate(data), actor=cast.actors[nip] if nip else ROOT, now=now
            )
    with pytest.raises(NotPermitted), unit_of_work(db) as s:  # HR stands in for the bupati, but signs no feedback
        feedbacks.add_feedback(
            s, cast.skps[SEKDA], FeedbackIn.model_validate({"core_value": "LOYAL", "text": "x"}), actor=ROOT, now=now
        )
    with pytest.raises(NotPermitted), reading(db) as s:  # the pimpinan above sees the SKP, not its feedback
        feedbacks.list_feedback(s, skp_id, actor=cast.actors[SEKDA])
    with pytest.raises(NotFound), reading(db) as s:
        feedbacks.list_feedback(s, skp_id, actor=cast.actors[KABID2])
    assert (event_count(db), rows(db, Feedback)) == (events, kept)

    with reading(db) as s:
        trail = s.execute(
            select(col(AuditEvent.trigger), col(AuditEvent.role), col(AuditEvent.note))
            .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.entity_id) == skp_id)
            .order_by(col(AuditEvent.seq))
        ).all()
        assert [tuple(e) for e in trail[-2:]] == [
            ("feedback", "penilai", f"feedback on RHK {rhk_id}"),
            ("feedback", "penilai", "feedback on core value KOLABORATIF, period 1"),
        ]
        assert audit.verify(s).ok
