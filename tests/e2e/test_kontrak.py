"""PPPK contracts through HTTP: HR records a contract (a PNS or dates the wrong way round are a 422 that changes
nothing), the deadline workflow opens the extension recommendation, and HR decides it on the follow-up route."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.integration.org import KABID, STAF1, STAF2


def _events(client: TestClient, root: dict[str, str]) -> int:
    return int(client.get("/audit", params={"limit": 1}, headers=root).json()["total"])


def test_hr_records_a_contract_and_decides_its_extension(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    good = {"kontrak_mulai": "2025-01-01", "kontrak_selesai": "2026-12-31", "sk_number": "SK Bupati 800/15/2025"}
    before = _events(client, root)
    refused: list[tuple[str, dict[str, Any], str]] = [
        (STAF1, good, "recorded for a PPPK only"),
        (STAF2, {**good, "kontrak_selesai": "2024-12-31"}, "kontrak_selesai: 2024-12-31 is before kontrak_mulai"),
        (STAF2, {"kontrak_mulai": "2025-01-01"}, "kontrak_selesai"),
    ]
    for nip, body, message in refused:
        answer = client.put(f"/pegawai/{nip}/kontrak", json=body, headers=root)
        assert answer.status_code == 422, answer.text
        assert message in answer.text
    assert (
        client.put(f"/pegawai/{STAF2}/kontrak", json=good, headers=bearer(f"pegawai:{KABID}", clock)).status_code == 403
    )
    assert client.put("/pegawai/199901012020011999/kontrak", json=good, headers=root).status_code == 404
    assert _events(client, root) == before

    saved = client.put(f"/pegawai/{STAF2}/kontrak", json=good, headers=root)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["selesai"], saved.json()["case_id"]) == ("2026-12-31", None)

    # 60 days before the proposal is due (30 June, WITA) the recommendation opens: no result yet to weigh
    run = {"as_of": "2026-05-02T00:00:00+08:00", "cycle_id": cycle_id}
    answer = client.post("/workflows/enforce-deadlines/run", json=run, headers=root)
    assert answer.status_code == 200, answer.text
    report = answer.json()["cycles"][0]["by_key"]["kontrak_recommendation"]
    assert report["opened"] == {"TIDAK_DIPERPANJANG": 1}
    again = client.post("/workflows/enforce-deadlines/run", json=run, headers=root)
    assert again.json()["cycles"][0]["by_key"]["kontrak_recommendation"]["opened"] == {}

    cases = client.get("/followups", params={"cycle_id": cycle_id, "kind": "TIDAK_DIPERPANJANG"}, headers=root).json()
    [case] = cases["items"]
    assert (case["nip"], case["state"]) == (STAF2, "opened")
    listed = client.get(f"/pegawai/{STAF2}/kontrak", headers=root).json()
    assert listed["items"][0]["case_id"] == case["id"]

    view = client.get(f"/followups/{case['id']}", headers=root).json()
    assert (view["lifecycle"], sorted(view["allowed_triggers"])) == ("kontrak", ["extend", "not_extend"])
    no_note = client.post(f"/followups/{case['id']}/transitions/not_extend", json={}, headers=root)
    assert no_note.status_code == 422, no_note.text
    decided = client.post(
        f"/followups/{case['id']}/transitions/not_extend", json={"note": "Keputusan PPK 800/99"}, headers=root
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "not_extended"
    trail = client.get("/audit", params={"entity_type": "follow_up_case", "entity_id": case["id"]}, headers=root)
    assert [e["trigger"] for e in trail.json()["items"]] == ["open", "not_extend"]
