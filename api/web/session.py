"""The pages' session: a cookie carrying the same JWT the API issues, and a double-submit CSRF token.

The session cookie is HttpOnly, SameSite=Lax, and Secure when the request came over https. Every state-changing
form carries the CSRF token in a hidden field that must equal the `skpflow_csrf` cookie; a request without it is
refused before anything runs.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from datetime import datetime

from fastapi import Request, Response
from sqlalchemy import Engine

from api import security
from api.web.i18n import DEFAULT, LANGUAGES
from workflows.actors import Actor
from workflows.cases.logins import Login
from workflows.cases.users import actor_for
from workflows.store.uow import reading_once

SESSION = "skpflow_session"
CSRF = "skpflow_csrf"
LANG = "skpflow_lang"


def now_of(request: Request) -> datetime:
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


def claims(request: Request) -> security.Claims | None:
    """The session cookie's token claims, if it holds a valid, unexpired token (not yet checked against the account)."""
    token = request.cookies.get(SESSION)
    if not token:
        return None
    return security.claims_of(token, key=request.app.state.signing_key, now=now_of(request))


def current_actor(request: Request) -> Actor | None:
    """The logged-in actor; None without a session, when it has ended, or while it may only change the password."""
    found = claims(request)
    if found is None or found.change_password:
        return None
    return actor_of(request, found)


def actor_of(request: Request, found: security.Claims) -> Actor | None:
    """The actor the claims name, if the account still has that token version (one indexed read)."""
    engine: Engine = request.app.state.engine
    with reading_once(engine) as connection:
        return actor_for(connection, found.subject, found.version, found.jti)


def start(request: Request, response: Response, done: Login) -> None:
    minutes: int = request.app.state.settings.token_minutes
    token = security.issue(
        done.actor.ref,
        key=request.app.state.signing_key,
        now=now_of(request),
        minutes=minutes,
        version=done.version,
        change_password=done.must_change,
    )
    response.set_cookie(
        SESSION,
        token,
        max_age=minutes * 60,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.set_cookie(  # a fresh CSRF token with each session
        CSRF, secrets.token_urlsafe(32), httponly=True, samesite="strict", secure=request.url.scheme == "https"
    )


def end(response: Response) -> None:
    response.delete_cookie(SESSION, path="/")


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def csrf_token(request: Request) -> tuple[str, bool]:
    """The request's CSRF token, and whether it is new (then the response must set the cookie)."""
    token = request.cookies.get(CSRF)
    if token and len(token) >= 32:
        return token, False
    return secrets.token_urlsafe(32), True


def set_csrf(request: Request, response: Response, token: str) -> None:
    response.set_cookie(CSRF, token, httponly=True, samesite="strict", secure=request.url.scheme == "https")


def csrf_ok(request: Request, submitted: object) -> bool:
    cookie = request.cookies.get(CSRF)
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(cookie.encode(), submitted.encode())


def language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return str(asked)
    kept = request.cookies.get(LANG)
    return kept if kept in LANGUAGES else DEFAULT
