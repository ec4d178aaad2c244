"""The annual export in e-Kinerja BKN's layout (`kind=ekinerja`) through HTTP as CSV and XLSX, and from the cycle
page."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, select, update
from sqlmodel import col

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import web_login
from tests.integration.org import STAF1, STAF2
from workflows.store.tables import Pegawai, Skp
from workflows.store.uow import reading, unit_of_work


def _rate(db: Engine, cycle_id: int) -> None:
    """STAF1 rated BAIK and STAF2 SANGAT_KURANG; reaching `assessed` through the lifecycle is tested elsewhere."""
    with unit_of_work(db) as s:
        for nip, predikat in ((STAF1, "BAIK"), (STAF2, "SANGAT_KURANG")):
            pid = s.scalar(select(col(Pegawai.id)).where(col(Pegawai.nip) == nip))
            s.execute(
                update(Skp)
                .where(col(Skp.cycle_id) == cycle_id, col(Skp.pegawai_id) == pid)
                .values(
                    state="assessed",
                    rating_hasil_kerja="SESUAI_EKSPEKTASI",
                    rating_perilaku="SESUAI_EKSPEKTASI" if predikat == "BAIK" else "DI_BAWAH_EKSPEKTASI",
                    predikat=predikat,
                )
            )


def test_the_ekinerja_export_as_csv_and_xlsx(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int, db: Engine
) -> None:
    _rate(db, cycle_id)
    answer = client.get(f"/cycles/{cycle_id}/export", params={"kind": "ekinerja"}, headers=root)
    assert answer.status_code == 200, answer.text
    assert f'filename="ekinerja-cycle-{cycle_id}.csv"' in answer.headers["content-disposition"]
    rows = {r["nip"]: r for r in csv.DictReader(io.StringIO(answer.text))}
    with reading(db) as s:
        in_cycle = s.scalars(
            select(col(Pegawai.nip))
            .join(Skp, col(Skp.pegawai_id) == col(Pegawai.id))
            .where(col(Skp.cycle_id) == cycle_id)
        ).all()
    assert set(rows) == set(in_cycle)
    assert (rows[STAF1]["predikat"], rows[STAF1]["hasil_akhir"], rows[STAF1]["tahun"]) == ("BAIK", "Baik", "2026")
    assert (rows[STAF2]["predikat"], rows[STAF2]["hasil_akhir"]) == ("SANGAT_KURANG", "Sangat Kurang")
    assert rows[STAF2]["rating_perilaku_kerja"] == "DI_BAWAH_EKSPEKTASI"
    assert {r["predikat"] for n, r in rows.items() if n not in {STAF1, STAF2}} == {""}  # not rated yet: empty

    as_xlsx = client.get(f"/cycles/{cycle_id}/export", params={"kind": "ekinerja", "format": "xlsx"}, headers=root)
    assert as_xlsx.status_code == 200
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True)["tahunan"]
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + len(rows)
    header = list(values[0])
    by_nip = {v[header.index("nip")]: v for v in values[1:]}
    assert by_nip[STAF1][header.index("hasil_akhir")] == "Baik"

    staff = bearer(f"pegawai:{STAF1}", clock)
    assert client.get(f"/cycles/{cycle_id}/export", params={"kind": "ekinerja"}, headers=staff).status_code == 403
    assert client.get(f"/cycles/{cycle_id}/export", params={"kind": "other"}, headers=root).status_code == 422


def test_the_cycle_page_offers_the_ekinerja_export(client: TestClient, cycle_id: int, db: Engine) -> None:
    _rate(db, cycle_id)
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get(f"/ui/cycles/{cycle_id}")
    assert '<option value="ekinerja">Tahunan per pegawai (format e-Kinerja BKN)</option>' in page.text
    got = client.get(f"/ui/cycles/{cycle_id}/export", params={"kind": "ekinerja", "format": "csv"})
    assert got.status_code == 200 and 'filename="ekinerja-cycle-' in got.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(got.text.removeprefix("\ufeff"))))
    assert {r["nip"]: r["hasil_akhir"] for r in rows if r["predikat"]} == {STAF1: "Baik", STAF2: "Sangat Kurang"}
