"""Who may log in: pegawai by NIP, HR admins and auditors by username; the bootstrap admin; new users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session
from sqlmodel import col

from states.errors import InvalidInput, NotPermitted
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.store.passwords import hash_password, verify_password
from workflows.store.tables import AppUser, Instansi, Pegawai


class UserRole(StrEnum):
    admin = "admin"
    auditor = "auditor"


def ensure_first_admin(session: Session, username: str, password: str, *, now: datetime) -> bool:
    """Create the super-admin when no admin exists yet; say whether one was created."""
    if session.scalar(select(col(AppUser.id)).where(col(AppUser.role) == "admin").limit(1)) is not None:
        return False
    session.add(AppUser(username=username, password_hash=hash_password(password), role="admin", created_at=now))
    return True


def _actor_of_user(username: str, role: str, instansi_id: int | None) -> Actor:
    if role == UserRole.admin:
        return Actor.admin(username, None if instansi_id is None else frozenset({instansi_id}))
    return Actor(ref=f"user:{username}", auditor_of=frozenset({instansi_id or 0}))


@dataclass(frozen=True)
class Account:
    """Whose credentials a login names: `ref` as the audit trail records it; `actor` None if it may not log in."""

    ref: str
    instansi_id: int | None
    password_hash: str | None
    actor: Actor | None


def find_account(session: Session, username: str) -> Account | None:
    """The account a login name (NIP or username) names, or None."""
    if username.isdigit():
        pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == username))
        if pegawai is None:
            return None
        assert pegawai.id is not None
        usable = pegawai.active and bool(pegawai.password_hash)
        actor = Actor.pegawai(pegawai.id, pegawai.nip) if usable else None
        return Account(f"pegawai:{pegawai.nip}", pegawai.instansi_id, pegawai.password_hash if usable else None, actor)
    user = session.scalar(select(AppUser).where(col(AppUser.username) == username))
    if user is None:
        return None
    actor = _actor_of_user(user.username, user.role, user.instansi_id)
    return Account(f"user:{user.username}", user.instansi_id, user.password_hash, actor)


def check_password(account: Account | None, password: str) -> Actor | None:
    """The actor if the password is right; the same work whether or not the account exists (no timing oracle)."""
    if account is None or account.actor is None:
        verify_password(None, password)
        return None
    return account.actor if verify_password(account.password_hash, password) else None


def authenticate(session: Session, username: str, password: str) -> Actor | None:
    """The actor whose credentials these are, or None (the caller must not say which part was wrong)."""
    return check_password(find_account(session, username), password)


# Who a token names is looked up on every request: plain columns by a statement built once, no table objects.
_PEGAWAI_BY_NIP = select(col(Pegawai.id), col(Pegawai.active)).where(col(Pegawai.nip) == bindparam("nip"))
_USER_BY_NAME = select(col(AppUser.role), col(AppUser.instansi_id)).where(
    col(AppUser.username) == bindparam("username")
)


def actor_for(db: Session | Connection, ref: str) -> Actor | None:
    """The actor a token names, as the organisation knows it now (a deactivated pegawai is nobody)."""
    kind, _, key = ref.partition(":")
    if isinstance(db, Session):
        db = db.connection()  # plain columns: the session's ORM layer would only add work to these statements
    if kind == "pegawai":
        pegawai = db.execute(_PEGAWAI_BY_NIP, {"nip": key}).first()
        if pegawai is None or not pegawai.active:
            return None
        return Actor.pegawai(pegawai.id, key)
    if kind == "user":
        user = db.execute(_USER_BY_NAME, {"username": key}).first()
        return _actor_of_user(key, user.role, user.instansi_id) if user is not None else None
    return None


class UserIn(BaseModel):
    """The body of `POST /users`."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(
        min_length=3, max_length=120, pattern=r"^[A-Za-z][A-Za-z0-9._@-]*$", description="Login name; not all digits."
    )
    password: str = Field(min_length=8, max_length=200, description="At least 8 characters.")
    role: UserRole
    instansi: str = Field(min_length=1, max_length=32, description="Code of the instansi the user belongs to.")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    role: str
    instansi: str
    email: str | None


def create_user(session: Session, body: UserIn, *, actor: Actor, now: datetime) -> UserView:
    """An admin creates an admin or auditor of their instansi (the super-admin: of any instansi)."""
    instansi = session.scalar(select(Instansi).where(col(Instansi.code) == body.instansi))
    if instansi is None or instansi.id is None:
        if actor.super_admin:
            raise InvalidInput([f"instansi: unknown instansi '{body.instansi}'"])
        raise NotPermitted("user", "create", ["admin of the instansi"])
    if not actor.is_admin_of(instansi.id):
        raise NotPermitted("user", "create", ["admin of the instansi"])
    if session.scalar(select(col(AppUser.id)).where(col(AppUser.username) == body.username)) is not None:
        raise InvalidInput([f"username: '{body.username}' is taken"])
    user = AppUser(
        username=body.username,
        password_hash=hash_password(body.password),
        role=body.role.value,
        instansi_id=instansi.id,
        email=body.email,
        created_at=now,
    )
    session.add(user)
    session.flush()
    assert user.id is not None
    engine.record(
        session,
        instansi,
        "create_user",
        actor=actor,
        role=Role.ADMIN.value,
        now=now,
        note=f"{body.role.value} {body.username}",
        payload=body.model_dump(mode="json", exclude={"password"}),
    )
    return UserView(user.id, user.username, user.role, instansi.code, user.email)
