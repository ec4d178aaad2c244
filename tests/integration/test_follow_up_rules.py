"""Follow-up by rule: the case a result opens depends on the pegawai's jenis and jabatan, and a low result in
consecutive years opens the case the policy names. Last year's results are the instansi's 2025 cycle."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import ConsecutiveRule
from states.enums import CapaianLevel, FollowUpKind, JenisPegawai, Predikat, Rating
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2
from tests.integration.scenario import ROOT, SYSTEM, Cast, assess, monitored_cycle
from workflows.cases import cycles, followups, policy_store
from workflows.store.tables import Cycle, FollowUpCase, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

BAWAH, SESUAI = Rating.DI_BAWAH_EKSPEKTASI, Rating.SESUAI_EKSPEKTASI
BP = Predikat.BUTUH_PERBAIKAN.value
# P2P's capaian is BUTUH_PERBAIKAN: its head is rated below expectation, and the curve wants 60% BUTUH_PERBAIKAN
CAPAIAN = {
    "PEMDA": CapaianLevel.BAIK,
    "DINKES": CapaianLevel.BAIK,
    "DINKES-P2P": CapaianLevel.BUTUH_PERBAIKAN,
    "DINKES-YANKES": CapaianLevel.BAIK,
}
RATINGS = {KADIS: (None, SESUAI), KABID: (None, SESUAI), KABID2: (None, SESUAI), STAF1: (BAWAH, SESUAI)}
RATINGS[STAF2] = (BAWAH, SESUAI)  # KABID, STAF1 (PNS) and STAF2 (PPPK) BUTUH_PERBAIKAN this year
LAST_YEAR = {KABID: BP, STAF1: "BAIK", STAF2: BP}


def _last_year(db: Engine, cast: Cast, now: datetime) -> None:
    """The instansi's 2025 cycle with its results (as an import of last year's predikat would leave them)."""
    with unit_of_work(db) as s:
        pinned = s.get_one(Cycle, cast.cycle_id).policy_version_id
        earlier = cycles.create(
            s, instansi_id=cast.instansi_id, year=2025, name="SKP 2025", policy_version_id=pinned, actor=ROOT, now=now
        ).id
    cycles.open_cycle(lambda: Session(db, expire_on_commit=False), earlier, actor=ROOT, now=now)
    with unit_of_work(db) as s:
        for nip, predikat in LAST_YEAR.items():
            pegawai = select(col(Pegawai.id)).where(col(Pegawai.nip) == nip).scalar_subquery()
            s.execute(
                update(Skp)
                .where(col(Skp.cycle_id) == earlier, col(Skp.pegawai_id) == pegawai)
                .values(predikat=predikat)
            )


def _two_low_years(db: Engine, cast: Cast, now: datetime) -> None:
    rule = ConsecutiveRule(
        jenis=[JenisPegawai.PNS],
        predikat=[Predikat.BUTUH_PERBAIKAN, Predikat.KURANG, Predikat.SANGAT_KURANG],
        years=2,
        opens=FollowUpKind.SANCTION,
    )
    with unit_of_work(db) as s:
        preset = policy_store.cycle_policy(s, s.get_one(Cycle, cast.cycle_id))
        strict = preset.model_copy(
            update={"name": "two-low-years", "follow_up": preset.follow_up.model_copy(update={"consecutive": [rule]})}
        )
        pinned = policy_store.store(s, strict, instansi_id=cast.instansi_id, created_by="test", now=now).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))


def _cases(db: Engine, cast: Cast, at: datetime) -> dict[str, str]:
    done = followups.dispatch(lambda: Session(db), cast.cycle_id, actor=SYSTEM, now=at)
    assert done.refused == 0, done.reasons
    by_skp = {skp_id: nip for nip, skp_id in cast.skps.items()}
    with reading(db) as s:
        found = s.execute(select(col(FollowUpCase.skp_id), col(FollowUpCase.kind))).tuples()
        return {by_skp[skp_id]: kind for skp_id, kind in found if skp_id in by_skp}


def test_the_preset_maps_by_jenis_and_jabatan(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    at = now + timedelta(days=360)
    _last_year(db, cast, now)
    assess(db, cast, at, RATINGS, CAPAIAN)
    # no consecutive rule in the preset: last year does not matter; BUTUH_PERBAIKAN is coaching for PNS and PPPK
    assert _cases(db, cast, at + timedelta(days=15)) == {KABID: "COACHING", STAF1: "COACHING", STAF2: "COACHING"}


def test_two_low_years_in_a_row_open_the_sanction_path(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    at = now + timedelta(days=360)
    _last_year(db, cast, now)
    _two_low_years(db, cast, now)
    assess(db, cast, at, RATINGS, CAPAIAN)
    assert _cases(db, cast, at + timedelta(days=15)) == {
        KABID: "SANCTION",  # PNS, BUTUH_PERBAIKAN in 2025 and 2026
        STAF1: "COACHING",  # BAIK last year: the mapping
        STAF2: "COACHING",  # a PPPK: the rule is for PNS
    }
