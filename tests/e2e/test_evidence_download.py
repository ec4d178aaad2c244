"""Bukti dukung can be opened through HTTP and from the period page, by those who may see the realisasi only."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.evidence import attachment
from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import agree_everyone, give_passwords, web_login
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NAME = 'laporan "akhir"\r\nX-Evil: 1 Überblick.pdf'  # the client percent-encodes what a header cannot hold


def realisasi_with_evidence(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> tuple[int, dict[str, Any], int]:
    """STAF1's SKP agreed, period 1 open, a realisasi with one stored file and one link: the SKP's, the file's and
    the link's ids (the file as the period shows it)."""
    ids = agree_everyone(client, clock, root)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    admin = bearer("user:root", clock)
    assert client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=admin).is_success
    me = bearer(f"pegawai:{STAF1}", clock)
    stored = client.post("/evidence", files={"file": (NAME, PDF, "application/pdf")}, headers=me)
    assert stored.status_code == 201, stored.text
    period = client.get(f"/skps/{ids[STAF1]}/periods/1", headers=me).json()
    link: dict[str, Any] = {
        "filename": "foto.jpg",
        "content_type": "image/jpeg",
        "size": 10,
        "sha256": "b" * 64,
        "uri": "https://drive.example.go.id/foto.jpg",
    }
    body = {
        "realisasi": [
            {
                "indikator_id": period["realisasi"][0]["indikator_id"],
                "value": 96,
                "text": "Tercapai",
                "evidence": [stored.json(), link],
            }
        ]
    }
    saved = client.post(f"/skps/{ids[STAF1]}/periods/1/realisasi", json=body, headers=me)
    assert saved.status_code == 200, saved.text
    files = saved.json()["realisasi"][0]["evidence"]
    return ids[STAF1], files[0], files[1]["id"]


def test_the_people_of_the_skp_open_its_evidence_and_no_one_else(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    _, stored, link_id = realisasi_with_evidence(client, clock, root, cycle_id)
    file_id, stored_name = stored["id"], stored["filename"]
    root = bearer("user:root", clock)  # the clock has moved to February
    for username, role, instansi in [("hr.kab", "admin", "KAB-CONTOH"), ("irban", "auditor", "KAB-CONTOH")]:
        body = {"username": username, "password": "rahasia-123", "role": role, "instansi": instansi}
        assert client.post("/users", json=body, headers=root).status_code == 201
    who = {
        "pegawai": f"pegawai:{STAF1}",
        "pejabat penilai": f"pegawai:{KABID}",
        "atasan penilai": f"pegawai:{KADIS}",
        "admin": "user:hr.kab",
        "auditor": "user:irban",
    }
    for name, ref in who.items():
        answer = client.get(f"/evidence/{file_id}", headers=bearer(ref, clock))
        assert answer.status_code == 200, (name, answer.text)
        assert answer.content == PDF
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["x-content-type-options"] == "nosniff"
        disposition = answer.headers["content-disposition"]
        shape = re.fullmatch(r'attachment; filename="([A-Za-z0-9._ -]+)"; filename\*=UTF-8\'\'(\S+)', disposition)
        assert shape is not None, disposition
        plain, exact = shape.groups()
        assert unquote(exact) == stored_name and plain.endswith(".pdf") and "x-evil" not in answer.headers
    outsiders = {f"pegawai:{STAF2}": 404, f"pegawai:{KABID2}": 404, f"pegawai:{SEKDA}": 403}  # a pimpinan sees the SKP
    for ref, code in outsiders.items():
        refused = client.get(f"/evidence/{file_id}", headers=bearer(ref, clock))
        assert refused.status_code == code, (ref, refused.text)
        assert PDF not in refused.content
    assert client.get(f"/evidence/{file_id}").status_code == 401
    unknown = client.get("/evidence/999999", headers=root)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "evidence 999999 not found")
    assert client.get(f"/evidence/{file_id}", headers=bearer(f"pegawai:{STAF2}", clock)).json() == {
        "detail": f"evidence {file_id} not found",  # as for an id that does not exist: nothing leaks
        "problems": [],
    }
    assert client.get(f"/evidence/{link_id}", headers=root).status_code == 404  # a link is not a file here


def test_the_penilai_opens_the_proof_from_the_period_page(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    skp_id, stored, _ = realisasi_with_evidence(client, clock, root, cycle_id)
    file_id = stored["id"]
    give_passwords(db, KABID, STAF2)
    web_login(client, KABID)
    page = client.get(f"/ui/skp/{skp_id}/periods/1")
    assert f'<a href="/ui/evidence/{file_id}" download>' in page.text
    assert "https://drive.example.go.id/foto.jpg" in page.text  # a link is shown, not linked to
    opened = client.get(f"/ui/evidence/{file_id}")
    assert opened.status_code == 200 and opened.content == PDF
    assert opened.headers["content-disposition"].startswith("attachment;")
    client.cookies.clear()
    web_login(client, STAF2)
    assert client.get(f"/ui/evidence/{file_id}").status_code == 404


@pytest.mark.parametrize(
    ("name", "plain"),
    [
        ("laporan.pdf", "laporan.pdf"),
        ('a"b\r\nSet-Cookie: x=1.pdf', "a_b__Set-Cookie_ x_1.pdf"),
        ("Überblick ñ.pdf", "_berblick _.pdf"),
        ("..", "bukti"),
        ("", "bukti"),
    ],
)
def test_the_download_name_cannot_break_out_of_its_header(name: str, plain: str) -> None:
    header = attachment(name)
    assert header.startswith(f"attachment; filename=\"{plain}\"; filename*=UTF-8''")
    assert unquote(header.rsplit("''", 1)[1]) == name
    assert header.isascii() and not {"\r", "\n"} & set(header)
