"""`POST /evidence`: upload a bukti dukung; it is checked, stored by its content hash, and named by a uri."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from starlette.concurrency import run_in_threadpool

from api.deps import Config, CurrentActor
from api.errors import responses
from states.errors import InvalidInput
from workflows.store.evidence import EvidenceMeta, EvidenceStore

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
        raise InvalidInput([f"file: larger than {settings.evidence_max_bytes} bytes"])
    del actor  # any logged-in user may upload; what it proves is decided where a realisasi names it
    return await run_in_threadpool(
        store.store, data, file.filename or "bukti", file.content_type or "application/octet-stream"
    )
