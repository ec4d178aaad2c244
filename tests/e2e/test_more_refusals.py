"""Refusals of the routes the other HTTP tests reach only on their happy path; each changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.e2e.test_skps import skp_ids
from tests.integration.org import KABID, STAF1, STAF2


def _events(client: TestClient, root: dict[str, str]) -> int:
    return int(client.get("/audit", params={"limit": 1}, headers=root).json()["total"])


def test_evidence_refuses_what_it_cannot_check(
    client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]
) -> None:
    staff = bearer(f"pegawai:{STAF1}", clock)
    exe = client.post("/evidence", files={"file": ("x.exe", b"MZ\x90\x00", "application/x-msdownload")}, headers=staff)
    assert exe.status_code == 422
    lying = client.post("/evidence", files={"file": ("x.pdf", b"not a pdf at all", "application/pdf")}, headers=staff)
    assert lying.status_code == 422
    assert client.post("/evidence", files={"file": ("x.txt", b"ok", "text/plain")}).status_code == 401


def test_period_objection_and_case_refusals(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    staff, other = bearer(f"pegawai:{STAF1}", clock), bearer(f"pegawai:{STAF2}", clock)
    before = _events(client, root)
    assert client.get(f"/skps/{ids[STAF1]}/periods/1", headers=staff).status_code == 404  # no period opened yet
    assert client.get(f"/skps/{ids[STAF1]}/periods/13", headers=staff).status_code == 422
    body: dict[str, Any] = {"realisasi": [], "submit": True}
    assert client.post(f"/skps/{ids[STAF1]}/periods/1/realisasi", json=body, headers=other).status_code == 404
    rating = {"rating_hasil_kerja": "LUAR_BIASA"}
    assert client.post(f"/skps/{ids[STAF1]}/periods/1/evaluation", json=rating, headers=root).status_code == 422
    assert client.get(f"/skps/{ids[STAF1]}/objection", headers=other).status_code == 404
    not_assessed = client.post(f"/skps/{ids[STAF1]}/objection", json={"reason": "Keberatan"}, headers=staff)
    assert not_assessed.status_code in {409, 422}
    for action in ("review", "withdraw"):
        answer = client.post(
            f"/skps/{ids[STAF1]}/objection/{action}", json={}, headers=bearer(f"pegawai:{KABID}", clock)
        )
        assert answer.status_code in {403, 404}
    assert client.get("/followups/999", headers=root).status_code == 404
    assert client.post("/followups/999/transitions/hold", json={"note": "x"}, headers=root).status_code == 404
    assert client.post("/followups/1/transitions/explode", headers=root).status_code == 422
    unknown = client.post("/workflows/make-coffee/run", json={}, headers=root)
    assert unknown.status_code == 422
    naive = client.post("/workflows/close-period/run", json={"as_of": "2026-03-01T00:00:00"}, headers=root)
    assert naive.status_code == 422
    assert client.post("/workflows/close-period/run", json={}, headers=staff).status_code == 403
    assert _events(client, root) == before
