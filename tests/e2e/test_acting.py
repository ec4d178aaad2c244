"""`/units/{code}/acting` through HTTP: HR registers a Plh while the head of Bidang P2P is away, the staff's plans
go to the Plh at once, HR ends the SK early and they come back; refusals name the field and change nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.e2e.test_skps import events_of, skp_ids
from tests.integration.org import KABID, KABID2, STAF1

SK = "SK Kepala Dinas 800/31/2026"


def _events(client: TestClient, root: dict[str, str]) -> int:
    return int(client.get("/audit", params={"limit": 1}, headers=root).json()["total"])


def test_hr_registers_a_plh_and_ends_it_early(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    plh = bearer(f"pegawai:{KABID2}", clock)
    body: dict[str, Any] = {"nip": KABID2, "kind": "PLH", "from": "2026-01-05", "until": "2026-01-31", "sk_number": SK}
    before = _events(client, root)
    refused: list[tuple[str, dict[str, Any], int, str]] = [
        ("DINKES-P2P", {**body, "nip": "199999999999999999"}, 422, "no pegawai '199999999999999999'"),
        ("DINKES-P2P", {**body, "until": "2026-01-01"}, 422, "is before from"),
        ("DINKES-P2P", {**body, "kind": "WAKIL"}, 422, "kind"),
        ("DINKES-P2P", {**body, "nip": KABID}, 422, "is the head of DINKES-P2P already"),
        ("NOWHERE", body, 404, "NOWHERE"),
    ]
    for code, sent, status, message in refused:
        answer = client.post(f"/units/{code}/acting", json=sent, headers=root)
        assert (answer.status_code, message in answer.text) == (status, True), answer.text
    assert (
        client.post("/units/DINKES-P2P/acting", json=body, headers=bearer(f"pegawai:{KABID}", clock)).status_code == 403
    )
    assert _events(client, root) == before
    assert client.get(f"/skps/{ids[STAF1]}", headers=plh).status_code == 404  # not hers to see yet

    answer = client.post("/units/DINKES-P2P/acting", json=body, headers=root)
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert (made["acting"]["state"], made["acting"]["from"], made["reassigned"], made["duties"]) == (
        "running",
        "2026-01-05",
        2,
        0,
    )
    seen = client.get(f"/skps/{ids[STAF1]}", headers=plh)
    assert seen.status_code == 200 and "cascade" in seen.json()["allowed_triggers"]
    note = events_of(client, root, ids[STAF1])[-1]
    assert note["trigger"] == "reassigned" and "Rina Kabid" in note["note"] and "Budi Kabid" in note["note"]
    overlapping = client.post("/units/DINKES-P2P/acting", json={**body, "from": "2026-01-20"}, headers=root)
    assert overlapping.status_code == 422 and f"overlaps SK {SK}" in overlapping.text

    listed = client.get("/units/DINKES-P2P/acting", headers=root).json()
    assert (listed["total"], listed["items"][0]["nip"], listed["items"][0]["kind"]) == (1, KABID2, "PLH")

    clock.now += timedelta(days=2)  # Budi is back early: the SK ends with yesterday
    root, plh = bearer("user:root", clock), bearer(f"pegawai:{KABID2}", clock)
    acting_id = made["acting"]["id"]
    ended = client.patch(f"/units/DINKES-P2P/acting/{acting_id}", json={"until": "2026-01-06"}, headers=root)
    assert ended.status_code == 200, ended.text
    assert (ended.json()["acting"]["state"], ended.json()["reassigned"]) == ("ended", 2)
    assert client.get(f"/skps/{ids[STAF1]}", headers=plh).status_code == 404
    again = client.patch(f"/units/DINKES-P2P/acting/{acting_id}", json={"until": "2026-01-08"}, headers=root)
    assert again.status_code == 409
    trail = client.get("/audit", params={"entity_type": "acting", "entity_id": acting_id}, headers=root).json()
    assert [e["trigger"] for e in trail["items"]] == ["register", "begin", "amend", "end"]


def test_the_daily_sweep_begins_a_plt_that_starts_later(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    body = {"nip": KABID2, "kind": "PLT", "from": "2026-02-01", "until": "2026-03-31", "sk_number": SK}
    made = client.post("/units/DINKES-P2P/acting", json=body, headers=root).json()
    assert made["acting"]["state"] == "scheduled"
    run = client.post("/workflows/enforce-deadlines/run", json={"as_of": "2026-02-01T08:00:00+08:00"}, headers=root)
    assert run.status_code == 200, run.text
    assert run.json()["acting"]["begun"] == 1
    listed = client.get("/units/DINKES-P2P/acting", headers=root).json()
    assert listed["items"][0]["state"] == "running"
    again = client.post("/workflows/apply-acting/run", json={"as_of": "2026-02-02T08:00:00+08:00"}, headers=root)
    assert again.status_code == 200, again.text
    assert (again.json()["begun"], again.json()["ended"]) == (0, 0)  # idempotent


def test_hr_cancels_a_scheduled_plt_before_it_begins_and_it_never_does(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    plt = bearer(f"pegawai:{KABID2}", clock)
    body = {"nip": KABID2, "kind": "PLT", "from": "2026-02-01", "until": "2026-03-31", "sk_number": SK}
    made = client.post("/units/DINKES-P2P/acting", json=body, headers=root).json()
    acting_id = made["acting"]["id"]
    assert made["acting"]["state"] == "scheduled"
    before = _events(client, root)
    refused: list[tuple[str, dict[str, Any], int, str]] = [
        (f"/units/DINKES-P2P/acting/{acting_id}/cancel", {"reason": ""}, 422, "reason"),
        (f"/units/DINKES-P2P/acting/{acting_id}/cancel", {}, 422, "reason"),
        ("/units/DINKES-P2P/acting/999999/cancel", {"reason": "salah"}, 404, "acting"),
        (f"/units/NOWHERE/acting/{acting_id}/cancel", {"reason": "salah"}, 404, "NOWHERE"),
    ]
    for url, sent, status, message in refused:
        answer = client.post(url, json=sent, headers=root)
        assert (answer.status_code, message in answer.text) == (status, True), answer.text
    pegawai = bearer(f"pegawai:{KABID}", clock)
    answer = client.post(f"/units/DINKES-P2P/acting/{acting_id}/cancel", json={"reason": "x"}, headers=pegawai)
    assert answer.status_code == 403
    assert _events(client, root) == before

    reason = "SK dibatalkan: kepala bidang tidak jadi cuti"
    cancelled = client.post(f"/units/DINKES-P2P/acting/{acting_id}/cancel", json={"reason": reason}, headers=root)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["acting"]["state"], cancelled.json()["reassigned"]) == ("cancelled", 0)
    again = client.post(f"/units/DINKES-P2P/acting/{acting_id}/cancel", json={"reason": reason}, headers=root)
    assert again.status_code == 409 and again.json()["state"] == "cancelled"
    amended = client.patch(f"/units/DINKES-P2P/acting/{acting_id}", json={"until": "2026-02-10"}, headers=root)
    assert amended.status_code == 409

    # its first day comes: the sweep begins nothing, the staff's plans stay with their head
    run = client.post("/workflows/apply-acting/run", json={"as_of": "2026-02-01T08:00:00+08:00"}, headers=root)
    assert run.status_code == 200 and (run.json()["begun"], run.json()["reassigned"]) == (0, 0), run.text
    assert client.get(f"/skps/{ids[STAF1]}", headers=plt).status_code == 404
    assert client.get("/units/DINKES-P2P/acting", headers=root).json()["items"][0]["state"] == "cancelled"
    trail = client.get("/audit", params={"entity_type": "acting", "entity_id": acting_id}, headers=root).json()
    assert [e["trigger"] for e in trail["items"]] == ["register", "cancel"]
    assert reason in trail["items"][-1]["note"]
    # the days it held are free again: another SK may take them
    other = client.post("/units/DINKES-P2P/acting", json={**body, "sk_number": "SK 800/99"}, headers=root)
    assert other.status_code == 200, other.text


def test_an_sk_that_has_begun_is_ended_not_cancelled(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    body = {"nip": KABID2, "kind": "PLH", "from": "2026-01-05", "until": "2026-01-31", "sk_number": SK}
    made = client.post("/units/DINKES-P2P/acting", json=body, headers=root).json()
    assert made["acting"]["state"] == "running"
    before = _events(client, root)
    answer = client.post(
        f"/units/DINKES-P2P/acting/{made['acting']['id']}/cancel", json={"reason": "salah catat"}, headers=root
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["allowed_triggers"] == ["amend"] and "is not cancelled but ended" in answer.json()["detail"]
    assert _events(client, root) == before
    assert client.get("/units/DINKES-P2P/acting", headers=root).json()["items"][0]["state"] == "running"
