"""A demo that can be walked: the upper levels of the seeded kabupaten planned and agreed, through the use cases.

A pegawai's SKP is cascaded only once their pejabat penilai's own SKP is agreed, so a demo where every SKP is
drafted refuses the first "Kaskadekan" an atasan tries. `agree_levels` walks the penilai chain from the top
(level 1: the SKPs rated from outside the organisation, the Sekretaris Daerah's; level k + 1: those whose penilai
is at level k) and, for the first `levels` levels, does what the people would: the pegawai saves a plan whose RHK
Utama intervenes the penilai's RHK and proposes it, the penilai (an admin for the top) cascades and agrees it.
Each step is the same use case the pages call, with its guards and its audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import Aspek, CascadeKind, JenisRhk
from states.skp import SkpState
from workflows.actors import Actor
from workflows.cases import cycles, policy_store, skps
from workflows.cases.org.imports import ImportResult, OrgImport, import_org
from workflows.simulation.demo import DEMO_PASSWORD
from workflows.store.passwords import DEMO, verify_password
from workflows.store.tables import AppUser, Cycle, Pegawai, Skp, Unit
from workflows.store.uow import unit_of_work

DEMO_ADMIN_PASSWORD = "admin-demo-2026"  # what `make run` gives SKPFLOW_ADMIN_PASSWORD
SHOWN_ACCOUNTS = 12  # accounts checked for a demo password at start: each check is one Argon2 verification


@dataclass(frozen=True)
class Level:
    """One level of the penilai chain: its SKPs, agreed by the seed or left drafted."""

    level: int
    skps: int
    agreed: bool


_Row = tuple[int, int, int | None, str]  # skp id, pegawai id, penilai id, state


def _levels(session: Session, cycle_id: int) -> list[list[_Row]]:
    """The cycle's SKPs per level of the penilai chain, from the top; SKPs on no chain are left out."""
    rows = session.execute(
        select(col(Skp.id), col(Skp.pegawai_id), col(Skp.penilai_id), col(Skp.state))
        .where(col(Skp.cycle_id) == cycle_id)
        .order_by(col(Skp.id))
    ).tuples()
    by_penilai: dict[int | None, list[_Row]] = {}
    for skp_id, pegawai_id, penilai_id, state in rows:
        assert skp_id is not None
        by_penilai.setdefault(penilai_id, []).append((skp_id, pegawai_id, penilai_id, state))
    levels: list[list[_Row]] = []
    current = by_penilai.get(None, [])
    seen: set[int] = set()
    while current:
        levels.append(current)
        seen.update(row[1] for row in current)
        current = [row for above in current for row in by_penilai.get(above[1], []) if row[1] not in seen]
    return levels


def _plan(unit: str, jabatan: str, intervenes: int | None) -> skps.PlanIn:
    return skps.PlanIn(
        rhk=[
            skps.RhkIn(
                jenis=JenisRhk.UTAMA,
                text=f"Terwujudnya sasaran kinerja {unit}",
                intervensi_rhk_id=intervenes,
                cascade=CascadeKind.DIRECT if intervenes else None,
                indikator=[
                    skps.IndikatorIn(
                        text=f"Persentase target {jabatan} yang tercapai",
                        aspek=Aspek.KUANTITAS,
                        target=100,
                        satuan="persen",
                    )
                ],
            )
        ],
        propose=True,
    )


def agree_levels(
    sessions: Callable[[], Session], cycle_id: int, levels: int, *, admin: Actor, now: datetime
) -> list[Level]:
    """Plan, cascade and agree the SKPs of the first `levels` levels of the penilai chain; one transaction a level.

    `admin` acts for the pejabat penilai outside the organisation (the bupati) at the top. Every level's size is
    returned, agreed or not, so the caller can say where the demo's walk starts.
    """
    with sessions() as s:
        chain = _levels(s, cycle_id)
        ids = {row[1] for level in chain for row in level}
        who = {p.id: p for p in s.scalars(select(Pegawai).where(col(Pegawai.id).in_(ids)))}
        unit_names = dict(s.execute(select(col(Unit.id), col(Unit.name))).tuples().all())
    first_rhk: dict[int, int] = {}  # pegawai id → the first RHK of their agreed SKP
    out: list[Level] = []
    for depth, rows in enumerate(chain, start=1):
        if depth > levels:
            out.append(Level(depth, len(rows), agreed=False))
            continue
        with sessions() as s, s.begin():
            for skp_id, pegawai_id, penilai_id, state in rows:
                if state != SkpState.drafted.value:  # a rerun, or someone was quicker: leave it as it is
                    rhk, _ = skps.plan_rows(s, skp_id)
                    if rhk and rhk[0].id is not None:
                        first_rhk[pegawai_id] = rhk[0].id
                    continue
                person = who[pegawai_id]
                assert person.id is not None
                mine = Actor.pegawai(person.id, person.nip)
                rater = admin if penilai_id is None else Actor.pegawai(penilai_id, who[penilai_id].nip)
                plan = _plan(unit_names.get(person.unit_id, ""), person.jabatan_name, first_rhk.get(penilai_id or 0))
                saved = skps.save_plan(s, skp_id, plan, actor=mine, now=now)
                first_rhk[pegawai_id] = saved.rhk[0]["id"]
                for trigger in ("cascade", "agree"):
                    skps.fire(s, skp_id, trigger, actor=rater, now=now)
        out.append(Level(depth, len(rows), agreed=True))
    return out


@dataclass(frozen=True)
class Seeded:
    imported: ImportResult
    cycle_name: str
    opened: cycles.OpenResult
    levels: list[Level]


def seed_kabupaten(
    engine: Engine, payload: OrgImport, *, year: int, policy: str, agreed_levels: int, now: datetime
) -> Seeded:
    """What `skpflow seed-demo` does: import the kabupaten, create its cycle on `policy` (a preset) and open it,
    then agree the first `agreed_levels` levels of the penilai chain. Rerunning it is harmless (the import is an
    upsert, the cycle is found by name, opening drafts only the missing SKPs, only drafted SKPs are planned)."""
    root = Actor.admin("seed-demo")
    with unit_of_work(engine) as s:
        result = import_org(s, payload, actor=root, now=now, passwords=DEMO)  # the demo accounts' `demo`
        pv = policy_store.preset(s, policy, now=now)
        name = f"SKP {year}"
        existing = s.scalar(select(Cycle).where(col(Cycle.instansi_id) == result.instansi_id, col(Cycle.name) == name))
        cycle_id = (
            existing.id
            if existing
            else cycles.create(
                s, instansi_id=result.instansi_id, year=year, name=name, policy_version_id=pv.id, actor=root, now=now
            ).id
        )
    assert cycle_id is not None

    def sessions() -> Session:
        return Session(engine, expire_on_commit=False)

    opened = cycles.open_cycle(sessions, cycle_id, actor=root, now=now)
    levels = agree_levels(sessions, cycle_id, agreed_levels, admin=root, now=now) if agreed_levels else []
    return Seeded(result, name, opened, levels)


@dataclass(frozen=True)
class Login:
    login: str
    name: str
    what: str
    password: str


def demo_accounts(session: Session) -> list[Login]:
    """The accounts that still log in with a demo password (`demo` for pegawai, `admin-demo-2026` for HR), to print
    beside the URLs at start: the first few accounts with a password are checked, no more."""
    found: list[Login] = []
    users = session.execute(
        select(col(AppUser.username), col(AppUser.password_hash), col(AppUser.role))
        .order_by(col(AppUser.id))
        .limit(SHOWN_ACCOUNTS)
    ).tuples()
    for username, hashed, role in users:
        if verify_password(hashed, DEMO_ADMIN_PASSWORD):
            found.append(Login(username, username, f"HR {role}", DEMO_ADMIN_PASSWORD))
    pegawai = session.execute(
        select(col(Pegawai.nip), col(Pegawai.name), col(Pegawai.jabatan_name), col(Pegawai.password_hash))
        .where(col(Pegawai.password_hash).is_not(None))
        .order_by(col(Pegawai.id))
        .limit(SHOWN_ACCOUNTS)
    ).tuples()
    for nip, name, jabatan, pegawai_hash in pegawai:
        if verify_password(pegawai_hash, DEMO_PASSWORD):
            found.append(Login(nip, name, jabatan, DEMO_PASSWORD))
    return found
