"""Logging in and out: the password check, throttling per account and client address, password changes, and the
security log. The API (`POST /auth/token`, `/auth/password`, `/auth/logout`) and the web pages (`/ui/login`,
`/ui/password`, `/ui/logout`) both go through these use cases, so both are throttled, locked and logged alike.

A failed login counts against its (account, client address) pair in a fixed window; names that match no
account share one pair per address ("?"), so spraying names from one address is throttled too. At
`login_max_failures` the pair is locked for `login_lockout_seconds`: attempts are refused (429) without a
password check and counted on the pair, not logged one by one. Each login, failed login and lockout is one
`authevent` row; a failed login of an unknown name stores no name, so attacker-chosen strings never
become rows and each address writes at most `login_max_failures` of them per lockout. A password change checks the
current password through the same throttle, so it is no way around the lock either.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Engine, and_, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from states.errors import InvalidInput, TooManyAttempts
from states.messages import Problem, label
from workflows.actors import Actor
from workflows.cases.users import (
    Account,
    account_of,
    check_password,
    end_sessions,
    find_account,
    revoke_token,
    set_password,
)
from workflows.store.passwords import PasswordPolicy, hash_password
from workflows.store.settings import Settings
from workflows.store.tables import AuthEvent, LoginThrottle
from workflows.store.uow import reading, unit_of_work

UNKNOWN = "?"
"""The throttle key of names that match no account."""


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta
    lockout: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            settings.login_max_failures,
            timedelta(seconds=settings.login_window_seconds),
            timedelta(seconds=settings.login_lockout_seconds),
        )


def _pair(key: str, client: str) -> ColumnElement[bool]:
    return and_(col(LoginThrottle.account_key) == key, col(LoginThrottle.client) == client)


def _locked_for(throttle: LoginThrottle | None, now: datetime) -> int | None:
    """Seconds the pair stays locked, or None."""
    if throttle is None or throttle.locked_until is None or throttle.locked_until <= now:
        return None
    return max(1, math.ceil((throttle.locked_until - now).total_seconds()))


def _refuse(session: Session, key: str, client: str) -> None:
    session.execute(update(LoginThrottle).where(_pair(key, client)).values(refused=col(LoginThrottle.refused) + 1))


def _locked_pair(session: Session, key: str, client: str, now: datetime) -> LoginThrottle:
    """The pair's row, created if absent, locked for this transaction (SQLite: BEGIN IMMEDIATE already is)."""
    values = {"account_key": key, "client": client, "failures": 0, "window_start": now, "refused": 0}
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(LoginThrottle).values(**values).on_conflict_do_nothing())
    found = session.scalar(select(LoginThrottle).where(_pair(key, client)).with_for_update())
    assert found is not None
    return found


def _event(session: Session, kind: str, account: Account | None, client: str, now: datetime) -> None:
    session.add(
        AuthEvent(
            at=now,
            kind=kind,
            account=account.ref if account else None,
            instansi_id=account.instansi_id if account else None,
            client=client,
        )
    )


@dataclass(frozen=True)
class Login:
    """A successful login: who, the token version to put in the token, and whether the token may only be used to
    change the password (an initial password set by someone else, outside demo mode)."""

    actor: Actor
    version: int
    must_change: bool


def login(
    engine: Engine, username: str, password: str, *, client: str, now: datetime, limits: Limits, demo: bool = False
) -> Login | None:
    """The login if the credentials are right; None if not; TooManyAttempts while the pair is locked. In demo mode
    nobody is made to change an initial password."""
    with reading(engine) as s:
        account = find_account(s, username[:200])
    actor = _checked(engine, account, password, client=client[:64], now=now, limits=limits)
    if actor is None or account is None:
        return None
    return Login(actor, account.version, account.must_change and not demo)


def _checked(
    engine: Engine,
    account: Account | None,
    password: str,
    *,
    client: str,
    now: datetime,
    limits: Limits,
    success: str | None = "login",
) -> Actor | None:
    """The throttled password check, logged (a right password as `success`, unless None)."""
    with reading(engine) as s:
        key = account.ref if account else UNKNOWN
        locked = _locked_for(s.scalar(select(LoginThrottle).where(_pair(key, client))), now)
    if locked is not None:
        with unit_of_work(engine) as s:
            _refuse(s, key, client)
        raise TooManyAttempts(locked)
    actor = check_password(account, password)  # outside any transaction: Argon2 is slow and must hold no lock
    with unit_of_work(engine) as s:
        throttle = _locked_pair(s, key, client, now)
        locked = _locked_for(throttle, now)
        if locked is not None:  # a parallel burst locked the pair meanwhile: do not reveal a right guess
            throttle.refused += 1
        elif actor is not None:
            throttle.failures, throttle.window_start = 0, now
            if success is not None:
                _event(s, success, account, client, now)
        else:
            if throttle.window_start + limits.window <= now:
                throttle.failures, throttle.window_start = 0, now
            throttle.failures += 1
            _event(s, "login_failed", account, client, now)
            if throttle.failures >= limits.max_failures:
                throttle.failures, throttle.window_start, throttle.locked_until = 0, now, now + limits.lockout
                _event(s, "login_locked", account, client, now)
    if locked is not None:
        raise TooManyAttempts(locked)
    return actor


def change_password(
    engine: Engine,
    ref: str,
    current: str,
    new: str,
    *,
    client: str,
    now: datetime,
    limits: Limits,
    policy: PasswordPolicy,
) -> Login:
    """The account changes its own password: the current one is checked through the login throttle (InvalidInput if
    wrong, TooManyAttempts while locked), the new one against the policy; every session ends (the token version is
    bumped) and the returned login is for the new token."""
    with reading(engine) as s:
        account = account_of(s, ref)
    weak = policy.problems(new, known=account.known if account else ())
    if account is not None and new == current:
        weak.insert(0, Problem.say("input.password.same"))
    if weak:
        raise InvalidInput(
            [Problem.say("input.field_problem", field=label("field", "new_password"), problem=p) for p in weak]
        )
    checked = _checked(engine, account, current, client=client[:64], now=now, limits=limits, success=None)
    if checked is None or account is None:
        raise InvalidInput([Problem.say("input.password.wrong")])
    with unit_of_work(engine) as s:
        version = set_password(s, account.ref, hash_password(new), must_change=False)
        _event(s, "password_changed", account, client[:64], now)
    return Login(checked, version, False)


def logout(
    engine: Engine, ref: str, jti: str, *, expires: datetime, client: str, now: datetime, everywhere: bool = False
) -> None:
    """End the session whose token is `jti` (or, `everywhere`, every session of the account: its token version is
    bumped), logged."""
    with unit_of_work(engine) as s:
        account = account_of(s, ref)
        if account is None:
            return
        revoke_token(s, account.ref, jti, expires=expires, now=now)
        if everywhere:
            end_sessions(s, account.ref)
        _event(s, "logout_all" if everywhere else "logout", account, client[:64], now)


def events(session: Session, actor: Actor, *, kind: str | None, after: int, limit: int) -> tuple[list[AuthEvent], int]:
    """A page of the security log the actor may read (their instansi's; all of it for the super-admin)."""
    where: list[ColumnElement[bool]] = []
    if not actor.super_admin:
        where.append(col(AuthEvent.instansi_id).in_(actor.oversees()))
    if kind is not None:
        where.append(col(AuthEvent.kind) == kind)
    total = session.scalar(select(func.count()).select_from(AuthEvent).where(*where)) or 0
    rows = session.scalars(
        select(AuthEvent).where(*where, col(AuthEvent.id) > after).order_by(col(AuthEvent.id)).limit(limit)
    ).all()
    return list(rows), total
