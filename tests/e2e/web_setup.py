"""The state the web tests start from: the chain above the staff agreed through the API, passwords to log in with."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, update
from sqlmodel import col

from tests.e2e.conftest import Clock, bearer
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from workflows.store.passwords import hash_password
from workflows.store.tables import Pegawai
from workflows.store.uow import unit_of_work

PASSWORD = "rahasia-web"


def skp_ids(client: TestClient, headers: dict[str, str]) -> dict[str, int]:
    page = client.get("/skps", headers=headers)
    assert page.status_code == 200, page.text
    return {item["nip"]: item["id"] for item in page.json()["items"]}


def _plan(text: str, intervenes: int | None) -> dict[str, Any]:
    return {
        "rhk": [
            {
                "jenis": "UTAMA",
                "text": text,
                "intervensi_rhk_id": intervenes,
                "cascade": "DIRECT" if intervenes else None,
                "indikator": [{"text": f"Indikator {text}", "aspek": "KUANTITAS", "target": 90, "satuan": "persen"}],
            }
        ],
        "propose": True,
    }


def agree_chain_above_staff(client: TestClient, clock: Clock, root: dict[str, str]) -> dict[str, int]:
    """Sekda (rated by HR for the bupati), kepala dinas and kepala bidang P2P agreed; staff SKPs still drafted."""
    ids = skp_ids(client, root)
    chain = [(SEKDA, None, root), (KADIS, SEKDA, bearer(f"pegawai:{SEKDA}", clock))]
    chain.append((KABID, KADIS, bearer(f"pegawai:{KADIS}", clock)))
    for nip, boss, penilai in chain:
        above = client.get(f"/skps/{ids[boss]}", headers=root).json()["rhk"][0]["id"] if boss else None
        mine = bearer(f"pegawai:{nip}", clock)
        assert client.put(f"/skps/{ids[nip]}/plan", json=_plan(f"RHK {nip}", above), headers=mine).status_code == 200
        for trigger in ("cascade", "agree"):
            answer = client.post(f"/skps/{ids[nip]}/transitions/{trigger}", headers=penilai)
            assert answer.status_code == 200, answer.text
    return ids


def give_passwords(db: Engine, *nips: str) -> None:
    with unit_of_work(db) as s:
        s.execute(
            update(Pegawai)
            .where(col(Pegawai.nip).in_(nips or (STAF1, STAF2, KABID)))
            .values(password_hash=hash_password(PASSWORD), must_change_password=False)  # their own by now
        )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def web_login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    page = client.get("/ui/login")
    answer = client.post(
        "/ui/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def agree_everyone(client: TestClient, clock: Clock, root: dict[str, str]) -> dict[str, int]:
    """The whole chain agreed: the staff too, each rated by their kepala bidang."""
    ids = agree_chain_above_staff(client, clock, root)
    kabid2 = client.get(f"/skps/{ids[KADIS]}", headers=root).json()["rhk"][0]["id"]
    rest = [(KABID2, kabid2, KADIS)]
    above = client.get(f"/skps/{ids[KABID]}", headers=root).json()["rhk"][0]["id"]
    rest += [(STAF1, above, KABID), (STAF2, above, KABID)]
    for nip, boss_rhk, penilai in rest:
        mine, theirs = bearer(f"pegawai:{nip}", clock), bearer(f"pegawai:{penilai}", clock)
        assert client.put(f"/skps/{ids[nip]}/plan", json=_plan(f"RHK {nip}", boss_rhk), headers=mine).status_code == 200
        for trigger in ("cascade", "agree"):
            assert client.post(f"/skps/{ids[nip]}/transitions/{trigger}", headers=theirs).status_code == 200
    return ids


def to_assessment(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> dict[str, int]:
    """Everyone agreed and monitored, the cycle in assessment (January of the next year), every unit's capaian set."""
    ids = agree_everyone(client, clock, root)
    root = bearer("user:root", clock, minutes=2 * 366 * 24 * 60)  # issued now: an iat in the future is refused
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    opened = client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=root)
    assert opened.status_code == 200, opened.text
    clock.now = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
    started = client.post(f"/cycles/{cycle_id}/transitions/start_assessment", headers=root)
    assert started.status_code == 200, started.text
    for unit in ("PEMDA", "DINKES", "DINKES-P2P", "DINKES-YANKES"):
        body = {"cycle_id": cycle_id, "period": "annual", "level": "BAIK"}
        assert client.post(f"/units/{unit}/capaian", json=body, headers=root).status_code == 200
    return ids


def pdf_text(content: bytes) -> str:
    """The document's words, whitespace folded (table cells wrap their lines)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())
