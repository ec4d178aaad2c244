"""HR's Plt/Plh page (/ui/acting): the acting SKs not yet ended, registering one, ending one early, and cancelling
one that has not begun (with a confirmation box the server checks too)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.web import session
from api.web.pages import Posted, Viewer, engine_of, error_page, refusal, render
from states.enums import ActingKind
from states.errors import InvalidInput, NotPermitted, SkpflowError
from states.messages import Problem, label
from workflows.actors import Actor
from workflows.cases import acting
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)

FIELDS = ("unit", "nip", "kind", "start", "until", "sk_number", "note")


def _page(request: Request, actor: Actor, status: int = 200, **context: object) -> Response:
    with reading(engine_of(request)) as s:
        running = acting.list_instansi(s, actor=actor)
    kinds = [k.value for k in ActingKind]
    return render(
        request,
        "acting.html",
        {"actor": actor, "items": running, "kinds": kinds, "form": {}, **context},
        status=status,
    )


def _may(actor: Actor) -> bool:
    return actor.super_admin or bool(actor.admin_of)


@router.get("/ui/acting")
def acting_page(request: Request, actor: Viewer) -> Response:
    if not _may(actor):
        r = refusal(NotPermitted("acting", "register", ["admin"]))
        return error_page(request, r.status, message_key="refused", refused=r)
    return _page(request, actor, form={"unit": request.query_params.get("unit", "")})


@router.post("/ui/acting")
async def register(request: Request, actor: Viewer, form: Posted) -> Response:
    """The same use case as `POST /units/{code}/acting`; a refusal shows the form again with what was typed."""
    typed = {k: str(form.get(k) or "").strip() for k in FIELDS}
    try:
        done = await run_in_threadpool(_register, request, typed, actor)
    except SkpflowError as exc:
        return _page(request, actor, refusal(exc).status, refused=refusal(exc), form=typed)
    return _page(request, actor, done=done)


@router.post("/ui/acting/{acting_id}/until")
async def amend(request: Request, acting_id: int, actor: Viewer, form: Posted) -> Response:
    """The same use case as `PATCH /units/{code}/acting/{id}`: end the SK early, or extend it."""
    typed = {k: str(form.get(k) or "").strip() for k in ("unit", "until", "note")}
    try:
        done = await run_in_threadpool(_amend, request, acting_id, typed, actor)
    except SkpflowError as exc:
        return _page(request, actor, refusal(exc).status, refused=refusal(exc))
    return _page(request, actor, done=done)


@router.post("/ui/acting/{acting_id}/cancel")
async def cancel(request: Request, acting_id: int, actor: Viewer, form: Posted) -> Response:
    """The same use case as `POST /units/{code}/acting/{id}/cancel`, once the confirmation box is ticked."""
    typed = {k: str(form.get(k) or "").strip() for k in ("unit", "reason", "confirm")}
    try:
        done = await run_in_threadpool(_cancel, request, acting_id, typed, actor)
    except SkpflowError as exc:
        return _page(request, actor, refusal(exc).status, refused=refusal(exc))
    return _page(request, actor, done=done)


def _cancel(request: Request, acting_id: int, typed: dict[str, str], actor: Actor) -> acting.ActingChange:
    if typed["confirm"] != "yes":
        raise InvalidInput([Problem.say("input.acting.confirm_cancel")])
    with unit_of_work(engine_of(request)) as s:
        return acting.cancel(s, typed["unit"], acting_id, typed["reason"], actor=actor, now=session.now_of(request))


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput([Problem.say("input.date", field=label("field", field), example="2026-03-01")]) from exc


def _register(request: Request, typed: dict[str, str], actor: Actor) -> acting.ActingChange:
    problems: list[Problem] = []
    if typed["kind"] not in {k.value for k in ActingKind}:
        problems.append(Problem.say("input.acting.kind"))
    if not typed["unit"]:
        problems.append(Problem.say("input.acting.unit"))
    days = []
    for field in ("start", "until"):
        try:
            days.append(_day(typed[field], "from" if field == "start" else field))
        except InvalidInput as exc:
            problems += [p for p in exc.problems if isinstance(p, Problem)]  # each is one: _day says it
    if problems:
        raise InvalidInput(problems)
    inp = acting.ActingIn(typed["nip"], ActingKind(typed["kind"]), days[0], days[1], typed["sk_number"], typed["note"])
    with unit_of_work(engine_of(request)) as s:
        return acting.register(s, typed["unit"], inp, actor=actor, now=session.now_of(request))


def _amend(request: Request, acting_id: int, typed: dict[str, str], actor: Actor) -> acting.ActingChange:
    until = _day(typed["until"], "until")
    with unit_of_work(engine_of(request)) as s:
        return acting.amend(
            s, typed["unit"], acting_id, until, actor=actor, now=session.now_of(request), note=typed["note"] or None
        )
