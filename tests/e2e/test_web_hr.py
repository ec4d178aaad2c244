"""HR's pages: organisation import with per-row errors, the audit trail (search, verify, export), distribution
against the curve, follow-up cases and the lifecycle diagrams; pegawai are kept out of HR's pages."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import csrf_of, give_passwords, to_assessment, web_login
from tests.integration.org import KABID, STAF1, STAF2
from workflows.cases.org.files import CSV_TYPE

GOOD = (
    "record;code;name;nip;jenis;jabatan_type;jabatan_name;unit_code\n"
    "instansi;KAB-FILE;Kabupaten Berkas;;;;;\n"
    "unit;SETDA;Sekretariat Daerah;;;;;\n"
    "pegawai;;Dewi Lestari;199004042015031004;PNS;FUNGSIONAL;Analis SDM;SETDA\n"
)
BAD = GOOD + "pegawai;;Tanpa NIP;12;PNS;PELAKSANA;Staf;NOWHERE\n"


def test_import_names_each_bad_row_and_imports_nothing(client: TestClient, root: dict[str, str]) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/org/import")
    assert page.status_code == 200 and '<label for="file">' in page.text
    token = csrf_of(page.text)
    bad = client.post("/ui/org/import", data={"csrf": token}, files={"file": ("org.csv", BAD.encode(), CSV_TYPE)})
    assert bad.status_code == 422
    assert "row 5" in bad.text, bad.text[bad.text.find("refused") :][:1200]
    assert client.get("/skps", headers=root).json()["total"] == 0
    good = client.post("/ui/org/import", data={"csrf": token}, files={"file": ("org.csv", GOOD.encode(), CSV_TYPE)})
    assert good.status_code == 200, good.text[good.text.find("refused") :][:1200]
    assert "Organisasi diimpor: 1 / 0 unit, 1 / 0 pegawai" in good.text
    no_token = client.post("/ui/org/import", files={"file": ("org.csv", GOOD.encode(), CSV_TYPE)})
    assert no_token.status_code == 403


def test_a_fresh_installs_first_import_creates_its_instansi_and_says_so(client: TestClient) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    token = csrf_of(client.get("/ui/org/import").text)
    unnamed = "\n".join(line for line in GOOD.splitlines() if not line.startswith("instansi;")) + "\n"
    first = client.post("/ui/org/import", data={"csrf": token}, files={"file": ("org.csv", unnamed.encode(), CSV_TYPE)})
    assert first.status_code == 200, first.text[first.text.find("refused") :][:1200]
    assert "ke instansi Instansi Pemerintah (INSTANSI): instansi ini dibuat oleh impor ini." in first.text
    again = client.post("/ui/org/import", data={"csrf": token}, files={"file": ("org.csv", unnamed.encode(), CSV_TYPE)})
    assert "0 / 1 unit, 0 / 1 pegawai (baru / diperbarui), ke instansi Instansi Pemerintah (INSTANSI)." in again.text


def test_audit_search_verify_and_export(client: TestClient, root: dict[str, str], cycle_id: int) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/audit", params={"entity_type": "cycle"})
    assert page.status_code == 200
    assert 'data-entity="cycle"' in page.text and 'data-entity="skp"' not in page.text
    assert "Belum ada segel" in page.text
    sealed = client.post("/audit/seals", headers=root)
    assert sealed.status_code == 201, sealed.text
    verified = client.get("/ui/audit", params={"verify": "1"})
    assert 'id="verified"' in verified.text and "Jejak audit utuh" in verified.text
    assert f"<code>{sealed.json()['root']}</code>" in verified.text  # the root to publish, on the page
    exported = client.get(
        "/ui/audit/export", params={"format": "csv", "entity_type": "cycle", "instansi": "KAB-CONTOH"}
    )
    assert exported.status_code == 200, exported.text[exported.text.find("refused") :][:600]
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.strip().splitlines()
    assert len(lines) >= 3 and all(",cycle," in line for line in lines[1:])


def test_distribution_followups_and_diagrams(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    to_assessment(client, clock, root, cycle_id)
    web_login(client, "root", ROOT_PASSWORD)
    drawn = client.get(f"/ui/cycles/{cycle_id}/distribution")
    assert drawn.status_code == 200
    assert (
        "DINKES-P2P — Bidang P2P" in drawn.text
        and 'Capaian kinerja organisasi: <strong data-level="BAIK">Baik</strong>' in drawn.text
    )
    searched = client.get(f"/ui/cycles/{cycle_id}/distribution", params={"q": "p2p"})
    assert "DINKES-P2P — Bidang P2P" in searched.text and "DINKES-YANKES" not in searched.text
    assert "1–1 / 1" in searched.text
    paged = client.get(f"/ui/cycles/{cycle_id}/distribution", params={"offset": 20})
    assert paged.status_code == 200 and "DINKES-P2P" not in paged.text  # the small organisation fits on one page
    cases = client.get(f"/ui/cycles/{cycle_id}/followups")
    assert cases.status_code == 200 and "Tindak lanjut" in cases.text
    diagrams = client.get("/ui/diagrams")
    assert diagrams.status_code == 200 and "stateDiagram-v2" in diagrams.text
    image = client.get("/ui/diagrams/skp.svg")
    assert image.headers["content-type"].startswith("image/svg+xml") and b"<svg" in image.content


def test_a_pegawai_is_kept_out_of_hr_pages(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    assert client.get("/ui/audit").status_code == 403
    assert client.get("/ui/audit/export").status_code == 403
    assert client.get(f"/ui/cycles/{cycle_id}/followups").status_code in (403, 404)
    assert "Impor" not in client.get("/ui").text.split("<main")[0]


def test_a_follow_up_case_is_scheduled_from_its_page(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    weak = {"rating_hasil_kerja": "DI_BAWAH_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    kabid = bearer(f"pegawai:{KABID}", clock)
    assert client.post(f"/skps/{ids[STAF2]}/transitions/assess", json=weak, headers=kabid).status_code == 200
    clock.now += timedelta(days=20)  # the objection window has closed
    admin = bearer("user:root", clock)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_follow_up", headers=admin).status_code == 200
    assert (
        client.post("/workflows/dispatch-follow-up/run", json={"cycle_id": cycle_id}, headers=admin).status_code == 200
    )
    give_passwords(db, KABID)

    web_login(client, "root", ROOT_PASSWORD)
    listed = client.get(f"/ui/cycles/{cycle_id}/followups")
    case_id = int(re.search(r'href="/ui/followups/(\d+)"', listed.text).group(1))  # type: ignore[union-attr]
    assert "COACHING" in listed.text and "Joko Pengadministrasi" in listed.text
    client.cookies.clear()
    web_login(client, KABID)
    page = client.get(f"/ui/followups/{case_id}")
    assert 'id="case-schedule"' in page.text
    bad = client.post(
        f"/ui/followups/{case_id}/fire/schedule?lang=en", data={"csrf": csrf_of(page.text), "when": "besok"}
    )
    assert bad.status_code == 422 and "is not a date and time" in bad.text
    client.get(f"/ui/followups/{case_id}?lang=id")
    said = client.post(f"/ui/followups/{case_id}/fire/schedule", data={"csrf": csrf_of(page.text), "when": "besok"})
    assert "Waktu: &#39;besok&#39; bukan tanggal dan jam" in said.text and "is not a date" not in said.text
    when = {"csrf": csrf_of(page.text), "when": "2027-02-15T09:00", "zone": "WITA", "note": "Ruang rapat bidang"}
    scheduled = client.post(f"/ui/followups/{case_id}/fire/schedule", data=when)
    assert scheduled.status_code == 200
    assert 'id="case-state" data-state="scheduled"' in scheduled.text and "Dijadwalkan" in scheduled.text
    case = client.get(f"/followups/{case_id}", headers=admin).json()
    assert case["scheduled_at"].startswith("2027-02-15T01:00")  # 09:00 WITA


def test_hr_records_a_mutasi_from_its_page(client: TestClient, root: dict[str, str], db: Engine, cycle_id: int) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/mutasi")
    assert page.status_code == 200 and '<label for="effective">Tanggal berlaku (TMT)</label>' in page.text
    token = csrf_of(page.text)
    form = {"csrf": token, "nip": STAF1, "unit": "NOWHERE", "effective": "2026-02-01", "sk_number": "SK 821/9"}
    bad = client.post("/ui/mutasi", data=form)
    assert bad.status_code == 422 and "NOWHERE" in bad.text
    assert 'value="SK 821/9"' in bad.text  # what was typed stays in the form
    done = client.post("/ui/mutasi", data=form | {"unit": "DINKES-YANKES"})
    assert done.status_code == 200, done.text[done.text.find("refused") :][:1200]
    assert "Mutasi dicatat" in done.text and "DINKES-P2P → DINKES-YANKES" in done.text
    assert "SKP yang masih direncanakan pindah ke pejabat penilai baru" in done.text


def test_a_pegawai_cannot_open_the_mutasi_page(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    web_login(client, STAF1)
    assert client.get("/ui/mutasi").status_code == 403
