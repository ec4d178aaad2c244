"""Bounded input through HTTP: the policy's `limits` refuse an SKP no real pegawai writes, in the API and the web
alike, with a 422 that names each problem and changes nothing; an instansi overlay moves the bounds."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from api.app import create_app
from tests.e2e.conftest import KEY, ROOT_PASSWORD, Clock, bearer, org_json
from tests.e2e.web_setup import agree_everyone, csrf_of, give_passwords, skp_ids, web_login
from tests.integration.org import KABID, SEKDA, STAF1
from workflows.cases.users import ensure_first_admin
from workflows.store.settings import Settings
from workflows.store.tables import AuditEvent, Rhk
from workflows.store.uow import reading, unit_of_work


def counts(db: Engine) -> tuple[int, int]:
    with reading(db) as s:
        events = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
        return events, s.scalar(select(func.count()).select_from(Rhk)) or 0


def rhk(n: int, *, text: str = "RHK", indicators: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "jenis": "TAMBAHAN",
            "text": f"{text} {i}",
            "indikator": [{"text": f"Indikator {j}", "aspek": "KUANTITAS", "target": 1} for j in range(indicators)],
        }
        for i in range(n)
    ]


def start_cycle(client: TestClient, root: dict[str, str], policy: str | None = None) -> int:
    assert client.post("/org/import", json=org_json(), headers=root).status_code == 200
    body = {"year": 2026, "name": "SKP 2026", "instansi": "KAB-CONTOH"} | ({"policy": policy} if policy else {})
    made = client.post("/cycles", json=body, headers=root)
    assert made.status_code == 201, made.text
    assert client.post(f"/cycles/{made.json()['id']}/open", headers=root).status_code == 200
    return int(made.json()["id"])


def test_an_skp_of_five_thousand_rhk_cannot_be_built(db: Engine, clock: Clock, tmp_path: Path) -> None:
    # the server's own body limit (1 MiB by default) lets 5000 small RHK through: the policy is what refuses them
    settings = Settings(database_url="sqlite://", secret_key=SecretStr(KEY), evidence_dir=str(tmp_path))
    with TestClient(create_app(engine=db, settings=settings, clock=clock)) as client:
        with unit_of_work(db) as s:
            ensure_first_admin(s, "root", ROOT_PASSWORD, now=clock())
        root = bearer("user:root", clock)
        start_cycle(client, root)
        ids = skp_ids(client, root)
        me = bearer(f"pegawai:{STAF1}", clock)
        before = counts(db)
        body = {"rhk": rhk(5000, indicators=0)}
        answer = client.put(f"/skps/{ids[STAF1]}/plan", json=body, headers=me)
        assert answer.status_code == 422, answer.text[:300]
        assert answer.json()["problems"] == ["rhk: 5000 items, more than the policy allows (limits.rhk_per_skp: 50)"]
        wide = client.put(f"/skps/{ids[STAF1]}/plan", json={"rhk": rhk(2, indicators=11)}, headers=me)
        assert wide.status_code == 422
        assert wide.json()["problems"] == [
            f"rhk[{i}].indikator: 11 items, more than the policy allows (limits.indikator_per_rhk: 10)" for i in (0, 1)
        ]
        assert counts(db) == before  # nothing written, no audit event
        assert client.get(f"/skps/{ids[STAF1]}", headers=me).json()["rhk"] == []
        real = client.put(f"/skps/{ids[STAF1]}/plan", json={"rhk": rhk(15, indicators=4)}, headers=me)
        assert real.status_code == 200, real.text[:300]  # a large real SKP is far inside the bounds


def test_an_instansi_overlay_sets_the_bounds_for_api_and_web(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine
) -> None:
    assert client.post("/org/import", json=org_json(), headers=root).status_code == 200
    overlay = {
        "name": "kab-ketat",
        "version": "1",
        "base": "permenpanrb-6-2022",
        "instansi": "KAB-CONTOH",
        "overrides": {"limits": {"rhk_per_skp": 2, "text_chars": 40, "note_chars": 30}},
    }
    made = client.post("/policies", json=overlay, headers=root)
    assert made.status_code == 201, made.text
    assert client.get(f"/policies/{made.json()['id']}", headers=root).json()["document"]["limits"]["rhk_per_skp"] == 2
    invalid = {**overlay, "version": "2", "overrides": {"limits": {"rhk_per_skp": 0, "text_chars": 5000}}}
    refused = client.post("/policies", json=invalid, headers=root)
    assert refused.status_code == 422 and len(refused.json()["problems"]) == 2, refused.text
    body = {"year": 2026, "name": "SKP 2026", "instansi": "KAB-CONTOH", "policy": "kab-ketat"}
    cycle = client.post("/cycles", json=body, headers=root)
    assert cycle.status_code == 201, cycle.text
    assert client.post(f"/cycles/{cycle.json()['id']}/open", headers=root).status_code == 200
    ids = skp_ids(client, root)
    me = bearer(f"pegawai:{STAF1}", clock)
    before = counts(db)

    three = client.put(f"/skps/{ids[STAF1]}/plan", json={"rhk": rhk(3)}, headers=me)
    assert three.status_code == 422
    assert three.json()["problems"] == ["rhk: 3 items, more than the policy allows (limits.rhk_per_skp: 2)"]
    long_text = client.put(f"/skps/{ids[STAF1]}/plan", json={"rhk": rhk(1, text="x" * 41)}, headers=me)
    assert long_text.json()["problems"] == [
        "rhk[0].text: 43 characters, more than the policy allows (limits.text_chars: 40)"
    ]
    assert counts(db) == before

    give_passwords(db, STAF1)
    web_login(client, STAF1)
    page = client.get(f"/ui/skp/{ids[STAF1]}")
    form = {"csrf": csrf_of(page.text)} | {f"rhk-{i}-text": f"RHK {i}" for i in range(3)}
    web = client.post(f"/ui/skp/{ids[STAF1]}/plan", data=form)
    assert web.status_code == 422 and "limits.rhk_per_skp: 2" in web.text
    assert counts(db) == before
    two = client.post(f"/ui/skp/{ids[STAF1]}/plan", data={k: v for k, v in form.items() if k != "rhk-2-text"})
    assert two.status_code == 200 and len(client.get(f"/skps/{ids[STAF1]}", headers=me).json()["rhk"]) == 2

    # a trigger's note is free text too: the pejabat penilai returns the proposed SKP
    client.cookies.clear()
    sekda = client.put(f"/skps/{ids[SEKDA]}/plan", json={"rhk": rhk(1), "propose": True}, headers=root)
    assert sekda.status_code == 200, sekda.text
    assert client.post(f"/skps/{ids[SEKDA]}/transitions/cascade", headers=root).status_code == 200
    wordy = client.post(f"/skps/{ids[SEKDA]}/transitions/return", json={"note": "n" * 31}, headers=root)
    assert wordy.status_code == 422
    assert wordy.json()["problems"] == ["note: 31 characters, more than the policy allows (limits.note_chars: 30)"]
    assert client.get(f"/skps/{ids[SEKDA]}", headers=root).json()["state"] == "cascaded"
    short = client.post(f"/skps/{ids[SEKDA]}/transitions/return", json={"note": "Lengkapi target"}, headers=root)
    assert short.status_code == 200, short.text


def test_pdfs_and_heavy_pages_are_rate_limited_per_user(db: Engine, clock: Clock, tmp_path: Path) -> None:
    settings = Settings(
        database_url="sqlite://",
        secret_key=SecretStr(KEY),
        evidence_dir=str(tmp_path),
        pdf_rate="2/minute",
        page_rate="3/minute",
    )
    with TestClient(create_app(engine=db, settings=settings, clock=clock)) as client:
        with unit_of_work(db) as s:
            ensure_first_admin(s, "root", ROOT_PASSWORD, now=clock())
        root = bearer("user:root", clock)
        start_cycle(client, root)
        ids = skp_ids(client, root)
        give_passwords(db, STAF1, KABID)
        web_login(client, STAF1)
        pdf = f"/ui/skp/{ids[STAF1]}/skp.pdf"
        assert [client.get(pdf).status_code for _ in range(2)] == [200, 200]
        refused = client.get(f"/ui/skp/{ids[STAF1]}/evaluasi.pdf")  # one rate for both documents
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        assert "Terlalu banyak permintaan" in refused.text
        pages = [client.get(f"/ui/skp/{ids[STAF1]}").status_code for _ in range(4)]
        assert pages == [200, 200, 200, 429]  # pages have their own, larger rate
        assert client.get("/ui").status_code == 200  # light pages are not counted

        client.cookies.clear()
        web_login(client, KABID)  # another user has their own count
        assert client.get(f"/ui/skp/{ids[STAF1]}/skp.pdf").status_code == 200

        exports = [client.get("/audit/export?instansi=KAB-CONTOH", headers=root).status_code for _ in range(4)]
        assert exports == [200, 200, 200, 429]
        answer = client.get("/audit/export?instansi=KAB-CONTOH", headers=root)
        assert answer.json()["detail"].startswith("too many requests") and "Retry-After" in answer.headers


def test_realisasi_and_feedback_texts_are_bounded_by_the_policy(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine
) -> None:
    assert client.post("/org/import", json=org_json(), headers=root).status_code == 200
    overlay = {"name": "kab-ringkas", "version": "1", "base": "permenpanrb-6-2022", "instansi": "KAB-CONTOH"}
    made = client.post("/policies", json=overlay | {"overrides": {"limits": {"note_chars": 30}}}, headers=root)
    assert made.status_code == 201, made.text
    body = {"year": 2026, "name": "SKP 2026", "instansi": "KAB-CONTOH", "policy": "kab-ringkas"}
    cycle_id = client.post("/cycles", json=body, headers=root).json()["id"]
    assert client.post(f"/cycles/{cycle_id}/open", headers=root).status_code == 200
    ids = agree_everyone(client, clock, root)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    admin = bearer("user:root", clock)
    assert client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=admin).is_success
    me, penilai = bearer(f"pegawai:{STAF1}", clock), bearer(f"pegawai:{KABID}", clock)
    indikator = client.get(f"/skps/{ids[STAF1]}/periods/1", headers=me).json()["realisasi"][0]["indikator_id"]
    before = counts(db)

    wordy = {"realisasi": [{"indikator_id": indikator, "value": 1, "text": "t" * 31}]}
    refused = client.post(f"/skps/{ids[STAF1]}/periods/1/realisasi", json=wordy, headers=me)
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        "realisasi[0].text: 31 characters, more than the policy allows (limits.note_chars: 30)"
    ]
    feedback = client.post(
        f"/skps/{ids[STAF1]}/feedback", json={"core_value": "ADAPTIF", "text": "f" * 31}, headers=penilai
    )
    assert feedback.status_code == 422
    assert feedback.json()["problems"] == ["text: 31 characters, more than the policy allows (limits.note_chars: 30)"]
    assert counts(db) == before
    short = {"realisasi": [{"indikator_id": indikator, "value": 1, "text": "Tercapai"}]}
    assert client.post(f"/skps/{ids[STAF1]}/periods/1/realisasi", json=short, headers=me).status_code == 200
