"""Pages around one SKP after planning: realisasi with evidence and the periodic rating, feedback, keberatan."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from api.evidence import evidence_response
from api.web import session
from api.web.i18n import translator
from api.web.pages import (
    Posted,
    Refusal,
    Viewer,
    engine_of,
    input_360_board,
    int_or_none,
    invalid,
    rating_or_none,
    refusal,
    render,
    skp_response,
)
from states.enums import CoreValue, Predikat, Rating
from states.errors import InvalidInput, NotFound, SkpflowError
from states.messages import Problem, label
from workflows.actors import Actor
from workflows.cases import evaluations, feedback, objections, policy_store, skps
from workflows.cases.evaluations import EvidenceIn, IndikatorRealisasiIn, RealisasiIn
from workflows.cases.feedback import FeedbackIn
from workflows.store.evidence import EvidenceStore
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)
MAX_FILES = 5


def _period_page(request: Request, actor: Actor, skp_id: int, n: int, *, refused: Refusal | None = None) -> Response:
    try:
        with reading(engine_of(request)) as s:
            view = evaluations.get_evaluation(s, skp_id, n, actor=actor)
            skp = skps.get(s, skp_id, actor)
            _, cycle, who = skps.load(s, skp_id, actor)
            kuadran = policy_store.cycle_policy(s, cycle).kuadran
    except NotFound:
        return render(request, "error.html", {"title": "404", "message_key": "not_found"}, status=404)
    t = translator(session.language(request))
    context: dict[str, Any] = {
        "actor": actor,
        "ev": view,
        "skp": skp,
        "roles": sorted(r.value for r in who.roles),
        "refused": refused,
        "done": request.query_params.get("done"),
        "ratings": [r.value for r in Rating],
        "kuadran_json": json.dumps({hk.value: {pk.value: p.value for pk, p in r.items()} for hk, r in kuadran.items()}),
        "predikat_labels_json": json.dumps({p.value: t(p.value) for p in Predikat}),
        "input_360": input_360_board(request, actor, skp_id, n),
    }
    return render(request, "period.html", context, status=refused.status if refused else 200)


period_response = _period_page


@router.get("/ui/skp/{skp_id}/periods/{n}")
def period_page(request: Request, skp_id: int, n: int, actor: Viewer) -> Response:
    return _period_page(request, actor, skp_id, n)


@router.get("/ui/evidence/{evidence_id}")
def open_evidence(request: Request, evidence_id: int, actor: Viewer) -> Response:
    """The bukti dukung behind a realisasi, as the API's `GET /evidence/{id}` serves it."""
    try:
        return evidence_response(engine_of(request), request.app.state.settings, evidence_id, actor)
    except NotFound:
        return render(request, "error.html", {"title": "404", "message_key": "not_found"}, status=404)
    except SkpflowError as exc:
        r = refusal(exc)
        return render(request, "error.html", {"title": str(r.status), "message_key": "refused", "refused": r}, r.status)


async def _evidence(request: Request, files: list[UploadFile]) -> list[EvidenceIn]:
    store = EvidenceStore.from_settings(request.app.state.settings)
    stored: list[EvidenceIn] = []
    for f in files[:MAX_FILES]:
        data = await f.read(store.max_bytes + 1)
        if not data and not f.filename:
            continue  # the empty file input of a browser
        meta = await run_in_threadpool(store.store, data, f.filename or "bukti", f.content_type or "")
        stored.append(EvidenceIn.model_validate(meta, from_attributes=True))
    return stored


@router.post("/ui/skp/{skp_id}/periods/{n}/evidence")  # "/evidence" in the path: the upload body limit applies
async def save_realisasi(request: Request, skp_id: int, n: int, actor: Viewer, form: Posted) -> Response:
    try:
        items: list[IndikatorRealisasiIn] = []
        for key in form:
            if not key.startswith("value-"):
                continue
            indikator = int_or_none(key.removeprefix("value-"))
            raw = str(form.get(key, "")).strip().replace(",", ".")
            text = str(form.get(f"text-{indikator}", "")).strip()
            files = [f for f in form.getlist(f"files-{indikator}") if isinstance(f, UploadFile)]
            if indikator is None or (not raw and not text and not any(f.filename for f in files)):
                continue
            try:
                value = float(raw) if raw else None
            except ValueError:
                raise InvalidInput(
                    [Problem.say("input.not_a_number", field=label("field", "realisasi"), value=raw)]
                ) from None
            evidence = await _evidence(request, files)
            items.append(IndikatorRealisasiIn(indikator_id=indikator, value=value, text=text, evidence=evidence))
        body = RealisasiIn(realisasi=items, submit=form.get("submit") == "1")
        with unit_of_work(engine_of(request)) as s:
            evaluations.save_realisasi(
                s,
                skp_id,
                n,
                body,
                actor=actor,
                now=session.now_of(request),
                expected_version=int_or_none(form.get("version")),
            )
    except SkpflowError as exc:
        return _period_page(request, actor, skp_id, n, refused=refusal(exc))
    finally:
        await form.close()
    done = "realisasi_submitted" if body.submit else "realisasi_saved"
    return RedirectResponse(f"/ui/skp/{skp_id}/periods/{n}?done={done}", status_code=303)


@router.post("/ui/skp/{skp_id}/periods/{n}/{action}")
async def period_action(request: Request, skp_id: int, n: int, action: str, actor: Viewer, form: Posted) -> Response:
    now, version = session.now_of(request), int_or_none(form.get("version"))
    note = str(form.get("note", "")).strip() or None
    try:
        with unit_of_work(engine_of(request)) as s:
            if action == "return":
                evaluations.return_realisasi(s, skp_id, n, note or "", actor=actor, now=now, expected_version=version)
            elif action == "evaluate":
                evaluations.evaluate(
                    s,
                    skp_id,
                    n,
                    rating_hasil_kerja=rating_or_none(form.get("rating_hasil_kerja")),
                    rating_perilaku=rating_or_none(form.get("rating_perilaku")),
                    note=note,
                    indikator_ratings=_indikator_ratings(form),
                    actor=actor,
                    now=now,
                    expected_version=version,
                )
            else:
                raise InvalidInput([Problem.say("input.period.action", action=action)])
    except SkpflowError as exc:
        return _period_page(request, actor, skp_id, n, refused=refusal(exc))
    return RedirectResponse(f"/ui/skp/{skp_id}/periods/{n}?done=period_{action}", status_code=303)


def _indikator_ratings(form: FormData) -> dict[int, Rating]:
    """The evaluate form's `rating-<indikator id>` selects that were chosen."""
    out: dict[int, Rating] = {}
    for key in form:
        if not key.startswith("rating-"):
            continue
        indikator, rating = int_or_none(key.removeprefix("rating-")), rating_or_none(form.get(key))
        if indikator is not None and rating is not None:
            out[indikator] = rating
    return out


# --- feedback and keberatan, shown on the SKP page --------------------------------------------------------------


@router.post("/ui/skp/{skp_id}/feedback")
async def add_feedback(request: Request, skp_id: int, actor: Viewer, form: Posted) -> Response:
    about = str(form.get("about", ""))
    try:
        core_value = about.removeprefix("cv:") if about.startswith("cv:") else None
        if core_value is not None and core_value not in CoreValue.__members__:
            raise InvalidInput([Problem.say("input.feedback.core_value", value=core_value)])
        body = FeedbackIn(
            rhk_id=int_or_none(about.removeprefix("rhk:")) if about.startswith("rhk:") else None,
            core_value=CoreValue(core_value) if core_value else None,
            period_no=int_or_none(form.get("period_no")),
            text=str(form.get("text", "")).strip(),
        )
    except ValidationError as exc:  # e.g. no text
        return skp_response(request, actor, skp_id, refused=invalid(exc))
    except SkpflowError as exc:
        return skp_response(request, actor, skp_id, refused=refusal(exc))
    try:
        with unit_of_work(engine_of(request)) as s:
            feedback.add_feedback(s, skp_id, body, actor=actor, now=session.now_of(request))
    except SkpflowError as exc:
        return skp_response(request, actor, skp_id, refused=refusal(exc))
    return RedirectResponse(f"/ui/skp/{skp_id}?done=feedback_added#feedback-h", status_code=303)


@router.post("/ui/skp/{skp_id}/objection/{action}")
async def objection(request: Request, skp_id: int, action: str, actor: Viewer, form: Posted) -> Response:
    now, version = session.now_of(request), int_or_none(form.get("version"))
    note = str(form.get("note", "")).strip() or None
    try:
        with unit_of_work(engine_of(request)) as s:
            if action == "file":
                objections.file(s, skp_id, str(form.get("reason", "")), actor=actor, now=now)
            elif action == "review":
                objections.review(s, skp_id, actor=actor, now=now, expected_version=version)
            elif action == "withdraw":
                objections.withdraw(s, skp_id, note=note, actor=actor, now=now, expected_version=version)
            elif action == "decide":
                objections.decide(
                    s,
                    skp_id,
                    str(form.get("decision", "")),
                    note,
                    rating_hasil_kerja=rating_or_none(form.get("rating_hasil_kerja")),
                    rating_perilaku=rating_or_none(form.get("rating_perilaku")),
                    actor=actor,
                    now=now,
                    expected_version=version,
                )
            else:
                raise InvalidInput([Problem.say("input.keberatan.action", action=action)])
    except SkpflowError as exc:
        return skp_response(request, actor, skp_id, refused=refusal(exc))
    return RedirectResponse(f"/ui/skp/{skp_id}?done=objection_done#keberatan-h", status_code=303)
