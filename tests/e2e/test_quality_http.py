"""Data quality through HTTP and the page: HR finds the planted missing target as JSON, CSV and on the page (in
both languages), a kepala bidang sees their bidang only and a staff member nothing; opening a period and starting
the assessment are refused with the rule and its count until HR forces them, and the audit trail says so."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import agree_everyone, give_passwords, web_login
from tests.integration.org import KABID, KADIS, STAF1, STAF2
from workflows.store.tables import Indikator, Rhk
from workflows.store.uow import unit_of_work


def _zero_target(db: Engine, skp_id: int) -> None:
    with unit_of_work(db) as s:
        rhk = select(col(Rhk.id)).where(col(Rhk.skp_id) == skp_id)
        s.execute(update(Indikator).where(col(Indikator.rhk_id).in_(rhk)).values(target=0))


def test_quality_report_refusal_and_force_through_http_and_the_page(
    app: FastAPI, client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int, db: Any
) -> None:
    ids = agree_everyone(client, clock, root)
    root = bearer("user:root", clock, minutes=2 * 366 * 24 * 60)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    _zero_target(db, ids[STAF2])

    seen = client.get(f"/cycles/{cycle_id}/quality", headers=root)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["checked"] == 6 and body["severity"]["target_missing"] == "blocking"
    (missing,) = [p for p in body["problems"] if p["rule"] == "target_missing"]
    assert (missing["nip"], missing["skp_id"], missing["unit"], missing["severity"]) == (
        STAF2,
        ids[STAF2],
        "DINKES-P2P",
        "blocking",
    )
    table = client.get(f"/cycles/{cycle_id}/quality", params={"format": "csv"}, headers=root)
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert table.headers["content-type"].startswith("text/csv") and {r["rule"] for r in rows} >= {"target_missing"}
    head = client.get(f"/cycles/{cycle_id}/quality", headers=bearer(f"pegawai:{KABID}", clock)).json()
    assert head["checked"] == 3 and {p["unit"] for p in head["problems"]} == {"DINKES-P2P"}
    assert client.get(f"/cycles/{cycle_id}/quality", headers=bearer(f"pegawai:{STAF1}", clock)).status_code == 403
    outside = client.get(
        f"/cycles/{cycle_id}/quality", params={"unit": "DINKES-YANKES"}, headers=bearer(f"pegawai:{KABID}", clock)
    )
    assert outside.status_code == 404

    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    refused = client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=root)
    assert refused.status_code == 422 and "target_missing — 1 blocking" in refused.json()["problems"][0]
    kadis = bearer(f"pegawai:{KADIS}", clock)
    assert (
        client.post(
            "/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1, "force": True}, headers=kadis
        ).status_code
        == 403
    )
    forced = client.post(
        "/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1, "force": True}, headers=root
    )
    assert forced.status_code == 200 and forced.json()["cycles"][0]["opened"]["opened"] == 6

    clock.now = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
    refused = client.post(f"/cycles/{cycle_id}/transitions/start_assessment", headers=root)
    assert refused.status_code == 422, refused.text
    assert refused.json()["problems"] == [
        f"data quality: target_missing — 1 blocking problem(s); GET /cycles/{cycle_id}/quality lists them, "
        "an admin may force"
    ]
    assert client.get(f"/cycles/{cycle_id}", headers=root).json()["state"] == "monitoring"
    started = client.post(f"/cycles/{cycle_id}/transitions/start_assessment", params={"force": "true"}, headers=root)
    assert started.status_code == 200 and started.json()["state"] == "assessing"
    trail = client.get("/audit", params={"entity_type": "cycle", "entity_id": cycle_id}, headers=root).json()["items"]
    (event,) = [e for e in trail if e["trigger"] == "start_assessment"]
    assert "target_missing 1" in event["note"] and event["actor"] == "user:root"

    web_login(client, "root", ROOT_PASSWORD)
    page = client.get(f"/ui/cycles/{cycle_id}/quality")
    assert page.status_code == 200
    assert (
        'data-rule="target_missing">1<' in page.text and f'href="/ui/skp/{ids[STAF2]}" data-nip="{STAF2}"' in page.text
    )
    assert "Indikator tanpa target atau bertarget nol" in page.text and "Memblokir" in page.text
    english = client.get(f"/ui/cycles/{cycle_id}/quality", params={"lang": "en"})
    assert "Indicators with no target or a target of zero" in english.text and "Blocking" in english.text
    assert "indicator(s) with no target" in english.text
    download = client.get(f"/ui/cycles/{cycle_id}/quality", params={"format": "csv"})
    assert download.text.startswith("rule,severity,unit,nip,skp_id,message")
    assert f'href="/ui/cycles/{cycle_id}/quality"' in client.get(f"/ui/cycles/{cycle_id}").text

    give_passwords(db, KABID)
    with TestClient(app) as head:  # a kepala bidang finds the report of their bidang from their home
        web_login(head, KABID)
        assert f'href="/ui/cycles/{cycle_id}/quality"' in head.get("/ui").text
        theirs = head.get(f"/ui/cycles/{cycle_id}/quality")
        assert theirs.status_code == 200 and 'id="quality-checked">3<' in theirs.text
