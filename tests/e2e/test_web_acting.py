"""HR's Plt/Plh page through the web client: a refusal keeps what was typed and changes nothing; a pegawai is
kept out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import ROOT_PASSWORD
from tests.e2e.web_setup import csrf_of, give_passwords, web_login
from tests.integration.org import KABID2, STAF1


def test_hr_registers_an_acting_sk_from_its_page(client: TestClient, root: dict[str, str], cycle_id: int) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/acting?unit=DINKES-P2P")
    assert page.status_code == 200 and '<label for="nip">NIP pejabat Plt/Plh</label>' in page.text
    assert 'value="DINKES-P2P"' in page.text
    form = {
        "csrf": csrf_of(page.text),
        "unit": "DINKES-P2P",
        "nip": "199999999999999999",
        "kind": "PLT",
        "start": "2026-02-01",
        "until": "2026-04-30",
        "sk_number": "SK Bupati 800/77",
    }
    bad = client.post("/ui/acting?lang=en", data=form)  # the English page says it as the API does
    assert bad.status_code == 422 and "no pegawai &#39;199999999999999999&#39;" in bad.text
    assert 'value="SK Bupati 800/77"' in bad.text
    client.get("/ui/acting?lang=id")
    said = client.post("/ui/acting", data=form)  # the Indonesian page in Indonesian (issue 20)
    assert (
        said.status_code == 422 and "NIP: tidak ada pegawai &#39;199999999999999999&#39; di instansi ini" in said.text
    )
    assert "no pegawai" not in said.text
    assert client.get("/units/DINKES-P2P/acting", headers=root).json()["total"] == 0
    done = client.post("/ui/acting", data=form | {"nip": KABID2})
    assert done.status_code == 200, done.text[done.text.find("refused") :][:1200]
    assert "SK Plt/Plh dicatat" in done.text and "dijadwalkan" in done.text
    english = client.get("/ui/acting?lang=en")
    assert "Plt/Plh SKs not yet ended" in english.text and "scheduled" in english.text


def test_a_pegawai_cannot_open_the_acting_page(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    assert client.get("/ui/acting").status_code == 403


def test_hr_cancels_a_scheduled_sk_from_its_page_once_confirmed(
    client: TestClient, root: dict[str, str], cycle_id: int
) -> None:
    body = {"nip": KABID2, "kind": "PLT", "from": "2026-02-01", "until": "2026-04-30", "sk_number": "SK Bupati 800/78"}
    acting_id = client.post("/units/DINKES-P2P/acting", json=body, headers=root).json()["acting"]["id"]
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/acting")
    assert f'action="/ui/acting/{acting_id}/cancel"' in page.text and "Alasan pembatalan" in page.text
    assert 'name="confirm" value="yes" required' in page.text
    form = {"csrf": csrf_of(page.text), "unit": "DINKES-P2P", "reason": "kepala tidak jadi cuti"}
    unconfirmed = client.post(f"/ui/acting/{acting_id}/cancel", data=form)
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    assert client.get("/units/DINKES-P2P/acting", headers=root).json()["items"][0]["state"] == "scheduled"
    done = client.post(f"/ui/acting/{acting_id}/cancel", data=form | {"confirm": "yes"})
    assert done.status_code == 200, done.text[done.text.find("refused") :][:1200]
    assert "SK Plt/Plh dibatalkan" in done.text and "dibatalkan" in done.text
    assert client.get("/units/DINKES-P2P/acting", headers=root).json()["items"][0]["state"] == "cancelled"
    # cancelled, it is no longer among the SKs not yet ended, so the page offers nothing more for it
    assert f'action="/ui/acting/{acting_id}/cancel"' not in client.get("/ui/acting").text
    again = client.post(f"/ui/acting/{acting_id}/cancel", data=form | {"confirm": "yes"})
    assert again.status_code == 409
