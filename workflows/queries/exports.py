"""Exports: a cycle's predikat per pegawai (CSV, XLSX), one period's predikat for TPP/tukin (CSV, XLSX), the annual
result per pegawai in e-Kinerja BKN's field names (CSV, XLSX) and an instansi's audit trail (CSV, JSONL), read in
chunks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from sqlalchemy import ColumnElement, Select, and_, case, func, literal, null, or_, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import approach, periods
from states.enums import Predikat
from states.errors import InvalidInput, NotFound
from workflows.audit import HASHED, canonical_time
from workflows.cases import policy_store
from workflows.cases.annual import annual_predikat
from workflows.cases.evaluations.periods import period_of
from workflows.cases.skps import ANNUAL
from workflows.store.tables import (
    AuditEvent,
    Capaian,
    Cycle,
    Evaluation,
    Indikator,
    Instansi,
    Pegawai,
    Rhk,
    Skp,
    Unit,
)

Sessions = Callable[[], AbstractContextManager[Session]]
"""Opens one read-only session per chunk, e.g. `lambda: reading(engine)`: no transaction spans a slow download."""

CHUNK = 1000
BOM = "\ufeff"
"""Prefixed on request: Excel reads a CSV as UTF-8 only when it starts with one."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP)."""
XLSX_MAX_ROWS = 1_048_576

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

AUDIT_COLUMNS = ("id", "at", *(name for name in HASHED if name != "at"), "hash")
"""Every hashed field and the hash, `at` as hashed (UTC, microseconds, Z): a JSONL line can be re-verified."""

Row = tuple[Any, ...]


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe, so it is shown as text.

    Applied to every CSV text cell (names and notes come from users); numbers are left as they are. The JSONL
    export is not neutralised: it is for machines and keeps values exact. XLSX needs no prefix: cells are typed.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _pendekatan() -> ColumnElement[str | None]:
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


# --- predikat per pegawai -----------------------------------------------------------------------------------------


def predikat_rows(sessions: Sessions, *, instansi_id: int, cycle_id: int, chunk: int = CHUNK) -> Iterator[Row]:
    """The cycle's SKPs as `PREDIKAT_COLUMNS` in SKP id order; NotFound at once unless the cycle is the instansi's."""
    with sessions() as s:
        found = s.scalar(select(col(Cycle.id)).where(col(Cycle.id) == cycle_id, col(Cycle.instansi_id) == instansi_id))
    if found is None:
        raise NotFound("cycle", cycle_id)
    pages = _keyset(sessions, _predikat_page(instansi_id, cycle_id), key=PREDIKAT_COLUMNS.index("skp_id"), chunk=chunk)
    return _with_annual(sessions, pages, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)


def _with_annual(
    sessions: Sessions, rows: Iterator[Row], *, instansi_id: int, cycle_id: int, chunk: int
) -> Iterator[Row]:
    """The rows with the pegawai's annual predikat in place of the pegawai id the page put there: one statement per
    `chunk` rows."""
    at = PREDIKAT_COLUMNS.index("annual_predikat")
    with sessions() as s:
        year = s.scalar(select(col(Cycle.year)).where(col(Cycle.id) == cycle_id))
    batch: list[Row] = []

    def flush() -> Iterator[Row]:
        with sessions() as s:
            found = annual_predikat(s, instansi_id=instansi_id, years=[year or 0], pegawai_ids={r[at] for r in batch})
        for r in batch:
            a = found.get((r[at], year or 0))
            yield (*r[:at], a.predikat.value if a else None, *r[at + 1 :])
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from flush()
    if batch:
        yield from flush()


def predikat_csv(
    sessions: Sessions, *, instansi_id: int, cycle_id: int, bom: bool = False, chunk: int = CHUNK
) -> Iterator[str]:
    """The predikat export as CSV text chunks (header first), for tukin/TPP and SIASN."""
    rows = predikat_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    return _csv(PREDIKAT_COLUMNS, rows, bom=bom, chunk=chunk)


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
        raise InvalidInput([f"format: {total} rows do not fit in an XLSX sheet; export as CSV"])
    return _write_xlsx(out, "predikat", PREDIKAT_COLUMNS, rows)


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
                _pendekatan(),
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


# --- one period's predikat, for TPP/tukin ---------------------------------------------------------------------------


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
    pages = _keyset(
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
    return _csv(TPP_COLUMNS, rows, bom=bom, chunk=chunk)


def write_tpp_xlsx(
    sessions: Sessions, out: IO[bytes], *, instansi_id: int, cycle_id: int, period_no: int, chunk: int = CHUNK
) -> int:
    """Write the TPP export of one period as an XLSX workbook (one sheet, `tpp`) to `out`; the number of data rows."""
    rows = tpp_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, period_no=period_no, chunk=chunk)
    return _write_xlsx(out, "tpp", TPP_COLUMNS, rows)


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
                _pendekatan(),
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


# --- the annual result per pegawai, e-Kinerja BKN's layout ----------------------------------------------------------

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
    pages = _keyset(sessions, _ekinerja_page(instansi_id, cycle_id), key=0, chunk=chunk)
    return _ekinerja_filled(sessions, pages, instansi_id=instansi_id, year=year, chunk=chunk)


def _ekinerja_filled(
    sessions: Sessions, rows: Iterator[Row], *, instansi_id: int, year: int, chunk: int
) -> Iterator[Row]:
    """The page's rows (pegawai id first) as export rows: the year's predikat filled in, the pegawai id dropped."""
    state, proposed = EKINERJA_COLUMNS.index("state") + 1, len(EKINERJA_COLUMNS) + 1
    status = EKINERJA_COLUMNS.index("skp_status") + 1
    batch: list[Row] = []

    def flush() -> Iterator[Row]:
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
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield from flush()
    if batch:
        yield from flush()


def ekinerja_csv(
    sessions: Sessions, *, instansi_id: int, cycle_id: int, bom: bool = False, chunk: int = CHUNK
) -> Iterator[str]:
    """The e-Kinerja export as CSV text chunks (header first, text cells neutralised)."""
    rows = ekinerja_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    return _csv(EKINERJA_COLUMNS, rows, bom=bom, chunk=chunk)


def write_ekinerja_xlsx(
    sessions: Sessions, out: IO[bytes], *, instansi_id: int, cycle_id: int, chunk: int = CHUNK
) -> int:
    """Write the e-Kinerja export as an XLSX workbook (one sheet, `tahunan`, as e-Kinerja names its annual sheet)
    to `out`; the number of data rows."""
    rows = ekinerja_rows(sessions, instansi_id=instansi_id, cycle_id=cycle_id, chunk=chunk)
    return _write_xlsx(out, "tahunan", EKINERJA_COLUMNS, rows)


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


# --- the audit trail ----------------------------------------------------------------------------------------------


def audit_rows(
    sessions: Sessions,
    *,
    instansi_id: int,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = CHUNK,
) -> Iterator[Row]:
    """The instansi's events as `AUDIT_COLUMNS` in id order, `since` ≤ at < `until`; refusals are raised at once."""
    where: list[ColumnElement[bool]] = [col(AuditEvent.instansi_id) == instansi_id]
    if entity_type is not None:
        where.append(col(AuditEvent.entity_type) == entity_type)
    if entity_id is not None:
        where.append(col(AuditEvent.entity_id) == entity_id)
    for name, bound in (("since", since), ("until", until)):
        if bound is not None and bound.tzinfo is None:
            raise InvalidInput([f"{name}: a time with its zone (an instant), e.g. 2026-01-01T00:00:00+07:00"])
    if since is not None:
        where.append(col(AuditEvent.at) >= since)
    if until is not None:
        where.append(col(AuditEvent.at) < until)
    with sessions() as s:
        if s.get(Instansi, instansi_id) is None:
            raise NotFound("instansi")

    def page(after: int, limit: int) -> Select[Row]:
        columns = [col(getattr(AuditEvent, name)) for name in AUDIT_COLUMNS]
        return select(*columns).where(*where, col(AuditEvent.id) > after).order_by(col(AuditEvent.id)).limit(limit)

    rows = _keyset(sessions, page, key=0, chunk=chunk)
    at = AUDIT_COLUMNS.index("at")
    return ((*row[:at], canonical_time(row[at]), *row[at + 1 :]) for row in rows)


def audit_csv(
    sessions: Sessions,
    *,
    instansi_id: int,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    bom: bool = False,
    chunk: int = CHUNK,
) -> Iterator[str]:
    """The audit export as CSV text chunks, header first (text cells neutralised: see `neutralise`)."""
    rows = audit_rows(
        sessions,
        instansi_id=instansi_id,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        chunk=chunk,
    )
    return _csv(AUDIT_COLUMNS, rows, bom=bom, chunk=chunk)


def audit_jsonl(
    sessions: Sessions,
    *,
    instansi_id: int,
    entity_type: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    chunk: int = CHUNK,
) -> Iterator[str]:
    """The audit export as JSON Lines chunks: one event per line, values exact, so each hash can be recomputed."""
    rows = audit_rows(
        sessions,
        instansi_id=instansi_id,
        entity_type=entity_type,
        entity_id=entity_id,
        since=since,
        until=until,
        chunk=chunk,
    )
    return _jsonl(rows, chunk)


def _jsonl(rows: Iterable[Row], chunk: int) -> Iterator[str]:
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(dict(zip(AUDIT_COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")
        if len(lines) >= chunk:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


# --- shared -------------------------------------------------------------------------------------------------------


def _keyset(sessions: Sessions, page: Callable[[int, int], Select[Row]], *, key: int, chunk: int) -> Iterator[Row]:
    """Rows page by page, each page after the last key seen and read in its own short session."""
    after = 0
    while True:
        with sessions() as s:
            rows = [tuple(r) for r in s.execute(page(after, chunk))]
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1][key]


def _csv(header: Sequence[str], rows: Iterable[Row], *, bom: bool, chunk: int) -> Iterator[str]:
    """RFC 4180 CSV (quoted where needed, CRLF), `chunk` rows per piece of text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write(BOM)
    writer.writerow(header)
    for count, row in enumerate(rows, start=1):
        writer.writerow([neutralise(v) for v in row])
        if count % chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _write_xlsx(out: IO[bytes], title: str, header: Sequence[str], rows: Iterable[Row]) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    written = 0
    for row in rows:
        if written + 1 >= XLSX_MAX_ROWS:
            raise InvalidInput([f"format: more rows than fit in an XLSX sheet ({XLSX_MAX_ROWS - 1}); export as CSV"])
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        written += 1
    book.save(out)
    return written


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> object:
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))  # XML cannot hold control characters
    cell.data_type = "s"  # openpyxl would store '=…' as a formula and '#N/A' as an error; it is the text
    return cell


# --- any table of rows ---------------------------------------------------------------------------------------------


def table_csv(header: Sequence[str], rows: Iterable[Row], *, bom: bool = False, chunk: int = CHUNK) -> Iterator[str]:
    """Rows as CSV text chunks (header first), cells neutralised like every export's."""
    return _csv(header, rows, bom=bom, chunk=chunk)


def write_table_xlsx(out: IO[bytes], sheet_name: str, header: Sequence[str], rows: Iterable[Row]) -> int:
    """Rows as a one-sheet XLSX workbook (text cells typed as text) written to `out`; the number of data rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.freeze_panes = "A2"
    sheet.append(list(header))
    written = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        written += 1
    book.save(out)
    return written
