"""HR's status page: record a pegawai's status period by SK (tugas belajar, CLTN, …), end it, and record the
study-progress predikat of a year of tugas belajar; the same use cases as `PUT /pegawai/{nip}/status`."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.web import session
from api.web.pages import Posted, Viewer, engine_of, error_page, refusal, render
from policies.status import StatusIn
from states.enums import PegawaiStatus, Predikat
from states.errors import InvalidInput, NotFound, NotPermitted, SkpflowError
from states.messages import Problem, label
from workflows.actors import Actor
from workflows.cases.status import StatusPeriodOut, StatusSet, periods_of, record_study_progress, set_status
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)
FIELDS = ("nip", "status", "starts", "until", "sk_number", "note")
PROGRESS_FIELDS = ("nip", "year", "predikat", "report")


def _periods(request: Request, nip: str, actor: Actor) -> list[StatusPeriodOut]:
    if not nip:
        return []
    try:
        with reading(engine_of(request)) as s:
            return periods_of(s, nip, actor=actor)
    except NotFound:
        return []


def _page(request: Request, actor: Viewer, nip: str, status: int = 200, **context: object) -> Response:
    base = {
        "actor": actor,
        "statuses": list(PegawaiStatus),
        "predikat": list(Predikat),
        "periods": _periods(request, nip, actor),
        "form": {"nip": nip},
        "progress": {"nip": nip},
    }
    return render(request, "status.html", base | context, status=status)


@router.get("/ui/status")
def status_page(request: Request, actor: Viewer) -> Response:
    if not (actor.super_admin or actor.admin_of):
        r = refusal(NotPermitted("pegawai", "set_status", ["admin"]))
        return error_page(request, r.status, message_key="refused", refused=r)
    return _page(request, actor, (request.query_params.get("nip") or "").strip()[:18])


@router.post("/ui/status")
async def record_status(request: Request, actor: Viewer, form: Posted) -> Response:
    """Sets a status, or ends one (the same `from` with an `until`); a refusal shows the form again as typed."""
    typed = {k: str(form.get(k) or "").strip() for k in FIELDS}
    try:
        result = await run_in_threadpool(_set, request, typed, actor)
    except SkpflowError as exc:
        r = refusal(exc)
        return _page(request, actor, typed["nip"], status=r.status, refused=r, form=typed)
    return _page(request, actor, typed["nip"], result=result)


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput([Problem.say("input.date", field=label("field", field), example="2026-07-01")]) from exc


def _set(request: Request, typed: dict[str, str], actor: Actor) -> StatusSet:
    try:
        status = PegawaiStatus(typed["status"])
    except ValueError as exc:
        raise InvalidInput([Problem.say("input.status.one_of", choices=", ".join(PegawaiStatus))]) from exc
    inp = StatusIn(
        status,
        _day(typed["starts"], "from"),
        _day(typed["until"], "until") if typed["until"] else None,
        typed["sk_number"],
        typed["note"] or None,
    )
    with unit_of_work(engine_of(request)) as s:
        return set_status(s, typed["nip"], inp, actor=actor, now=session.now_of(request))


@router.post("/ui/status/study-progress")
async def record_progress(request: Request, actor: Viewer, form: Posted) -> Response:
    typed = {k: str(form.get(k) or "").strip() for k in PROGRESS_FIELDS}
    try:
        done = await run_in_threadpool(_progress, request, typed, actor)
    except SkpflowError as exc:
        r = refusal(exc)
        return _page(request, actor, typed["nip"], status=r.status, refused=r, progress=typed)
    return _page(request, actor, typed["nip"], recorded=done)


def _progress(request: Request, typed: dict[str, str], actor: Actor) -> object:
    try:
        year, predikat = int(typed["year"]), Predikat(typed["predikat"])
    except ValueError as exc:
        raise InvalidInput([Problem.say("input.study_progress.year_predikat")]) from exc
    with unit_of_work(engine_of(request)) as s:
        return record_study_progress(
            s, typed["nip"], year, predikat, typed["report"], actor=actor, now=session.now_of(request)
        )
