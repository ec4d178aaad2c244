"""The organisation the load runs on: a Sekda, `units` bidang heads, `staff` pegawai each; every head's SKP agreed
through the use cases, so each staff SKP can be planned, cascaded, returned and agreed over HTTP."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from api import security
from tests.integration.scenario import plan
from tests.reliability.stack import KEY
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store, skps
from workflows.cases.org.imports import OrgImport, import_org
from workflows.store.tables import Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ROOT = Actor.admin("root")
INSTANSI = "KAB-LOAD"


def nip(n: int) -> str:
    return f"19800101{n:010d}"


def organisation(units: int, staff: int, *, code: str = INSTANSI, base: int = 1) -> OrgImport:
    top = nip(base)
    unit_rows: list[dict[str, Any]] = [{"code": f"{code}-PEMDA", "name": "Sekretariat Daerah", "head_nip": top}]
    pegawai: list[dict[str, Any]] = [
        {
            "nip": top,
            "name": "Sekretaris Daerah",
            "jenis": "PNS",
            "jabatan_type": "JPT",
            "jabatan_name": "Sekretaris Daerah",
            "unit_code": f"{code}-PEMDA",
        }
    ]
    n = base + 1
    for u in range(units):
        head = nip(n)
        n += 1
        unit_rows.append(
            {"code": f"{code}-B{u}", "name": f"Bidang {u}", "parent_code": f"{code}-PEMDA", "head_nip": head}
        )
        pegawai.append(
            {
                "nip": head,
                "name": f"Kepala Bidang {u}",
                "jenis": "PNS",
                "jabatan_type": "ADMINISTRATOR",
                "jabatan_name": f"Kepala Bidang {u}",
                "unit_code": f"{code}-B{u}",
            }
        )
        for s in range(staff):
            pegawai.append(
                {
                    "nip": nip(n),
                    "name": f"Pegawai {u}.{s}",
                    "jenis": "PNS",
                    "jabatan_type": "PELAKSANA",
                    "jabatan_name": "Pengadministrasi Umum",
                    "unit_code": f"{code}-B{u}",
                    "email": f"p{n}@load.go.id",
                }
            )
            n += 1
    return OrgImport.model_validate(
        {"instansi": {"code": code, "name": f"Kabupaten {code}"}, "units": unit_rows, "pegawai": pegawai}
    )


@dataclass(frozen=True)
class StaffSkp:
    skp_id: int
    nip: str
    penilai_nip: str
    intervenes: int  # the RHK of the head's agreed SKP the staff plan intervenes


@dataclass(frozen=True)
class World:
    cycle_id: int
    instansi_id: int
    staff: list[StaffSkp]
    units: list[str]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def build(db: Engine, *, units: int, staff: int, code: str = INSTANSI, base: int = 1) -> World:
    """Import, open the cycle, and agree the Sekda's and every head's SKP (as of NOW)."""
    org = organisation(units, staff, code=code, base=base)
    with unit_of_work(db) as s:
        instansi_id = import_org(s, org, actor=ROOT, now=NOW).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=NOW)
        cycle_id = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=NOW
        ).id
    assert cycle_id is not None
    cycle.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=NOW)
    with reading(db) as s:
        ids = {
            n: (pid, sid)
            for pid, n, sid in s.execute(
                select(col(Pegawai.id), col(Pegawai.nip), col(Skp.id))
                .join(Skp, col(Skp.pegawai_id) == col(Pegawai.id))
                .where(col(Skp.cycle_id) == cycle_id)
            )
        }
    actors = {n: Actor.pegawai(pid, n) for n, (pid, _) in ids.items()}
    top = org.pegawai[0].nip
    heads = [u.head_nip for u in org.units[1:]]
    rhk: dict[str, int] = {}
    for who, atasan in [(top, None), *[(h, top) for h in heads]]:
        assert who is not None
        with unit_of_work(db) as s:
            skp_id = ids[who][1]
            view = skps.save_plan(s, skp_id, plan(rhk[atasan] if atasan else None), actor=actors[who], now=NOW)
            rhk[who] = view.rhk[0]["id"]
            penilai = actors[atasan] if atasan else ROOT
            skps.fire(s, skp_id, "cascade", actor=penilai, now=NOW)
            skps.fire(s, skp_id, "agree", actor=penilai, now=NOW)
    staff_skps = [
        StaffSkp(ids[p.nip][1], p.nip, head, rhk[head])
        for p in org.pegawai
        if p.jabatan_type.value == "PELAKSANA"
        for head in [next(u.head_nip for u in org.units if u.code == p.unit_code)]
        if head is not None
    ]
    return World(cycle_id, instansi_id, staff_skps, [u.code for u in org.units])


def token(ref: str, minutes: int = 600) -> str:
    """A bearer token the service accepts (its key is the suite's), issued on the wall clock the service reads."""
    return security.issue(ref, key=KEY, now=datetime.now(UTC), minutes=minutes)
