"""The web pages without a browser: sessions, CSRF, language, the plan-propose-agree flow, refusals, PDFs."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.web.i18n import EN, ID
from tests.e2e.conftest import Clock
from tests.e2e.web_setup import agree_chain_above_staff, csrf_of, give_passwords, pdf_text, web_login
from tests.integration.org import KABID, STAF1
from workflows.queries import dashboard
from workflows.store.tables import AuditEvent
from workflows.store.uow import reading


def audit_count(db: Engine) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_both_catalogues_name_the_same_messages() -> None:
    assert set(ID) == set(EN)
    assert all(ID.values()) and all(EN.values())


def test_login_page_has_title_language_and_labels(client: TestClient) -> None:
    page = client.get("/ui/login")
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    assert "<title>Masuk ke skpflow — skpflow</title>" in page.text
    assert '<label for="username">' in page.text and '<label for="password">' in page.text
    english = client.get("/ui/login?lang=en")
    assert '<html lang="en">' in english.text and "Log in to skpflow" in english.text
    assert client.get("/ui/login").text.count('lang="en"') >= 1  # the choice is kept in a cookie


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/ui", "/ui/skp/1", "/ui/skp/1/skp.pdf", "/ui/cycles/1"):
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/ui/login"), path


def test_wrong_password_is_refused_without_saying_which_part(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    page = client.get("/ui/login")
    answer = client.post("/ui/login", data={"username": STAF1, "password": "salah", "csrf": csrf_of(page.text)})
    assert answer.status_code == 401
    assert "NIP/nama pengguna atau kata sandi salah." in answer.text
    assert "skpflow_session" not in answer.cookies


def test_the_session_cookie_is_httponly_and_lax(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    page = client.get("/ui/login")
    answer = client.post(
        "/ui/login",
        data={"username": STAF1, "password": "rahasia-web", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("skpflow_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http in the test; https sets it


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = agree_chain_above_staff(client, clock, root)
    give_passwords(db)
    web_login(client, STAF1)
    before = audit_count(db)
    form = {"rhk-0-text": "RHK tanpa token", "rhk-0-jenis": "UTAMA", "propose": "1"}
    answer = client.post(f"/ui/skp/{ids[STAF1]}/plan", data=form)
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    forged = client.post(f"/ui/skp/{ids[STAF1]}/plan", data={**form, "csrf": "x" * 43})
    assert forged.status_code == 403
    assert audit_count(db) == before
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["rhk"] == []
    assert client.post("/ui/login", data={"username": STAF1, "password": "rahasia-web"}).status_code == 403


def _plan_form(csrf: str, version: str, intervenes: int, *, propose: bool, target: str = "95") -> dict[str, str]:
    return {
        "csrf": csrf,
        "version": version,
        "rhk-0-jenis": "UTAMA",
        "rhk-0-text": "Meningkatnya cakupan imunisasi",
        "rhk-0-intervensi": str(intervenes),
        "rhk-0-cascade": "DIRECT",
        "rhk-0-ind-0-text": "Cakupan imunisasi dasar lengkap",
        "rhk-0-ind-0-aspek": "KUANTITAS",
        "rhk-0-ind-0-target": target,
        "rhk-0-ind-0-satuan": "persen",
        "rhk-0-ind-1-text": "",
        "lampiran-dukungan_sumber_daya": "Vaksin dan rantai dingin\nKendaraan operasional",
        "lampiran-skema_pertanggungjawaban": "",
        "lampiran-konsekuensi": "",
        "propose": "1" if propose else "0",
    }


def test_plan_propose_agree_and_the_documents(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = agree_chain_above_staff(client, clock, root)
    give_passwords(db)
    web_login(client, STAF1)
    home = client.get("/ui")
    assert f'href="/ui/skp/{ids[STAF1]}"' in home.text
    page = client.get(f"/ui/skp/{ids[STAF1]}")
    boss_rhk = client.get(f"/skps/{ids[KABID]}", headers=root).json()["rhk"][0]["id"]
    assert f'<option value="{boss_rhk}"' in page.text  # intervensi picked from the atasan's RHK
    version = client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"]

    bad = client.post(
        f"/ui/skp/{ids[STAF1]}/plan",
        data=_plan_form(csrf_of(page.text), str(version), boss_rhk, propose=True, target="banyak"),
    )
    assert bad.status_code == 422
    assert "Tindakan ditolak; tidak ada yang berubah." in bad.text and "bukan angka" in bad.text  # issue 20
    assert "is not a number" not in bad.text
    english = client.post(
        f"/ui/skp/{ids[STAF1]}/plan?lang=en",
        data=_plan_form(csrf_of(page.text), str(version), boss_rhk, propose=True, target="banyak"),
    )
    assert english.status_code == 422 and "is not a number" in english.text
    client.get(f"/ui/skp/{ids[STAF1]}?lang=id")

    saved = client.post(
        f"/ui/skp/{ids[STAF1]}/plan", data=_plan_form(csrf_of(page.text), str(version), boss_rhk, propose=True)
    )
    assert saved.status_code == 200, saved.text
    assert "diajukan kepada pejabat penilai" in saved.text
    api_view = client.get(f"/skps/{ids[STAF1]}", headers=root).json()
    assert (api_view["state"], api_view["proposed"]) == ("drafted", True)
    assert api_view["rhk"][0]["indikator"][0]["target"] == 95

    client.cookies.clear()
    web_login(client, KABID)
    inbox = client.get("/ui")
    assert "Kotak masuk" in inbox.text and "Dewi Epidemiolog" in inbox.text
    assert '<time datetime="2026-01-31">31-01-2026</time>' in inbox.text  # the preset: agreed by the end of January
    assert "terlambat" not in inbox.text  # the clock says 5 January
    skp_page = client.get(f"/ui/skp/{ids[STAF1]}")
    token = csrf_of(skp_page.text)
    v = str(api_view["version"])
    early = client.post(f"/ui/skp/{ids[STAF1]}/fire/agree", data={"csrf": token, "version": v})
    assert early.status_code == 409
    assert "Tindakan ditolak" in early.text
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "drafted"
    current = str(client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"])
    expectation = {**_plan_form(token, current, boss_rhk, propose=False), "perilaku-KOMPETEN": "Menguasai surveilans"}
    assert client.post(f"/ui/skp/{ids[STAF1]}/plan", data=expectation).status_code == 200  # the penilai's ekspektasi
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["proposed"] is False  # a penilai's edit withdraws it
    client.cookies.clear()
    web_login(client, STAF1)
    page = client.get(f"/ui/skp/{ids[STAF1]}")
    assert 'id="perilaku-KOMPETEN"' not in page.text  # set by the pejabat penilai only
    current = str(client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"])
    again = client.post(
        f"/ui/skp/{ids[STAF1]}/plan", data=_plan_form(csrf_of(page.text), current, boss_rhk, propose=True)
    )
    assert again.status_code == 200
    client.cookies.clear()
    web_login(client, KABID)
    token = csrf_of(client.get(f"/ui/skp/{ids[STAF1]}").text)
    for trigger in ("cascade", "agree"):
        current = str(client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"])
        answer = client.post(f"/ui/skp/{ids[STAF1]}/fire/{trigger}", data={"csrf": token, "version": current})
        assert answer.status_code == 200, answer.text
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "agreed"

    matriks = client.get(f"/ui/skp/{ids[KABID]}/matriks")
    assert matriks.status_code == 200
    row = matriks.text[matriks.text.index(f'<th scope="row">RHK {KABID}</th>') :].split("</tr>")[0]
    assert "Meningkatnya cakupan imunisasi" in row  # the staff RHK under the atasan's RHK it intervenes

    pdf = client.get(f"/ui/skp/{ids[STAF1]}/skp.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for must in (
        "SASARAN KINERJA PEGAWAI",
        "Dewi Epidemiolog",
        STAF1,
        "Budi Kabid, S.KM",
        KABID,
        "PEJABAT PENILAI KINERJA",
        "Meningkatnya cakupan imunisasi",
        "Cakupan imunisasi dasar lengkap",
        "95 persen",
        f"RHK {KABID}",
        "Berorientasi Pelayanan",
        "EKSPEKTASI KHUSUS PIMPINAN",
        "LAMPIRAN SASARAN KINERJA PEGAWAI",
        "DUKUNGAN SUMBER DAYA 1. Vaksin dan rantai dingin 2. Kendaraan operasional",
        "Menguasai surveilans",
        "Pegawai yang Dinilai",
    ):
        assert must in text, must


@pytest.mark.parametrize("path", ["/ui/skp/999999", "/ui/skp/999999/skp.pdf"])
def test_an_unknown_skp_is_not_found(client: TestClient, db: Engine, cycle_id: int, path: str) -> None:
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    answer = client.get(path)
    assert answer.status_code == 404
    assert '<html lang="id">' in answer.text


def test_errors_on_pages_answer_a_page_and_the_api_keeps_its_json(
    app: FastAPI, client: TestClient, db: Engine, cycle_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    missing = client.get("/ui/no-such-page")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Halaman tidak ditemukan" in missing.text and 'href="/ui"' in missing.text
    assert client.get("/no-such-route").json()["detail"] == "Not Found"  # the API's body, unchanged

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "inbox", broken)
    with TestClient(app, raise_server_exceptions=False) as failing:
        failing.cookies.update(client.cookies)
        answer = failing.get("/ui")
    assert answer.status_code == 500 and answer.headers["content-type"].startswith("text/html")
    assert "Terjadi kesalahan" in answer.text and "tidak ada yang berubah" in answer.text and "boom" not in answer.text
