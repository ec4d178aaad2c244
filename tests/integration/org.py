"""A small, explicit organisation for service tests: Sekda → kepala dinas → kepala bidang → two staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import OrgImport, import_org
from workflows.store.uow import unit_of_work

SEKDA, KADIS, KABID, STAF1, STAF2, KABID2 = (
    "197001011995031001",
    "197502022000032002",
    "198003032005011003",
    "199004042015031004",
    "199505052020122005",
    "198106062006041006",
)


STAF2_PASSWORD = "rahasia-staf-p2p"  # an initial password the policy accepts; changed at first login


def small_org(**changes: object) -> OrgImport:
    data: dict[str, object] = {
        "instansi": {"code": "KAB-CONTOH", "name": "Pemerintah Kabupaten Contoh"},
        "units": [
            {"code": "PEMDA", "name": "Sekretariat Daerah", "head_nip": SEKDA, "timezone": "Asia/Makassar"},
            {"code": "DINKES", "name": "Dinas Kesehatan", "parent_code": "PEMDA", "head_nip": KADIS},
            {"code": "DINKES-P2P", "name": "Bidang P2P", "parent_code": "DINKES", "head_nip": KABID},
            {"code": "DINKES-YANKES", "name": "Bidang Pelayanan", "parent_code": "DINKES", "head_nip": KABID2},
        ],
        "pegawai": [
            {
                "nip": SEKDA,
                "name": "Drs. Ahmad Sekda",
                "jenis": "PNS",
                "jabatan_type": "JPT",
                "jabatan_name": "Sekretaris Daerah",
                "unit_code": "PEMDA",
            },
            {
                "nip": KADIS,
                "name": "dr. Siti Kadis",
                "jenis": "PNS",
                "jabatan_type": "JPT",
                "jabatan_name": "Kepala Dinas Kesehatan",
                "unit_code": "DINKES",
            },
            {
                "nip": KABID,
                "name": "Budi Kabid, S.KM",
                "jenis": "PNS",
                "jabatan_type": "ADMINISTRATOR",
                "jabatan_name": "Kepala Bidang P2P",
                "unit_code": "DINKES-P2P",
            },
            {
                "nip": KABID2,
                "name": "Rina Kabid, S.Kep",
                "jenis": "PNS",
                "jabatan_type": "ADMINISTRATOR",
                "jabatan_name": "Kepala Bidang Pelayanan",
                "unit_code": "DINKES-YANKES",
            },
            {
                "nip": STAF1,
                "name": "Dewi Epidemiolog",
                "jenis": "PNS",
                "jabatan_type": "FUNGSIONAL",
                "jabatan_name": "Epidemiolog Kesehatan Ahli Pertama",
                "jenjang": "AHLI_PERTAMA",
                "unit_code": "DINKES-P2P",
            },
            {
                "nip": STAF2,
                "name": "Joko Pengadministrasi",
                "jenis": "PPPK",
                "jabatan_type": "PELAKSANA",
                "jabatan_name": "Pengadministrasi Umum",
                "unit_code": "DINKES-P2P",
                "password": STAF2_PASSWORD,
            },
        ],
    }
    data.update(changes)
    return OrgImport.model_validate(data)


def open_small_cycle(db: Engine, now: datetime, *, chunk: int = 5000) -> int:
    """Import the small organisation, create its 2026 cycle on the national preset, open it; the cycle id."""
    root = Actor.admin("root")
    with unit_of_work(db) as s:
        instansi_id = import_org(s, small_org(), actor=root, now=now).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle_id = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=root, now=now
        ).id
    opened = cycle.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=root, now=now, chunk=chunk)
    assert (opened.drafted, opened.cycle.state) == (6, "drafting")
    return cycle_id
