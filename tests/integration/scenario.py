"""The small organisation's cycle carried through the use cases to monitoring, and on to assessment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.lifecycle import TriggerInput
from states.skp import SKP, SkpFacts
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2, small_org
from workflows import engine
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store, skps
from workflows.cases.org.imports import import_org
from workflows.cases.skps import PlanIn
from workflows.store.tables import AuditEvent, Cycle, Pegawai, Skp, Unit
from workflows.store.uow import reading, unit_of_work

ROOT = Actor.admin("root")
SYSTEM = Actor.scheduler("test")

# each pegawai after their atasan, so every plan can intervene an agreed RHK
ATASAN = {SEKDA: None, KADIS: SEKDA, KABID: KADIS, KABID2: KADIS, STAF1: KABID, STAF2: KABID}
UNIT_OF = {SEKDA: "PEMDA", KADIS: "DINKES", KABID: "DINKES-P2P", KABID2: "DINKES-YANKES"}


def plan(intervenes: int | None) -> PlanIn:
    """An RHK Utama with two indicators and an RHK Tambahan with one."""
    return PlanIn.model_validate(
        {
            "rhk": [
                {
                    "jenis": "UTAMA",
                    "text": "Meningkatnya cakupan imunisasi",
                    "intervensi_rhk_id": intervenes,
                    "cascade": "DIRECT" if intervenes else None,
                    "indikator": [
                        {"text": "Cakupan imunisasi dasar", "aspek": "KUANTITAS", "target": 95, "satuan": "persen"},
                        {"text": "Laporan tepat waktu", "aspek": "WAKTU", "target": 12, "satuan": "laporan"},
                    ],
                },
                {
                    "jenis": "TAMBAHAN",
                    "text": "Anggota tim penanganan KLB",
                    "indikator": [
                        {"text": "Kegiatan tim diikuti", "aspek": "KUANTITAS", "target": 4, "satuan": "kali"}
                    ],
                },
            ],
            "propose": True,
        }
    )


@dataclass(frozen=True)
class Cast:
    """The cycle, and each pegawai's actor and SKP id by NIP."""

    cycle_id: int
    instansi_id: int
    actors: dict[str, Actor]
    skps: dict[str, int]
    units: dict[str, int]

    def penilai_of(self, nip: str) -> Actor:
        atasan = ATASAN[nip]
        return self.actors[atasan] if atasan else ROOT


def open_cycle(db: Engine, now: datetime) -> int:
    """As org.open_small_cycle, without login passwords: nobody logs in here, and each Argon2 hash costs 0.2 s."""
    org = small_org()
    org = org.model_copy(update={"pegawai": [p.model_copy(update={"password": None}) for p in org.pegawai]})
    with unit_of_work(db) as s:
        instansi_id = import_org(s, org, actor=ROOT, now=now).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle_id = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=now
        ).id
    opened = cycle.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=now)
    assert (opened.drafted, opened.cycle.state) == (6, "drafting")
    return cycle_id


def monitored_cycle(
    db: Engine, now: datetime, plans: Mapping[str, Callable[[int | None], PlanIn]] | None = None
) -> Cast:
    """Every SKP of the small organisation planned, agreed through the use cases, and monitored; `plans` gives some
    pegawai (by NIP) another plan than `plan`."""
    cycle_id = open_cycle(db, now)
    with reading(db) as s:
        pegawai = {nip: pid for pid, nip in s.execute(select(col(Pegawai.id), col(Pegawai.nip)))}
        skp_ids = {
            nip: skp_id
            for skp_id, nip in s.execute(
                select(col(Skp.id), col(Pegawai.nip)).join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            )
        }
        units = {code: uid for uid, code in s.execute(select(col(Unit.id), col(Unit.code)))}
        instansi_id = s.get_one(Cycle, cycle_id).instansi_id
    cast = Cast(cycle_id, instansi_id, {nip: Actor.pegawai(pid, nip) for nip, pid in pegawai.items()}, skp_ids, units)
    first_rhk: dict[str, int] = {}
    for nip, atasan in ATASAN.items():
        with unit_of_work(db) as s:
            skp_id = skp_ids[nip]
            planned = (plans or {}).get(nip, plan)(first_rhk[atasan] if atasan else None)
            view = skps.save_plan(s, skp_id, planned, actor=cast.actors[nip], now=now)
            first_rhk[nip] = view.rhk[0]["id"]
            skps.fire(s, skp_id, "cascade", actor=cast.penilai_of(nip), now=now)
            skps.fire(s, skp_id, "agree", actor=cast.penilai_of(nip), now=now)
    with unit_of_work(db) as s:
        cycle.fire(s, cycle_id, "start_monitoring", actor=ROOT, now=now)
    moved = engine.fire_many(
        lambda: Session(db),
        SKP,
        "skp",
        "monitor",
        list(skp_ids.values()),
        instansi_id=instansi_id,
        actor=SYSTEM,
        now=now,
        facts=SkpFacts(cycle_state="monitoring"),
    )
    assert len(moved.fired) == 6
    return cast


Ratings = tuple[Rating | None, Rating]


def assess(db: Engine, cast: Cast, at: datetime, ratings: dict[str, Ratings], capaian: dict[str, CapaianLevel]) -> None:
    """Start the cycle's assessment, set the units' annual capaian, and assess the SKPs named in `ratings`
    (a unit head's rating hasil kerja is None: the unit's capaian decides it)."""
    with unit_of_work(db) as s:
        cycle.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=at)
        for code, level in capaian.items():
            skps.set_capaian(s, cast.cycle_id, cast.units[code], skps.ANNUAL, level, actor=ROOT, now=at)
    for nip, (hk, pk) in ratings.items():
        with unit_of_work(db) as s:
            inp = TriggerInput(rating_hasil_kerja=hk, rating_perilaku=pk)
            skps.fire(s, cast.skps[nip], "assess", actor=cast.penilai_of(nip), now=at, inp=inp)


def event_count(db: Engine) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def rows(db: Engine, table: type[object]) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).select_from(table)) or 0
