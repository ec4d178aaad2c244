"""The web pages: server-rendered, calling the same use cases as the HTTP API; no rule is decided here.

Every page answers HTML with a title and a language; every state-changing form carries the CSRF token; a refused
action re-renders its page with the domain's reasons and changes nothing (the use case's transaction rolls back).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.datastructures import FormData

from api.errors import to_response
from api.web import documents, session
from api.web.i18n import translator
from states.enums import Aspek, CascadeKind, CoreValue, JenisRhk, Predikat, Rating
from states.errors import InvalidInput, NotFound, NotPermitted, SkpflowError
from states.lifecycle import TriggerInput
from states.roles import Role
from states.skp import EDITABLE_STATES, SkpState
from workflows.actors import Actor
from workflows.cases import cycles, feedback, objections, policy_store, skps
from workflows.cases.org.lookup import unit_zone
from workflows.cases.skps import IndikatorIn, PlanIn, RhkIn, RhkOut
from workflows.cases.users import authenticate
from workflows.queries import dashboard, document_data
from workflows.store.uow import reading, unit_of_work

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")
router = APIRouter(include_in_schema=False)

SKP_PAGE_TRIGGERS = ("cascade", "agree", "return", "monitor", "adjust", "reagree", "assess", "follow_up")
BLANK_INDICATORS = 2  # empty indicator rows offered under each RHK


@dataclass
class Refusal:
    """A refused action as the page shows it: the domain's sentence and each reason."""

    status: int
    detail: str
    problems: list[str] = field(default_factory=list)


def invalid(exc: ValidationError) -> Refusal:
    """A form value the use case's input model refuses, named as the API names it."""
    problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    return Refusal(422, "invalid input", problems)


def refusal(exc: SkpflowError) -> Refusal:
    problems = list(getattr(exc, "problems", []) or [])
    return Refusal(to_response(exc).status_code, str(exc), problems)


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    lang = session.language(request)
    other = "en" if lang == "id" else "id"
    switch = request.url.path + "?" + urlencode({**request.query_params, "lang": other})  # keeps the page's query
    token, fresh = session.csrf_token(request)
    actor = context["actor"] if "actor" in context else session.current_actor(request)
    page = templates.TemplateResponse(
        request,
        name,
        {"t": translator(lang), "lang": lang, "other_lang": other, "lang_switch_url": switch, "csrf": token}
        | {"actor": actor}
        | context,
        status_code=status,
    )
    if fresh:
        session.set_csrf(request, page, token)
    if request.query_params.get("lang") == lang:
        page.set_cookie(session.LANG, lang, samesite="lax", max_age=365 * 86400)
    return page


def to_login() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


def csrf_refused(request: Request) -> HTMLResponse:
    return render(request, "error.html", {"title": "403", "message_key": "forbidden"}, status=403)


class PageAnswer(Exception):
    """Raised by a page's dependency to answer at once (the login page, a CSRF refusal); `install` turns it into
    its response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _viewer(request: Request) -> Actor:
    actor = session.current_actor(request)
    if actor is None:
        raise PageAnswer(to_login())
    return actor


async def _checked(request: Request) -> FormData:
    form = await request.form()
    if session.csrf_ok(request, form.get("csrf")):
        return form
    await form.close()  # uploaded files are spooled to disk
    raise PageAnswer(csrf_refused(request))


Viewer = Annotated[Actor, Depends(_viewer)]
"""The page's logged-in actor; without a session the browser is sent to the login page."""

CheckedForm = Annotated[FormData, Depends(_checked)]
"""A form whose CSRF token matches the cookie; otherwise 403 before anything runs."""


async def _posted(request: Request, _: Viewer) -> FormData:
    return await _checked(request)


Posted = Annotated[FormData, Depends(_posted)]
"""A logged-in actor's form with a valid CSRF token: the session is checked first, then the token."""


# --- login ------------------------------------------------------------------------------------------------------


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse("/ui", status_code=303)


@router.get("/ui/login")
def login_page(request: Request) -> HTMLResponse:
    return render(request, "login.html", {"actor": None})


@router.post("/ui/login")
async def login(request: Request, form: CheckedForm) -> Response:
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    with reading(engine_of(request)) as s:
        actor = authenticate(s, username, password) if username and password else None
    if actor is None:
        return render(request, "login.html", {"actor": None, "failed": True, "username": username}, status=401)
    answer = RedirectResponse("/ui", status_code=303)
    session.start(request, answer, actor)
    return answer


@router.post("/ui/logout")
async def logout(request: Request, _: CheckedForm) -> Response:
    answer = RedirectResponse("/ui/login", status_code=303)
    session.end(answer)
    return answer


# --- home per role ----------------------------------------------------------------------------------------------


@router.get("/ui")
def home(request: Request, actor: Viewer) -> Response:
    now = session.now_of(request)
    with reading(engine_of(request)) as s:
        if actor.pegawai_id is None:
            listed, _ = cycles.list_cycles(s, actor, offset=0, limit=20)
            board = dashboard.dashboard(s, actor, listed[0].id, now=now) if listed else None
            versions, _ = policy_store.list_versions(s, actor, offset=0, limit=100)
            context = {"actor": actor, "cycles": listed, "board": board, "versions": versions}
            return render(request, "admin_home.html", context)
        nip = actor.ref.removeprefix("pegawai:")
        mine, _ = skps.list_skps(s, actor, nip=nip, limit=20)
        waiting = dashboard.inbox(s, actor, now=now)
    return render(request, "pegawai_home.html", {"actor": actor, "mine": mine, "inbox": waiting, "now": now})


@router.get("/ui/cycles/{cycle_id}")
def cycle_dashboard(request: Request, cycle_id: int, actor: Viewer) -> Response:
    with reading(engine_of(request)) as s:
        try:
            listed, _ = cycles.list_cycles(s, actor, offset=0, limit=20)
            board = dashboard.dashboard(s, actor, cycle_id, now=session.now_of(request))
            versions, _ = policy_store.list_versions(s, actor, offset=0, limit=100)
        except NotFound:
            return render(request, "error.html", {"title": "404", "message_key": "not_found"}, status=404)
    context = {"actor": actor, "cycles": listed, "board": board, "versions": versions}
    return render(request, "admin_home.html", context)


# --- one SKP ----------------------------------------------------------------------------------------------------


def _skp_context(request: Request, actor: Actor, skp_id: int) -> dict[str, Any]:
    with reading(engine_of(request)) as s:
        view = skps.get(s, skp_id, actor)
        row, cycle, who = skps.load(s, skp_id, actor)
        boss = skps.atasan_skp(s, row)
        options: list[RhkOut] = []
        if boss is not None and boss.id is not None:
            try:
                options = skps.get(s, boss.id, actor).rhk
            except NotFound:
                options = []
        policy = policy_store.cycle_policy(s, cycle)
        kuadran = policy.kuadran
        try:
            received = feedback.list_feedback(s, skp_id, actor=actor)
        except NotPermitted:
            received = []
        try:
            objection = objections.get(s, skp_id, actor=actor)
        except NotFound:
            objection = None
        periods = dashboard.periods_of(s, skp_id, actor)
        window = (
            skps.filing_window_closes(policy, row.assessed_at, unit_zone(s, row.unit_id)) if row.assessed_at else None
        )
    can_plan = SkpState(view.state) in EDITABLE_STATES and bool(who.roles & {Role.PEGAWAI, Role.PENILAI})
    return {
        "actor": actor,
        "skp": view,
        "cycle": cycle,
        "roles": sorted(r.value for r in who.roles),
        "can_plan": can_plan,
        "intervensi_options": options,
        "triggers": [t for t in view.allowed_triggers if t in SKP_PAGE_TRIGGERS],
        "kuadran_json": json.dumps(
            {hk.value: {pk.value: p.value for pk, p in row.items()} for hk, row in kuadran.items()}
        ),
        "ratings": [r.value for r in Rating],
        "jenis": [j.value for j in JenisRhk],
        "aspek": [a.value for a in Aspek],
        "cascades": [c.value for c in CascadeKind],
        "blank_indicators": BLANK_INDICATORS,
        "feedback": received,
        "objection": objection,
        "periods": periods,
        "filing_closes": window,
        "core_values": [c.value for c in CoreValue],
        "lampiran_keys": skps.LAMPIRAN_KEYS,
        "now": session.now_of(request),
        "predikat_labels_json": json.dumps({p.value: translator(session.language(request))(p.value) for p in Predikat}),
    }


def skp_response(request: Request, actor: Actor, skp_id: int, *, refused: Refusal | None = None) -> Response:
    try:
        context = _skp_context(request, actor, skp_id)
    except NotFound:
        return render(request, "error.html", {"title": "404", "message_key": "not_found"}, status=404)
    context |= {"refused": refused, "done": request.query_params.get("done")}
    return render(request, "skp.html", context, status=refused.status if refused else 200)


@router.get("/ui/skp/{skp_id}")
def skp_page(request: Request, skp_id: int, actor: Viewer) -> Response:
    return skp_response(request, actor, skp_id)


def plan_from_form(form: FormData) -> PlanIn:
    """The plan form's fields (`rhk-<i>-…`, `rhk-<i>-ind-<j>-…`) as the use case's PlanIn; blank rows are left out."""
    rhk: list[RhkIn] = []
    problems: list[str] = []
    i = 0
    while f"rhk-{i}-text" in form:
        text = str(form.get(f"rhk-{i}-text", "")).strip()
        indicators: list[IndikatorIn] = []
        j = 0
        while f"rhk-{i}-ind-{j}-text" in form:
            p = f"rhk-{i}-ind-{j}-"
            ind_text = str(form.get(p + "text", "")).strip()
            if ind_text:
                raw_target = str(form.get(p + "target", "")).strip().replace(",", ".")
                try:
                    target = float(raw_target) if raw_target else None
                except ValueError:
                    problems.append(f"{ind_text}: target '{raw_target}' is not a number")
                    target = None
                indicators.append(
                    IndikatorIn.model_validate(
                        {
                            "id": int_or_none(form.get(p + "id")),
                            "text": ind_text,
                            "aspek": str(form.get(p + "aspek", "KUANTITAS")),
                            "target": target,
                            "satuan": str(form.get(p + "satuan", "")).strip(),
                        }
                    )
                )
            j += 1
        if text:
            intervensi = int_or_none(form.get(f"rhk-{i}-intervensi"))
            cascade = str(form.get(f"rhk-{i}-cascade", "")) or None
            rhk.append(
                RhkIn.model_validate(
                    {
                        "id": int_or_none(form.get(f"rhk-{i}-id")),
                        "jenis": str(form.get(f"rhk-{i}-jenis", "UTAMA")),
                        "text": text,
                        "intervensi_rhk_id": intervensi,
                        "cascade": (cascade or "DIRECT") if intervensi else None,
                        "indikator": indicators,
                    }
                )
            )
        i += 1
    if problems:
        raise InvalidInput(problems)
    perilaku = {
        CoreValue(key.removeprefix("perilaku-")): str(value).strip()
        for key, value in form.items()
        if key.startswith("perilaku-") and key.removeprefix("perilaku-") in CoreValue.__members__
    }
    lampiran = {
        key.removeprefix("lampiran-"): [line.strip() for line in str(value).splitlines() if line.strip()]
        for key, value in form.items()
        if key.startswith("lampiran-")
    }
    return PlanIn(rhk=rhk, perilaku=perilaku or None, lampiran=lampiran or None, propose=form.get("propose") == "1")


def int_or_none(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


@router.post("/ui/skp/{skp_id}/plan")
async def save_plan(request: Request, skp_id: int, actor: Viewer, form: Posted) -> Response:
    try:
        plan = plan_from_form(form)
        with unit_of_work(engine_of(request)) as s:
            skps.save_plan(
                s,
                skp_id,
                plan,
                actor=actor,
                now=session.now_of(request),
                expected_version=int_or_none(form.get("version")),
            )
    except SkpflowError as exc:
        return skp_response(request, actor, skp_id, refused=refusal(exc))
    except ValidationError as exc:  # a field the use case's input model refuses
        return skp_response(request, actor, skp_id, refused=invalid(exc))
    done = "plan_proposed" if plan.propose else "plan_saved"
    return RedirectResponse(f"/ui/skp/{skp_id}?done={done}", status_code=303)


@router.post("/ui/skp/{skp_id}/fire/{trigger}")
async def fire(request: Request, skp_id: int, trigger: str, actor: Viewer, form: Posted) -> Response:
    try:
        if trigger not in SKP_PAGE_TRIGGERS:
            raise InvalidInput([f"trigger: '{trigger}' is not an SKP trigger"])
        inp = TriggerInput(
            note=str(form.get("note", "")).strip() or None,
            reason=str(form.get("reason", "")).strip() or None,
            rating_hasil_kerja=rating_or_none(form.get("rating_hasil_kerja")),
            rating_perilaku=rating_or_none(form.get("rating_perilaku")),
        )
        with unit_of_work(engine_of(request)) as s:
            skps.fire(
                s,
                skp_id,
                trigger,
                actor=actor,
                now=session.now_of(request),
                inp=inp,
                expected_version=int_or_none(form.get("version")),
            )
    except SkpflowError as exc:
        return skp_response(request, actor, skp_id, refused=refusal(exc))
    return RedirectResponse(f"/ui/skp/{skp_id}?done=trigger_{trigger}", status_code=303)


def rating_or_none(value: object) -> Rating | None:
    text = str(value or "")
    if not text:
        return None
    if text not in Rating.__members__:
        raise InvalidInput([f"rating: '{text}' is not a rating"])
    return Rating(text)


# --- documents --------------------------------------------------------------------------------------------------


@router.get("/ui/skp/{skp_id}/skp.pdf")
def skp_pdf(request: Request, skp_id: int, actor: Viewer) -> Response:
    return _document(request, skp_id, "skp", actor)


@router.get("/ui/skp/{skp_id}/evaluasi.pdf")
def evaluasi_pdf(request: Request, skp_id: int, actor: Viewer) -> Response:
    return _document(request, skp_id, "evaluasi", actor)


def _document(request: Request, skp_id: int, kind: str, actor: Actor) -> Response:
    try:
        with reading(engine_of(request)) as s:
            data = document_data.gather(s, skp_id, actor)
    except NotFound:
        return render(request, "error.html", {"title": "404", "message_key": "not_found"}, status=404)
    pdf = documents.skp_pdf(data) if kind == "skp" else documents.evaluasi_pdf(data)
    filename = f"{kind}-{data.nip}-{data.year}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get("/ui/skp/{skp_id}/matriks")
def matriks_page(request: Request, skp_id: int, actor: Viewer) -> Response:
    try:
        with reading(engine_of(request)) as s:
            matriks = dashboard.matriks_peran_hasil(s, actor, skp_id)
            owner = skps.get(s, skp_id, actor)
    except NotFound:
        return render(request, "error.html", {"title": "404", "message_key": "not_found"}, status=404)
    return render(request, "matriks.html", {"actor": actor, "m": matriks, "owner": owner})
