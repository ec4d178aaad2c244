"""One kabupaten through HTTP: a client that sends only the contract's fields never has to name its instansi; over
several instansi the super-admin must, and is told which codes it may send."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import org_json

UNNAMED = {k: v for k, v in org_json().items() if k != "instansi"}


def ok(answer: Any, code: int = 200) -> Any:
    assert answer.status_code == code, answer.text
    return answer.json()


def refused(answer: Any, code: int = 422) -> list[str]:
    assert answer.status_code == code, answer.text
    problems: list[str] = answer.json().get("problems", [])
    assert not any("more than one" in p for p in problems), problems
    return problems


def test_a_fresh_install_runs_without_ever_naming_its_instansi(client: TestClient, root: dict[str, str]) -> None:
    # before any import, every route that needs an instansi says what is missing, truthfully
    for before in (
        client.post("/cycles", json={"year": 2026, "name": "SKP 2026"}, headers=root),
        client.get("/audit/export", headers=root),
        client.post("/users", json={"username": "hr.awal", "password": "rahasia-123", "role": "admin"}, headers=root),
    ):
        (problem,) = refused(before)
        assert problem.startswith("instansi: required; no instansi exists yet"), problem

    imported = ok(client.post("/org/import", json=UNNAMED, headers=root))
    assert imported["instansi"] == {"code": "INSTANSI", "name": "Instansi Pemerintah", "created": True}
    assert (imported["units_created"], imported["pegawai_created"]) == (4, 6)
    again = ok(client.post("/org/import", json=UNNAMED, headers=root))
    assert (again["instansi"]["created"], again["units_updated"], again["pegawai_updated"]) == (False, 4, 6)

    made = ok(client.post("/cycles", json={"year": 2026, "name": "SKP 2026"}, headers=root), 201)
    assert made["state"] == "planning"
    user = ok(
        client.post("/users", json={"username": "hr.satu", "password": "rahasia-123", "role": "admin"}, headers=root),
        201,
    )
    assert user["instansi"] == "INSTANSI"
    policy = {"name": "kab-satu", "version": "2026.1", "base": "permenpanrb-6-2022", "overrides": {}}
    assert ok(client.post("/policies", json=policy, headers=root), 201)["instansi_id"] == imported["instansi_id"]

    trail = [json.loads(line) for line in client.get("/audit/export", headers=root).text.splitlines()]
    instansi_events = [(e["entity_type"], e["trigger"]) for e in trail if e["entity_type"] == "instansi"]
    assert instansi_events[:3] == [("instansi", "create"), ("instansi", "import_org"), ("instansi", "import_org")]
    assert ("cycle", "create") in {(e["entity_type"], e["trigger"]) for e in trail}


def test_over_two_instansi_the_super_admin_names_one_and_each_admin_stays_in_their_own(
    client: TestClient, root: dict[str, str]
) -> None:
    ok(client.post("/org/import", json=org_json(), headers=root))  # KAB-CONTOH
    other = {"instansi": {"code": "KAB-LAIN", "name": "Kabupaten Lain"}, "units": [], "pegawai": []}
    made_other = ok(client.post("/org/import", json=other, headers=root))
    assert made_other["instansi"] == {"code": "KAB-LAIN", "name": "Kabupaten Lain", "created": True}

    (problem,) = refused(client.post("/cycles", json={"year": 2026, "name": "SKP 2026"}, headers=root))
    assert (
        problem
        == "instansi: required; send the code of one of the 2 instansi the caller may choose: KAB-CONTOH, KAB-LAIN"
    )
    for route in (client.get("/audit/export", headers=root), client.post("/org/import", json=UNNAMED, headers=root)):
        assert refused(route) == [problem]
    (unknown,) = refused(client.post("/cycles", json={"year": 2026, "name": "X", "instansi": "KAB-X"}, headers=root))
    assert unknown.startswith("instansi: unknown instansi 'KAB-X'; send the code of one of the 2 instansi")

    hr = {"username": "hr.lain", "password": "rahasia-123", "role": "admin", "instansi": "KAB-LAIN"}
    ok(client.post("/users", json=hr, headers=root), 201)
    initial = ok(client.post("/auth/token", data={"username": "hr.lain", "password": "rahasia-123"}))["access_token"]
    # the root set it: an initial password, changed at first login
    change = {"current_password": "rahasia-123", "new_password": "rahasia-123-milik-sendiri"}
    token = ok(client.post("/auth/password", json=change, headers={"Authorization": f"Bearer {initial}"}))
    lain = {"Authorization": f"Bearer {token['access_token']}"}
    mine = ok(client.post("/cycles", json={"year": 2026, "name": "SKP Lain"}, headers=lain), 201)
    assert mine["instansi_id"] == made_other["instansi_id"]
    assert ok(client.post("/org/import", json={"units": [], "pegawai": []}, headers=lain))["instansi"]["code"] == (
        "KAB-LAIN"
    )
    refused(client.post("/cycles", json={"year": 2026, "name": "X", "instansi": "KAB-CONTOH"}, headers=lain), 403)
    refused(client.post("/org/import", json=org_json(), headers=lain), 403)
    assert client.get("/audit/export", params={"instansi": "KAB-CONTOH"}, headers=lain).status_code == 404
    own_trail = [json.loads(line) for line in client.get("/audit/export", headers=lain).text.splitlines()]
    assert own_trail and {e["instansi_id"] for e in own_trail} == {mine["instansi_id"]}
