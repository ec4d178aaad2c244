"""`/ui/cycles`: the cycles of the admin's instansi, each moved on by its allowed transitions; a period opened and
a unit's capaian kinerja organisasi set while it is monitored (a periodic rating needs it).

The same use cases as `POST /cycles/{id}/open`, `POST /cycles/{id}/transitions/{trigger}`,
`POST /workflows/open-period/run` and `POST /units/{code}/capaian`; a pegawai is sent to their home.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from api.web import session
from api.web.pages import Posted, Refusal, Viewer, engine_of, refusal, render
from states.enums import CapaianLevel
from states.errors import GuardFailed, InvalidInput, NotPermitted, SkpflowError
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases import cycles, skps
from workflows.cases.org.lookup import unit_id_of
from workflows.flows import runs
from workflows.flows.runs import RunContext
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, actor: Actor, *, refused: Refusal | None = None, exc: SkpflowError | None = None
) -> Response:
    with reading(engine_of(request)) as s:
        listed, _ = cycles.list_cycles(s, actor, offset=0, limit=100)
    context = {
        "actor": actor,
        "cycles": listed,
        "refused": refused,
        "forceable": _forceable(request, exc),
        "done": request.query_params.get("done"),
        "levels": [level.value for level in CapaianLevel],
    }
    return render(request, "cycles.html", context, status=refused.status if refused else 200)


def _forceable(request: Request, exc: SkpflowError | None) -> dict[str, object] | None:
    """A refusal for blocking data-quality problems offers the quality page and, to admins, the same step forced."""
    if not (isinstance(exc, GuardFailed) and any(r.startswith("quality.") for r in exc.rules)):
        return None
    cycle_id = request.path_params["cycle_id"]
    return {"action": request.url.path, "quality": f"/ui/cycles/{cycle_id}/quality", "period": _form_period(request)}


def _form_period(request: Request) -> str:
    return str(getattr(request.state, "period", "") or "")


@router.get("/ui/cycles")
def cycle_list(request: Request, actor: Viewer) -> Response:
    if actor.pegawai_id is not None:
        return RedirectResponse("/ui", status_code=303)
    return _page(request, actor)


@router.post("/ui/cycles/{cycle_id}/fire/{trigger}")
async def cycle_fire(request: Request, cycle_id: int, trigger: str, actor: Viewer, form: Posted) -> Response:
    """Move the cycle on; `open` drafts one SKP per pegawai as it opens (the open-cycle use case)."""
    engine, now = engine_of(request), session.now_of(request)
    force = form.get("force") == "1"
    try:
        if trigger == "open":
            cycles.open_cycle(
                lambda: Session(engine, expire_on_commit=False), cycle_id, actor=actor, now=now, force=force
            )
        else:
            with unit_of_work(engine) as s:
                version = form.get("version")
                expected = int(str(version)) if str(version or "").isdigit() else None
                cycles.fire(s, cycle_id, trigger, actor=actor, now=now, expected_version=expected, force=force)
    except SkpflowError as exc:
        return _page(request, actor, refused=refusal(exc), exc=exc)
    return RedirectResponse("/ui/cycles?done=cycle", status_code=303)


def _period(text: str) -> int | None:
    if text and not (text.isdigit() and 1 <= int(text) <= 12):
        raise InvalidInput([Problem.say("input.period.not_a_number", value=text)])
    return int(text) if text else None


@router.post("/ui/cycles/{cycle_id}/capaian")
async def capaian(request: Request, cycle_id: int, actor: Viewer, form: Posted) -> Response:
    """A unit's capaian kinerja organisasi for a period (0 = annual): the periodic ratings of its pegawai need it."""
    try:
        level = str(form.get("level", ""))
        if level not in CapaianLevel.__members__:
            raise InvalidInput([Problem.say("input.capaian.level", level=level)])
        period = _period(str(form.get("period", "")).strip())
        if period is None:
            raise InvalidInput([Problem.say("input.period.required")])
        with unit_of_work(engine_of(request)) as s:
            unit_id = unit_id_of(s, cycle_id, str(form.get("unit", "")).strip())
            skps.set_capaian(
                s, cycle_id, unit_id, period, CapaianLevel(level), actor=actor, now=session.now_of(request)
            )
    except SkpflowError as exc:
        return _page(request, actor, refused=refusal(exc))
    return RedirectResponse("/ui/cycles?done=capaian", status_code=303)


@router.post("/ui/cycles/{cycle_id}/open-period")
async def open_period(request: Request, cycle_id: int, actor: Viewer, form: Posted) -> Response:
    """Move the agreed SKPs into monitoring and open the period's evaluations (the open-period workflow, run now)."""
    try:
        if not (actor.super_admin or actor.admin_of):
            raise NotPermitted("workflow", "open-period", ["admin"])
        period = _period(str(form.get("period", "")).strip())
        request.state.period = period
        ctx = RunContext(
            engine_of(request),
            actor,
            session.now_of(request),
            cycle_id,
            period,
            request.app.state.settings.batch_chunk,
            force=form.get("force") == "1",
        )
        runs.run("open-period", ctx)
    except SkpflowError as exc:
        return _page(request, actor, refused=refusal(exc), exc=exc)
    return RedirectResponse("/ui/cycles?done=period", status_code=303)
