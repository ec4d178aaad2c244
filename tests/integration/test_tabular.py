"""Spreadsheet import through `import_org`, and exports read back against the database, scoped to one instansi."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import BaseModel
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import approach
from states.enums import CapaianLevel
from states.errors import InvalidInput, NotFound
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2, open_small_cycle, small_org
from workflows import audit
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.files import import_org_file, read_org_file
from workflows.cases.org.imports import OrgImport, import_org
from workflows.cases.skps import capaian_level, set_capaian
from workflows.queries.exports import (
    AUDIT_COLUMNS,
    BOM,
    PREDIKAT_COLUMNS,
    audit_csv,
    audit_jsonl,
    neutralise,
    predikat_csv,
    write_predikat_xlsx,
)
from workflows.store.tables import AuditEvent, Indikator, Instansi, Pegawai, Rhk, Skp, Unit
from workflows.store.uow import reading, unit_of_work

ROOT = Actor.admin("root")
UNIT_COLUMNS = ["code", "name", "parent_code", "head_nip", "timezone"]
PEGAWAI_COLUMNS = [
    *("nip", "name", "jenis", "jabatan_type", "jabatan_name", "jenjang"),
    *("unit_code", "atasan_nip", "is_plt", "password", "email"),
]
FORMULA_NAME = '=HYPERLINK("http://x","Joko"), Pengadministrasi'


def sheet_rows(entries: Sequence[BaseModel], columns: Sequence[str]) -> list[list[object]]:
    dumped = [e.model_dump(mode="json") for e in entries]
    return [[*columns], *([d[c] for c in columns] for d in dumped)]


def org_xlsx(payload: OrgImport) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Instansi"
    assert payload.instansi is not None
    first.append(["Code", "Name"])
    first.append([payload.instansi.code, payload.instansi.name])
    for title, entries, columns in (
        ("Units", payload.units, UNIT_COLUMNS),
        ("Pegawai", payload.pegawai, PEGAWAI_COLUMNS),
    ):
        sheet = book.create_sheet(title)
        for row in sheet_rows(entries, columns):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def org_csv(payload: OrgImport, *, delimiter: str = ";") -> bytes:
    columns = ["record", *dict.fromkeys(UNIT_COLUMNS + PEGAWAI_COLUMNS)]
    lines: list[list[object]] = [[*columns]]
    assert payload.instansi is not None
    lines.append(["instansi", payload.instansi.code, payload.instansi.name, *[""] * (len(columns) - 3)])
    for record, entries, own in (("unit", payload.units, UNIT_COLUMNS), ("pegawai", payload.pegawai, PEGAWAI_COLUMNS)):
        for values in sheet_rows(entries, own)[1:]:
            by_column = dict(zip(own, values, strict=True))
            lines.append([record, *(by_column.get(c) for c in columns[1:])])
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(lines)
    return out.getvalue().encode("utf-8-sig")


def counts(db: Engine) -> tuple[int, int, int]:
    with reading(db) as s:
        units, pegawai, events = (
            s.scalar(select(func.count()).select_from(t)) or 0 for t in (Unit, Pegawai, AuditEvent)
        )
    return units, pegawai, events


def atasan_of(db: Engine) -> dict[str, str | None]:
    with reading(db) as s:
        nip = {p.id: p.nip for p in s.scalars(select(Pegawai))}
        return {p.nip: nip.get(p.atasan_id) if p.atasan_id else None for p in s.scalars(select(Pegawai))}


def sessions(db: Engine) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: reading(db)


# --- import -------------------------------------------------------------------------------------------------------


def test_a_workbook_and_a_csv_import_what_the_json_imports(db: Engine, now: datetime) -> None:
    assert read_org_file(org_xlsx(small_org())).payload == small_org()
    assert read_org_file(org_csv(small_org())).payload == small_org()
    with unit_of_work(db) as s:
        first = import_org_file(s, org_xlsx(small_org()), actor=ROOT, now=now)
    assert (first.units_created, first.pegawai_created) == (4, 6)
    with unit_of_work(db) as s:
        again = import_org_file(s, org_csv(small_org()), actor=ROOT, now=now)
    assert (again.units_created, again.units_updated, again.pegawai_created, again.pegawai_updated) == (0, 4, 0, 6)
    assert atasan_of(db) == {SEKDA: None, KADIS: SEKDA, KABID: KADIS, KABID2: KADIS, STAF1: KABID, STAF2: KABID}


def test_the_imports_own_problems_name_the_row_and_nothing_is_written(db: Engine, now: datetime) -> None:
    payload = small_org()
    bad = payload.model_copy(
        update={
            "units": [*payload.units, payload.units[0].model_copy(update={"code": "X", "parent_code": "NOPE"})],
            "pegawai": [
                *payload.pegawai,
                payload.pegawai[5],  # a second STAF2
                payload.pegawai[4].model_copy(update={"nip": "199912312020121009", "unit_code": "NOWHERE"}),
            ],
        }
    )
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        import_org_file(s, org_xlsx(bad), actor=ROOT, now=now)
    assert refused.value.problems == [
        f"Pegawai row 8 (nip): duplicate of row 7 ({STAF2})",
        "Pegawai row 9 (unit_code): unknown unit 'NOWHERE'",
        "Units row 6 (parent_code): unknown unit 'NOPE'",
        f"Units row 6 (head_nip): {SEKDA} belongs to unit 'PEMDA', not 'X' (a pegawai who also acts for another unit "
        "keeps their own unit: record the Plt/Plh SK with POST /units/{code}/acting)",
        f"Units row 6 (head_nip): {SEKDA} already heads row 2; a pegawai heads one unit",
    ]
    assert counts(db) == (0, 0, 0)
    text = org_csv(small_org()).decode("utf-8-sig").replace(STAF1, "1,99004E+17", 1)
    refused_early = pytest.raises(InvalidInput, match=r"pegawai row 11 \(nip\): the NIP is stored as a number")
    with refused_early, unit_of_work(db) as s:
        import_org_file(s, text.encode(), actor=ROOT, now=now)
    assert counts(db) == (0, 0, 0)


def test_an_atasan_cycle_is_named_by_its_csv_row(db: Engine, now: datetime) -> None:
    payload = small_org()
    looped = payload.model_copy(
        update={
            "pegawai": [p.model_copy(update={"atasan_nip": STAF1}) if p.nip == KABID else p for p in payload.pegawai]
        }
    )
    with pytest.raises(InvalidInput) as refused, unit_of_work(db) as s:
        import_org_file(s, org_csv(looped), actor=ROOT, now=now)
    rows = {KABID: 9, STAF1: 11}  # instansi, then four units, then the pegawai in payload order, header = row 1
    (problem,) = refused.value.problems
    found = re.fullmatch(r"pegawai row (\d+)(?: \(atasan_nip\))?: '(\d{18})' is on a cycle of atasan", problem)
    assert found is not None, problem
    assert rows[found.group(2)] == int(found.group(1))
    assert counts(db) == (0, 0, 0)


# --- predikat export ----------------------------------------------------------------------------------------------


@pytest.fixture
def assessed(db: Engine, now: datetime) -> tuple[int, int]:
    """An opened cycle: P2P's annual capaian set, two SKPs rated, and a pegawai named like a formula."""
    cycle_id = open_small_cycle(db, now)
    renamed = small_org()
    renamed = renamed.model_copy(
        update={
            "pegawai": [p.model_copy(update={"name": FORMULA_NAME}) if p.nip == STAF2 else p for p in renamed.pegawai]
        }
    )
    with unit_of_work(db) as s:
        instansi_id = import_org(s, renamed, actor=ROOT, now=now).instansi_id
        p2p = s.scalar(select(col(Unit.id)).where(col(Unit.code) == "DINKES-P2P"))
        assert p2p is not None
        set_capaian(s, cycle_id, p2p, 0, CapaianLevel.BAIK, actor=ROOT, now=now)
        staff = select(col(Pegawai.id)).where(col(Pegawai.nip).in_([STAF1, STAF2]))
        # the export reads these columns; reaching them through the lifecycle is tested in test_skp_cycle
        s.execute(
            update(Skp)
            .where(col(Skp.pegawai_id).in_(staff))
            .values(rating_hasil_kerja="SESUAI_EKSPEKTASI", rating_perilaku="DI_ATAS_EKSPEKTASI", predikat="BAIK")
        )
    return instansi_id, cycle_id


def predikat_in_db(db: Engine, cycle_id: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    with reading(db) as s:
        for skp in s.scalars(select(Skp).where(col(Skp.cycle_id) == cycle_id).order_by(col(Skp.id))):
            p, u = s.get(Pegawai, skp.pegawai_id), s.get(Unit, skp.unit_id)
            assert p is not None and u is not None
            level = capaian_level(s, cycle_id, skp.unit_id, 0)
            kinds = s.scalars(
                select(col(Indikator.approach))
                .join(Rhk, col(Rhk.id) == col(Indikator.rhk_id))
                .where(col(Rhk.skp_id) == skp.id)
            )
            rows.append(
                (
                    *(p.nip, p.name, p.jenis, skp.jabatan_type, skp.jabatan_name, u.code, u.name, skp.id, skp.state),
                    *(skp.rating_hasil_kerja, skp.rating_perilaku, skp.predikat, level.value if level else None),
                    approach.pendekatan(kinds),
                    skp.predikat,  # annual_predikat: one SKP each in this cycle, so the year's is the SKP's own
                )
            )
    return rows


def test_the_predikat_exports_hold_what_the_database_holds(db: Engine, assessed: tuple[int, int]) -> None:
    instansi_id, cycle_id = assessed
    expected = predikat_in_db(db, cycle_id)
    chunks = list(predikat_csv(sessions(db), instansi_id=instansi_id, cycle_id=cycle_id, bom=True, chunk=2))
    assert len(chunks) > 1, "streamed in pieces"
    text = "".join(chunks)
    assert text.startswith(BOM)
    header, *rows = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert tuple(header) == PREDIKAT_COLUMNS
    assert rows == [["" if v is None else str(neutralise(v)) for v in row] for row in expected]
    assert sum(r[PREDIKAT_COLUMNS.index("name")] == "'" + FORMULA_NAME for r in rows) == 1
    assert {r[PREDIKAT_COLUMNS.index("capaian")] for r in rows if r[0] in {STAF1, STAF2, KABID}} == {"BAIK"}
    assert {r[PREDIKAT_COLUMNS.index("predikat")] for r in rows if r[0] in {STAF1, STAF2}} == {"BAIK"}

    out = io.BytesIO()
    written = write_predikat_xlsx(sessions(db), out, instansi_id=instansi_id, cycle_id=cycle_id, chunk=4)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["predikat"]
    header_cells, *cells = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert header_cells == PREDIKAT_COLUMNS
    assert cells == expected
    assert written == len(cells) == 6
    name_cell = next(r[1] for r in sheet.iter_rows() if r[0].value == STAF2)
    assert (name_cell.value, name_cell.data_type) == (FORMULA_NAME, "s")  # text, not a formula

    with pytest.raises(NotFound):  # another instansi's cycle: refused before anything streams
        predikat_csv(sessions(db), instansi_id=instansi_id + 1, cycle_id=cycle_id)
    with pytest.raises(NotFound):
        write_predikat_xlsx(sessions(db), io.BytesIO(), instansi_id=instansi_id + 1, cycle_id=cycle_id)


# --- audit export -------------------------------------------------------------------------------------------------


@pytest.fixture
def two_instansi(db: Engine, now: datetime) -> tuple[int, int]:
    """Instansi A with an open cycle and a capaian set a day later; instansi B with a cycle of its own."""
    cycle_id = open_small_cycle(db, now)
    other = OrgImport.model_validate(
        {
            "instansi": {"code": "KOTA-LAIN", "name": "Pemerintah Kota Lain"},
            "units": [{"code": "SETDA", "name": "Sekretariat Daerah", "head_nip": "196801011990031001"}],
            "pegawai": [
                {
                    "nip": "196801011990031001",
                    "name": "Sekda Kota",
                    "jenis": "PNS",
                    "jabatan_type": "JPT",
                    "jabatan_name": "Sekretaris Daerah",
                    "unit_code": "SETDA",
                }
            ],
        }
    )
    with unit_of_work(db) as s:
        b = import_org(s, other, actor=ROOT, now=now).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=now)
        cycle.create(s, instansi_id=b, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT, now=now)
        unit = s.scalar(select(col(Unit.id)).where(col(Unit.code) == "DINKES"))
        assert unit is not None
        set_capaian(s, cycle_id, unit, 0, CapaianLevel.ISTIMEWA, actor=ROOT, now=now + timedelta(days=1))
        a = s.scalar(select(col(Instansi.id)).where(col(Instansi.code) == "KAB-CONTOH"))
        assert a is not None
    return a, b


def ids_in_db(db: Engine, instansi_id: int, entity_type: str | None = None) -> list[int]:
    with reading(db) as s:
        query = select(col(AuditEvent.id)).where(col(AuditEvent.instansi_id) == instansi_id)
        if entity_type is not None:
            query = query.where(col(AuditEvent.entity_type) == entity_type)
        return list(s.scalars(query.order_by(col(AuditEvent.id))))


def jsonl(lines: Iterator[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in "".join(lines).splitlines()]


def test_the_audit_export_of_an_instansi_holds_its_events_and_no_other(
    db: Engine, two_instansi: tuple[int, int]
) -> None:
    a, b = two_instansi
    events = jsonl(audit_jsonl(sessions(db), instansi_id=a, chunk=3))
    assert [e["id"] for e in events] == ids_in_db(db, a)
    assert {e["instansi_id"] for e in events} == {a}
    assert ids_in_db(db, b) and not set(ids_in_db(db, b)) & {e["id"] for e in events}
    for e in events:  # a line is the event as hashed: an auditor can recompute every hash from the export
        hashed = {k: datetime.fromisoformat(str(v)) if k == "at" else v for k, v in e.items()}
        assert audit.event_hash(hashed) == e["hash"]
    text = "".join(audit_csv(sessions(db), instansi_id=a, chunk=3))
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    assert tuple(header) == AUDIT_COLUMNS
    assert rows == [["" if e[c] is None else str(neutralise(e[c])) for c in AUDIT_COLUMNS] for e in events]
    assert [e["id"] for e in jsonl(audit_jsonl(sessions(db), instansi_id=b))] == ids_in_db(db, b)
    with pytest.raises(NotFound):
        audit_csv(sessions(db), instansi_id=max(a, b) + 1)


def test_the_audit_export_filters_by_entity_and_time(db: Engine, now: datetime, two_instansi: tuple[int, int]) -> None:
    a, _ = two_instansi
    later = now + timedelta(hours=1)
    capaian = ids_in_db(db, a, "capaian")
    assert len(capaian) == 1
    assert [e["id"] for e in jsonl(audit_jsonl(sessions(db), instansi_id=a, entity_type="capaian"))] == capaian
    assert [e["id"] for e in jsonl(audit_jsonl(sessions(db), instansi_id=a, since=later))] == capaian
    before = [e["id"] for e in jsonl(audit_jsonl(sessions(db), instansi_id=a, until=later))]
    assert before == [i for i in ids_in_db(db, a) if i not in capaian]
    skp = jsonl(audit_jsonl(sessions(db), instansi_id=a, entity_type="skp"))
    one = skp[0]["entity_id"]
    assert isinstance(one, int)
    only = jsonl(audit_jsonl(sessions(db), instansi_id=a, entity_type="skp", entity_id=one))
    assert only and {e["entity_id"] for e in only} == {one}
    assert list(audit_jsonl(sessions(db), instansi_id=a, until=datetime(2000, 1, 1, tzinfo=UTC))) == []
    with pytest.raises(InvalidInput, match="since: a time with its zone"):
        audit_jsonl(sessions(db), instansi_id=a, since=datetime(2026, 1, 1))  # naive on purpose
