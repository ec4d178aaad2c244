"""Organisation import, users and policies through HTTP: the happy path and the refusals, which change nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.conftest import Clock, bearer, org_json
from tests.integration.org import SEKDA, STAF1
from workflows.store.tables import AuditEvent, Pegawai


def _count(client: TestClient, table: Any) -> int:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.scalar(select(func.count()).select_from(table)) or 0)


def test_import_is_an_idempotent_upsert(client: TestClient, root: dict[str, str]) -> None:
    first = client.post("/org/import", json=org_json(), headers=root)
    again = client.post("/org/import", json=org_json(), headers=root)
    assert first.status_code == again.status_code == 200
    assert (first.json()["units_created"], first.json()["pegawai_created"]) == (4, 6)
    assert (again.json()["units_created"], again.json()["pegawai_created"], again.json()["pegawai_updated"]) == (
        0,
        0,
        6,
    )


def test_a_bad_row_imports_nothing_and_is_named(client: TestClient, root: dict[str, str]) -> None:
    body = org_json()
    body["pegawai"][1]["nip"] = "12345"
    body["pegawai"][2]["jenis"] = "HONORER"
    body["units"][1]["parent_code"] = "NOWHERE"
    answer = client.post("/org/import", json=body, headers=root)
    assert answer.status_code == 422
    problems = " | ".join(answer.json()["problems"])
    assert "pegawai.1.nip" in problems
    assert "pegawai.2.jenis" in problems
    assert _count(client, Pegawai) == 0
    unknown_parent = org_json()
    unknown_parent["units"][1]["parent_code"] = "NOWHERE"
    answer = client.post("/org/import", json=unknown_parent, headers=root)
    assert answer.status_code == 422
    assert any("NOWHERE" in p for p in answer.json()["problems"])
    assert (_count(client, Pegawai), _count(client, AuditEvent)) == (0, 0)


def test_only_admins_import(client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]) -> None:
    events = _count(client, AuditEvent)
    answer = client.post("/org/import", json=org_json(), headers=bearer(f"pegawai:{SEKDA}", clock))
    assert answer.status_code == 403
    assert _count(client, AuditEvent) == events


def test_unsupported_content_and_oversized_bodies(client: TestClient, root: dict[str, str]) -> None:
    wrong = client.post("/org/import", content=b"<xml/>", headers={**root, "Content-Type": "application/xml"})
    assert wrong.status_code == 422
    huge = {"year": 2026, "name": "x" * (70 * 1024)}
    assert client.post("/cycles", json=huge, headers=root).status_code == 413


def test_users_of_an_instansi(client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]) -> None:
    hr = {"username": "hr.contoh", "password": "rahasia-hr-kab", "role": "admin", "instansi": "KAB-CONTOH"}
    assert client.post("/users", json=hr, headers=root).status_code == 201
    hr_headers = bearer("user:hr.contoh", clock)
    auditor = {"username": "inspektur", "password": "rahasia-inspektur", "role": "auditor", "instansi": "KAB-CONTOH"}
    assert client.post("/users", json=auditor, headers=hr_headers).status_code == 201
    taken = client.post("/users", json=auditor, headers=hr_headers)
    assert taken.status_code == 422
    assert "taken" in taken.json()["problems"][0]
    other = {**auditor, "username": "spy", "instansi": "KAB-LAIN"}
    assert client.post("/users", json=other, headers=hr_headers).status_code == 403
    as_pegawai = client.post("/users", json={**auditor, "username": "x.y.z"}, headers=bearer(f"pegawai:{STAF1}", clock))
    assert as_pegawai.status_code == 403
    login = client.post("/auth/token", data={"username": "inspektur", "password": "rahasia-inspektur"})
    assert login.status_code == 200


def test_policies_versions_and_diff(
    client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]
) -> None:
    listed = client.get("/policies", headers=root).json()
    preset = next(p for p in listed["items"] if p["name"] == "permenpanrb-6-2022")
    body = {
        "name": "kab-contoh",
        "version": "2026.1",
        "base": "permenpanrb-6-2022",
        "overrides": {"distribution": {"mode": "soft"}, "periods": {"kind": "QUARTERLY"}},
        "instansi": "KAB-CONTOH",
    }
    made = client.post("/policies", json=body, headers=root)
    assert made.status_code == 201, made.text
    diff = client.get(f"/policies/{made.json()['id']}/diff", params={"against": preset["id"]}, headers=root).json()
    assert {c["path"] for c in diff["changes"]} >= {"distribution.mode", "periods.kind"}
    again = client.post("/policies", json=body, headers=root)
    assert again.status_code == 422  # immutable: a new version needs a new label
    bad = client.post("/policies", json={**body, "version": "2", "overrides": {"kuadran": {"X": {}}}}, headers=root)
    assert bad.status_code == 422
    assert bad.json()["problems"]
    staff = bearer(f"pegawai:{STAF1}", clock)
    assert client.get(f"/policies/{made.json()['id']}", headers=staff).status_code == 200  # read: all roles
    assert client.post("/policies", json={**body, "version": "3"}, headers=staff).status_code == 403
