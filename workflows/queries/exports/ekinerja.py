"""The annual result per pegawai in e-Kinerja BKN's field names (CSV, XLSX)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

from sqlalchemy import Select, and_, func, literal, null, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from states.errors import NotFound
from workflows.cases.annual import annual_predikat
from workflows.queries.exports.tabular import CHUNK, Row, Sessions, batches, csv_chunks, keyset, write_xlsx
from workflows.store.tables import Cycle, Pegawai, Skp, Unit

EKINERJA_COLUMNS = (
    "nip",
    "nama",
    "jenis",
    "tahun",
    "periode_awal",
    "periode_akhir",
    "jumlah_skp",
    "unit_code",
    "unit_name",
    "jabatan_type",
    "jabatan_name",
    "is_plt_plh",
    "skp_status",
    "state",
    "rating_hasil_kerja",
    "rating_perilaku_kerja",
    "predikat",
    "hasil_akhir",
    "annual_combine",
    "nip_pejabat_penilai",
    "nip_atasan_pejabat_penilai",
    "skp_id",
)
"""One row per pegawai with an SKP in the cycle, in pegawai order. The names e-Kinerja BKN's own exports use are kept
where domain.md records them (`nip`, `nama`, `periode_awal`, `periode_akhir`, `is_plt_plh`, `skp_status`,
`hasil_akhir`; `rating_perilaku_kerja` from its forms); the rest are named as in the other exports. `periode_awal`
and `periode_akhir` span every SKP of the pegawai in the cycle (`jumlah_skp` of them: a mutasi gives two); unit,
jabatan, `state`, the two ratings and both penilai NIPs are those of the SKP that ran last (`skp_id`). `predikat` is
the year's predikat, every rated SKP combined (`annual_predikat`, by `mid_year.annual_combine`, named in
`annual_combine` when more than one SKP was combined) and `hasil_akhir` its name as e-Kinerja prints it (e.g. *Baik*);
both are empty while no SKP is rated. `skp_status` is e-Kinerja's word for the plan: `draft`, `diajukan` (proposed to
the penilai, not yet agreed) or `persetujuan` (agreed, and every state after it). `is_plt_plh` is always 0: skpflow
keeps a Plt/Plh duty as RHK tambahan on the pegawai's own SKP, never as an SKP of its own, so every row is the
definitive one."""

BEFORE_AGREEMENT = frozenset({"drafted", "cascaded"})
"""The SKP states before agreement: e-Kinerja's `draft`, or `diajukan` once proposed (domain.md §3.5); any other
state is after agreement: `persetujuan`."""


def ekinerja_rows(sessions: Sessions, *, instansi_id: int, cycle_id: int, chunk: int = CHUNK) -> Iterator[Row]:
    """The cycle's pegawai as `EKINERJA_COLUMNS` in pegawai id order; NotFound at once unless the cycle is the
    instansi's. Per page: one statement for the rows, one for their annual predikat."""
    with sessions() as s:
        year = s.scalar(select(col(Cycle.year)).where(col(Cycle.id) == cycle_id, col(Cycle.instansi_id) == instansi_id))
    if year is None:
        raise NotFound("cycle", cycle_id)
    pages = keyset(sessions, _ekinerja_page(instansi_id, cycle_id), key=0, chunk=chunk)
    return _ekinerja_filled(sessions, pages, instansi_id=instansi_id, year=year, chunk=chunk)


def _ekinerja_filled(
    sessions: Sessions, rows: Iterator[Row], *, instansi_id: int, year: int, chunk: int
) -> Iterator[Row]:
    """The page's rows (pegawai id first) as export rows: the year's predikat filled in, the pegawai id dropped."""
    state, proposed = EKINERJA_COLUMNS.index("state") + 1, len(EKINERJA_COLUMNS) + 1
    status = EKINERJA_COLUMNS.index("skp_status") + 1
    for batch in batches(rows, chunk):
        with sessions() as s:
            found = annual_predikat(s, instansi_id=instansi_id, years=[year], pegawai_ids={r[0] for r in batch})
        for r in batch:
            out = list(r[1:proposed])
            a = found.get((r[0], year))
            out[EKINERJA_COLUMNS.index("predikat")] = a.predikat.value if a else None
            out[EKINERJA_COLUMNS.index("hasil_akhir")] = a.predikat.label if a else None
            out[EKINERJA_COLUMNS.index("annual_combine")] = a.rule if a and a.combined else None
            before = r[state] in BEFORE_AGREEMENT
            out[status - 1] = ("diajukan" if r[proposed] else "draft") if before else "persetujuan"
            yield tuple(out)


def ekinerja_csv(
    sessions: Sessions, *, instansi_id: int, cycle_id: int, bom: bool = False, chunk: int = CHUNK
) -> Iterator[str]:
    """The e-Kinerja export as CSV text chunks (header first, text cells neutralised)."""
    rows = ekinerja_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    return csv_chunks(EKINERJA_COLUMNS, rows, bom=bom, chunk=chunk)


def write_ekinerja_xlsx(
    sessions: Sessions, out: IO[bytes], *, instansi_id: int, cycle_id: int, chunk: int = CHUNK
) -> int:
    """Write the e-Kinerja export as an XLSX workbook (one sheet, `tahunan`, as e-Kinerja names its annual sheet)
    to `out`; the number of data rows."""
    rows = ekinerja_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    return write_xlsx(out, "tahunan", EKINERJA_COLUMNS, rows)


def _ekinerja_page(instansi_id: int, cycle_id: int) -> Callable[[int, int], Select[Row]]:
    def page(after: int, limit: int) -> Select[Row]:
        later = aliased(Skp)
        penilai, atasan = aliased(Pegawai), aliased(Pegawai)
        span = (
            select(
                col(Skp.pegawai_id).label("pegawai_id"),
                func.min(col(Skp.periode_awal)).label("awal"),
                func.max(col(Skp.periode_akhir)).label("akhir"),
                func.count().label("skps"),
            )
            .where(col(Skp.cycle_id) == cycle_id, col(Skp.pegawai_id) > after)
            .group_by(col(Skp.pegawai_id))
            .subquery()
        )
        ran_later = (
            select(literal(1))
            .where(
                col(later.cycle_id) == col(Skp.cycle_id),
                col(later.pegawai_id) == col(Skp.pegawai_id),
                or_(
                    col(later.periode_awal) > col(Skp.periode_awal),
                    and_(col(later.periode_awal) == col(Skp.periode_awal), col(later.id) > col(Skp.id)),
                ),
            )
            .exists()
        )
        return (
            select(
                col(Skp.pegawai_id),
                col(Pegawai.nip),
                col(Pegawai.name),
                col(Pegawai.jenis),
                col(Cycle.year),
                span.c.awal,
                span.c.akhir,
                span.c.skps,
                col(Unit.code),
                col(Unit.name),
                col(Skp.jabatan_type),
                col(Skp.jabatan_name),
                literal(0),  # is_plt_plh
                null(),  # skp_status, from state and proposed
                col(Skp.state),
                col(Skp.rating_hasil_kerja),
                col(Skp.rating_perilaku),
                null(),  # predikat: the year's, filled in per page
                null(),  # hasil_akhir
                null(),  # annual_combine
                col(penilai.nip),
                col(atasan.nip),
                col(Skp.id),
                col(Skp.proposed),  # read for skp_status, then dropped
            )
            .select_from(Skp)
            .join(span, span.c.pegawai_id == col(Skp.pegawai_id))
            .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
            .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
            .join(Unit, col(Unit.id) == col(Skp.unit_id))
            .outerjoin(penilai, col(penilai.id) == col(Skp.penilai_id))
            .outerjoin(atasan, col(atasan.id) == col(Skp.atasan_penilai_id))
            .where(col(Skp.cycle_id) == cycle_id, col(Cycle.instansi_id) == instansi_id, ~ran_later)
            .order_by(col(Skp.pegawai_id))
            .limit(limit)
        )

    return page
