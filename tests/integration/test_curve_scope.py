"""Whose predikat one curve counts (policy distribution.scope): the unit's own pegawai, its subtree, or its
perangkat daerah against the perangkat daerah's capaian. The small organisation: DINKES (kadis) over DINKES-P2P
(kabid and two staff) and DINKES-YANKES (kabid), every unit's capaian BAIK."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import CurveScope
from states.enums import CapaianLevel, Predikat, Rating
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2
from tests.integration.scenario import ROOT, Cast, assess, monitored_cycle
from workflows.cases import policy_store, skps
from workflows.queries.distribution import cycle_curves, unit_distribution
from workflows.store.tables import Cycle, Skp
from workflows.store.uow import reading, unit_of_work

BAWAH, SESUAI = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI
BAIK, BP = Predikat.BAIK.value, Predikat.BUTUH_PERBAIKAN.value

# four BAIK and one BUTUH_PERBAIKAN in DINKES's subtree; P2P alone has two BAIK and one BUTUH_PERBAIKAN
RATINGS = {KADIS: (None, SESUAI), KABID: (None, SESUAI), KABID2: (None, SESUAI), STAF1: (SESUAI, SESUAI)}
RATINGS[STAF2] = (BAWAH, SESUAI)
CAPAIAN = dict.fromkeys(("DINKES", "DINKES-P2P", "DINKES-YANKES"), CapaianLevel.BAIK)

# (scope, unit asked about) → (the curve unit, pegawai counted, BAIK, BUTUH_PERBAIKAN, groups that break the curve)
CASES = [
    (CurveScope.UNIT, "DINKES-P2P", "DINKES-P2P", 3, 2, 1, []),  # BAIK 2 ≤ ⌊70% × 3⌋
    (CurveScope.UNIT, "DINKES", "DINKES", 1, 1, 0, []),  # a unit of one: both rules waived
    (CurveScope.UNIT, "DINKES-YANKES", "DINKES-YANKES", 1, 1, 0, []),
    (CurveScope.SUBTREE, "DINKES-P2P", "DINKES-P2P", 3, 2, 1, []),  # no unit below it
    (CurveScope.SUBTREE, "DINKES", "DINKES", 5, 4, 1, [(BAIK,)]),  # BAIK 4 > ⌊70% × 5⌋ = 3
    (CurveScope.SUBTREE, "DINKES-YANKES", "DINKES-YANKES", 1, 1, 0, []),
    (CurveScope.PERANGKAT_DAERAH, "DINKES-P2P", "DINKES", 5, 4, 1, [(BAIK,)]),
    (CurveScope.PERANGKAT_DAERAH, "DINKES-YANKES", "DINKES", 5, 4, 1, [(BAIK,)]),
    (CurveScope.PERANGKAT_DAERAH, "DINKES", "DINKES", 5, 4, 1, [(BAIK,)]),
]


def _assessed_under(db: Engine, now: datetime, scope: CurveScope) -> Cast:
    cast = monitored_cycle(db, now)
    with unit_of_work(db) as s:  # the cycle pinned to the preset with the scope changed, before anything is rated
        cycle = s.get_one(Cycle, cast.cycle_id)
        preset = policy_store.cycle_policy(s, cycle)
        scoped = preset.model_copy(
            update={
                "name": f"scope-{scope.value}",
                "distribution": preset.distribution.model_copy(update={"scope": scope}),
            }
        )
        pinned = policy_store.store(s, scoped, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))
    assess(db, cast, now + timedelta(days=360), RATINGS, CAPAIAN)
    return cast


@pytest.mark.parametrize("scope", list(CurveScope))
def test_the_curve_counts_the_group_its_scope_names(db: Engine, now: datetime, scope: CurveScope) -> None:
    cast = _assessed_under(db, now, scope)
    for case_scope, code, curve_code, n, baik, bp, broken in CASES:
        if case_scope is not scope:
            continue
        with reading(db) as s:
            seen = unit_distribution(s, cast.cycle_id, cast.units[code], 0, actor=ROOT)
        assert (seen.scope, seen.curve_unit_code, seen.level) == (scope.value, curve_code, "BAIK"), code
        assert (seen.n, seen.counts[BAIK], seen.counts[BP]) == (n, baik, bp), code
        assert [v.predikat for v in seen.violations] == broken, code


@pytest.mark.parametrize("scope", list(CurveScope))
def test_follow_up_waits_on_the_curve_its_scope_names(db: Engine, now: datetime, scope: CurveScope) -> None:
    """The hard curve holds back follow-up of exactly the SKPs whose curve breaks, one read for all of them."""
    cast = _assessed_under(db, now, scope)
    with Session(db) as s:
        policy = policy_store.pinned_policy(s, cast.cycle_id)
        facts = skps.follow_up_facts(s, cast.cycle_id, policy, list(cast.skps.values()), now + timedelta(days=400))
        staf2 = s.get_one(Skp, cast.skps[STAF2])
        one = skps.facts(s, staf2, s.get_one(Cycle, cast.cycle_id), policy, now)
    held = {nip for nip, skp_id in cast.skps.items() if facts[skp_id].distribution_violations}
    expected = {
        CurveScope.UNIT: set(),
        CurveScope.SUBTREE: {KADIS},  # only DINKES's own SKPs are checked against DINKES's subtree
        CurveScope.PERANGKAT_DAERAH: {KADIS, KABID, KABID2, STAF1, STAF2},
    }[scope]
    assert held == expected
    assert bool(one.distribution_violations) == (STAF2 in expected)


@pytest.mark.parametrize("scope", list(CurveScope))
def test_the_distribution_page_draws_one_curve_per_group(db: Engine, now: datetime, scope: CurveScope) -> None:
    cast = _assessed_under(db, now, scope)
    with reading(db) as s:
        page = cycle_curves(s, cast.cycle_id, 0, actor=ROOT, limit=300)
        first, second = (cycle_curves(s, cast.cycle_id, 0, actor=ROOT, offset=o, limit=1) for o in (0, 1))
        found = cycle_curves(s, cast.cycle_id, 0, actor=ROOT, limit=300, search="yankes")
    every = ["PEMDA", "DINKES", "DINKES-P2P", "DINKES-YANKES"]
    expected = ["PEMDA", "DINKES"] if scope is CurveScope.PERANGKAT_DAERAH else every
    assert [view.unit_code for _, view in page.items] == expected
    assert (page.total, page.next, page.previous) == (len(expected), None, None)
    assert [v.unit_code for _, v in first.items + second.items] == expected[:2]
    assert (first.next, second.previous) == (1, 0)
    assert [v.unit_code for _, v in found.items] == ([] if scope is CurveScope.PERANGKAT_DAERAH else ["DINKES-YANKES"])
