"""The status page without a browser: an overlap is refused with what was typed kept; a pegawai is kept out."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import ROOT_PASSWORD
from tests.e2e.web_setup import csrf_of, give_passwords, web_login
from tests.integration.org import STAF1


def test_an_overlapping_status_is_refused_on_the_page(client: TestClient, cycle_id: int) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/status")
    assert page.status_code == 200 and '<label for="starts">Mulai (TMT)</label>' in page.text
    form = {"csrf": csrf_of(page.text), "nip": STAF1, "status": "CLTN", "starts": "2026-04-01", "sk_number": "SK 1"}
    assert client.post("/ui/status", data=form).status_code == 200
    overlap = client.post("/ui/status?lang=en", data=form | {"starts": "2026-06-01", "sk_number": "SK 2"})
    assert overlap.status_code == 422 and "overlaps the recorded CLTN" in overlap.text
    assert 'value="SK 2"' in overlap.text  # what was typed stays in the form
    client.get("/ui/status?lang=id")
    said = client.post("/ui/status", data=form | {"starts": "2026-06-01", "sk_number": "SK 2"})
    assert "bertumpang tindih dengan CLTN" in said.text and "overlaps the recorded" not in said.text
    listed = client.get(f"/ui/status?nip={STAF1}")
    assert "Cuti di luar tanggungan negara" in listed.text and "Akhiri" in listed.text


def test_a_pegawai_cannot_open_the_status_page(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    assert client.get("/ui/status").status_code == 403


def test_a_status_already_begun_withdraws_the_unagreed_skp_and_the_page_links_it(
    client: TestClient, root: dict[str, str], cycle_id: int
) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/status")
    form = {"csrf": csrf_of(page.text), "nip": STAF1, "status": "TUGAS_BELAJAR", "starts": "2026-01-02"}
    done = client.post("/ui/status", data=form | {"sk_number": "SK 800/9"})
    assert done.status_code == 200, done.text[done.text.find("refused") :][:800]
    assert "SKP yang belum disepakati ditarik (status sudah berlaku)" in done.text
    link = done.text.split("SKP yang belum disepakati ditarik")[0].rsplit('href="/ui/skp/', 1)[1].split('"')[0]
    shown = client.get(f"/ui/skp/{link}")
    assert shown.status_code == 200 and "Ditarik" in shown.text
    english = client.get(f"/ui/skp/{link}?lang=en")
    assert "Withdrawn" in english.text
