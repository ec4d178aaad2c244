"""The web pages: server-rendered, calling the same use cases as the HTTP API; no rule is decided here.

Every page answers HTML with a title and a language; every state-changing form carries the CSRF token; a refused
action re-renders its page with the domain's reasons and changes nothing (the use case's transaction rolls back).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from api import security
from api.errors import to_response, validation_problem
from api.web import documents, session
from api.web.i18n import Translate, translator
from states.enums import Approach, Aspek, CascadeKind, CoreValue, JenisRhk, Predikat, Rating
from states.errors import (
    GuardFailed,
    InvalidInput,
    NotFound,
    NotPermitted,
    SkpflowError,
    StaleVersion,
    TooManyAttempts,
    TransitionNotAllowed,
)
from states.lifecycle import TriggerInput
from states.messages import Problem, both
from states.roles import Role
from states.skp import EDITABLE_STATES, SkpState
from workflows.actors import Actor
from workflows.cases import (
    annual,
    cycles,
    feedback,
    input_360,
    logins,
    objections,
    periodic_evidence,
    policy_store,
    skps,
)
from workflows.cases.logins import Login
from workflows.cases.org import lookup
from workflows.cases.org.lookup import unit_zone
from workflows.cases.skps import IndikatorIn, PlanIn, RhkIn, RhkOut
from workflows.queries import dashboard, document_data, quality
from workflows.queries.explain import explain
from workflows.store.settings import Settings, password_policy
from workflows.store.uow import reading, unit_of_work

ROOT = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=ROOT / "templates")


def _chart_parts(
    states: tuple[str, ...], counts: dict[str, int], t: Translate, tones: dict[str, str]
) -> list[tuple[str, int, str]]:
    """The segments of a stacked bar of SKPs per state: (tone, count, the state's name)."""
    return [(tones.get(s, "secondary"), counts.get(s, 0), t.state("skp", s)) for s in states]


def _who(ref: str) -> str:
    """An actor reference without its kind: `user:admin` is admin, `pegawai:<nip>` the NIP."""
    return ref.partition(":")[2] or ref


templates.env.globals["ui_parts"] = _chart_parts
templates.env.filters["who"] = _who
router = APIRouter(include_in_schema=False)

SKP_PAGE_TRIGGERS = ("cascade", "agree", "return", "monitor", "adjust", "reagree", "assess", "follow_up")
BLANK_INDICATORS = 2  # empty indicator rows offered under each RHK
AGREEMENT_PENDING = (SkpState.drafted.value, SkpState.cascaded.value)
OPD_ROWS = 12  # perangkat daerah drawn on the dashboard (the largest first); all of them one click away


@dataclass
class Refusal:
    """A refused action as the page shows it: the domain's sentence and each reason."""

    status: int
    detail: str
    problems: list[str] = field(default_factory=list)
    hint: str | None = None  # what to do next, in the reader's language
    rules: list[str] = field(default_factory=list)  # the rule behind each problem (an unmet guard), when known
    messages: list[dict[str, str]] = field(default_factory=list)  # each problem in id and en (an unmet guard)
    said: dict[str, str] | None = None  # the detail in id and en, where the catalogue says it (state, version)

    def in_language(self, lang: str) -> Refusal:
        """The refusal as a page in `lang` shows it: the detail and each problem in the page's language from the
        catalogue (the English problem where it has none). A detail that only repeats its problems in English (an
        unmet guard's, invalid input's) goes."""
        shown = self
        if self.messages:
            problems = [m.get(lang) or p for m, p in zip(self.messages, self.problems, strict=True)]
            shown = replace(shown, detail="", problems=problems)
        if self.said:
            shown = replace(shown, detail=self.said.get(lang) or self.detail)
        return shown


def invalid(exc: ValidationError) -> Refusal:
    """A form value the use case's input model refuses, named as the API names it, said in the page's language."""
    problems = [validation_problem(e) for e in exc.errors()]
    messages = [p.said() for p in problems]
    return Refusal(422, "invalid input", list(problems), messages=messages, said=both("page_refusal.invalid"))


def refusal(exc: SkpflowError) -> Refusal:
    problems = list(getattr(exc, "problems", []) or [])
    if isinstance(exc, GuardFailed):
        return Refusal(422, str(exc), problems, rules=exc.rules, messages=exc.messages())
    if isinstance(exc, InvalidInput):
        return Refusal(422, str(exc), problems, messages=exc.messages())
    return Refusal(to_response(exc).status_code, str(exc), problems, said=_said(exc))


def _said(exc: SkpflowError) -> dict[str, str] | None:
    """A refusal by state, by version, by role or of an unknown record in both languages, the trigger and state by
    their names in Indonesian (the English keeps the codes, as the API says it)."""
    if isinstance(exc, NotPermitted | NotFound):
        return exc.said()
    if isinstance(exc, TransitionNotAllowed):
        t = translator("id")
        trigger = {"id": t.label("trigger", exc.trigger), "en": exc.trigger}
        state = {"id": t.state(exc.lifecycle, exc.state), "en": exc.state}
        lifecycle = {"id": t.label("entity", exc.lifecycle), "en": exc.lifecycle}
        return both("page_refusal.not_allowed", lifecycle=lifecycle, trigger=trigger, state=state)
    if isinstance(exc, StaleVersion):
        entity = {"id": translator("id").label("entity", exc.entity), "en": exc.entity}
        return both("page_refusal.stale", entity=entity, actual=exc.actual, expected=exc.expected)
    return None


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    lang = session.language(request)
    other = "en" if lang == "id" else "id"
    switch = request.url.path + "?" + urlencode({**request.query_params, "lang": other})  # keeps the page's query
    token, fresh = session.csrf_token(request)
    actor = context["actor"] if "actor" in context else session.current_actor(request)
    t = translator(lang)
    if isinstance(refused := context.get("refused"), Refusal):
        context = context | {"refused": refused.in_language(lang)}
    page = templates.TemplateResponse(
        request,
        name,
        {"t": t, "lang": lang, "other_lang": other, "lang_switch_url": switch, "csrf": token}
        | {"actor": actor}
        | viewer(request, actor, t)
        | context,
        status_code=status,
    )
    if fresh:
        session.set_csrf(request, page, token)
    if request.query_params.get("lang") == lang:
        page.set_cookie(session.LANG, lang, samesite="lax", max_age=365 * 86400)
    return page


def viewer_role(actor: Actor) -> str:
    """The header's and the navigation's role: pegawai, super_admin, admin or auditor."""
    if actor.pegawai_id is not None:
        return "pegawai"
    if actor.super_admin:
        return "super_admin"
    return "admin" if actor.admin_of is not None else "auditor"


def viewer(request: Request, actor: Actor | None, t: Translate) -> dict[str, str]:
    """Who is logged in, as the header names them: a pegawai by name with the NIP, a user by username and role."""
    if actor is None:
        return {"viewer_role": "", "viewer_name": "", "viewer_detail": ""}
    role = viewer_role(actor)
    if actor.pegawai_id is None:
        return {"viewer_role": role, "viewer_name": actor.ref.partition(":")[2], "viewer_detail": t("role_" + role)}
    with reading(engine_of(request)) as s:
        who = lookup.pegawai(s, actor.pegawai_id)
    nip = actor.ref.removeprefix("pegawai:")
    return {"viewer_role": role, "viewer_name": who.name if who else nip, "viewer_detail": f"{t('nip')} {nip}"}


ERROR_MESSAGES = {401: "not_found", 403: "refused", 404: "not_found", 500: "server_error"}


def error_page(
    request: Request,
    status: int,
    *,
    message_key: str | None = None,
    refused: Refusal | None = None,
    anonymous: bool = False,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The friendly error page in the site's layout: what happened in words, and the way back. `anonymous` renders
    it without reading the session (a failure may be the database's)."""
    key = message_key or ERROR_MESSAGES.get(status, "error_other")
    context: dict[str, Any] = {"status": status, "message_key": key, "refused": refused}
    if anonymous:
        context["actor"] = None
    page = render(request, "error.html", context, status=status)
    page.headers.update(headers or {})
    return page


def to_login() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


def csrf_refused(request: Request) -> HTMLResponse:
    return error_page(request, 403, message_key="forbidden")


class PageAnswer(Exception):
    """Raised by a page's dependency to answer at once (the login page, a CSRF refusal); `install` turns it into
    its response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _viewer(request: Request) -> Actor:
    found = session.claims(request)
    if found is not None and found.change_password:
        raise PageAnswer(RedirectResponse("/ui/password", status_code=303))  # nothing else until it is changed
    actor = session.actor_of(request, found) if found is not None else None
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


def _within(bucket: str) -> Callable[[Request, Actor], Actor]:
    def check(request: Request, actor: Viewer) -> Actor:
        wait = request.app.state.rate_limits.retry_after(bucket, actor.ref)
        if wait is not None:
            context = {"title": "429", "message_key": "too_many_requests", "actor": actor}
            page = render(request, "error.html", context, status=429)
            page.headers["Retry-After"] = str(wait)
            raise PageAnswer(page)
        return actor

    return check


PdfViewer = Annotated[Actor, Depends(_within("pdf"))]
"""A logged-in actor within their PDF rate (settings.pdf_rate); over it, 429 with Retry-After."""

HeavyViewer = Annotated[Actor, Depends(_within("page"))]
"""A logged-in actor within their rate of heavy pages (settings.page_rate); over it, 429 with Retry-After."""

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
    """The same login use case as `POST /auth/token`: throttled per account and address, in the security log."""
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    settings: Settings = request.app.state.settings
    context: dict[str, Any] = {"actor": None, "username": username}

    def check() -> Login | None:
        if not (username and password):
            return None
        return logins.login(
            engine_of(request),
            username,
            password,
            client=session.client_of(request),
            now=session.now_of(request),
            limits=logins.Limits.from_settings(settings),
            demo=settings.demo,
        )

    try:
        done = await run_in_threadpool(check)  # Argon2 takes a while: not on the event loop
    except TooManyAttempts as exc:
        page = render(request, "login.html", context | {"locked": True}, status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    if done is None:
        return render(request, "login.html", context | {"failed": True}, status=401)
    answer = RedirectResponse("/ui/password" if done.must_change else "/ui", status_code=303)
    session.start(request, answer, done)
    return answer


@router.post("/ui/logout")
async def logout(request: Request, _: CheckedForm) -> Response:
    """Ends the session for good: the cookie's token is revoked, so it stops working at once, as a cookie and as a
    bearer token alike."""
    found = session.claims(request)
    if found is not None and (found.change_password or session.actor_of(request, found) is not None):
        client, now = session.client_of(request), session.now_of(request)
        await run_in_threadpool(
            logins.logout, engine_of(request), found.subject, found.jti, expires=found.expires, client=client, now=now
        )
    answer = RedirectResponse("/ui/login", status_code=303)
    session.end(answer)
    return answer


def _changer(request: Request) -> security.Claims:
    """The session of an account that may change its password now (also one that may do nothing else)."""
    found = session.claims(request)
    if found is None or session.actor_of(request, found) is None:
        raise PageAnswer(to_login())
    return found


Changer = Annotated[security.Claims, Depends(_changer)]


@router.get("/ui/password")
def password_page(request: Request, found: Changer) -> HTMLResponse:
    return render(request, "password.html", {"actor": None, "forced": found.change_password})


@router.post("/ui/password")
async def change_password(request: Request, found: Changer, form: CheckedForm) -> Response:
    """The same use case as `POST /auth/password`: the current password through the login throttle, the new one
    against the policy; every session of the account ends and this browser gets a new one."""
    settings: Settings = request.app.state.settings
    current, new = str(form.get("current_password", "")), str(form.get("new_password", ""))
    context: dict[str, Any] = {"actor": None, "forced": found.change_password}

    def change() -> Login:
        return logins.change_password(
            engine_of(request),
            found.subject,
            current,
            new,
            client=session.client_of(request),
            now=session.now_of(request),
            limits=logins.Limits.from_settings(settings),
            policy=password_policy(settings),
        )

    try:
        done = await run_in_threadpool(change)
    except TooManyAttempts as exc:
        page = render(request, "password.html", context | {"locked": True}, status=429)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except InvalidInput as exc:
        return render(request, "password.html", context | {"refused": refusal(exc)}, status=422)
    answer = RedirectResponse("/ui?changed=1", status_code=303)
    session.start(request, answer, done)
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
            context = {"actor": actor, "cycles": listed, "board": board, "versions": versions, "opd_limit": OPD_ROWS}
            return render(request, "admin_home.html", context)
        nip = actor.ref.removeprefix("pegawai:")
        mine, _ = skps.list_skps(s, actor, nip=nip, limit=20)
        waiting = dashboard.inbox(s, actor, now=now)
        asked = input_360.my_requests(s, actor=actor, now=now)
        cycle_ids = {m.cycle_id for m in mine}
        names = cycles.names_of(s, cycle_ids)
        leads = quality.leads_a_unit(s, actor)
    context = {
        "actor": actor,
        "mine": mine,
        "inbox": waiting,
        "now": now,
        "cycle_names": names,
        "asked": asked,
        "leads": leads,
    }
    return render(request, "pegawai_home.html", context)


@router.get("/ui/cycles/{cycle_id}")
def cycle_dashboard(request: Request, cycle_id: int, actor: HeavyViewer) -> Response:
    with reading(engine_of(request)) as s:
        try:
            listed, _ = cycles.list_cycles(s, actor, offset=0, limit=20)
            board = dashboard.dashboard(s, actor, cycle_id, now=session.now_of(request))
            versions, _ = policy_store.list_versions(s, actor, offset=0, limit=100)
        except NotFound:
            return error_page(request, 404)
    context = {"actor": actor, "cycles": listed, "board": board, "versions": versions, "opd_limit": OPD_ROWS}
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
        qualitative = skps.qualitative_use(s, row, policy).value
        try:
            received = feedback.list_feedback(s, skp_id, actor=actor)
        except NotPermitted:
            received = []
        try:
            objection = objections.get(s, skp_id, actor=actor)
        except NotFound:
            objection = None
        periods = dashboard.periods_of(s, skp_id, actor)
        periodic = periodic_evidence.of_skp(s, skp_id) if "assess" in view.allowed_triggers else None
        reasons = explain(s, skp_id, actor=actor).reasons
        penilai = lookup.pegawai(s, row.penilai_id) if row.penilai_id else None
        window = (
            skps.filing_window_closes(policy, row.assessed_at, unit_zone(s, row.unit_id)) if row.assessed_at else None
        )
        year_of = annual.annual_predikat(
            s, instansi_id=cycle.instansi_id, years=[cycle.year], pegawai_ids=[row.pegawai_id]
        )
        annual_found = year_of.get((row.pegawai_id, cycle.year))
    can_plan = SkpState(view.state) in EDITABLE_STATES and bool(who.roles & {Role.PEGAWAI, Role.PENILAI})
    return {
        "actor": actor,
        "skp": view,
        "cycle": cycle,
        "roles": sorted(r.value for r in who.roles),
        "can_plan": can_plan,
        "penilai_name": penilai.name if penilai else "",
        "intervensi_options": options,
        "triggers": [t for t in view.allowed_triggers if t in SKP_PAGE_TRIGGERS],
        "kuadran_json": json.dumps(
            {hk.value: {pk.value: p.value for pk, p in row.items()} for hk, row in kuadran.items()}
        ),
        "ratings": [r.value for r in Rating],
        "jenis": [j.value for j in JenisRhk],
        "aspek": [a.value for a in Aspek],
        "approaches": [a.value for a in Approach],
        "qualitative": qualitative,  # off | allowed | required for this SKP (policy approach.qualitative)
        "cascades": [c.value for c in CascadeKind],
        "blank_indicators": BLANK_INDICATORS,
        "feedback": received,
        "objection": objection,
        "periods": periods,
        "periodic": periodic,  # the periods' predikat beside the assess form: the annual rating's evidence
        "reasons": reasons,
        "filing_closes": window,
        # the last on-time day of the agreement (its due instant is 00:00 of the next day, in the unit's zone)
        "agreement_last_day": (view.agreement_due - timedelta(minutes=1)).date() if view.agreement_due else None,
        "agreement_late": bool(view.agreement_due)
        and view.state in AGREEMENT_PENDING
        and session.now_of(request) >= (view.agreement_due or session.now_of(request)),
        "midyear_days": policy.mid_year.agreement_working_days,
        "annual": annual_found if annual_found and annual_found.combined else None,
        "core_values": [c.value for c in CoreValue],
        "lampiran_keys": skps.LAMPIRAN_KEYS,
        "now": session.now_of(request),
        "predikat_labels_json": json.dumps({p.value: translator(session.language(request))(p.value) for p in Predikat}),
    }


def input_360_board(request: Request, actor: Actor, skp_id: int, period_no: int) -> input_360.Board | None:
    """The 360 board a rating page shows beside the perilaku rating (0 = the year's), or None where the actor may
    not read it or the policy asks for none."""
    try:
        with reading(engine_of(request)) as s:
            found = input_360.board(s, skp_id, period_no, actor=actor, now=session.now_of(request))
    except SkpflowError:
        return None
    return None if found.mode == "off" and not found.requests else found


def skp_response(request: Request, actor: Actor, skp_id: int, *, refused: Refusal | None = None) -> Response:
    try:
        context = _skp_context(request, actor, skp_id)
    except NotFound:
        return error_page(request, 404)
    context |= {"refused": refused, "done": request.query_params.get("done")}
    context["input_360"] = input_360_board(request, actor, skp_id, 0)
    return render(request, "skp.html", context, status=refused.status if refused else 200)


@router.get("/ui/skp/{skp_id}")
def skp_page(request: Request, skp_id: int, actor: HeavyViewer) -> Response:
    return skp_response(request, actor, skp_id)


def plan_from_form(form: FormData) -> PlanIn:
    """The plan form's fields (`rhk-<i>-…`, `rhk-<i>-ind-<j>-…`) as the use case's PlanIn; blank rows are left out."""
    rhk: list[RhkIn] = []
    problems: list[Problem] = []
    i = 0
    while f"rhk-{i}-text" in form:
        text = str(form.get(f"rhk-{i}-text", "")).strip()
        indicators: list[IndikatorIn] = []
        j = 0
        while f"rhk-{i}-ind-{j}-text" in form:
            p = f"rhk-{i}-ind-{j}-"
            ind_text = str(form.get(p + "text", "")).strip()
            if ind_text:
                kind = str(form.get(p + "approach", "")) or Approach.KUANTITATIF.value
                ekspektasi = str(form.get(p + "ekspektasi", "")).strip()
                raw_target = str(form.get(p + "target", "")).strip().replace(",", ".")
                try:
                    target = float(raw_target) if raw_target else None
                except ValueError:
                    problems.append(Problem.say("input.plan.target", indikator=ind_text, value=raw_target))
                    target = None
                indicators.append(
                    IndikatorIn.model_validate(
                        {
                            "id": int_or_none(form.get(p + "id")),
                            "text": ind_text,
                            "aspek": str(form.get(p + "aspek", "KUANTITAS")),
                            "target": target,
                            "satuan": str(form.get(p + "satuan", "")).strip(),
                            "approach": kind,
                            "ekspektasi": ekspektasi or None,
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
            raise InvalidInput([Problem.say("input.trigger.not_skp", trigger=trigger)])
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
        refused = refusal(exc)
        if trigger == "cascade" and isinstance(exc, GuardFailed):
            refused.hint = cascade_hint(request, actor, skp_id)
        return skp_response(request, actor, skp_id, refused=refused)
    return RedirectResponse(f"/ui/skp/{skp_id}?done=trigger_{trigger}", status_code=303)


def cascade_hint(request: Request, actor: Actor, skp_id: int) -> str | None:
    """The next step after a cascade refused because the pejabat penilai's own SKP is not agreed: whose SKP, in
    which state, and who agrees it (the domain's refusal stays English for the API)."""
    t = translator(session.language(request))
    with reading(engine_of(request)) as s:
        try:
            row, _, _ = skps.load(s, skp_id, actor)
        except NotFound:
            return None
        blocker = skps.cascade_blocker(s, row)
    if blocker is None:
        return None
    state = t.label("state", blocker.state) if blocker.state else t("cascade_hint_none")
    agreed_by = blocker.agreed_by or t("cascade_hint_hr")
    key = "cascade_hint_own" if actor.pegawai_id is not None and actor.pegawai_id == row.penilai_id else "cascade_hint"
    return t(key).format(atasan=blocker.atasan, state=state, agreed_by=agreed_by)


def rating_or_none(value: object) -> Rating | None:
    text = str(value or "")
    if not text:
        return None
    if text not in Rating.__members__:
        raise InvalidInput([Problem.say("input.rating", value=text)])
    return Rating(text)


# --- documents --------------------------------------------------------------------------------------------------


@router.get("/ui/skp/{skp_id}/skp.pdf")
def skp_pdf(request: Request, skp_id: int, actor: PdfViewer) -> Response:
    return _document(request, skp_id, "skp", actor)


@router.get("/ui/skp/{skp_id}/evaluasi.pdf")
def evaluasi_pdf(request: Request, skp_id: int, actor: PdfViewer) -> Response:
    return _document(request, skp_id, "evaluasi", actor)


def _document(request: Request, skp_id: int, kind: str, actor: Actor) -> Response:
    try:
        with reading(engine_of(request)) as s:
            data = document_data.gather(s, skp_id, actor)
    except NotFound:
        return error_page(request, 404)
    pdf = documents.skp_pdf(data) if kind == "skp" else documents.evaluasi_pdf(data)
    filename = f"{kind}-{data.nip}-{data.year}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get("/ui/skp/{skp_id}/matriks")
def matriks_page(request: Request, skp_id: int, actor: HeavyViewer) -> Response:
    try:
        with reading(engine_of(request)) as s:
            matriks = dashboard.matriks_peran_hasil(s, actor, skp_id)
            owner = skps.get(s, skp_id, actor)
    except NotFound:
        return error_page(request, 404)
    return render(request, "matriks.html", {"actor": actor, "m": matriks, "owner": owner})
