"""`POST /org/import`: the organisation as JSON (CSV and XLSX: see the content types), upserted idempotently."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from api.deps import Config, CurrentActor, Db, Now
from api.errors import responses, validation_problem
from states.errors import InvalidInput
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases.org.files import CSV_TYPE, XLSX_TYPE, import_org_file
from workflows.cases.org.imports import ImportResult, InstansiIn, OrgImport, first_instansi, import_org
from workflows.store.passwords import PasswordPolicy
from workflows.store.settings import password_policy
from workflows.store.uow import unit_of_work

router = APIRouter(tags=["organisation"])
EXTRA_SCHEMAS = (OrgImport,)  # request bodies read by hand; app.py adds them to the OpenAPI components


EXAMPLE: dict[str, Any] = {
    "instansi": {"code": "KAB-CONTOH", "name": "Pemerintah Kabupaten Contoh"},
    "units": [
        {"code": "SETDA", "name": "Sekretariat Daerah", "parent_code": None, "head_nip": "197001011990031001"},
        {"code": "DINKES", "name": "Dinas Kesehatan", "parent_code": "SETDA", "head_nip": "197502022000031002"},
    ],
    "pegawai": [
        {
            "nip": "197001011990031001",
            "name": "Sekretaris Daerah",
            "jenis": "PNS",
            "jabatan_type": "JPT",
            "jabatan_name": "Sekretaris Daerah",
            "unit_code": "SETDA",
        },
        {
            "nip": "197502022000031002",
            "name": "Kepala Dinas Kesehatan",
            "jenis": "PNS",
            "jabatan_type": "JPT",
            "jabatan_name": "Kepala Dinas Kesehatan",
            "unit_code": "DINKES",
            "password": "rahasia-awal",
        },
    ],
}


FILE_TYPES = {CSV_TYPE, XLSX_TYPE, "application/vnd.ms-excel"}  # browsers send the last one for .csv files


def parse(content_type: str, body: bytes) -> OrgImport | None:
    """The JSON import payload; None for a CSV or XLSX file (read with its row numbers by `org_files`)."""
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    if kind in {"application/json", ""}:
        try:
            return OrgImport.model_validate_json(body or b"{}")
        except ValidationError as exc:
            raise InvalidInput([validation_problem(e) for e in exc.errors()]) from exc
    if kind in FILE_TYPES:
        return None
    raise InvalidInput([Problem.say("input.org.content_type", kind=kind, csv=CSV_TYPE, xlsx=XLSX_TYPE)])


@router.post(
    "/org/import",
    summary="Import the organisation (idempotent upsert)",
    responses=responses(401, 403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/OrgImport"}, "example": EXAMPLE},
                CSV_TYPE: {
                    "schema": {"type": "string"},
                    "example": "record,code,name,parent_code,head_nip,nip,jenis,jabatan_type,jabatan_name,unit_code\n"
                    "unit,SETDA,Sekretariat Daerah,,197001011990031001,,,,,\n"
                    "pegawai,,Sekretaris Daerah,,,197001011990031001,PNS,JPT,Sekretaris Daerah,SETDA\n",
                },
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_organisation(
    request: Request, db: Db, now: Now, actor: CurrentActor, settings: Config
) -> ImportResult:
    """Units and pegawai as JSON, or as a CSV (one `record` column: instansi, unit or pegawai) or XLSX file
    (sheets `units`, `pegawai`, optionally `instansi`); headers equal the JSON field names. If any row is bad,
    nothing is imported and each bad row is named (in a file, by its sheet and row number as Excel shows it).

    `instansi` may be left out: the import goes into the caller's instansi, or the only one there is; on a database
    that holds none it creates one from the settings `SKPFLOW_INSTANSI_CODE` / `SKPFLOW_INSTANSI_NAME`. The answer
    names the instansi and whether this import created it."""
    body = await request.body()
    payload = parse(request.headers.get("content-type", ""), body)
    return await _run(db, payload, body, actor, now, first_instansi(settings), password_policy(settings))


async def _run(
    db: Engine,
    payload: OrgImport | None,
    body: bytes,
    actor: Actor,
    now: datetime,
    first: InstansiIn,
    passwords: PasswordPolicy,
) -> ImportResult:
    def work() -> ImportResult:
        with unit_of_work(db) as s:
            if payload is None:
                result = import_org_file(s, body, actor=actor, now=now, first_instansi=first, passwords=passwords)
            else:
                result = import_org(s, payload, actor=actor, now=now, first_instansi=first, passwords=passwords)
        return result

    return await run_in_threadpool(work)
