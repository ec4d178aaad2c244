"""The TPP/tukin export of one period (`kind=tpp&period=n`) through HTTP, read back against the periodic ratings."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, insert, select
from sqlmodel import col

from states.enums import CapaianLevel
from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import web_login
from tests.integration.org import STAF1
from workflows.actors import Actor
from workflows.cases.skps import set_capaian
from workflows.store.tables import Evaluation, Pegawai, Skp, Unit
from workflows.store.uow import reading, unit_of_work

ROOT = Actor(ref="root", super_admin=True)
RATED = ["SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG"]


def _rate_period_one(db: Engine, cycle_id: int, now: datetime) -> dict[int, str]:
    """Four SKPs rated in period 1, one opened and unrated, one rated only in period 2; the unit of the first has a
    capaian for period 1. The export reads these columns; reaching them through the lifecycle is tested elsewhere."""
    with unit_of_work(db) as s:
        skps = s.execute(
            select(col(Skp.id), col(Skp.unit_id)).where(col(Skp.cycle_id) == cycle_id).order_by(col(Skp.id))
        ).all()
        rows = [
            {"skp_id": skp_id, "period_no": 1, "state": "evaluated", "version": 1, "predikat": predikat}
            for (skp_id, _), predikat in zip(skps, RATED, strict=False)
        ]
        rows.append({"skp_id": skps[4][0], "period_no": 1, "state": "open", "version": 1, "predikat": None})
        rows.append({"skp_id": skps[5][0], "period_no": 2, "state": "evaluated", "version": 1, "predikat": "BAIK"})
        s.execute(insert(Evaluation), rows)
        set_capaian(s, cycle_id, skps[0][1], 1, CapaianLevel.BAIK, actor=ROOT, now=now)
    return {skp_id: predikat for (skp_id, _), predikat in zip(skps, RATED, strict=False)}


def test_the_tpp_export_holds_the_periods_predikat(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int, db: Engine, now: datetime
) -> None:
    rated = _rate_period_one(db, cycle_id, now)
    answer = client.get(f"/cycles/{cycle_id}/export", params={"kind": "tpp", "period": 1}, headers=root)
    assert answer.status_code == 200, answer.text
    assert 'filename="tpp-cycle-' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert {int(r["skp_id"]): r["predikat"] for r in rows} == rated  # the unrated and the other period are not in it
    with reading(db) as s:
        for r in rows:
            skp = s.get(Skp, int(r["skp_id"]))
            assert skp is not None
            pegawai, unit = s.get(Pegawai, skp.pegawai_id), s.get(Unit, skp.unit_id)
            assert pegawai is not None and unit is not None
            assert (r["nip"], r["nama"], r["unit_code"], r["jabatan_name"]) == (
                pegawai.nip,
                pegawai.name,
                unit.code,
                skp.jabatan_name,
            )
    first = rows[0]
    assert (first["period_no"], first["period_start"], first["period_end"]) == ("1", "2026-01-01", "2026-01-31")
    assert (first["predikat_label"], first["capaian"]) == ("Sangat Baik", "BAIK")
    assert {r["predikat_label"] for r in rows[1:]} == {"Baik", "Butuh Perbaikan", "Kurang"}

    as_xlsx = client.get(
        f"/cycles/{cycle_id}/export", params={"kind": "tpp", "period": 1, "format": "xlsx"}, headers=root
    )
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 1 + len(rated)

    assert client.get(f"/cycles/{cycle_id}/export", params={"kind": "tpp"}, headers=root).status_code == 422
    assert (
        client.get(f"/cycles/{cycle_id}/export", params={"kind": "tpp", "period": 13}, headers=root).status_code == 422
    )
    staff = bearer(f"pegawai:{STAF1}", clock)
    assert (
        client.get(f"/cycles/{cycle_id}/export", params={"kind": "tpp", "period": 1}, headers=staff).status_code == 403
    )
    annual = client.get(f"/cycles/{cycle_id}/export", headers=root)  # the annual kind stays the default
    assert "rating_hasil_kerja" in annual.text.splitlines()[0]


def test_the_cycle_page_offers_both_exports(client: TestClient, cycle_id: int, db: Engine, now: datetime) -> None:
    rated = _rate_period_one(db, cycle_id, now)
    web_login(client, "root", ROOT_PASSWORD)
    page = client.get(f"/ui/cycles/{cycle_id}")
    assert f'action="/ui/cycles/{cycle_id}/export"' in page.text and "Periodik (TPP/tukin)" in page.text
    tpp = client.get(f"/ui/cycles/{cycle_id}/export", params={"kind": "tpp", "period": 1, "format": "csv"})
    assert tpp.status_code == 200
    assert len(list(csv.DictReader(io.StringIO(tpp.text.removeprefix("\ufeff"))))) == len(rated)
    assert client.get(f"/ui/cycles/{cycle_id}/export", params={"kind": "tpp"}).status_code == 422
