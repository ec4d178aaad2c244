"""A unit's distribution as HR and the pimpinan see it: counts, the curve's limits for its capaian, violations."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from states.enums import CapaianLevel, Rating
from states.errors import InvalidInput, NotFound, NotPermitted
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import ROOT, assess, monitored_cycle
from workflows.actors import Actor
from workflows.queries.distribution import LimitView, ViolationView, unit_distribution
from workflows.store.uow import reading

BAWAH, SESUAI, ATAS = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI, Rating.DI_ATAS_EKSPEKTASI


def test_the_unit_distribution_for_hr_and_the_pimpinan(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    ratings = {KABID: (None, SESUAI), STAF1: (ATAS, ATAS), STAF2: (BAWAH, BAWAH)}  # BAIK, SANGAT_BAIK, SANGAT_KURANG
    assess(db, cast, now + timedelta(days=360), ratings, {"DINKES-P2P": CapaianLevel.BAIK})
    p2p = cast.units["DINKES-P2P"]

    with reading(db) as s:
        seen = unit_distribution(s, cast.cycle_id, p2p, 0, actor=ROOT)
    assert (seen.unit_code, seen.level, seen.mode, seen.n) == ("DINKES-P2P", "BAIK", "hard", 3)
    assert seen.counts == {"SANGAT_BAIK": 1, "BAIK": 1, "BUTUH_PERBAIKAN": 0, "KURANG": 0, "SANGAT_KURANG": 1}
    assert seen.limits == [
        LimitView(("BAIK",), 0, 2, True),  # at most 70% of 3, rounded half up
        LimitView(("BUTUH_PERBAIKAN", "KURANG"), 1, 3, True),
    ]
    assert seen.violations == [
        ViolationView(("BUTUH_PERBAIKAN", "KURANG"), 0, "at least one BUTUH_PERBAIKAN or KURANG, found 0", True)
    ]

    for pimpinan in (KABID, KADIS, SEKDA):  # the head of the unit, and of each unit above it
        with reading(db) as s:
            assert unit_distribution(s, cast.cycle_id, p2p, 0, actor=cast.actors[pimpinan]) == seen
    with reading(db) as s:
        january = unit_distribution(s, cast.cycle_id, p2p, 1, actor=ROOT)
    assert (january.level, january.n, january.limits, january.violations) == (None, 0, [], [])

    refusals: list[tuple[type[Exception], Actor, int]] = [
        (NotPermitted, cast.actors[STAF1], 0),  # a member of the unit, not its head
        (NotPermitted, cast.actors[KABID2], 0),  # the head of a sibling unit
        (NotPermitted, Actor(ref="user:bpk", auditor_of=frozenset({cast.instansi_id})), 0),  # auditors read trails
        (NotFound, Actor.admin("other", frozenset({999})), 0),  # HR of another instansi
        (NotFound, Actor(ref="pegawai:x", pegawai_id=99999), 0),
        (InvalidInput, ROOT, 13),
    ]
    for error, actor, period in refusals:
        with pytest.raises(error), reading(db) as s:
            unit_distribution(s, cast.cycle_id, p2p, period, actor=actor)
