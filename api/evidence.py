"""`POST /evidence`: upload a bukti dukung; it is checked, stored by its content hash, and named by a uri.
`GET /evidence/{id}`: open one, for those who may see the realisasi it proves."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Response, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import Config, CurrentActor, Db, RowId
from api.errors import responses
from states.errors import InvalidInput
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases import evaluations
from workflows.store.evidence import EvidenceMeta, EvidenceStore
from workflows.store.settings import Settings
from workflows.store.uow import reading

router = APIRouter(tags=["evaluation"])


@router.post("/evidence", status_code=201, summary="Upload evidence (bukti dukung)", responses=responses(401, 413, 422))
async def upload(
    file: Annotated[UploadFile, File(description="PDF, PNG, JPEG, XLSX, DOCX, CSV or plain text.")],
    settings: Config,
    actor: CurrentActor,
) -> EvidenceMeta:
    """Stores the file once per content; put the returned uri and sha256 in a realisasi's evidence."""
    store = EvidenceStore.from_settings(settings)
    data = await file.read(settings.evidence_max_bytes + 1)
    if len(data) > settings.evidence_max_bytes:
        raise InvalidInput([Problem.say("input.evidence.larger", limit=settings.evidence_max_bytes)])
    del actor  # any logged-in user may upload; what it proves is decided where a realisasi names it
    return await run_in_threadpool(
        store.store, data, file.filename or "bukti", file.content_type or "application/octet-stream"
    )


@router.get(
    "/evidence/{evidence_id}",
    summary="Open a bukti dukung",
    response_class=Response,
    responses={
        **responses(401, 403, 404, 422),
        200: {"content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
    },
)
def download(evidence_id: RowId, db: Db, settings: Config, actor: CurrentActor) -> Response:
    """The stored file as an attachment with its stored type, for the pegawai, their pejabat penilai and atasan
    penilai, and the instansi's admin and auditor; 404 for anyone who cannot see its SKP."""
    return evidence_response(db, settings, evidence_id, actor)


def evidence_response(db: Db, settings: Settings, evidence_id: int, actor: Actor) -> Response:
    """One evidence file as a download: never rendered by the browser, whatever it holds (the web page uses it)."""
    with reading(db) as s:
        found = evaluations.evidence_file(s, evidence_id, actor=actor)
    data = EvidenceStore.from_settings(settings).read(found.sha256)
    headers = {"Content-Disposition": attachment(found.filename), "X-Content-Type-Options": "nosniff"}
    return Response(data, media_type=found.content_type, headers=headers)


_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._ -]")


def attachment(filename: str) -> str:
    """A Content-Disposition that cannot be broken out of: an ASCII name for old clients, the exact name encoded
    (RFC 6266 / 5987) for the others."""
    plain = _NOT_PLAIN.sub("_", filename).strip(" .") or "bukti"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
