"""`PUT /pegawai/{nip}/status` through HTTP: HR sends a pegawai on tugas belajar (the running SKP closes), ends it
(a new SKP from the next day), and bad or overlapping periods are a 422 that names the field and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer, org_json
from tests.e2e.test_skps import skp_ids
from tests.integration.org import KABID, STAF1, STAF2

SK = "SK Bupati 800/45/BKPSDM/2026"


def _events(client: TestClient, root: dict[str, str]) -> int:
    return int(client.get("/audit", params={"limit": 1}, headers=root).json()["total"])


def test_hr_sets_and_ends_a_tugas_belajar(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    body = {"status": "TUGAS_BELAJAR", "from": "2026-03-01", "sk_number": SK, "note": "S2 Kesehatan Masyarakat"}
    answer = client.put(f"/pegawai/{STAF1}/status", json=body, headers=root)
    assert answer.status_code == 200, answer.text
    sent = answer.json()
    assert sent["period"] == {**body, "until": None}
    assert (sent["closed_skp_ids"], sent["new_skp_ids"], sent["replaced"]) == ([ids[STAF1]], [], False)

    before = _events(client, root)
    refused: list[tuple[dict[str, Any], str]] = [
        ({"status": "CLTN", "from": "2026-05-01", "sk_number": "SK 2"}, "overlaps the recorded TUGAS_BELAJAR"),
        ({"status": "CLTN", "from": "2026-01-10", "until": "2026-01-05", "sk_number": "SK 2"}, "until"),
        ({"status": "CLTN", "from": "2026-01-10"}, "sk_number"),
        ({"status": "CUTI_BESAR", "from": "2026-01-10", "sk_number": "SK 2"}, "status"),
    ]
    for wrong, message in refused:
        refusal = client.put(f"/pegawai/{STAF1}/status", json=wrong, headers=root)
        assert refusal.status_code == 422, refusal.text
        assert message in refusal.text
    as_pegawai = client.put(f"/pegawai/{STAF1}/status", json=body, headers=bearer(f"pegawai:{KABID}", clock))
    assert as_pegawai.status_code == 403
    assert client.put("/pegawai/199912312020121999/status", json=body, headers=root).status_code == 404
    assert _events(client, root) == before

    ended = client.put(f"/pegawai/{STAF1}/status", json={**body, "until": "2026-08-31"}, headers=root)
    assert ended.status_code == 200, ended.text
    assert ended.json()["replaced"] is True
    (new_id,) = ended.json()["new_skp_ids"]
    new = client.get(f"/skps/{new_id}", headers=root).json()
    assert (new["state"], new["nip"]) == ("drafted", STAF1)
    listed = client.get(f"/pegawai/{STAF1}/status", headers=root)
    assert listed.json() == [{**body, "until": "2026-08-31"}]
    trail = client.get("/audit", params={"entity_type": "skp", "entity_id": ids[STAF1]}, headers=root).json()
    assert trail["items"][-1]["trigger"] == "close_for_status"

    progress = {"predikat": "BAIK", "report": "Laporan kemajuan studi 2026, FKM Universitas Hasanuddin"}
    recorded = client.put(f"/pegawai/{STAF1}/study-progress/2026", json=progress, headers=root)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["predikat"] == "BAIK"
    assert client.put(f"/pegawai/{STAF2}/study-progress/2026", json=progress, headers=root).status_code == 422


def test_the_import_takes_a_status_column_and_clients_without_it_are_unchanged(
    client: TestClient, root: dict[str, str]
) -> None:
    plain = client.post("/org/import", json=org_json(), headers=root)
    assert plain.status_code == 200, plain.text
    data = org_json()
    for row in data["pegawai"]:
        if row["nip"] == STAF2:
            row |= {"status": "CLTN", "status_from": "2026-02-01", "status_until": "2026-07-31"}
    missing = client.post("/org/import", json=data, headers=root)
    assert missing.status_code == 422 and "status_sk_number" in missing.text
    for row in data["pegawai"]:
        if row["nip"] == STAF2:
            row["status_sk_number"] = "SK CLTN 3/2026"
    again = client.post("/org/import", json=data, headers=root)
    assert again.status_code == 200, again.text
    listed = client.get(f"/pegawai/{STAF2}/status", headers=root).json()
    assert listed == [
        {"status": "CLTN", "from": "2026-02-01", "until": "2026-07-31", "sk_number": "SK CLTN 3/2026", "note": None}
    ]


def test_a_status_beginning_during_planning_withdraws_the_skp_and_the_run_sends_nothing_for_it(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    body = {"status": "CLTN", "from": "2026-01-20", "sk_number": SK}  # recorded on 5 January: STAF1 still plans
    answer = client.put(f"/pegawai/{STAF1}/status", json=body, headers=root)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["closed_skp_ids"], answer.json()["withdrawn_skp_ids"]) == ([ids[STAF1]], [])
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "drafted"

    # the daily run on the status's first day withdraws it before the ladder; later runs send nothing for it
    for day in ("2026-01-20", "2026-01-31", "2026-02-10"):
        run = client.post("/workflows/enforce-deadlines/run", json={"as_of": f"{day}T08:00:00+08:00"}, headers=root)
        assert run.status_code == 200, run.text
        assert run.json()["withdrawn_skp_ids"] == ([ids[STAF1]] if day == "2026-01-20" else [])
    skp = client.get(f"/skps/{ids[STAF1]}", headers=root).json()
    assert (skp["state"], skp["periode_akhir"], skp["allowed_triggers"]) == ("withdrawn", "2026-01-19", [])
    trail = client.get("/audit", params={"entity_type": "skp", "entity_id": ids[STAF1]}, headers=root).json()
    withdrawn = trail["items"][-1]
    assert (withdrawn["trigger"], withdrawn["to_state"]) == ("withdraw", "withdrawn")
    assert "CLTN mulai 2026-01-20" in withdrawn["note"]
    steps = [e for e in trail["items"] if e["at"] > "2026-01-20"]
    assert [e["trigger"] for e in steps] == ["withdraw"]  # no escalation or HR drafting after it
