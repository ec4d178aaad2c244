"""HR's pages: distribution per unit against the curve, follow-up cases, the organisation import with per-row
errors, mutasi, PPPK contracts, the audit trail with search, export and verification, and the lifecycle diagrams."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import exports as api_exports
from api.diagram import mermaid, svg
from api.web import session
from api.web.pages import HeavyViewer, Posted, Refusal, Viewer, engine_of, error_page, int_or_none, refusal, render
from policies.schema import ZONE_ALIASES
from states import LIFECYCLES
from states.errors import InvalidInput, NotFound, NotPermitted, SkpflowError
from states.lifecycle import TriggerInput
from states.messages import Problem, label
from workflows.actors import Actor
from workflows.cases import audit_trail, cycles, followups
from workflows.cases.kontrak import KontrakIn, KontrakView, PegawaiKontrak, contracts_of, set_kontrak
from workflows.cases.mutasi import MutasiIn, PegawaiMoved, mutasi_pegawai
from workflows.cases.org.files import import_org_file
from workflows.cases.org.imports import ImportResult, first_instansi
from workflows.queries import dashboard, distribution
from workflows.store.settings import password_policy
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)
CURVES_PER_PAGE = 20  # units drawn on one page of the distribution
UNITS_PER_PAGE = 25  # rows of the dashboard's drill-down


def _not_found(request: Request) -> HTMLResponse:
    return error_page(request, 404)


def _denied(request: Request, exc: SkpflowError) -> HTMLResponse:
    r = refusal(exc)
    return error_page(request, r.status, message_key="refused", refused=r)


@router.get("/ui/cycles/{cycle_id}/distribution")
def distribution_page(request: Request, cycle_id: int, actor: HeavyViewer) -> Response:
    q = request.query_params
    period = int_or_none(q.get("period")) or 0
    search = (q.get("q") or "").strip()[:100]
    try:
        with reading(engine_of(request)) as s:
            view = cycles.readable(s, cycle_id, actor)
            page = distribution.cycle_curves(
                s,
                cycle_id,
                period,
                actor=actor,
                offset=int_or_none(q.get("offset")) or 0,
                limit=CURVES_PER_PAGE,
                search=search,
            )
    except NotFound:
        return _not_found(request)
    except SkpflowError as exc:
        return _denied(request, exc)
    context = {"actor": actor, "cycle": view, "page": page, "period": period, "search": search}
    return render(request, "distribution.html", context)


@router.get("/ui/cycles/{cycle_id}/units")
def units_page(request: Request, cycle_id: int, actor: Viewer) -> Response:
    """The dashboard's detail: units with SKPs per state, by perangkat daerah, searched and paged on the server."""
    q = request.query_params
    search = (q.get("q") or "").strip()[:100]
    try:
        with reading(engine_of(request)) as s:
            page = dashboard.unit_page(
                s,
                actor,
                cycle_id,
                opd=int_or_none(q.get("opd")),
                search=search,
                offset=int_or_none(q.get("offset")) or 0,
                limit=UNITS_PER_PAGE,
            )
    except NotFound:
        return _not_found(request)
    except SkpflowError as exc:
        return _denied(request, exc)
    return render(request, "units.html", {"actor": actor, "page": page, "search": search})


@router.get("/ui/cycles/{cycle_id}/followups")
def followups_page(request: Request, cycle_id: int, actor: Viewer) -> Response:
    offset = int_or_none(request.query_params.get("offset")) or 0
    try:
        with reading(engine_of(request)) as s:
            view = cycles.readable(s, cycle_id, actor)
            page = followups.list_cases(s, cycle_id=cycle_id, actor=actor, offset=offset, limit=100)
    except NotFound:
        return _not_found(request)
    except SkpflowError as exc:
        return _denied(request, exc)
    return render(request, "followups.html", {"actor": actor, "cycle": view, "page": page})


# --- organisation import ----------------------------------------------------------------------------------------


@router.get("/ui/org/import")
def import_page(request: Request, actor: Viewer) -> Response:
    return render(request, "import.html", {"actor": actor})


@router.post("/ui/org/import")  # "/org/import" in the path: the upload body limit applies
async def import_file(request: Request, actor: Viewer, form: Posted) -> Response:
    try:
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        if not data:
            raise InvalidInput([Problem.say("input.file.choose")])
        result = await run_in_threadpool(_import, request, data, actor)
    except SkpflowError as exc:
        return render(request, "import.html", {"actor": actor, "refused": refusal(exc)}, status=refusal(exc).status)
    finally:
        await form.close()
    return render(request, "import.html", {"actor": actor, "result": result})


def _import(request: Request, data: bytes, actor: Actor) -> ImportResult:
    with unit_of_work(engine_of(request)) as s:
        first = first_instansi(request.app.state.settings)
        passwords = password_policy(request.app.state.settings)
        return import_org_file(
            s, data, actor=actor, now=session.now_of(request), first_instansi=first, passwords=passwords
        )


# --- mutasi -----------------------------------------------------------------------------------------------------

MUTASI_FIELDS = ("nip", "unit", "effective", "jabatan", "atasan_nip", "sk_number", "note")


@router.get("/ui/mutasi")
def mutasi_page(request: Request, actor: Viewer) -> Response:
    if not (actor.super_admin or actor.admin_of):
        return _denied(request, NotPermitted("pegawai", "mutasi", ["admin"]))
    return render(request, "mutasi.html", {"actor": actor, "form": {"nip": request.query_params.get("nip", "")}})


@router.post("/ui/mutasi")
async def record_mutasi(request: Request, actor: Viewer, form: Posted) -> Response:
    """The same use case as `POST /pegawai/{nip}/mutasi`; a refusal shows the form again with what was typed."""
    typed = {k: str(form.get(k) or "").strip() for k in MUTASI_FIELDS}
    try:
        result = await run_in_threadpool(_mutasi, request, typed, actor)
    except SkpflowError as exc:
        context = {"actor": actor, "refused": refusal(exc), "form": typed}
        return render(request, "mutasi.html", context, status=refusal(exc).status)
    return render(request, "mutasi.html", {"actor": actor, "result": result, "form": {}})


def _mutasi(request: Request, typed: dict[str, str], actor: Actor) -> PegawaiMoved:
    try:
        effective = date.fromisoformat(typed["effective"])
    except ValueError as exc:
        raise InvalidInput(
            [Problem.say("input.date", field=label("field", "effective"), example="2026-07-01")]
        ) from exc
    inp = MutasiIn(
        unit=typed["unit"],
        effective=effective,
        jabatan=typed["jabatan"] or None,
        atasan_nip=typed["atasan_nip"] or None,
        sk_number=typed["sk_number"] or None,
        note=typed["note"] or None,
    )
    with unit_of_work(engine_of(request)) as s:
        return mutasi_pegawai(s, typed["nip"], inp, actor=actor, now=session.now_of(request))


# --- audit trail ------------------------------------------------------------------------------------------------


@router.get("/ui/audit")
def audit_page(request: Request, actor: HeavyViewer) -> Response:
    q = request.query_params
    entity_type = (q.get("entity_type") or "").strip() or None
    entity_id = int_or_none(q.get("entity_id"))
    after = int_or_none(q.get("after")) or 0
    verified = None
    names: dict[str, str] = {}
    try:
        if not audit_trail.may_read(actor):
            raise NotPermitted("audit", "read", ["admin", "auditor"])
        with reading(engine_of(request)) as s:
            rows, total = audit_trail.events(
                s, actor, entity_type=entity_type, entity_id=entity_id, after=after, limit=100
            )
            if q.get("verify") == "1":
                verified = audit_trail.verify_for(
                    s, actor, audit_trail.checks(request.app.state.settings, session.now_of(request))
                )
            seals = audit_trail.seal_page(s, before=None, limit=5)[0]
            names = audit_trail.actor_names(s, [e.actor for e in rows])
    except SkpflowError as exc:
        return _denied(request, exc)
    context = {
        "actor": actor,
        "events": rows,
        "total": total,
        "next": rows[-1].id if len(rows) == 100 else None,
        "entity_type": entity_type or "",
        "entity_id": entity_id or "",
        "instansi": (q.get("instansi") or "").strip(),
        "verified": verified,
        "seals": seals,
        "names": names,
        "entity_types": list(audit_trail.ENTITY_TYPES),
    }
    return render(request, "audit.html", context)


@router.get("/ui/cycles/{cycle_id}/export")
def predikat_export(request: Request, cycle_id: int, actor: HeavyViewer) -> Response:
    """The API's predikat export for the session's actor: annual, e-Kinerja's annual layout, or one period's for
    TPP/tukin."""
    q = request.query_params
    form: Literal["csv", "xlsx"] = "xlsx" if q.get("format") == "xlsx" else "csv"
    kinds: dict[str | None, Literal["tpp", "ekinerja"]] = {"tpp": "tpp", "ekinerja": "ekinerja"}
    kind: Literal["predikat", "tpp", "ekinerja"] = kinds.get(q.get("kind"), "predikat")
    try:
        return api_exports.predikat(
            cycle_id,
            engine_of(request),
            actor,
            format=form,
            bom=form == "csv",
            kind=kind,
            period=int_or_none(q.get("period")) if kind == "tpp" else None,
        )
    except SkpflowError as exc:
        return _denied(request, exc)


@router.get("/ui/audit/export")
def audit_export(request: Request, actor: HeavyViewer) -> Response:
    """The API's export, for the session's actor: every hashed field, so an auditor can recompute each hash."""
    q = request.query_params
    form: Literal["csv", "jsonl"] = "csv" if q.get("format") == "csv" else "jsonl"
    try:
        return api_exports.audit_export(
            engine_of(request),
            actor,
            format=form,
            instansi=(q.get("instansi") or "").strip() or None,
            entity_type=(q.get("entity_type") or "").strip() or None,
            entity_id=int_or_none(q.get("entity_id")),
            since=None,
            until=None,
        )
    except SkpflowError as exc:
        return _denied(request, exc)


# --- lifecycle diagrams -----------------------------------------------------------------------------------------


@router.get("/ui/diagrams")
def diagrams_page(request: Request, actor: Viewer) -> Response:
    drawn = [(name, mermaid(lc)) for name, lc in LIFECYCLES.items()]
    return render(request, "diagrams.html", {"actor": actor, "diagrams": drawn})


@router.get("/ui/diagrams/{name}.svg")
def diagram_svg(request: Request, name: str, _: Viewer) -> Response:
    if name not in LIFECYCLES:
        return _not_found(request)
    return Response(svg(LIFECYCLES[name]), media_type="image/svg+xml")


def _case_page(request: Request, actor: Actor, case_id: int, *, refused: Refusal | None = None) -> Response:
    try:
        with reading(engine_of(request)) as s:
            case = followups.get_case(s, case_id, actor=actor)
    except NotFound:
        return _not_found(request)
    context = {"actor": actor, "case": case, "zones": list(ZONE_ALIASES), "refused": refused}
    context["done"] = request.query_params.get("done")
    return render(request, "followup.html", context, status=refused.status if refused else 200)


@router.get("/ui/followups/{case_id}")
def case_page(request: Request, case_id: int, actor: Viewer) -> Response:
    return _case_page(request, actor, case_id)


@router.post("/ui/followups/{case_id}/fire/{trigger}")
async def fire_case(request: Request, case_id: int, trigger: str, actor: Viewer, form: Posted) -> Response:
    try:
        when = None
        raw = str(form.get("when", "")).strip()
        if raw:
            try:
                when = datetime.fromisoformat(raw).replace(
                    tzinfo=ZoneInfo(ZONE_ALIASES.get(str(form.get("zone")), "Asia/Jakarta"))
                )
            except ValueError:
                raise InvalidInput(
                    [Problem.say("input.datetime.unreadable", field=label("field", "when"), value=raw)]
                ) from None
        inp = TriggerInput(note=str(form.get("note", "")).strip() or None, when=when)
        with unit_of_work(engine_of(request)) as s:
            followups.fire_case(
                s,
                case_id,
                trigger,
                inp,
                actor=actor,
                now=session.now_of(request),
                expected_version=int_or_none(form.get("version")),
            )
    except SkpflowError as exc:
        return _case_page(request, actor, case_id, refused=refusal(exc))
    return RedirectResponse(f"/ui/followups/{case_id}?done=done", status_code=303)


# --- PPPK contracts ---------------------------------------------------------------------------------------------

KONTRAK_FIELDS = ("nip", "kontrak_mulai", "kontrak_selesai", "sk_number", "note")


@router.get("/ui/kontrak")
def kontrak_page(request: Request, actor: Viewer) -> Response:
    """A PPPK's recorded contracts with their extension recommendation, and the form for the next one."""
    if not (actor.super_admin or actor.admin_of):
        return _denied(request, NotPermitted("pegawai", "kontrak", ["admin"]))
    nip = (request.query_params.get("nip") or "").strip()[:18]
    context: dict[str, object] = {"actor": actor, "form": {"nip": nip}, "contracts": None}
    if nip:
        try:
            with reading(engine_of(request)) as s:
                context["contracts"] = contracts_of(s, nip, actor=actor)
        except SkpflowError as exc:
            context["refused"] = refusal(exc)
            return render(request, "kontrak.html", context, status=refusal(exc).status)
    return render(request, "kontrak.html", context)


@router.post("/ui/kontrak")
async def record_kontrak(request: Request, actor: Viewer, form: Posted) -> Response:
    """The same use case as `PUT /pegawai/{nip}/kontrak`; a refusal shows the form again with what was typed."""
    typed = {k: str(form.get(k) or "").strip() for k in KONTRAK_FIELDS}
    try:
        saved, listed = await run_in_threadpool(_kontrak, request, typed, actor)
    except SkpflowError as exc:
        context = {"actor": actor, "refused": refusal(exc), "form": typed, "contracts": None}
        return render(request, "kontrak.html", context, status=refusal(exc).status)
    context = {"actor": actor, "result": saved, "form": {"nip": typed["nip"]}, "contracts": listed}
    return render(request, "kontrak.html", context)


def _kontrak(request: Request, typed: dict[str, str], actor: Actor) -> tuple[KontrakView, PegawaiKontrak]:
    problems: list[Problem] = []
    days = {}
    for name in ("kontrak_mulai", "kontrak_selesai"):
        try:
            days[name] = date.fromisoformat(typed[name])
        except ValueError:
            problems.append(Problem.say("input.date", field=label("field", name), example="2026-01-01"))
    if problems:
        raise InvalidInput(problems)
    inp = KontrakIn(days["kontrak_mulai"], days["kontrak_selesai"], typed["sk_number"] or None, typed["note"] or None)
    with unit_of_work(engine_of(request)) as s:
        saved = set_kontrak(s, typed["nip"], inp, actor=actor, now=session.now_of(request))
        return saved, contracts_of(s, typed["nip"], actor=actor)
