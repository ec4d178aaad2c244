"""Career outputs through HTTP and the page: HR downloads the ranking, the angka kredit and the eligibility list as
JSON, CSV and XLSX, and reads them on the page, each row pointing to the SKP and predikat it came from."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import to_assessment, web_login
from tests.integration.org import KABID, STAF1, STAF2


def _assessed(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> dict[str, int]:
    ids = to_assessment(client, clock, root, cycle_id)
    rater = bearer(f"pegawai:{KABID}", clock)
    ratings = {
        STAF1: {"rating_hasil_kerja": "DI_ATAS_EKSPEKTASI", "rating_perilaku": "DI_ATAS_EKSPEKTASI"},
        STAF2: {"rating_hasil_kerja": "DI_BAWAH_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"},
    }
    for nip, rating in ratings.items():
        assert client.post(f"/skps/{ids[nip]}/transitions/assess", json=rating, headers=rater).status_code == 200
    return ids


def test_hr_downloads_the_career_outputs(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> None:
    ids = _assessed(client, clock, root, cycle_id)
    admin = bearer("user:root", clock)

    ranking = client.get(f"/cycles/{cycle_id}/ranking", params={"unit": "DINKES-P2P"}, headers=admin)
    assert ranking.status_code == 200, ranking.text
    assert [(r["rank"], r["nip"], r["predikat"], r["skp_id"]) for r in ranking.json()] == [
        (1, STAF1, "SANGAT_BAIK", ids[STAF1]),
        (2, STAF2, "BUTUH_PERBAIKAN", ids[STAF2]),
    ]

    ak = client.get(f"/cycles/{cycle_id}/angka-kredit", params={"format": "csv"}, headers=admin)
    assert ak.status_code == 200 and ak.headers["content-type"].startswith("text/csv")
    assert 'filename="angka-kredit-cycle-' in ak.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(ak.text)))
    assert [(r["nip"], r["period_no"], r["predikat"], r["angka_kredit"]) for r in table] == [
        (STAF1, "0", "SANGAT_BAIK", "18.750")  # Ahli Pertama: 150% × 12.5
    ]

    book = client.get(f"/cycles/{cycle_id}/eligibility", params={"format": "xlsx"}, headers=admin)
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet is not None
    header, *rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert header == ("nip", "name", "unit_code", "jabatan_name", "history", "eligible", "reasons", "tugas_belajar")
    assert rows and all(row[5] is False and "2025: -" in str(row[4]) for row in rows)  # no 2025 in skpflow

    pegawai = bearer(f"pegawai:{STAF1}", clock)
    assert client.get(f"/cycles/{cycle_id}/ranking", headers=pegawai).status_code == 403
    assert client.get(f"/cycles/{cycle_id}/ranking", params={"jabatan_type": "X"}, headers=admin).status_code == 422


def test_the_careers_page(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> None:
    _assessed(client, clock, root, cycle_id)
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get(f"/ui/cycles/{cycle_id}/careers", params={"unit": "DINKES-P2P"})
    assert page.status_code == 200
    assert "Peringkat" in page.text and f'data-nip="{STAF1}">1 / 2' in page.text
    assert "Sangat Baik" in page.text and "SANGAT_BAIK" not in page.text
    ak = client.get(f"/ui/cycles/{cycle_id}/careers", params={"kind": "angka_kredit"})
    assert f'data-nip="{STAF1}" data-period="0">18.750' in ak.text
    download = client.get(f"/ui/cycles/{cycle_id}/careers", params={"kind": "ranking", "format": "csv"})
    assert download.status_code == 200 and download.text.startswith("unit_code,unit_name,jabatan_type,rank")


def test_the_skp_explains_its_predikat_and_follow_up(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = _assessed(client, clock, root, cycle_id)
    seen = client.get(f"/skps/{ids[STAF2]}/explain", headers=bearer(f"pegawai:{STAF2}", clock))
    assert seen.status_code == 200, seen.text
    reasons = {r["subject"]: r for r in seen.json()["reasons"]}
    assert reasons["predikat"]["rule"] == "kuadran.DI_BAWAH_EKSPEKTASI.SESUAI_EKSPEKTASI"
    assert reasons["follow_up"]["inputs"]["opens"] == "COACHING" and reasons["follow_up"]["text_en"]
    assert client.get(f"/skps/{ids[STAF2]}/explain", headers=bearer("user:nobody", clock)).status_code in (401, 404)
