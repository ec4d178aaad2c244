"""The pages after planning: realisasi with evidence, the periodic rating, feedback, keberatan within its window."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import agree_everyone, csrf_of, give_passwords, pdf_text, to_assessment, web_login
from tests.integration.org import KABID, KADIS, STAF1, STAF2

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_realisasi_with_evidence_then_the_periodic_rating_and_feedback(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = agree_everyone(client, clock, root)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    admin = bearer("user:root", clock)
    opened = client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=admin)
    assert opened.status_code == 200, opened.text
    give_passwords(db)

    web_login(client, STAF1)
    skp_page = client.get(f"/ui/skp/{ids[STAF1]}")
    assert f'href="/ui/skp/{ids[STAF1]}/periods/1"' in skp_page.text
    page = client.get(f"/ui/skp/{ids[STAF1]}/periods/1")
    assert page.status_code == 200
    indikator = client.get(f"/skps/{ids[STAF1]}/periods/1", headers=admin).json()["realisasi"][0]["indikator_id"]
    form = {"csrf": csrf_of(page.text), f"value-{indikator}": "96", f"text-{indikator}": "Tercapai", "submit": "1"}
    files = {f"files-{indikator}": ("laporan.pdf", PDF, "application/pdf")}
    bad = client.post(
        f"/ui/skp/{ids[STAF1]}/periods/1/evidence?lang=en",
        data=form,
        files={f"files-{indikator}": ("laporan.pdf", b"not a pdf", "application/pdf")},
    )
    assert bad.status_code == 422 and "the content is not application/pdf" in bad.text
    client.get(f"/ui/skp/{ids[STAF1]}/periods/1?lang=id")
    said = client.post(
        f"/ui/skp/{ids[STAF1]}/periods/1/evidence",
        data=form,
        files={f"files-{indikator}": ("laporan.pdf", b"not a pdf", "application/pdf")},
    )
    assert said.status_code == 422 and "Berkas: isinya bukan application/pdf" in said.text
    assert "the content is not" not in said.text
    assert client.get(f"/skps/{ids[STAF1]}/periods/1", headers=admin).json()["state"] == "open"
    sent = client.post(f"/ui/skp/{ids[STAF1]}/periods/1/evidence", data=form, files=files)
    assert sent.status_code == 200, sent.text
    assert "laporan.pdf" in sent.text
    period = client.get(f"/skps/{ids[STAF1]}/periods/1", headers=admin).json()
    assert period["state"] == "realisasi_submitted"
    assert period["realisasi"][0]["evidence"][0]["filename"] == "laporan.pdf"

    capaian = {"cycle_id": cycle_id, "period": 1, "level": "BAIK"}
    assert client.post("/units/DINKES-P2P/capaian", json=capaian, headers=admin).status_code == 200
    client.cookies.clear()
    web_login(client, KABID)
    inbox = client.get("/ui").text
    row = next(r for r in inbox.split("<tr")[1:] if "199004042015031004" in r)  # the inbox row of Dewi's period
    assert "Dewi Epidemiolog" in row and "10-02-2026" in row and "Nilai periode" in row, (
        row
    )  # period 1 is January: day 10 of the next month
    page = client.get(f"/ui/skp/{ids[STAF1]}/periods/1")
    token = csrf_of(page.text)
    rating = {"csrf": token, "rating_hasil_kerja": "DI_ATAS_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    rated = client.post(f"/ui/skp/{ids[STAF1]}/periods/1/evaluate", data=rating)
    assert rated.status_code == 200, rated.text[rated.text.find("refused") :][:800]
    assert 'id="period-predikat">Baik<' in rated.text
    feedback = {"csrf": token, "about": "cv:BERORIENTASI_PELAYANAN", "period_no": "1", "text": "Pertahankan"}
    empty = client.post(f"/ui/skp/{ids[STAF1]}/feedback", data={**feedback, "text": " "})
    assert empty.status_code == 422
    assert client.post(f"/ui/skp/{ids[STAF1]}/feedback", data=feedback).status_code == 200

    client.cookies.clear()
    web_login(client, STAF1)
    mine = client.get(f"/ui/skp/{ids[STAF1]}").text
    assert "Pertahankan" in mine and "Budi Kabid, S.KM" in mine


def test_keberatan_filed_in_its_window_and_decided(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    kabid = bearer(f"pegawai:{KABID}", clock)
    weak = {"rating_hasil_kerja": "DI_BAWAH_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    assert client.post(f"/skps/{ids[STAF2]}/transitions/assess", json=weak, headers=kabid).status_code == 200
    give_passwords(db, STAF2, KADIS)

    web_login(client, STAF2)
    page = client.get(f"/ui/skp/{ids[STAF2]}")
    assert "Batas pengajuan keberatan" in page.text
    token = csrf_of(page.text)
    empty = client.post(f"/ui/skp/{ids[STAF2]}/objection/file?lang=en", data={"csrf": token, "reason": " "})
    assert empty.status_code == 422 and "reason: required" in empty.text
    client.get(f"/ui/skp/{ids[STAF2]}?lang=id")
    said = client.post(f"/ui/skp/{ids[STAF2]}/objection/file", data={"csrf": token, "reason": " "})
    assert said.status_code == 422 and "Alasan: wajib diisi" in said.text and "reason: required" not in said.text
    filed = client.post(
        f"/ui/skp/{ids[STAF2]}/objection/file", data={"csrf": token, "reason": "Target tidak realistis"}
    )
    assert filed.status_code == 200
    assert 'id="objection-state" data-state="filed"' in filed.text and "Diajukan" in filed.text

    client.cookies.clear()
    web_login(client, KADIS)
    inbox = client.get("/ui").text
    assert "Joko Pengadministrasi" in inbox
    page = client.get(f"/ui/skp/{ids[STAF2]}")
    decision = {"csrf": csrf_of(page.text), "decision": "rejected", "note": "Target sudah disepakati"}
    decided = client.post(f"/ui/skp/{ids[STAF2]}/objection/decide", data=decision)
    assert decided.status_code == 200, decided.text
    assert 'id="objection-state" data-state="decided"' in decided.text and "Diputuskan" in decided.text
    admin = bearer("user:root", clock)
    assert client.get(f"/skps/{ids[STAF2]}/objection", headers=admin).json()["decision"] == "rejected"

    document = pdf_text(client.get(f"/ui/skp/{ids[STAF2]}/evaluasi.pdf").content)
    for must in (
        "DOKUMEN EVALUASI KINERJA PEGAWAI",
        "Joko Pengadministrasi",
        STAF2,
        "Budi Kabid, S.KM",
        "RATING HASIL KERJA: Di Bawah Ekspektasi",
        "RATING PERILAKU KERJA: Sesuai Ekspektasi",
        "PREDIKAT KINERJA PEGAWAI: Butuh Perbaikan",
        "Atasan Pejabat Penilai Kinerja",
        "dr. Siti Kadis",
        f"RHK {STAF2}",
        "90 persen",
    ):
        assert must in document, must

    clock.now = datetime(2027, 6, 1, tzinfo=UTC)  # long after the window closed
    client.cookies.clear()
    web_login(client, STAF2)
    late = client.post(
        f"/ui/skp/{ids[STAF2]}/objection/file",
        data={"csrf": csrf_of(client.get(f"/ui/skp/{ids[STAF2]}").text), "reason": "Lagi"},
    )
    assert late.status_code == 422
    assert "Masa pengajuan keberatan berakhir pada" in late.text  # the refusal in the page's language
    assert "the filing window closed" not in late.text
