"""Every role × route through HTTP: a forbidden pair gets 401, 403 or 404 and changes nothing; an allowed pair
gets through authorization (whatever the business answer)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from tests.e2e.conftest import Clock, bearer
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from workflows.store.tables import (
    AuditEvent,
    Cycle,
    Evaluation,
    Evidence,
    Indikator,
    Instansi,
    Pegawai,
    PolicyVersion,
    Realisasi,
    Rhk,
    Skp,
)

# who, relative to STAF1's SKP in DINKES-P2P: self, pejabat penilai, atasan penilai, pimpinan above, a colleague
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "self": f"pegawai:{STAF1}",
    "penilai": f"pegawai:{KABID}",
    "atasan_penilai": f"pegawai:{KADIS}",
    "pimpinan": f"pegawai:{SEKDA}",
    "colleague": f"pegawai:{STAF2}",
    "other_bidang": f"pegawai:{KABID2}",
    "admin": "user:hr.kab",
    "auditor": "user:irban",
    "foreign_admin": "user:hr.lain",
    "root": "user:root",
}
PEGAWAI = {"self", "penilai", "atasan_penilai", "pimpinan", "colleague", "other_bidang"}
EVERYONE = set(ROLES) - {"anonymous"}
ADMINS = {"admin", "root"}
BYSTANDER = "198807072010011007"  # a pegawai of the other instansi, whose sessions the matrix ends


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    allowed: frozenset[str]
    body: Callable[[dict[str, Any]], Any] | None = None

    def url(self, ids: dict[str, Any]) -> str:
        return self.path.format(**ids)


def _plan(_: dict[str, Any]) -> dict[str, Any]:
    return {"rhk": [{"jenis": "TAMBAHAN", "text": "Tugas tambahan", "indikator": []}]}


ROUTES = [
    Route("GET", "/skps", frozenset(EVERYONE)),
    Route(
        "GET", "/skps/{skp}", frozenset({"self", "penilai", "atasan_penilai", "pimpinan", "admin", "auditor", "root"})
    ),
    Route(
        "GET",
        "/skps/{skp}/explain",
        frozenset({"self", "penilai", "atasan_penilai", "pimpinan", "admin", "auditor", "root"}),
    ),
    Route("PUT", "/skps/{skp}/plan", frozenset({"self", "penilai"}), _plan),
    Route("POST", "/skps/{skp}/transitions/cascade", frozenset({"penilai", "admin", "root"})),
    Route("POST", "/skps/{skp}/transitions/agree", frozenset({"penilai"})),
    Route("POST", "/skps/{skp}/transitions/monitor", frozenset({"admin", "root"})),
    Route("GET", "/cycles", frozenset(EVERYONE)),
    Route("GET", "/cycles/{cycle}", frozenset(EVERYONE - {"foreign_admin"})),
    Route(
        "POST", "/cycles", frozenset(ADMINS), lambda ids: {"year": 2027, "name": "SKP 2027", "instansi": "KAB-CONTOH"}
    ),
    Route("POST", "/cycles/{cycle}/open", frozenset(ADMINS)),
    Route("POST", "/cycles/{cycle}/transitions/start_monitoring", frozenset(ADMINS)),
    Route("POST", "/cycles/{cycle}/policy", frozenset(ADMINS), lambda ids: {"policy_version_id": ids["policy"]}),
    Route(
        "POST",
        "/units/DINKES-P2P/capaian",
        frozenset({"atasan_penilai", "admin", "root"}),  # the pimpinan of the parent unit (the kepala dinas)
        lambda ids: {"cycle_id": ids["cycle"], "period": "annual", "level": "BAIK"},
    ),
    Route("GET", "/policies", frozenset(EVERYONE)),
    Route("GET", "/policies/{policy}", frozenset(EVERYONE)),
    Route("GET", "/policies/{policy}/diff?against={policy}", frozenset(EVERYONE)),
    Route(
        "POST",
        "/policies",
        frozenset(ADMINS),
        lambda ids: {"name": "kab-contoh", "version": "1", "instansi": "KAB-CONTOH", "overrides": {}},
    ),
    Route(
        "POST",
        "/users",
        frozenset(ADMINS),
        lambda ids: {"username": "new.user", "password": "rahasia-123", "role": "auditor", "instansi": "KAB-CONTOH"},
    ),
    Route(
        "POST",
        "/org/import",
        frozenset(ADMINS),
        lambda ids: {"instansi": {"code": "KAB-CONTOH", "name": "Pemerintah Kabupaten Contoh"}},
    ),
    Route("GET", "/skps/{skp}/feedback", frozenset({"self", "penilai", "atasan_penilai", "admin", "root"})),
    Route(
        "POST", "/skps/{skp}/feedback", frozenset({"penilai"}), lambda ids: {"core_value": "ADAPTIF", "text": "Baik"}
    ),
    Route(
        "POST",
        "/skps/{skp}/objection",
        frozenset({"self"}),  # refused by state (not assessed) for the pegawai, by permission for everyone else
        lambda ids: {"reason": "Tidak sesuai"},
    ),
    Route(
        "GET",
        "/units/DINKES-P2P/distribution?cycle_id={cycle}",
        frozenset({"penilai", "atasan_penilai", "pimpinan", "admin", "root"}),  # heads of the unit or above, HR
    ),
    Route("GET", "/evidence/{evidence}", frozenset({"self", "penilai", "atasan_penilai", "admin", "auditor", "root"})),
    Route("GET", "/followups?cycle_id={cycle}", frozenset(ADMINS)),
    Route("POST", "/workflows/close-assessment/run", frozenset(ADMINS), lambda ids: {"cycle_id": ids["cycle"]}),
    Route("GET", "/cycles/{cycle}/export", frozenset({"admin", "auditor", "root"})),
    Route("GET", "/cycles/{cycle}/angka-kredit", frozenset({"admin", "auditor", "root"})),
    Route("GET", "/cycles/{cycle}/eligibility?format=csv", frozenset({"admin", "auditor", "root"})),
    Route("GET", "/cycles/{cycle}/ranking?format=xlsx", frozenset({"admin", "auditor", "root"})),
    Route(
        "GET",
        "/cycles/{cycle}/monitoring",
        frozenset({"admin", "auditor", "root", "penilai", "atasan_penilai", "pimpinan", "other_bidang"}),
    ),
    Route("GET", "/cycles/{cycle}/export?kind=tpp&period=1", frozenset({"admin", "auditor", "root"})),
    Route("GET", "/audit/export?instansi=KAB-CONTOH", frozenset({"admin", "auditor", "root"})),
    Route("GET", "/audit", frozenset({"admin", "auditor", "root", "foreign_admin"})),  # the foreign admin sees none
    Route("GET", "/audit/verify", frozenset({"admin", "auditor", "root", "foreign_admin"})),
    Route("GET", "/audit/seals", frozenset({"admin", "auditor", "root", "foreign_admin"})),
    Route("POST", "/audit/seals", frozenset({"root"})),
    # the caller's own password and session: every account may (a wrong current password is 422)
    Route(
        "POST",
        "/auth/password",
        frozenset(EVERYONE),
        lambda ids: {"current_password": "not-the-password", "new_password": "kopi-tubruk-di-pagi-hari"},
    ),
    Route("POST", "/auth/logout", frozenset(EVERYONE)),  # ends only the token it is sent with
    # 360 input: the penilai names (refused by state while the SKP is drafted); the aggregate is for those who rate
    # or review the rating, never for the pegawai rated
    Route("POST", "/skps/{skp}/input-360", frozenset({"penilai"}), lambda ids: {"period_no": 0, "nips": [STAF2]}),
    Route("GET", "/skps/{skp}/input-360", frozenset({"penilai", "atasan_penilai", "admin", "auditor", "root"})),
    Route("GET", "/input-360/requests", frozenset(EVERYONE)),
    # ending someone's sessions: an admin of their instansi (new.user is made by the POST /users row above)
    Route("POST", "/users/new.user/sessions/revoke", frozenset(ADMINS)),
    Route("POST", f"/pegawai/{BYSTANDER}/sessions/revoke", frozenset({"root", "foreign_admin"})),
    # an acting SK a year ahead: scheduled, so nothing moves for the routes after it (the second admin's is an overlap)
    Route(
        "POST",
        "/units/DINKES-P2P/acting",
        frozenset(ADMINS),
        lambda ids: {
            "nip": KABID2,
            "kind": "PLH",
            "from": "2027-03-01",
            "until": "2027-03-10",
            "sk_number": "SK 800/9",
        },
    ),
    Route("GET", "/units/DINKES-P2P/acting", frozenset({"admin", "auditor", "root"})),
    # the SK the world scheduled for 2028: changed, then cancelled, by an admin of the instansi only (after the first
    # allowed cancel the rest are 409s: past authorization)
    Route("PATCH", "/units/DINKES-P2P/acting/{acting}", frozenset(ADMINS), lambda ids: {"until": "2028-03-09"}),
    Route("POST", "/units/DINKES-P2P/acting/{acting}/cancel", frozenset(ADMINS), lambda ids: {"reason": "SK dicabut"}),
    # status periods: HR sets them (a pension far ahead, so no SKP of the cycle changes), HR and auditors read them
    Route("GET", f"/pegawai/{STAF2}/status", frozenset({"admin", "auditor", "root"})),
    Route(
        "PUT",
        f"/pegawai/{STAF2}/status",
        frozenset(ADMINS),
        lambda ids: {"status": "MASA_PERSIAPAN_PENSIUN", "from": "2030-01-01", "sk_number": "SK 1"},
    ),
    Route(
        "PUT",
        f"/pegawai/{STAF2}/study-progress/2026",
        frozenset(ADMINS),  # a 422 for them: STAF2 is not in tugas belajar
        lambda ids: {"predikat": "BAIK", "report": "Laporan kemajuan studi"},
    ),
    # last: the allowed pair moves STAF2 (the colleague) to Bidang Pelayanan, which later routes must not meet
    Route(
        "POST",
        f"/pegawai/{STAF2}/mutasi",
        frozenset(ADMINS),
        lambda ids: {"unit": "DINKES-YANKES", "effective": "2026-07-01", "sk_number": "SK Bupati 821/1"},
    ),
]


USERS = [("hr.kab", "admin", "KAB-CONTOH"), ("irban", "auditor", "KAB-CONTOH"), ("hr.lain", "admin", "KAB-LAIN")]


def make_world(client: Requester, root: dict[str, str], engine: Engine) -> dict[str, Any]:
    """The matrix's users (an admin and an auditor of the instansi, an admin of another) and the ids it uses."""
    for username, role, instansi in USERS:
        if instansi == "KAB-LAIN":
            other = {
                "instansi": {"code": "KAB-LAIN", "name": "Kabupaten Lain"},
                "units": [{"code": "LAIN", "name": "Sekretariat Lain"}],
                "pegawai": [
                    {
                        "nip": BYSTANDER,
                        "name": "Rina Lain",
                        "jenis": "PNS",
                        "jabatan_type": "PELAKSANA",
                        "jabatan_name": "Pengadministrasi",
                        "unit_code": "LAIN",
                    }
                ],
            }
            assert client.request("POST", "/org/import", json=other, headers=root).status_code == 200
        body = {"username": username, "password": "rahasia-123", "role": role, "instansi": instansi}
        assert client.request("POST", "/users", json=body, headers=root).status_code == 201
    with engine.connect() as conn:
        skp = conn.scalar(
            select(col(Skp.id)).join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id)).where(col(Pegawai.nip) == STAF1)
        )
        cycle = conn.scalar(
            select(col(Cycle.id))
            .join(Instansi, col(Instansi.id) == col(Cycle.instansi_id))
            .where(col(Instansi.code) == "KAB-CONTOH")
        )
        policy = conn.scalar(select(func.min(PolicyVersion.id)))
    scheduled = {"nip": KABID2, "kind": "PLH", "from": "2028-03-01", "until": "2028-03-10", "sk_number": "SK 800/8"}
    acting = client.request("POST", "/units/DINKES-P2P/acting", json=scheduled, headers=root)
    assert acting.status_code == 200, acting.text
    return {
        "skp": skp,
        "cycle": cycle,
        "policy": policy,
        "evidence": _evidence(client, root, engine, skp or 0),
        "acting": acting.json()["acting"]["id"],
    }


def _evidence(client: Requester, root: dict[str, str], engine: Engine, skp_id: int) -> int:
    """A bukti dukung of a period of STAF1's SKP: the file uploaded through HTTP, the realisasi that names it written
    straight into the database (through HTTP it needs the whole chain agreed and a period open first)."""
    pdf = ("bukti.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    uploaded = client.request("POST", "/evidence", files={"file": pdf}, headers=root)
    assert uploaded.status_code == 201, uploaded.text
    meta = uploaded.json()
    with Session(engine) as s, s.begin():
        rhk = Rhk(skp_id=skp_id, position=0, jenis="UTAMA", text="RHK dengan bukti")
        s.add(rhk)
        s.flush()
        indikator = Indikator(rhk_id=rhk.id or 0, position=0, text="Laporan", aspek="KUANTITAS", target=1)
        evaluation = Evaluation(skp_id=skp_id, period_no=1, state="realisasi_submitted", version=1)
        s.add_all([indikator, evaluation])
        s.flush()
        realisasi = Realisasi(evaluation_id=evaluation.id or 0, indikator_id=indikator.id or 0, value=1)
        s.add(realisasi)
        s.flush()
        row = Evidence(
            realisasi_id=realisasi.id or 0,
            **{k: meta[k] for k in ("filename", "content_type", "size", "sha256", "uri")},
        )
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


@pytest.fixture
def world(client: TestClient, root: dict[str, str], cycle_id: int) -> dict[str, Any]:
    made = make_world(client, root, client.app.state.engine)  # type: ignore[attr-defined]
    assert made["cycle"] == cycle_id
    return made


def fingerprint(engine: Engine) -> tuple[Any, ...]:
    """What any write would change: the trail, SKPs, cycles and policies."""
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(AuditEvent)),
            tuple(conn.execute(select(col(Skp.id), col(Skp.state), col(Skp.version)).order_by(col(Skp.id))).all()),
            tuple(conn.execute(select(col(Cycle.id), col(Cycle.state), col(Cycle.version))).all()),
            conn.scalar(select(func.count()).select_from(PolicyVersion)),
        )


class Requester(Protocol):
    def request(
        self, method: str, url: str, *, json: Any = None, files: Any = None, headers: dict[str, str] | None = None
    ) -> Any: ...


def check_matrix(
    client: Requester, engine: Engine, headers_of: Callable[[str | None], dict[str, str]], world: dict[str, Any]
) -> tuple[int, list[str]]:
    """Every route × role: how many pairs were tried, and each violation (the reliability suite reuses it)."""
    violations: list[str] = []
    checked = 0
    for route in ROUTES:
        for role, ref in ROLES.items():
            before = fingerprint(engine)
            body = route.body(world) if route.body else None
            answer = client.request(route.method, route.url(world), json=body, headers=headers_of(ref))
            checked += 1
            forbidden = role not in route.allowed
            code = answer.status_code
            if forbidden:
                expected = {401} if ref is None else {403, 404}
                if code not in expected or fingerprint(engine) != before:
                    violations.append(f"{role} {route.method} {route.path}: {code} {answer.text[:200]}")
            elif code in {401, 403, 404} or code >= 500:
                violations.append(f"{role} {route.method} {route.path}: allowed but got {code} {answer.text[:200]}")
            sent = route.url(world) + json.dumps(body)
            if code == 404 and (leaked := _ids_not_sent(answer.json()["detail"], sent)):
                violations.append(f"{role} {route.method} {route.path}: 404 names ids not asked for: {leaked}")
    return checked, violations


def _ids_not_sent(detail: str, sent: str) -> set[str]:
    """The numbers in a 404's detail that the caller did not send (in the URL or the body): internal ids it must
    not learn."""
    return set(re.findall(r"\b\d+\b", detail)) - set(re.findall(r"\d+", sent))


def test_every_role_on_every_route(client: TestClient, clock: Clock, world: dict[str, Any]) -> None:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    checked, violations = check_matrix(client, engine, lambda ref: bearer(ref, clock) if ref else {}, world)
    assert not violations, "\n".join(violations)
    assert checked == len(ROUTES) * len(ROLES)
