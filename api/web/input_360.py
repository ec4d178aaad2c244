"""360 input pages: the pemberi pertimbangan's form, and the penilai's naming and withdrawing from the rating pages
(the board itself is drawn on the SKP page for the year and on the period page, beside the rating)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.web import session
from api.web.pages import (
    Posted,
    Refusal,
    Viewer,
    engine_of,
    error_page,
    int_or_none,
    invalid,
    refusal,
    render,
    skp_response,
)
from api.web.periods import period_response
from states.enums import CoreValue, Rating
from states.errors import NotFound, SkpflowError
from workflows.actors import Actor
from workflows.cases import input_360
from workflows.cases.input_360 import NameIn, SubmitIn
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)


def _back(skp_id: int, period_no: int) -> str:
    return f"/ui/skp/{skp_id}" if period_no == 0 else f"/ui/skp/{skp_id}/periods/{period_no}"


def _form_page(request: Request, actor: Actor, input_id: int, *, refused: Refusal | None = None) -> Response:
    try:
        with reading(engine_of(request)) as s:
            detail = input_360.get_request(s, input_id, actor=actor, now=session.now_of(request))
    except NotFound:
        return error_page(request, 404)
    except SkpflowError as exc:
        return error_page(request, 403, refused=refusal(exc))
    context: dict[str, Any] = {
        "actor": actor,
        "d": detail,
        "r": detail.request,
        "ratings": [r.value for r in Rating],
        "refused": refused,
        "done": request.query_params.get("done"),
    }
    return render(request, "input_360.html", context, status=refused.status if refused else 200)


@router.get("/ui/360/{input_id}")
def input_form(request: Request, input_id: int, actor: Viewer) -> Response:
    return _form_page(request, actor, input_id)


@router.post("/ui/360/{input_id}")
async def submit_input(request: Request, input_id: int, actor: Viewer, form: Posted) -> Response:
    ratings = {
        v.value: {"rating": str(form.get(f"rating-{v.value}", "")), "note": str(form.get(f"note-{v.value}", ""))}
        for v in CoreValue
        if form.get(f"rating-{v.value}")
    }
    try:
        body = SubmitIn.model_validate({"ratings": ratings})
        with unit_of_work(engine_of(request)) as s:
            input_360.submit_input(
                s,
                input_id,
                body,
                actor=actor,
                now=session.now_of(request),
                expected_version=int_or_none(form.get("version")),
            )
    except ValidationError as exc:
        return _form_page(request, actor, input_id, refused=invalid(exc))
    except SkpflowError as exc:
        return _form_page(request, actor, input_id, refused=refusal(exc))
    return RedirectResponse(f"/ui/360/{input_id}?done=input_360_submitted", status_code=303)


@router.post("/ui/skp/{skp_id}/360/{period_no}/name")
async def name_pemberi(request: Request, skp_id: int, period_no: int, actor: Viewer, form: Posted) -> Response:
    nips = [str(n) for n in form.getlist("nip") if str(n).strip()]
    back = _back(skp_id, period_no)
    try:
        body = NameIn(period_no=period_no, nips=nips)
        with unit_of_work(engine_of(request)) as s:
            input_360.name_pemberi(s, skp_id, body, actor=actor, now=session.now_of(request))
    except (ValidationError, SkpflowError) as exc:
        return _refused_on_rating_page(request, actor, skp_id, period_no, exc)
    return RedirectResponse(f"{back}?done=input_360_named#input-360-h", status_code=303)


@router.post("/ui/360/{input_id}/withdraw")
async def withdraw(request: Request, input_id: int, actor: Viewer, form: Posted) -> Response:
    skp_id, period_no = int_or_none(form.get("skp_id")) or 0, int_or_none(form.get("period_no")) or 0
    try:
        with unit_of_work(engine_of(request)) as s:
            input_360.withdraw(
                s,
                input_id,
                note=str(form.get("note", "")).strip() or None,
                actor=actor,
                now=session.now_of(request),
                expected_version=int_or_none(form.get("version")),
            )
    except SkpflowError as exc:
        return _refused_on_rating_page(request, actor, skp_id, period_no, exc)
    return RedirectResponse(f"{_back(skp_id, period_no)}?done=input_360_withdrawn#input-360-h", status_code=303)


def _refused_on_rating_page(
    request: Request, actor: Actor, skp_id: int, period_no: int, exc: ValidationError | SkpflowError
) -> Response:
    refused = invalid(exc) if isinstance(exc, ValidationError) else refusal(exc)
    if period_no == 0:
        return skp_response(request, actor, skp_id, refused=refused)
    return period_response(request, actor, skp_id, period_no, refused=refused)
