"""Organisation files (CSV, XLSX) in and exports (predikat CSV/XLSX, audit CSV/JSONL) out, through HTTP."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from tests.e2e.conftest import Clock, bearer
from tests.integration.org import SEKDA, STAF1
from workflows import audit
from workflows.cases.org.files import CSV_TYPE, XLSX_TYPE

UNITS = [("code", "name", "parent_code", "head_nip"), ("SETDA", "Sekretariat Daerah", None, SEKDA)]
PEGAWAI = [
    ("nip", "name", "jenis", "jabatan_type", "jabatan_name", "unit_code"),
    (SEKDA, "Sekretaris Daerah", "PNS", "JPT", "Sekretaris Daerah", "SETDA"),
    (STAF1, "Dewi", "pns", "Fungsional", "Analis", "SETDA"),
]


def _xlsx(pegawai: list[tuple[Any, ...]]) -> bytes:
    book = Workbook()
    book.active.title = "instansi"  # type: ignore[union-attr]
    book["instansi"].append(("code", "name"))
    book["instansi"].append(("KAB-FILE", "Kabupaten Berkas"))
    for title, rows in (("units", UNITS), ("pegawai", pegawai)):
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_an_xlsx_and_a_csv(client: TestClient, root: dict[str, str]) -> None:
    answer = client.post("/org/import", content=_xlsx(PEGAWAI), headers={**root, "Content-Type": XLSX_TYPE})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["units_created"], answer.json()["pegawai_created"]) == (1, 2)
    text = "record;code;name;nip;jenis;jabatan_type;jabatan_name;unit_code\n" + (
        f"instansi;KAB-FILE;Kabupaten Berkas;;;;;\npegawai;;Dewi Lestari;{STAF1};PNS;FUNGSIONAL;Analis SDM;SETDA\n"
    )
    again = client.post("/org/import", content=text.encode(), headers={**root, "Content-Type": CSV_TYPE})
    assert again.status_code == 200, again.text
    assert again.json()["pegawai_updated"] == 1


def test_a_bad_row_in_a_sheet_is_named_by_its_excel_row(client: TestClient, root: dict[str, str]) -> None:
    broken = [*PEGAWAI[:2], (1.98501012010011e17, "Lossy", "PNS", "PELAKSANA", "Staf", "SETDA")]
    answer = client.post("/org/import", content=_xlsx(broken), headers={**root, "Content-Type": XLSX_TYPE})
    assert answer.status_code == 422
    assert any(p.startswith("pegawai row 3 (nip)") for p in answer.json()["problems"]), answer.json()
    assert client.get("/skps", headers=root).json()["total"] == 0
    garbage = client.post("/org/import", content=b"PK\x03\x04garbage", headers={**root, "Content-Type": XLSX_TYPE})
    assert garbage.status_code == 422


def test_exports_of_a_cycle_and_the_trail(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    as_csv = client.get(f"/cycles/{cycle_id}/export", params={"format": "csv"}, headers=root)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == 6
    assert {r["state"] for r in rows} == {"drafted"}
    as_xlsx = client.get(f"/cycles/{cycle_id}/export", params={"format": "xlsx"}, headers=root)
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True).active
    assert sheet is not None
    assert len(list(sheet.iter_rows(values_only=True))) == 7  # header and six pegawai
    staff = bearer(f"pegawai:{STAF1}", clock)
    assert client.get(f"/cycles/{cycle_id}/export", headers=staff).status_code == 403

    lines = client.get("/audit/export", params={"instansi": "KAB-CONTOH"}, headers=root).text.splitlines()
    events = [json.loads(line) for line in lines]
    assert len(events) == client.get("/audit", params={"limit": 1}, headers=root).json()["total"]
    assert all(e["hash"] == audit.event_hash({**e, "at": _parse(e["at"])}) for e in events)
    as_trail_csv = client.get("/audit/export", params={"instansi": "KAB-CONTOH", "format": "csv"}, headers=root)
    assert len(list(csv.DictReader(io.StringIO(as_trail_csv.text)))) == len(events)
    assert client.get("/audit/export", headers=staff).status_code == 403
    assert client.get("/audit/export", params={"instansi": "NOWHERE"}, headers=root).status_code == 404


def _parse(at: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(at.replace("Z", "+00:00"))
