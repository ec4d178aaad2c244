"""What a browser or a shared cache may keep, and what a refusal tells: no-store on pages and JSON, and 404 bodies
that name only what the caller asked by."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import give_passwords, skp_ids, web_login
from tests.integration.org import STAF1


def test_pages_and_json_are_not_stored_static_files_are(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    me = bearer(f"pegawai:{STAF1}", clock)
    for path in ("/skps", f"/skps/{ids[STAF1]}", "/nowhere", "/auth/token"):
        assert client.get(path, headers=me).headers["cache-control"] == "no-store", path
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    for path in ("/ui", f"/ui/skp/{ids[STAF1]}", f"/ui/skp/{ids[STAF1]}/skp.pdf", "/ui/login"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store", path
    static = client.get("/static/app.js")
    assert static.status_code == 200 and "cache-control" not in static.headers


def test_a_404_names_the_code_asked_for_not_a_row_id(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    lain = {"instansi": {"code": "KAB-LAIN", "name": "Kabupaten Lain"}, "units": [], "pegawai": []}
    assert client.post("/org/import", json=lain, headers=root).status_code == 200
    body = {"username": "hr.lain", "password": "rahasia-123", "role": "admin", "instansi": "KAB-LAIN"}
    assert client.post("/users", json=body, headers=root).status_code == 201
    foreign = bearer("user:hr.lain", clock)
    answer = client.get("/units/DINKES-P2P/distribution", params={"cycle_id": cycle_id}, headers=foreign)
    unknown = client.get("/units/NO-SUCH-UNIT/distribution", params={"cycle_id": cycle_id}, headers=foreign)
    assert (answer.status_code, answer.json()["detail"]) == (404, "unit DINKES-P2P not found")
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "unit NO-SUCH-UNIT not found")
