"""The periodic results beside the annual rating, through HTTP: the penilai's SKP page shows them in the assess form,
the rating is the penilai's, and the Dokumen Evaluasi prints a line per period."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, update
from sqlmodel import col

from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import give_passwords, pdf_text, to_assessment, web_login
from tests.integration.org import KABID, STAF1
from workflows.store.tables import Evaluation
from workflows.store.uow import unit_of_work

BEST = {"rating_hasil_kerja": "DI_ATAS_EKSPEKTASI", "rating_perilaku": "DI_ATAS_EKSPEKTASI"}


def test_the_assess_form_shows_the_periods_and_the_document_prints_them(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int, db: Engine
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    skp_id = ids[STAF1]
    with unit_of_work(db) as s:  # period 1 was opened by the walk; its result and two more periods are set here
        s.execute(
            update(Evaluation)
            .where(col(Evaluation.skp_id) == skp_id, col(Evaluation.period_no) == 1)
            .values(state="closed", predikat="BUTUH_PERBAIKAN")
        )
        s.execute(
            insert(Evaluation),
            [
                {"skp_id": skp_id, "period_no": 2, "state": "closed", "version": 0, "predikat": "BAIK"},
                {"skp_id": skp_id, "period_no": 3, "state": "closed", "version": 0, "predikat": "BAIK"},
                {"skp_id": skp_id, "period_no": 4, "state": "lapsed", "version": 0, "predikat": None},
            ],
        )
    give_passwords(db, KABID)
    web_login(client, KABID)
    page = client.get(f"/ui/skp/{skp_id}").text
    form = page[page.index('id="form-assess"') : page.index("</form>", page.index('id="form-assess"'))]
    assert 'id="assess-evidence"' in form
    assert '<li data-predikat="BAIK">Baik: 2 periode</li>' in form
    assert '<li data-predikat="BUTUH_PERBAIKAN">Butuh Perbaikan: 1 periode</li>' in form
    assert "Predikat periodik terakhir: Periode 3 — Baik" in form
    assert "Periode 1: Butuh Perbaikan; Periode 2: Baik; Periode 3: Baik; Periode 4: -" in form
    assert "Periode tanpa predikat (terbuka atau kedaluwarsa): 1" in form

    kabid = bearer(f"pegawai:{KABID}", clock)
    assessed = client.post(f"/skps/{skp_id}/transitions/assess", json=BEST, headers=kabid)
    assert assessed.status_code == 200, assessed.text
    assert assessed.json()["predikat"] == "SANGAT_BAIK"  # the penilai's rating, not the periods' run
    after = client.get(f"/ui/skp/{skp_id}").text
    assert 'id="assess-evidence"' not in after  # no assess form once assessed

    document = pdf_text(client.get(f"/ui/skp/{skp_id}/evaluasi.pdf").content)
    assert "HASIL EVALUASI KINERJA PERIODIK" in document
    for line in ("Periode 1: Butuh Perbaikan", "Periode 2: Baik", "Periode 3: Baik", "Periode 4: tanpa predikat"):
        assert line in document
