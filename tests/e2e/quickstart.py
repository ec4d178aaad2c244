"""The contract's quickstart: a fresh `skpflow serve` on an empty SQLite database, and the small organisation a new
user imports first (a top JPT, a kepala bidang, two staff) with only the fields product.md names."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.reliability.stack import Service

ADMIN_USER, ADMIN_PASSWORD = "admin", "ganti-sandi-admin"
YEAR = 2026
JANUARY = f"{YEAR}-01-02T08:00:00+07:00"  # as_of for open-period: the first (monthly) period of the year
KADIS, KABID, STAF1, STAF2 = "197001011995031001", "198003032005011002", "199004042015031003", "199505052020122004"
PASSWORDS = {KADIS: "sandi-kadis-2026", KABID: "sandi-kabid-2026", STAF1: "sandi-staf1-2026", STAF2: "sandi-staf2-2026"}
# an imported password is an initial one: each pegawai changes it at first login (POST /auth/password)
CHANGED = {nip: f"{password}-milik-sendiri" for nip, password in PASSWORDS.items()}
PENILAI = {KABID: KADIS, STAF1: KABID, STAF2: KABID}  # the kepala dinas is agreed by HR for the bupati

ORG: dict[str, Any] = {
    "units": [
        {"code": "DISDIK", "name": "Dinas Pendidikan", "parent_code": None, "head_nip": KADIS},
        {"code": "DISDIK-SD", "name": "Bidang Pembinaan SD", "parent_code": "DISDIK", "head_nip": KABID},
    ],
    "pegawai": [
        {
            "nip": nip,
            "name": name,
            "jenis": jenis,
            "jabatan_type": jabatan_type,
            "jabatan_name": name,
            "unit_code": unit,
            "password": PASSWORDS[nip],
        }
        for nip, name, jenis, jabatan_type, unit in (
            (KADIS, "Kepala Dinas Pendidikan", "PNS", "JPT", "DISDIK"),
            (KABID, "Kepala Bidang Pembinaan SD", "PNS", "ADMINISTRATOR", "DISDIK-SD"),
            (STAF1, "Analis Kurikulum", "PNS", "PELAKSANA", "DISDIK-SD"),
            (STAF2, "Pengadministrasi Umum", "PPPK", "PELAKSANA", "DISDIK-SD"),
        )
    ],
}


@contextmanager
def fresh_serve(workdir: Path, **env: str) -> Iterator[Service]:
    """`skpflow serve --no-scheduler` on a free port over an empty SQLite database under `workdir`, its first admin
    from SKPFLOW_ADMIN_USER / SKPFLOW_ADMIN_PASSWORD."""
    database_url = env.pop("SKPFLOW_DATABASE_URL", f"sqlite:///{workdir}/skpflow.db")
    settings = {"SKPFLOW_ADMIN_USER": ADMIN_USER, "SKPFLOW_ADMIN_PASSWORD": ADMIN_PASSWORD, **env}
    service = Service(database_url, workdir, **settings)
    try:
        service.start(timeout=120)
        yield service
    finally:
        service.stop()
