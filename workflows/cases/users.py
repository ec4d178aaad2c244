"""Who may log in: pegawai by NIP, HR admins and auditors by username; the bootstrap admin; new users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from states.errors import InvalidInput, NotFound, NotPermitted
from states.messages import Problem, label
from states.roles import Role
from workflows import engine
from workflows.actors import Actor
from workflows.cases.org.lookup import instansi_for_request
from workflows.store.passwords import PasswordPolicy, hash_password, verify_password
from workflows.store.tables import AppUser, Instansi, Pegawai, RevokedToken

DEFAULT_POLICY = PasswordPolicy()


class UserRole(StrEnum):
    admin = "admin"
    auditor = "auditor"


def ensure_first_admin(
    session: Session, username: str, password: str, *, now: datetime, policy: PasswordPolicy = DEFAULT_POLICY
) -> bool:
    """Create the super-admin when no admin exists yet; say whether one was created. Its password is the operator's
    own choice (SKPFLOW_ADMIN_PASSWORD), so it must meet the policy (InvalidInput otherwise) and need not change."""
    if session.scalar(select(col(AppUser.id)).where(col(AppUser.role) == "admin").limit(1)) is not None:
        return False
    problems = policy.problems(password, known=[username])
    if problems:
        raise InvalidInput(
            [Problem.say("input.field_problem", field="SKPFLOW_ADMIN_PASSWORD", problem=p) for p in problems]
        )
    session.add(AppUser(username=username, password_hash=hash_password(password), role="admin", created_at=now))
    return True


def _actor_of_user(username: str, role: str, instansi_id: int | None) -> Actor:
    if role == UserRole.admin:
        return Actor.admin(username, None if instansi_id is None else frozenset({instansi_id}))
    return Actor(ref=f"user:{username}", auditor_of=frozenset({instansi_id or 0}))


@dataclass(frozen=True)
class Account:
    """Whose credentials a login names: `ref` as the audit trail records it; `actor` None if it may not log in;
    `version` the token version its tokens carry; `must_change` whether its password was set by someone else."""

    ref: str
    instansi_id: int | None
    password_hash: str | None
    actor: Actor | None
    version: int = 0
    must_change: bool = False
    known: tuple[str, ...] = ()  # its names, which a new password must not lean on


def find_account(session: Session, username: str) -> Account | None:
    """The account a login name (NIP or username) names, or None."""
    if username.isdigit():
        pegawai = session.scalar(select(Pegawai).where(col(Pegawai.nip) == username))
        if pegawai is None:
            return None
        assert pegawai.id is not None
        usable = pegawai.active and bool(pegawai.password_hash)
        actor = Actor.pegawai(pegawai.id, pegawai.nip) if usable else None
        return Account(
            f"pegawai:{pegawai.nip}",
            pegawai.instansi_id,
            pegawai.password_hash if usable else None,
            actor,
            pegawai.token_version,
            pegawai.must_change_password,
            (pegawai.nip, *pegawai.name.split(), pegawai.email or ""),
        )
    user = session.scalar(select(AppUser).where(col(AppUser.username) == username))
    if user is None:
        return None
    actor = _actor_of_user(user.username, user.role, user.instansi_id)
    return Account(
        f"user:{user.username}",
        user.instansi_id,
        user.password_hash,
        actor,
        user.token_version,
        user.must_change_password,
        (user.username, user.email or ""),
    )


def account_of(session: Session, ref: str) -> Account | None:
    """The account an actor ref ('pegawai:<nip>', 'user:<name>') names, or None."""
    kind, _, key = ref.partition(":")
    if kind == "pegawai" and key.isdigit():
        return find_account(session, key)
    if kind == "user" and key and not key.isdigit():
        return find_account(session, key)
    return None


def check_password(account: Account | None, password: str) -> Actor | None:
    """The actor if the password is right; the same work whether or not the account exists (no timing oracle)."""
    if account is None or account.actor is None:
        verify_password(None, password)
        return None
    return account.actor if verify_password(account.password_hash, password) else None


# Who a token names is looked up on every request: plain columns by a statement built once, no table objects. The
# same one statement brings the account's token version and whether the token was logged out: the account by its
# unique index (NIP, username), the token by its primary key, one round trip, as cheap refusing as accepting.
_REVOKED = exists().where(col(RevokedToken.jti) == bindparam("jti")).label("revoked")
_PEGAWAI_BY_NIP = select(col(Pegawai.id), col(Pegawai.active), col(Pegawai.token_version), _REVOKED).where(
    col(Pegawai.nip) == bindparam("nip")
)
_USER_BY_NAME = select(col(AppUser.role), col(AppUser.instansi_id), col(AppUser.token_version), _REVOKED).where(
    col(AppUser.username) == bindparam("username")
)


def actor_for(db: Session | Connection, ref: str, version: int, jti: str) -> Actor | None:
    """The actor a token names, as the organisation knows it now: None for a deactivated pegawai, an unknown account,
    a token logged out (its `jti` revoked), or one whose version is no longer the account's (sessions ended,
    password changed)."""
    kind, _, key = ref.partition(":")
    if isinstance(db, Session):
        db = db.connection()  # plain columns: the session's ORM layer would only add work to these statements
    if kind == "pegawai":
        pegawai = db.execute(_PEGAWAI_BY_NIP, {"nip": key, "jti": jti}).first()
        if pegawai is None or not pegawai.active or pegawai.token_version != version or pegawai.revoked:
            return None
        return Actor.pegawai(pegawai.id, key)
    if kind == "user":
        user = db.execute(_USER_BY_NAME, {"username": key, "jti": jti}).first()
        if user is None or user.token_version != version or user.revoked:
            return None
        return _actor_of_user(key, user.role, user.instansi_id)
    return None


def revoke_token(session: Session, ref: str, jti: str, *, expires: datetime, now: datetime) -> None:
    """End one token (logging out): kept until it would have expired; tokens expired by now are swept."""
    session.execute(delete(RevokedToken).where(col(RevokedToken.expires_at) <= now))
    if expires > now and session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, account=ref[:140], expires_at=expires))


def end_sessions(session: Session, ref: str) -> bool:
    """Bump the account's token version, so every token issued to it so far stops working at once; whether the
    account exists. Called on logout, password change, deactivation and by an admin."""
    kind, _, key = ref.partition(":")
    if kind == "pegawai":
        table: type[Pegawai] | type[AppUser] = Pegawai
        where = col(Pegawai.nip) == key
    elif kind == "user":
        table, where = AppUser, col(AppUser.username) == key
    else:
        return False
    done = session.execute(update(table).where(where).values(token_version=col(table.token_version) + 1))
    return bool(getattr(done, "rowcount", 0))


def set_password(session: Session, ref: str, password_hash: str, *, must_change: bool) -> int:
    """Store a new password hash for the account and end its sessions; its new token version."""
    kind, _, key = ref.partition(":")
    table: type[Pegawai] | type[AppUser] = Pegawai if kind == "pegawai" else AppUser
    where = col(Pegawai.nip) == key if kind == "pegawai" else col(AppUser.username) == key
    session.execute(
        update(table)
        .where(where)
        .values(
            password_hash=password_hash,
            must_change_password=must_change,
            token_version=col(table.token_version) + 1,
        )
    )
    return int(session.scalar(select(col(table.token_version)).where(where)) or 0)


def revoke_sessions(session: Session, ref: str, *, actor: Actor, now: datetime) -> str:
    """An admin ends every session of an account of their instansi (a super-admin's: only the super-admin);
    audited on the instansi. Returns the account's ref."""
    if not (actor.super_admin or actor.admin_of):
        raise NotPermitted("sessions", "revoke", ["admin of the instansi"])
    account = account_of(session, ref)
    visible = account is not None and (
        actor.super_admin if account.instansi_id is None else actor.is_admin_of(account.instansi_id)
    )
    if account is None or not visible:
        raise NotFound("account", ref)  # another instansi's accounts are not visible
    end_sessions(session, account.ref)
    instansi = session.get(Instansi, account.instansi_id) if account.instansi_id is not None else None
    if instansi is not None:
        engine.record(session, instansi, "end_sessions", actor=actor, role=Role.ADMIN.value, now=now, note=account.ref)
    return account.ref


class UserIn(BaseModel):
    """The body of `POST /users`."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(
        min_length=3, max_length=120, pattern=r"^[A-Za-z][A-Za-z0-9._@-]*$", description="Login name; not all digits."
    )
    password: str = Field(
        min_length=1,
        max_length=200,
        description="Initial password, checked against the password policy (SKPFLOW_PASSWORD_MIN_LENGTH, "
        "SKPFLOW_PASSWORD_MIN_SCORE); the user must change it at first login.",
    )
    role: UserRole
    instansi: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="Code of the instansi the user belongs to; when omitted, the caller's only instansi, or the only "
        "one there is.",
    )
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    role: str
    instansi: str
    email: str | None


def create_user(
    session: Session, body: UserIn, *, actor: Actor, now: datetime, policy: PasswordPolicy = DEFAULT_POLICY
) -> UserView:
    """An admin creates an admin or auditor of their instansi (the super-admin: of any instansi). The password is an
    initial one: it must meet the policy, and the user must change it at first login."""
    instansi = session.get_one(Instansi, instansi_for_request(session, actor, body.instansi, "user"))
    if session.scalar(select(col(AppUser.id)).where(col(AppUser.username) == body.username)) is not None:
        raise InvalidInput([Problem.say("input.username_taken", username=body.username)])
    weak = policy.problems(body.password, known=[body.username, body.email or ""])
    if weak:
        raise InvalidInput(
            [Problem.say("input.field_problem", field=label("field", "password"), problem=p) for p in weak]
        )
    user = AppUser(
        username=body.username,
        password_hash=hash_password(body.password),
        role=body.role.value,
        instansi_id=instansi.id,
        email=body.email,
        created_at=now,
        must_change_password=True,
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
