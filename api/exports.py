"""Exports, streamed: predikat per pegawai of a cycle or, for TPP/tukin, of one period, the annual result in
e-Kinerja BKN's layout (CSV, XLSX) and the audit trail (CSV, JSONL)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import Db, RowId
from api.errors import responses
from api.limits import HeavyActor
from states.errors import InvalidInput, NotPermitted
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases.cycles import readable
from workflows.cases.org.files import XLSX_TYPE
from workflows.cases.org.lookup import instansi_for_request
from workflows.queries import exports
from workflows.store.tables import MAX_ID
from workflows.store.uow import reading

router = APIRouter(tags=["exports"])

CSV = "text/csv; charset=utf-8"
JSONL = "application/x-ndjson"


def _reader_of(actor: Actor, instansi_id: int) -> bool:
    return actor.super_admin or instansi_id in actor.oversees()


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(
    "/cycles/{cycle_id}/export",
    summary="Predikat per pegawai: annual per SKP (SIASN), annual per pegawai in e-Kinerja BKN's layout "
    "(kind=ekinerja) or of one period (kind=tpp, for TPP/tukin payroll)",
    responses={
        **responses(401, 403, 404, 422, 429),
        200: {
            "content": {
                CSV: {"schema": {"type": "string"}},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            }
        },
    },
    response_class=StreamingResponse,
)
def predikat(
    cycle_id: RowId,
    db: Db,
    actor: HeavyActor,
    format: Annotated[Literal["csv", "xlsx"], Query(description="csv (UTF-8, Excel BOM optional) or xlsx.")] = "csv",
    bom: Annotated[bool, Query(description="Start the CSV with a byte-order mark, for Excel.")] = False,
    kind: Annotated[
        Literal["predikat", "tpp", "ekinerja"],
        Query(
            description="predikat: the annual predikat per SKP; tpp: the predikat of one period (needs period); "
            "ekinerja: one row per pegawai, the year's predikat (every SKP combined), e-Kinerja BKN's field names."
        ),
    ] = "predikat",
    period: Annotated[int | None, Query(ge=1, le=12, description="The period number, for kind=tpp.")] = None,
) -> StreamingResponse:
    if kind == "tpp" and period is None:
        raise InvalidInput([Problem.say("input.export.period")])
    with reading(db) as s:
        view = readable(s, cycle_id, actor)
    if not _reader_of(actor, view.instansi_id):
        raise NotPermitted("export", "predikat", ["admin", "auditor"])
    sessions = lambda: reading(db)  # noqa: E731 - a factory: each chunk reads in its own short transaction
    if kind == "tpp":
        assert period is not None
        return _tpp(sessions, view.instansi_id, cycle_id, period, format=format, bom=bom)
    if kind == "ekinerja":
        return _ekinerja(sessions, view.instansi_id, cycle_id, format=format, bom=bom)
    name = f"predikat-cycle-{cycle_id}"
    if format == "csv":
        chunks = exports.predikat_csv(sessions, instansi_id=view.instansi_id, cycle_id=cycle_id, bom=bom)
        return StreamingResponse(chunks, media_type=CSV, headers=_attachment(f"{name}.csv"))
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed by the response's iterator
    exports.write_predikat_xlsx(sessions, spool, instansi_id=view.instansi_id, cycle_id=cycle_id)
    return _xlsx_response(spool, name)


def _tpp(
    sessions: exports.Sessions, instansi_id: int, cycle_id: int, period: int, *, format: str, bom: bool
) -> StreamingResponse:
    name = f"tpp-cycle-{cycle_id}-period-{period}"
    if format == "csv":
        # the cycle and the period are checked here, before the response starts; the rows stream afterwards
        chunks = exports.tpp_csv(sessions, instansi_id=instansi_id, cycle_id=cycle_id, period_no=period, bom=bom)
        return StreamingResponse(chunks, media_type=CSV, headers=_attachment(f"{name}.csv"))
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed by the response's iterator
    exports.write_tpp_xlsx(sessions, spool, instansi_id=instansi_id, cycle_id=cycle_id, period_no=period)
    return _xlsx_response(spool, name)


def _ekinerja(
    sessions: exports.Sessions, instansi_id: int, cycle_id: int, *, format: str, bom: bool
) -> StreamingResponse:
    name = f"ekinerja-cycle-{cycle_id}"
    if format == "csv":
        chunks = exports.ekinerja_csv(sessions, instansi_id=instansi_id, cycle_id=cycle_id, bom=bom)
        return StreamingResponse(chunks, media_type=CSV, headers=_attachment(f"{name}.csv"))
    spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - closed by the response's iterator
    exports.write_ekinerja_xlsx(sessions, spool, instansi_id=instansi_id, cycle_id=cycle_id)
    return _xlsx_response(spool, name)


def _xlsx_response(spool: IO[bytes], name: str) -> StreamingResponse:
    spool.seek(0)

    def stream() -> Iterator[bytes]:
        with spool:
            while block := spool.read(1 << 16):
                yield block

    return StreamingResponse(stream(), media_type=XLSX_TYPE, headers=_attachment(f"{name}.xlsx"))


@router.get(
    "/audit/export",
    summary="Export the audit trail",
    responses={
        **responses(401, 403, 404, 422, 429),
        200: {"content": {CSV: {"schema": {"type": "string"}}, JSONL: {"schema": {"type": "string"}}}},
    },
    response_class=StreamingResponse,
)
def audit_export(
    db: Db,
    actor: HeavyActor,
    format: Annotated[Literal["csv", "jsonl"], Query(description="csv, or jsonl: one event per line.")] = "jsonl",
    instansi: Annotated[
        str | None,
        Query(
            max_length=32,
            description="Instansi code; when omitted, the caller's only instansi, or the only one there is.",
        ),
    ] = None,
    entity_type: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    since: Annotated[datetime | None, Query(description="From this instant (inclusive), with its zone.")] = None,
    until: Annotated[datetime | None, Query(description="Up to this instant (exclusive), with its zone.")] = None,
) -> StreamingResponse:
    """Every field that is hashed, exactly as hashed, so an auditor can recompute each event's hash."""
    instansi_id = _instansi(db, actor, instansi)
    sessions = lambda: reading(db)  # noqa: E731
    if format == "csv":
        chunks = exports.audit_csv(
            sessions, instansi_id=instansi_id, entity_type=entity_type, entity_id=entity_id, since=since, until=until
        )
        return StreamingResponse(chunks, media_type=CSV, headers=_attachment("audit.csv"))
    chunks = exports.audit_jsonl(
        sessions, instansi_id=instansi_id, entity_type=entity_type, entity_id=entity_id, since=since, until=until
    )
    return StreamingResponse(chunks, media_type=JSONL, headers=_attachment("audit.jsonl"))


def _instansi(db: Db, actor: Actor, code: str | None) -> int:
    with reading(db) as s:
        return instansi_for_request(s, actor, code, "audit", action="export", reading=True)
