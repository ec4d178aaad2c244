"""Deadline enforcement and delivery through `POST /workflows/{name}/run`: as of a moment, once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import agree_everyone
from workflows.store.tables import Outbox


def _outbox(client: TestClient) -> int:
    with client.app.state.engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.scalar(select(func.count()).select_from(Outbox)) or 0)


def test_a_late_agreement_is_escalated_once(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    early = client.post("/workflows/enforce-deadlines/run", json={"as_of": "2026-01-10T00:00:00+07:00"}, headers=root)
    assert early.status_code == 200, early.text
    assert _outbox(client) == 0  # two weeks before 31 January nothing is due yet
    late = {"as_of": "2026-02-04T09:00:00+07:00", "cycle_id": cycle_id}
    answer = client.post("/workflows/enforce-deadlines/run", json=late, headers=root)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()["cycles"][0]["by_key"]["skp_agreement"]
    assert report["pending"] == 6
    assert report["late"] == 6
    assert set(report["notified"]) == {"notice", "escalate"}  # reminders overtaken by the notice are not sent
    rows = _outbox(client)
    assert rows > 0
    again = client.post("/workflows/enforce-deadlines/run", json=late, headers=root)
    assert again.json()["cycles"][0]["by_key"]["skp_agreement"]["steps"] == 0
    assert _outbox(client) == rows  # the same moment twice: nothing enqueued twice


def test_delivery_is_for_the_operator(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> None:
    body = {"username": "hr.kab", "password": "rahasia-123", "role": "admin", "instansi": "KAB-CONTOH"}
    assert client.post("/users", json=body, headers=root).status_code == 201
    refused = client.post("/workflows/deliver-notifications/run", json={}, headers=bearer("user:hr.kab", clock))
    assert refused.status_code == 403
    unconfigured = client.post("/workflows/deliver-notifications/run", json={}, headers=root)
    assert unconfigured.status_code == 422
    assert "SKPFLOW_NOTIFY_URL" in unconfigured.json()["problems"][0]


def test_the_run_reports_the_dialog_kinerja_nudges(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    body = {
        "name": "kab-contoh",
        "version": "dialog-2w",
        "base": "permenpanrb-6-2022",
        "overrides": {"feedback": {"every_weeks": 2}},  # umpan balik expected every two weeks
        "instansi": "KAB-CONTOH",
    }
    made = client.post("/policies", json=body, headers=root)
    assert made.status_code == 201, made.text
    repin = {"policy_version_id": made.json()["id"], "dry_run": False}
    pinned = client.post(f"/cycles/{cycle_id}/policy", json=repin, headers=root)
    assert pinned.status_code == 200 and pinned.json()["applied"], pinned.text
    agree_everyone(client, clock, root)  # on 5 January, and nobody has had umpan balik since

    run = {"as_of": "2026-01-20T09:00:00+07:00", "cycle_id": cycle_id}
    answer = client.post("/workflows/enforce-deadlines/run", json=run, headers=root)
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()["cycles"][0]["by_key"]["feedback"]
    assert (report["late"], report["notified"]) == (6, {"reminder": 6})  # each penilai, or HR for the Sekda's
    a_week_on = {**run, "as_of": "2026-01-27T09:00:00+07:00"}
    escalated = client.post("/workflows/enforce-deadlines/run", json=a_week_on, headers=root).json()
    assert escalated["cycles"][0]["by_key"]["feedback"]["notified"] == {"escalate": 6}  # the atasan penilai
    again = client.post("/workflows/enforce-deadlines/run", json=a_week_on, headers=root).json()
    assert again["cycles"][0]["by_key"]["feedback"]["steps"] == 0
