"""Every decision on an SKP explained: the kuadran cell behind its predikat (and the unit's capaian for a unit
head), the curve it is checked against, the follow-up rule that decides its case, each naming its policy setting
with a sentence in both languages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from states.enums import CapaianLevel, Rating
from states.errors import NotFound
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2
from tests.integration.scenario import ROOT, assess, monitored_cycle
from workflows.actors import Actor
from workflows.queries.explain import explain
from workflows.store.uow import reading

BAWAH, SESUAI, ATAS = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_ATAS_EKSPEKTASI
RATINGS = {KADIS: (None, SESUAI), KABID: (None, SESUAI), KABID2: (None, SESUAI), STAF1: (ATAS, BAWAH)}
RATINGS[STAF2] = (BAWAH, SESUAI)
CAPAIAN = dict.fromkeys(("DINKES", "DINKES-P2P", "DINKES-YANKES"), CapaianLevel.BAIK)


def test_the_reasons_behind_an_assessed_skp(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    assess(db, cast, now + timedelta(days=360), RATINGS, CAPAIAN)
    with reading(db) as s:
        staf1 = {r.subject: r for r in explain(s, cast.skps[STAF1], actor=cast.actors[STAF1]).reasons}
        staf2 = {r.subject: r for r in explain(s, cast.skps[STAF2], actor=cast.actors[KABID]).reasons}
        kabid = [r.rule for r in explain(s, cast.skps[KABID], actor=ROOT).reasons]

    # good results, perilaku below expectation: Kurang/Misconduct; a PNS fungsional enters the sanction path
    assert staf1["predikat"].rule == "kuadran.DI_ATAS_EKSPEKTASI.DI_BAWAH_EKSPEKTASI"
    assert staf1["predikat"].inputs["predikat"] == "KURANG"
    assert (staf1["follow_up"].rule, staf1["follow_up"].inputs["opens"]) == ("follow_up.by_predikat.KURANG", "SANCTION")
    assert staf1["follow_up"].policy == "permenpanrb-6-2022 4"
    assert "membuka tindak lanjut SANCTION" in staf1["follow_up"].text_id
    # the PPPK's BUTUH_PERBAIKAN is coaching by the base mapping; the PPPK rule names only KURANG and SANGAT_KURANG
    assert (staf2["follow_up"].rule, staf2["follow_up"].inputs["opens"]) == (
        "follow_up.by_predikat.BUTUH_PERBAIKAN",
        "COACHING",
    )
    assert staf2["distribution"].inputs["curve_unit"] == "DINKES-P2P"
    assert staf2["distribution"].inputs["violations"] == []
    assert staf2["distribution"].text_en == "The distribution curve of DINKES-P2P (capaian BAIK) holds."
    # the kepala bidang heads the unit: the unit's capaian is his rating hasil kerja
    assert kabid[:2] == ["unit_head_rating.BAIK", "kuadran.SESUAI_EKSPEKTASI.SESUAI_EKSPEKTASI"]


def test_only_those_who_may_read_the_skp_see_why(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    with reading(db) as s:
        drafted = explain(s, cast.skps[STAF1], actor=cast.actors[STAF1]).reasons
        assert [r.subject for r in drafted] == ["distribution"]  # nothing rated yet; the curve is not checked
        assert drafted[0].inputs["capaian"] is None
        with pytest.raises(NotFound):
            explain(s, cast.skps[STAF1], actor=Actor.admin("other", frozenset({999})))
