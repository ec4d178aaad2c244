"""Periodic results as the annual rating's evidence, on both databases: the `assess` event records the periods and
their predikat, the Dokumen Evaluasi prints a line per period, and the annual rating stays the penilai's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, select
from sqlmodel import col

from api.web.documents import periodic_lines
from states.enums import CapaianLevel, Rating
from tests.integration.org import KABID, STAF1, STAF2
from tests.integration.scenario import assess, monitored_cycle
from workflows import audit
from workflows.cases.periodic_evidence import periodic_evidence
from workflows.queries.document_data import gather
from workflows.store.tables import AuditEvent, Evaluation, Skp
from workflows.store.uow import reading, unit_of_work

PERIODS = [(1, "closed", "BAIK"), (2, "closed", "BUTUH_PERBAIKAN"), (3, "lapsed", None), (4, "closed", "BAIK")]


def test_the_assess_event_and_the_document_carry_the_periods(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    staf1 = cast.skps[STAF1]
    with unit_of_work(db) as s:
        s.execute(
            insert(Evaluation),
            [{"skp_id": staf1, "period_no": n, "state": st, "version": 0, "predikat": p} for n, st, p in PERIODS],
        )
    # the penilai rates above the periods' run: the annual rating is theirs, not computed from the periods
    ratings = (Rating.DI_ATAS_EKSPEKTASI, Rating.DI_ATAS_EKSPEKTASI)
    later = now.replace(year=now.year + 1, month=1, day=10)
    assess(db, cast, later, {STAF1: ratings, STAF2: ratings}, {"DINKES-P2P": CapaianLevel.BAIK})

    expected = {
        "rating_hasil_kerja": "DI_ATAS_EKSPEKTASI",
        "rating_perilaku": "DI_ATAS_EKSPEKTASI",
        "periodic": {"periods": [{"period": n, "state": st, "predikat": p} for n, st, p in PERIODS]},
    }
    with reading(db) as s:
        digests = dict(
            list(
                s.execute(
                    select(col(AuditEvent.entity_id), col(AuditEvent.payload_digest)).where(
                        col(AuditEvent.entity_type) == "skp",
                        col(AuditEvent.trigger) == "assess",
                        col(AuditEvent.entity_id).in_([staf1, cast.skps[STAF2]]),
                    )
                ).tuples()
            )
        )
        assert digests[staf1] == audit.digest(expected)
        no_periods = {**expected, "periodic": {"periods": []}}
        assert digests[cast.skps[STAF2]] == audit.digest(no_periods)  # no period: the event says so
        assert s.get_one(Skp, staf1).predikat == "SANGAT_BAIK"

        found = periodic_evidence(s, [staf1, cast.skps[STAF2]])
        assert [p.period_no for p in found[staf1].rated] == [1, 2, 4]
        assert found[cast.skps[STAF2]].periods == ()
        document = gather(s, staf1, cast.actors[KABID])
    assert periodic_lines(document) == [
        "Periode 1: Baik",
        "Periode 2: Butuh Perbaikan",
        "Periode 3: tanpa predikat",
        "Periode 4: Baik",
    ]
