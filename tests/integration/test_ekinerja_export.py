"""The annual export in e-Kinerja BKN's layout on both databases: one row per pegawai, the year's predikat combined
over a mutasi's two SKPs, the plan's status in e-Kinerja's words and both penilai by NIP."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session
from sqlmodel import col

from states.enums import CapaianLevel, Rating
from states.errors import NotFound
from states.lifecycle import TriggerInput
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import ROOT
from tests.integration.test_mid_year import agreed_in_the_new_unit, at, moved_in_july
from workflows.cases import cycles, skps
from workflows.queries.exports import EKINERJA_COLUMNS, Sessions, ekinerja_csv, ekinerja_rows, write_ekinerja_xlsx
from workflows.store.tables import Skp
from workflows.store.uow import reading, unit_of_work

GOOD = TriggerInput(rating_hasil_kerja=Rating.SESUAI_EKSPEKTASI, rating_perilaku=Rating.SESUAI_EKSPEKTASI)
BEST = TriggerInput(rating_hasil_kerja=Rating.DI_ATAS_EKSPEKTASI, rating_perilaku=Rating.DI_ATAS_EKSPEKTASI)
AGREED = "persetujuan"

# nip: (jumlah_skp, periode_awal, periode_akhir, unit_code, skp_status, state, rating_hasil_kerja,
#       rating_perilaku_kerja, predikat, hasil_akhir, annual_combine, nip_pejabat_penilai, nip_atasan_pejabat_penilai)
EXPECTED = {
    SEKDA: (1, "2026-01-01", "2026-12-31", "PEMDA", AGREED, "monitored", *[None] * 5, None, None),
    KADIS: (1, "2026-01-01", "2026-12-31", "DINKES", AGREED, "monitored", *[None] * 5, SEKDA, None),
    KABID: (1, "2026-01-01", "2026-12-31", "DINKES-P2P", AGREED, "monitored", *[None] * 5, KADIS, SEKDA),
    KABID2: (1, "2026-01-01", "2026-12-31", "DINKES-YANKES", "draft", "drafted", *[None] * 5, KADIS, SEKDA),
    # the mutasi: Jan-14 Jul BAIK, 15 Jul-Dec SANGAT_BAIK; the row is the later SKP's, the predikat the year's
    STAF1: (
        *(2, "2026-01-01", "2026-12-31", "DINKES-YANKES", AGREED, "assessed"),
        *("DI_ATAS_EKSPEKTASI", "DI_ATAS_EKSPEKTASI", "BAIK", "Baik", "months_weighted", KABID2, KADIS),
    ),
    STAF2: (1, "2026-01-01", "2026-12-31", "DINKES-P2P", "diajukan", "cascaded", *[None] * 5, KABID, KADIS),
}


def readers(db: Engine) -> Sessions:
    def open_one() -> AbstractContextManager[Session]:
        return reading(db)

    return open_one


def _year_with_a_mutasi(db: Engine, now: datetime) -> tuple[int, int, int]:
    cast, closed, new = moved_in_july(db, now)
    agreed_in_the_new_unit(db, cast, new)
    with unit_of_work(db) as s:
        skps.set_capaian(s, cast.cycle_id, cast.units["DINKES-P2P"], 7, CapaianLevel.BAIK, actor=ROOT, now=at(8, 1))
        skps.fire(s, closed, "assess", actor=cast.actors[KABID], now=at(8, 1), inp=GOOD)
    with unit_of_work(db) as s:
        cycles.fire(s, cast.cycle_id, "start_assessment", actor=ROOT, now=at(12, 31))
        skps.set_capaian(
            s, cast.cycle_id, cast.units["DINKES-YANKES"], skps.ANNUAL, CapaianLevel.BAIK, actor=ROOT, now=at(12, 31)
        )
        skps.fire(s, new, "assess", actor=cast.actors[KABID2], now=at(12, 31), inp=BEST)
        # STAF2's plan is back with the penilai, proposed: e-Kinerja calls that "diajukan"
        s.execute(update(Skp).where(col(Skp.id) == cast.skps[STAF2]).values(state="cascaded", proposed=True))
        # and KABID2's is a draft again, not proposed: "draft"
        s.execute(update(Skp).where(col(Skp.id) == cast.skps[KABID2]).values(state="drafted", proposed=False))
    return cast.cycle_id, cast.instansi_id, new


def _by_nip(rows: Iterator[tuple[object, ...]]) -> dict[str, dict[str, object]]:
    out = {}
    for row in rows:
        named = dict(zip(EKINERJA_COLUMNS, row, strict=True))
        out[str(named["nip"])] = named
    return out


@pytest.mark.parametrize("chunk", [1000, 2])  # one page, and pages that split the pegawai
def test_one_row_per_pegawai_with_the_years_combined_predikat(db: Engine, now: datetime, chunk: int) -> None:
    cycle_id, instansi_id, new = _year_with_a_mutasi(db, now)
    rows = _by_nip(ekinerja_rows(readers(db), instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk))
    assert set(rows) == set(EXPECTED)
    shown = (
        *("jumlah_skp", "periode_awal", "periode_akhir", "unit_code", "skp_status", "state", "rating_hasil_kerja"),
        *("rating_perilaku_kerja", "predikat", "hasil_akhir", "annual_combine"),
        *("nip_pejabat_penilai", "nip_atasan_pejabat_penilai"),
    )
    for nip, expected in EXPECTED.items():
        got = tuple(str(v) if isinstance(v, date) else v for v in (rows[nip][c] for c in shown))
        assert got == expected, nip
    assert {r["tahun"] for r in rows.values()} == {2026}
    assert {r["is_plt_plh"] for r in rows.values()} == {0}
    assert rows[STAF1]["skp_id"] == new


def test_csv_and_xlsx_hold_the_same_rows(db: Engine, now: datetime) -> None:
    cycle_id, instansi_id, _ = _year_with_a_mutasi(db, now)
    text = "".join(ekinerja_csv(readers(db), instansi_id=instansi_id, cycle_id=cycle_id, bom=True))
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0] == ",".join(EKINERJA_COLUMNS) and len(lines) == 1 + len(EXPECTED)
    out = BytesIO()
    written = write_ekinerja_xlsx(readers(db), out, instansi_id=instansi_id, cycle_id=cycle_id)
    sheet = load_workbook(BytesIO(out.getvalue()), read_only=True)["tahunan"]
    values = list(sheet.iter_rows(values_only=True))
    assert (written, values[0]) == (len(EXPECTED), EKINERJA_COLUMNS)
    staf1 = next(v for v in values if v[0] == STAF1)
    assert staf1[EKINERJA_COLUMNS.index("hasil_akhir")] == "Baik"


def test_another_instansis_cycle_is_not_found(db: Engine, now: datetime) -> None:
    cycle_id, instansi_id, _ = _year_with_a_mutasi(db, now)
    with pytest.raises(NotFound):
        ekinerja_rows(readers(db), instansi_id=instansi_id + 1, cycle_id=cycle_id)
