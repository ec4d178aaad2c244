"""Monitoring through HTTP and the page: HR sees per unit who has not planned, with whom each step waits, as JSON,
CSV and the page; a pegawai who heads nothing is refused."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import web_login
from tests.integration.org import KABID, STAF1, STAF2


def test_monitoring_through_http_and_the_page(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    admin = bearer("user:root", clock)
    seen = client.get(f"/cycles/{cycle_id}/monitoring", headers=admin)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert {u["unit_code"]: u["waiting"]["plan"] for u in body["units"]}["DINKES-P2P"] == 3
    assert all(w["step"] == "plan" and w["waits_on_nip"] == w["nip"] for w in body["waiting"])
    table = client.get(f"/cycles/{cycle_id}/monitoring", params={"format": "csv", "unit": "DINKES-P2P"}, headers=admin)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert sorted(r["nip"] for r in rows) == sorted([KABID, STAF1, STAF2]) and {r["step"] for r in rows} == {"plan"}
    staf = bearer(f"pegawai:{STAF1}", clock)
    assert client.get(f"/cycles/{cycle_id}/monitoring", headers=staf).status_code == 403

    web_login(client, "root", ROOT_PASSWORD)
    page = client.get(f"/ui/cycles/{cycle_id}/monitoring")
    assert page.status_code == 200
    assert 'data-unit="DINKES-P2P" data-step="plan">3<' in page.text and f'data-nip="{STAF1}">Menyusun SKP' in page.text
    download = client.get(f"/ui/cycles/{cycle_id}/monitoring", params={"format": "csv"})
    assert download.text.startswith("unit_code,nip,name,skp_id,step")
