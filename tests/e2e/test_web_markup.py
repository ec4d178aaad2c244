"""Every page has a title and a language, and every visible form control has a label, in both languages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import give_passwords, to_assessment, web_login
from tests.integration.org import KABID, KADIS, STAF1

CONTROL = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.S)


def check_markup(html: str, lang: str, where: str) -> None:
    assert f'<html lang="{lang}">' in html, where
    title = re.search(r"<title>([^<]*)</title>", html)
    assert title and title.group(1).strip(" —") and title.group(1).strip() != "— skpflow", where
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    for tag, attributes in CONTROL.findall(html):
        if 'type="hidden"' in attributes:
            continue
        found = re.search(r'\bid="([^"]+)"', attributes)
        assert found and found.group(1) in labelled, f"{where}: <{tag}{attributes[:80]}> has no label"
    for button in re.findall(r"<button\b[^>]*>(.*?)</button>", html, re.S):
        assert button.strip(), f"{where}: a button without a name"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_page_is_titled_in_its_language_and_labelled(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int, lang: str
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    rater = bearer(f"pegawai:{KABID}", clock)
    rating = {"rating_hasil_kerja": "SESUAI_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    assert client.post(f"/skps/{ids[STAF1]}/transitions/assess", json=rating, headers=rater).status_code == 200
    give_passwords(db, STAF1, KABID, KADIS)
    client.cookies.set("skpflow_lang", lang)
    check_markup(client.get("/ui/login").text, lang, "login")
    pages = {
        STAF1: ["/ui", f"/ui/skp/{ids[STAF1]}", f"/ui/skp/{ids[STAF1]}/periods/1"],
        KABID: ["/ui", f"/ui/skp/{ids[STAF1]}", f"/ui/skp/{ids[KABID]}/matriks", f"/ui/skp/{ids[KABID]}"],
        "root": [
            "/ui",
            f"/ui/cycles/{cycle_id}",
            f"/ui/cycles/{cycle_id}/distribution",
            f"/ui/cycles/{cycle_id}/followups",
            "/ui/org/import",
            "/ui/mutasi",
            "/ui/acting",
            "/ui/status",
            f"/ui/status?nip={STAF1}",
            "/ui/audit",
            "/ui/policies",
            "/ui/diagrams",
            "/ui/skp/999999",
        ],
    }
    for who, paths in pages.items():
        client.cookies.delete("skpflow_session")
        web_login(client, who, ROOT_PASSWORD if who == "root" else "rahasia-web")
        for path in paths:
            answer = client.get(path)
            assert answer.status_code in (200, 404), (who, path, answer.status_code)
            check_markup(answer.text, lang, f"{who} {path}")
    client.cookies.delete("skpflow_session")
    web_login(client, "root", ROOT_PASSWORD)
    versions = client.get("/policies", headers=bearer("user:root", clock)).json()["items"]
    check_markup(client.get(f"/ui/policies/{versions[0]['id']}/new").text, lang, "policy editor")
    check_markup(client.get(f"/ui/policies/{versions[0]['id']}").text, lang, "policy")
