"""`POST /pegawai/{nip}/mutasi` through HTTP: HR moves a pegawai whose SKP is still being planned; bad input is a
422 that names the field and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.e2e.test_skps import skp_ids
from tests.integration.org import KABID, KABID2, STAF1


def _events(client: TestClient, root: dict[str, str]) -> int:
    return int(client.get("/audit", params={"limit": 1}, headers=root).json()["total"])


def test_hr_records_a_mutasi_and_the_plan_moves_to_the_new_penilai(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    before = _events(client, root)
    refused: list[tuple[dict[str, Any], str]] = [
        ({"unit": "NOWHERE", "effective": "2026-02-01"}, "no unit 'NOWHERE'"),
        ({"unit": "DINKES-YANKES", "effective": "2027-02-01"}, "effective"),
        ({"unit": "DINKES-YANKES"}, "effective"),
        ({"unit": "DINKES-YANKES", "effective": "2026-02-01", "atasan_nip": "12"}, "atasan_nip"),
    ]
    for body, message in refused:
        answer = client.post(f"/pegawai/{STAF1}/mutasi", json=body, headers=root)
        assert answer.status_code == 422, answer.text
        assert message in answer.text
    assert (
        client.post(
            f"/pegawai/{STAF1}/mutasi", json=refused[0][0], headers=bearer(f"pegawai:{KABID}", clock)
        ).status_code
        == 403
    )
    assert _events(client, root) == before

    body = {"unit": "DINKES-YANKES", "effective": "2026-02-01", "sk_number": "SK Bupati 821/7"}
    answer = client.post(f"/pegawai/{STAF1}/mutasi", json=body, headers=root)
    assert answer.status_code == 200, answer.text
    moved = answer.json()
    assert (moved["to_unit"], moved["penilai_nip"], moved["moved_skp_id"]) == ("DINKES-YANKES", KABID2, ids[STAF1])
    # the new penilai sees the plan; the old one no longer does
    assert client.get(f"/skps/{ids[STAF1]}", headers=bearer(f"pegawai:{KABID2}", clock)).status_code == 200
    assert client.get(f"/skps/{ids[STAF1]}", headers=bearer(f"pegawai:{KABID}", clock)).status_code == 404
