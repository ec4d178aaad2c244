"""A cycle's predikat per SKP (CSV, XLSX), for tukin/TPP and SIASN, with the pegawai's annual predikat beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, null, select
from sqlmodel import col

from policies import approach
from states.errors import InvalidInput, NotFound
from states.messages import Problem
from workflows.cases.annual import annual_predikat
from workflows.cases.skps import ANNUAL
from workflows.queries.exports.tabular import (
    CHUNK,
    XLSX_MAX_ROWS,
    Row,
    Sessions,
    batches,
    csv_chunks,
    keyset,
    write_xlsx,
)
from workflows.store.tables import Capaian, Cycle, Indikator, Pegawai, Rhk, Skp, Unit

PREDIKAT_COLUMNS = (
    "nip",
    "name",
    "jenis",
    "jabatan_type",
    "jabatan_name",
    "unit_code",
    "unit_name",
    "skp_id",
    "state",
    "rating_hasil_kerja",
    "rating_perilaku",
    "predikat",
    "capaian",
    "pendekatan",
    "annual_predikat",
)
"""One row per SKP of the cycle (a mutasi gives a pegawai two); jabatan and unit are the SKP's; capaian is the
annual capaian kinerja organisasi of that unit; pendekatan is KUANTITATIF, KUALITATIF or CAMPURAN (its indikator use
both), empty for an SKP without indikator; `predikat` is the SKP's own, `annual_predikat` the pegawai's for the
year (every rated SKP of the year combined by the policy, `mid_year.annual_combine`; empty while none is rated)."""


def pendekatan() -> ColumnElement[str | None]:
    """The SKP's pendekatan from its indikator, as a column (two correlated aggregates, no query per row)."""

    def over(agg: Callable[[Any], Any]) -> Any:
        return (
            select(agg(col(Indikator.approach)))
            .join(Rhk, col(Rhk.id) == col(Indikator.rhk_id))
            .where(col(Rhk.skp_id) == col(Skp.id))
            .correlate(Skp)
            .scalar_subquery()
        )

    low, high = over(func.min), over(func.max)
    return case((low.is_(None), null()), (low == high, low), else_=literal(approach.MIXED))


def predikat_rows(sessions: Sessions, *, instansi_id: int, cycle_id: int, chunk: int = CHUNK) -> Iterator[Row]:
    """The cycle's SKPs as `PREDIKAT_COLUMNS` in SKP id order; NotFound at once unless the cycle is the instansi's."""
    with sessions() as s:
        found = s.scalar(select(col(Cycle.id)).where(col(Cycle.id) == cycle_id, col(Cycle.instansi_id) == instansi_id))
    if found is None:
        raise NotFound("cycle", cycle_id)
    pages = keyset(sessions, _predikat_page(instansi_id, cycle_id), key=PREDIKAT_COLUMNS.index("skp_id"), chunk=chunk)
    return _with_annual(sessions, pages, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)


def _with_annual(
    sessions: Sessions, rows: Iterator[Row], *, instansi_id: int, cycle_id: int, chunk: int
) -> Iterator[Row]:
    """The rows with the pegawai's annual predikat in place of the pegawai id the page put there: one statement per
    `chunk` rows."""
    at = PREDIKAT_COLUMNS.index("annual_predikat")
    with sessions() as s:
        year = s.scalar(select(col(Cycle.year)).where(col(Cycle.id) == cycle_id))
    for batch in batches(rows, chunk):
        with sessions() as s:
            found = annual_predikat(s, instansi_id=instansi_id, years=[year or 0], pegawai_ids={r[at] for r in batch})
        for r in batch:
            a = found.get((r[at], year or 0))
            yield (*r[:at], a.predikat.value if a else None, *r[at + 1 :])


def predikat_csv(
    sessions: Sessions, *, instansi_id: int, cycle_id: int, bom: bool = False, chunk: int = CHUNK
) -> Iterator[str]:
    """The predikat export as CSV text chunks (header first), for tukin/TPP and SIASN."""
    rows = predikat_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    return csv_chunks(PREDIKAT_COLUMNS, rows, bom=bom, chunk=chunk)


def write_predikat_xlsx(
    sessions: Sessions, out: IO[bytes], *, instansi_id: int, cycle_id: int, chunk: int = CHUNK
) -> int:
    """Write the predikat export as an XLSX workbook (one sheet, `predikat`) to `out`; the number of data rows.

    openpyxl's write-only mode spools rows to a temporary file, so memory stays flat however large the cycle.
    """
    rows = predikat_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    with sessions() as s:
        total = s.scalar(select(func.count()).select_from(Skp).where(col(Skp.cycle_id) == cycle_id)) or 0
    if total >= XLSX_MAX_ROWS:
        raise InvalidInput([Problem.say("input.export.xlsx_total", total=total)])
    return write_xlsx(out, "predikat", PREDIKAT_COLUMNS, rows)


def _predikat_page(instansi_id: int, cycle_id: int) -> Callable[[int, int], Select[Row]]:
    def page(after: int, limit: int) -> Select[Row]:
        capaian = and_(
            col(Capaian.cycle_id) == col(Skp.cycle_id),
            col(Capaian.unit_id) == col(Skp.unit_id),
            col(Capaian.period_no) == ANNUAL,
        )
        query = (
            select(
                col(Pegawai.nip),
                col(Pegawai.name),
                col(Pegawai.jenis),
                col(Skp.jabatan_type),
                col(Skp.jabatan_name),
                col(Unit.code),
                col(Unit.name),
                col(Skp.id),
                col(Skp.state),
                col(Skp.rating_hasil_kerja),
                col(Skp.rating_perilaku),
                col(Skp.predikat),
                col(Capaian.level),
                pendekatan(),
                col(Skp.pegawai_id),  # becomes annual_predikat (`_with_annual`)
            )
            .select_from(Skp)
            .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
            .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            .join(Unit, col(Unit.id) == col(Skp.unit_id))
            .outerjoin(Capaian, capaian)
            # the instansi is checked on every page, not only up front: a scope is part of each query
            .where(col(Skp.cycle_id) == cycle_id, col(Cycle.instansi_id) == instansi_id, col(Skp.id) > after)
            .order_by(col(Skp.id))
            .limit(limit)
        )
        return query

    return page
