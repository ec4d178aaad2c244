"""One period's predikat per rated evaluation (CSV, XLSX), for the payroll of TPP/tukin."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO

from sqlalchemy import Select, and_, null, select
from sqlmodel import col

from policies import periods
from states.enums import Predikat
from states.errors import NotFound
from workflows.cases import policy_store
from workflows.cases.evaluations.periods import period_of
from workflows.queries.exports.predikat import pendekatan
from workflows.queries.exports.tabular import CHUNK, Row, Sessions, csv_chunks, keyset, write_xlsx
from workflows.store.tables import Capaian, Cycle, Evaluation, Pegawai, Skp, Unit

TPP_COLUMNS = (
    "nip",
    "nama",
    "jenis",
    "unit_code",
    "unit_name",
    "jabatan_type",
    "jabatan_name",
    "period_no",
    "period_start",
    "period_end",
    "predikat",
    "predikat_label",
    "capaian",
    "skp_id",
    "evaluation_id",
    "pendekatan",
)
"""One row per periodic evaluation of the period that has a predikat (rated, closed or under keberatan), for the
payroll of TPP/tukin: jabatan and unit are the SKP's, `period_start`/`period_end` the period's first and last day
(ISO dates: a month, a quarter or a semester by the policy), `predikat` the code and `predikat_label` its
Indonesian name, `capaian` the unit's capaian kinerja organisasi for that period (empty when not set). An open or
lapsed evaluation has no predikat and no row: payroll decides what a missing month means. `pendekatan` is the SKP's,
as in the predikat export."""

PREDIKAT_LABEL_ID = {p.value: p.label for p in Predikat}
"""The predikat's names in the regulation's words (PermenPANRB 6/2022), as on the Dokumen Evaluasi Kinerja."""


def tpp_rows(
    sessions: Sessions, *, instansi_id: int, cycle_id: int, period_no: int, chunk: int = CHUNK
) -> Iterator[Row]:
    """The period's rated evaluations as `TPP_COLUMNS` in evaluation id order; NotFound at once unless the cycle
    is the instansi's, InvalidInput unless `period_no` is a period of the cycle's policy."""
    with sessions() as s:
        cycle = s.scalar(select(Cycle).where(col(Cycle.id) == cycle_id, col(Cycle.instansi_id) == instansi_id))
        if cycle is None:
            raise NotFound("cycle", cycle_id)
        period = period_of(policy_store.cycle_policy(s, cycle), cycle.year, period_no)
    pages = keyset(
        sessions, _tpp_page(instansi_id, cycle_id, period_no), key=TPP_COLUMNS.index("evaluation_id"), chunk=chunk
    )
    return _with_period(pages, period)


def _with_period(rows: Iterable[Row], period: periods.Period) -> Iterator[Row]:
    start, end = TPP_COLUMNS.index("period_start"), TPP_COLUMNS.index("period_end")
    label = TPP_COLUMNS.index("predikat_label")
    for row in rows:
        out = list(row)
        out[start], out[end] = period.start.isoformat(), period.end.isoformat()
        out[label] = PREDIKAT_LABEL_ID.get(row[label - 1], row[label - 1])
        yield tuple(out)


def tpp_csv(
    sessions: Sessions, *, instansi_id: int, cycle_id: int, period_no: int, bom: bool = False, chunk: int = CHUNK
) -> Iterator[str]:
    """The TPP export of one period as CSV text chunks (header first, text cells neutralised)."""
    rows = tpp_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, period_no=period_no, chunk=chunk)
    return csv_chunks(TPP_COLUMNS, rows, bom=bom, chunk=chunk)


def write_tpp_xlsx(
    sessions: Sessions, out: IO[bytes], *, instansi_id: int, cycle_id: int, period_no: int, chunk: int = CHUNK
) -> int:
    """Write the TPP export of one period as an XLSX workbook (one sheet, `tpp`) to `out`; the number of data rows."""
    rows = tpp_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, period_no=period_no, chunk=chunk)
    return write_xlsx(out, "tpp", TPP_COLUMNS, rows)


def _tpp_page(instansi_id: int, cycle_id: int, period_no: int) -> Callable[[int, int], Select[Row]]:
    def page(after: int, limit: int) -> Select[Row]:
        capaian = and_(
            col(Capaian.cycle_id) == col(Skp.cycle_id),
            col(Capaian.unit_id) == col(Skp.unit_id),
            col(Capaian.period_no) == col(Evaluation.period_no),
        )
        return (
            select(
                col(Pegawai.nip),
                col(Pegawai.name),
                col(Pegawai.jenis),
                col(Unit.code),
                col(Unit.name),
                col(Skp.jabatan_type),
                col(Skp.jabatan_name),
                col(Evaluation.period_no),
                null(),  # period_start, filled in from the policy
                null(),  # period_end
                col(Evaluation.predikat),
                null(),  # predikat_label
                col(Capaian.level),
                col(Skp.id),
                col(Evaluation.id),
                pendekatan(),
            )
            .select_from(Evaluation)
            .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
            .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
            .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            .join(Unit, col(Unit.id) == col(Skp.unit_id))
            .outerjoin(Capaian, capaian)
            .where(
                col(Skp.cycle_id) == cycle_id,
                col(Cycle.instansi_id) == instansi_id,
                col(Evaluation.period_no) == period_no,
                col(Evaluation.predikat).is_not(None),
                col(Evaluation.id) > after,
            )
            .order_by(col(Evaluation.id))
            .limit(limit)
        )

    return page
