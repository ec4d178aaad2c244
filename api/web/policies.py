"""Configuring cycles without touching files: the policy editor (a new instansi version from a form generated from
the schema, validated, with its diff against the version it replaces), opening a cycle on a chosen version, and
moving a running cycle to another version after its dry-run report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api.web import policy_form, session
from api.web.pages import (
    Posted,
    Refusal,
    Viewer,
    engine_of,
    int_or_none,
    invalid,
    refusal,
    render,
)
from states.errors import InvalidInput, NotFound, NotPermitted, SkpflowError
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases import cycles, policy_store
from workflows.cases.cycles import CycleIn
from workflows.cases.policy_store import PolicyIn
from workflows.store.uow import reading, unit_of_work

router = APIRouter(include_in_schema=False)


def _admin(actor: Actor) -> None:
    if not (actor.super_admin or actor.admin_of):
        raise NotPermitted("policy", "edit", ["admin"])


def _denied(request: Request, exc: SkpflowError) -> Response:
    r = refusal(exc)
    status = 404 if isinstance(exc, NotFound) else r.status
    return render(request, "error.html", {"title": str(status), "message_key": "refused", "refused": r}, status)


@router.get("/ui/policies")
def policies_page(request: Request, actor: Viewer) -> Response:
    with reading(engine_of(request)) as s:
        versions, _ = policy_store.list_versions(s, actor, offset=0, limit=200)
    return render(request, "policies.html", {"actor": actor, "versions": versions})


@router.get("/ui/policies/{policy_id}")
def policy_page(request: Request, policy_id: int, actor: Viewer) -> Response:
    against = int_or_none(request.query_params.get("against"))
    try:
        with reading(engine_of(request)) as s:
            version = policy_store.get_version(s, policy_id, actor)
            replaced = policy_store.get_version(s, against, actor) if against else None
            changes = policy_store.diff_versions(s, policy_id, against, actor) if against else None
    except SkpflowError as exc:
        return _denied(request, exc)
    context = {
        "actor": actor,
        "v": version,
        "replaced": replaced,
        "changes": changes,
        "done": request.query_params.get("done"),
    }
    return render(request, "policy.html", context)


def _editor(
    request: Request, actor: Actor, s: Session, base_id: int, *, submitted: dict[str, str] | None = None
) -> dict[str, Any]:
    base = policy_store.get_version(s, base_id, actor)
    assert base.document is not None
    document = policy_form.rebuild(base.document, submitted) if submitted else base.document
    sections: dict[str, list[policy_form.Field]] = {}
    for f in policy_form.fields(document):
        sections.setdefault(f.section, []).append(f)
    return {"actor": actor, "base": base, "sections": sections, "submitted": submitted or {}}


@router.get("/ui/policies/{policy_id}/new")
def editor_page(request: Request, policy_id: int, actor: Viewer) -> Response:
    try:
        _admin(actor)
        with reading(engine_of(request)) as s:
            context = _editor(request, actor, s, policy_id)
    except SkpflowError as exc:
        return _denied(request, exc)
    return render(request, "policy_edit.html", context)


@router.post("/ui/policies/{policy_id}/new")
async def create_version(request: Request, policy_id: int, actor: Viewer, form: Posted) -> Response:
    submitted = {k: str(v) for k, v in form.items() if k.startswith("f" + policy_form.SEP)}
    refused: Refusal | None = None
    try:
        _admin(actor)
        with unit_of_work(engine_of(request)) as s:
            base = policy_store.get_version(s, policy_id, actor)
            assert base.document is not None
            new_document = policy_form.rebuild(base.document, submitted)
            body = PolicyIn(
                name=str(form.get("name", "")).strip(),
                version=str(form.get("version", "")).strip(),
                description=str(form.get("description", "")).strip(),
                base=base.name,
                base_version=base.version,
                overrides=policy_form.overrides(base.document, new_document),
                instansi=str(form.get("instansi", "")).strip() or None,
            )
            if not body.overrides:
                raise InvalidInput([Problem.say("input.policy.no_overrides")])
            made = policy_store.create_version(s, body, actor=actor, now=session.now_of(request))
    except ValidationError as exc:
        refused = invalid(exc)
    except SkpflowError as exc:
        refused = refusal(exc)
    if refused is not None:
        with reading(engine_of(request)) as s:
            context = _editor(request, actor, s, policy_id, submitted=submitted)
        context |= {
            "refused": refused,
            "meta": {k: str(form.get(k, "")) for k in ("name", "version", "description", "instansi")},
        }
        return render(request, "policy_edit.html", context, status=refused.status)
    return RedirectResponse(f"/ui/policies/{made.id}?against={policy_id}&done=policy_created", status_code=303)


# --- cycles on a policy version ---------------------------------------------------------------------------------


@router.post("/ui/cycles")
async def create_cycle(request: Request, actor: Viewer, form: Posted) -> Response:
    """Create a cycle pinned to the chosen policy version, and open it (one SKP drafted per pegawai)."""
    now = session.now_of(request)
    try:
        body = CycleIn(
            year=int_or_none(form.get("year")) or 0,
            name=str(form.get("name", "")).strip(),
            policy=int_or_none(form.get("policy")),
            instansi=str(form.get("instansi", "")).strip() or None,
        )
        with unit_of_work(engine_of(request)) as s:
            made = cycles.create_from(s, body, actor=actor, now=now, default_policy=request.app.state.settings.policy)
        engine = engine_of(request)
        cycles.open_cycle(lambda: Session(engine, expire_on_commit=False), made.id, actor=actor, now=now)
    except ValidationError as exc:
        return _denied_form(request, actor, invalid(exc))
    except SkpflowError as exc:
        return _denied_form(request, actor, refusal(exc))
    return RedirectResponse(f"/ui/cycles/{made.id}", status_code=303)


def _denied_form(request: Request, actor: Actor, refused: Refusal) -> Response:
    return render(
        request,
        "error.html",
        {"title": str(refused.status), "message_key": "refused", "refused": refused},
        refused.status,
    )


@router.get("/ui/cycles/{cycle_id}/policy")
def migration_dry_run(request: Request, cycle_id: int, actor: Viewer) -> Response:
    """What moving the cycle to another version would change; nothing is written."""
    to = int_or_none(request.query_params.get("to"))
    try:
        if to is None:
            raise InvalidInput([Problem.say("input.policy.choose_target")])
        with reading(engine_of(request)) as s:  # the dry run writes nothing
            view = cycles.readable(s, cycle_id, actor)
            report = cycles.migrate_policy(s, cycle_id, to, actor=actor, now=session.now_of(request), dry_run=True)
            target = policy_store.get_version(s, to, actor)
    except SkpflowError as exc:
        return _denied(request, exc)
    return render(request, "migration.html", {"actor": actor, "cycle": view, "m": report, "target": target})


@router.post("/ui/cycles/{cycle_id}/policy")
async def migrate(request: Request, cycle_id: int, actor: Viewer, form: Posted) -> Response:
    try:
        to = int_or_none(form.get("to"))
        if to is None:
            raise InvalidInput([Problem.say("input.policy.choose_target")])
        with unit_of_work(engine_of(request)) as s:
            cycles.migrate_policy(s, cycle_id, to, actor=actor, now=session.now_of(request), dry_run=False)
    except SkpflowError as exc:
        return _denied(request, exc)
    return RedirectResponse(f"/ui/cycles/{cycle_id}", status_code=303)
