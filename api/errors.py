"""Domain errors to HTTP, in exactly one place, with one error body for every refusal.

401 no or bad token · 403 the actor may not · 404 unknown (or invisible) · 409 wrong state or stale version,
with `state` and `allowed_triggers` · 413 body too large · 422 invalid input or unmet guard, with `problems`
· 429 too many failed logins or expensive requests, with Retry-After · 503 the database is unavailable, with
Retry-After.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from states.lifecycle import Lifecycle
from states.messages import Problem, label, located, text


class RuleMessage(BaseModel):
    """A rule's sentence in both languages, from the message catalogue (`states/locales/`)."""

    id: str = Field(description="In Bahasa Indonesia.")
    en: str = Field(description="In English.")


class RuleProblem(BaseModel):
    """One unmet guard and the rule that refused it."""

    rule: str = Field(description="The rule's id: `<lifecycle>.<guard>` (e.g. `skp.cascaded`) or a policy rule's.")
    problem: str = Field(description="What is unmet, in one sentence.")
    message: RuleMessage | None = Field(
        default=None, description="The problem in Bahasa Indonesia and English (`problem` is the English one)."
    )
    policy_version: str | None = Field(default=None, description="The policy version the rule applied, if any.")
    inputs: dict[str, str] | None = Field(default=None, description="The values the sentence names, by name.")


class ErrorBody(BaseModel):
    """Why a request was refused; a refused request changed nothing."""

    detail: str = Field(description="What went wrong, in one sentence.")
    problems: list[str] = Field(default_factory=list, description="Each unmet guard or invalid field.")
    state: str | None = Field(default=None, description="The record's current state (409).")
    version: int | None = Field(default=None, description="The record's current version (409 stale version).")
    allowed_triggers: list[str] | None = Field(default=None, description="What the caller may fire now (409).")
    rules: list[RuleProblem] | None = Field(
        default=None, description="For an unmet guard (422): each problem with the rule that refused it."
    )
    messages: list[RuleMessage] | None = Field(
        default=None,
        description="For invalid input (422): each of `problems`, in the same order, in Bahasa Indonesia and "
        "English (`en` is the problem as `problems` says it).",
    )
    message: RuleMessage | None = Field(
        default=None, description="For a refusal by role (403): `detail` in Bahasa Indonesia and English."
    )


DESCRIPTIONS = {
    401: "Not authenticated: no, invalid or expired token.",
    403: "The caller's role may not do this.",
    404: "No such record, or not visible to the caller.",
    409: "The trigger is not allowed from the current state, or the version is stale.",
    413: "The request body is too large.",
    422: "Invalid input or an unmet guard; `problems` names each one.",
    429: "Too many failed logins for this account from this address, or too many requests of an expensive kind "
    "(PDFs, exports) from this user; retry after the given seconds.",
    503: "The database is unavailable; retry after the given seconds.",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI error responses for a route (JSON even where the route's own answer is not)."""
    json_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    return {code: {"model": ErrorBody, "description": DESCRIPTIONS[code], "content": json_body} for code in codes}


def document_errors(schema: dict[str, Any]) -> None:
    """Every operation documents 422 with the error body the app really sends (not FastAPI's default shape),
    and 503, which any route answers while the database is away."""
    json_body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            answers["422"] = {"description": DESCRIPTIONS[422], "content": json_body}
            answers.setdefault("503", {"description": DESCRIPTIONS[503], "content": json_body})
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)


def validation_problem(error: Mapping[str, Any]) -> Problem:
    """A pydantic error as `problems` names it, `<location>: <pydantic's English message>`, carrying its sentence
    in Indonesian: by the error's `type` and `ctx` (the catalogue's `validation.<type>`, else `validation.other`),
    the location by its fields' labels (`states.messages.located`)."""
    ctx = {k: _number(v) for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | float | str)}
    found = text("id", "validation." + str(error.get("type")), **ctx) or text("id", "validation.other")
    message = {"id": found or "", "en": str(error["msg"])}
    return Problem.say("input.validation", where=located(error.get("loc") or ()), message=message)


def _number(value: object) -> object:
    """A bound as pydantic's own message writes it: `0`, not `0.0`."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def known_trigger(lifecycle: Lifecycle[Any, Any], trigger: str) -> None:
    """An unknown trigger is bad input (422), not a refusal by state (409)."""
    known = sorted({r.trigger for r in lifecycle.rows})
    if trigger not in known:
        raise InvalidInput(
            [
                Problem.say(
                    "input.trigger.unknown",
                    trigger=trigger,
                    lifecycle=label("entity", lifecycle.name),
                    known=", ".join(known),
                )
            ]
        )


def _body(status: int, detail: str, **extra: Any) -> JSONResponse:
    return JSONResponse(ErrorBody(detail=detail, **extra).model_dump(exclude_none=True), status_code=status)


def to_response(exc: SkpflowError) -> JSONResponse:
    if isinstance(exc, TransitionNotAllowed):
        return _body(409, str(exc), state=exc.state, allowed_triggers=exc.allowed)
    if isinstance(exc, StaleVersion):
        return _body(409, str(exc), state=exc.state, version=exc.actual, allowed_triggers=exc.allowed)
    if isinstance(exc, NotPermitted):
        return _body(403, str(exc), message=RuleMessage(**exc.said()))
    if isinstance(exc, GuardFailed):
        rules = [
            RuleProblem(
                rule=r,
                problem=p,
                message=RuleMessage(**said),
                policy_version=exc.policy_version,
                inputs=inputs or None,
            )
            for r, p, said, inputs in zip(exc.rules, exc.problems, exc.messages(), exc.inputs(), strict=True)
        ]
        return _body(422, str(exc), problems=exc.problems, rules=rules)
    if isinstance(exc, InvalidInput):
        return _body(422, str(exc), problems=exc.problems, messages=[RuleMessage(**m) for m in exc.messages()])
    if isinstance(exc, NotFound):
        return _body(404, str(exc))  # its body stays exactly as it was (a 404 leaks nothing); pages say it
    if isinstance(exc, TooManyAttempts):
        response = _body(429, str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return _body(400, str(exc))


def install(app: FastAPI) -> None:
    async def domain(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, SkpflowError)
        return to_response(exc)

    async def http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:  # FastAPI's "error parsing the body": malformed input, as the contract says
            return _body(422, "the request body is malformed", problems=[str(exc.detail)])
        response = _body(exc.status_code, str(exc.detail))
        response.headers.update(exc.headers or {})
        return response

    async def validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [validation_problem(e) for e in exc.errors()]
        messages = [RuleMessage(**p.said()) for p in problems]
        return _body(422, "invalid request", problems=problems, messages=messages)

    async def database(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DBAPIError)
        if isinstance(exc, DataError):  # e.g. a NUL byte or an out-of-range number the schema let through
            return _body(422, "a value cannot be stored", problems=[str(exc.orig).splitlines()[0]])
        if isinstance(exc, IntegrityError):  # a concurrent writer got there first
            return _body(409, "the record changed concurrently; read it again and retry")
        if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            raise exc
        response = _body(503, "the database is unavailable; nothing was changed, retry shortly")
        response.headers["Retry-After"] = "5"
        return response

    app.add_exception_handler(SkpflowError, domain)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(DBAPIError, database)
