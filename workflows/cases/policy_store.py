"""Stored policy versions: immutable documents with a content hash, pinned by cycles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.loader import (
    PolicyChange,
    PolicyError,
    available_presets,
    content_hash,
    diff,
    load_preset,
    policy_from_dict,
)
from policies.schema import Policy
from states.errors import InvalidInput, NotFound
from states.messages import Problem
from workflows.actors import Actor
from workflows.cases.org.lookup import instansi_for_request, instansi_of
from workflows.store.tables import Cycle, PolicyVersion


def store(
    session: Session, policy: Policy, *, instansi_id: int | None, created_by: str, now: datetime
) -> PolicyVersion:
    """Store a policy version once; the same name and version with other content is refused."""
    digest = content_hash(policy)
    found = session.scalar(
        select(PolicyVersion).where(
            col(PolicyVersion.name) == policy.name, col(PolicyVersion.version) == policy.version
        )
    )
    if found is not None:
        if found.content_hash != digest:
            raise InvalidInput([Problem.say("input.policy.exists_other", name=policy.name, version=policy.version)])
        return found
    row = PolicyVersion(
        instansi_id=instansi_id,
        name=policy.name,
        version=policy.version,
        base_name=policy.base,
        document=policy.model_dump(mode="json"),
        content_hash=digest,
        created_at=now,
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return row


def preset(session: Session, name: str, *, now: datetime) -> PolicyVersion:
    """The stored version of a shipped preset, stored on first use."""
    return store(session, load_preset(name), instansi_id=None, created_by="system:preset", now=now)


_parsed: dict[str, Policy] = {}  # policy versions are few and immutable: parse each once per process


def policy_of(session: Session, policy_version_id: int) -> Policy:
    """The pinned policy as validated data."""
    row = session.get(PolicyVersion, policy_version_id)
    if row is None:
        raise NotFound("policy", policy_version_id)
    if row.content_hash not in _parsed:
        _parsed[row.content_hash] = Policy.model_validate(row.document)
    return _parsed[row.content_hash]


def cycle_policy(session: Session, cycle: Cycle) -> Policy:
    if cycle.policy_version_id is None:
        raise InvalidInput([Problem.say("input.policy.unpinned", cycle=cycle.id)])
    return policy_of(session, cycle.policy_version_id)


def pinned_policy(session: Session, cycle_id: int) -> Policy:
    """The policy the cycle with this id is pinned to."""
    return cycle_policy(session, session.get_one(Cycle, cycle_id))


def in_use(session: Session, policy_version_id: int) -> bool:
    return (
        session.scalar(select(col(Cycle.id)).where(col(Cycle.policy_version_id) == policy_version_id).limit(1))
        is not None
    )


# One stored policy version as readers see it, used as the HTTP response model as it is (named as the API has it;
# comments rather than docstrings, so the OpenAPI schema stays as it was).
class PolicyOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    name: str
    version: str
    base_name: str | None
    description: str
    instansi_id: int | None
    content_hash: str
    created_at: datetime
    created_by: str
    in_use: bool


# A version with its whole document (one version read alone).
class PolicyDocument(PolicyOut):
    document: dict[str, Any]


def _visible(session: Session, actor: Actor, row: PolicyVersion | None) -> bool:
    if row is None:
        return False
    return actor.super_admin or row.instansi_id is None or row.instansi_id in instansi_of(session, actor)


def _view(session: Session, row: PolicyVersion) -> PolicyOut:
    assert row.id is not None
    return PolicyOut(
        id=row.id,
        name=row.name,
        version=row.version,
        base_name=row.base_name,
        description=str(row.document.get("description", "")),
        instansi_id=row.instansi_id,
        content_hash=row.content_hash,
        created_at=row.created_at,
        created_by=row.created_by,
        in_use=in_use(session, row.id),
    )


def list_versions(session: Session, actor: Actor, *, offset: int, limit: int) -> tuple[list[PolicyOut], int]:
    """The presets and the actor's instansi versions, newest first."""
    query = select(PolicyVersion)
    if not actor.super_admin:
        mine = instansi_of(session, actor)
        query = query.where(or_(col(PolicyVersion.instansi_id).is_(None), col(PolicyVersion.instansi_id).in_(mine)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(col(PolicyVersion.id).desc()).offset(offset).limit(limit)).all()
    return [_view(session, r) for r in rows], total


def get_version(session: Session, policy_version_id: int, actor: Actor) -> PolicyDocument:
    row = session.get(PolicyVersion, policy_version_id)
    if row is None or not _visible(session, actor, row):
        raise NotFound("policy", policy_version_id)
    return PolicyDocument(**_view(session, row).model_dump(), document=row.document)


class PolicyIn(BaseModel):
    """The body of `POST /policies`: a new instansi version = a base plus overrides, validated by the schema."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=120, pattern=r"^[a-z0-9][a-z0-9.+-]*$", examples=["kab-contoh"])
    version: str = Field(min_length=1, max_length=40, examples=["2026.1"])
    description: str = Field(default="", max_length=2000)
    base: str = Field(
        default="permenpanrb-6-2022", description="A stored policy name (its newest version) or a preset name."
    )
    base_version: str | None = Field(default=None, description="The base's version; the newest when omitted.")
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Only what differs from the base, nested as in the policy schema.",
        examples=[{"distribution": {"mode": "soft"}, "periods": {"kind": "QUARTERLY"}}],
    )
    instansi: str | None = Field(
        default=None, description="Instansi code; when omitted, the caller's only instansi, or the only one there is."
    )


def find_version(
    session: Session, actor: Actor, name: str, *, version: str | None = None, now: datetime
) -> PolicyVersion | None:
    """The newest stored version of a policy the actor may see (or the one named), else the shipped preset."""
    query = select(PolicyVersion).where(col(PolicyVersion.name) == name)
    if version is not None:
        query = query.where(col(PolicyVersion.version) == version)
    for row in session.scalars(query.order_by(col(PolicyVersion.id).desc())):
        if _visible(session, actor, row):
            return row
    if version is None and name in available_presets():
        return preset(session, name, now=now)
    return None


def create_version(session: Session, body: PolicyIn, *, actor: Actor, now: datetime) -> PolicyOut:
    """Validate and store a new policy version for an instansi; stored versions never change."""
    instansi_id = instansi_for_request(session, actor, body.instansi, "policy")
    found = find_version(session, actor, body.base, version=body.base_version, now=now)
    if found is None or found.id is None:
        if body.base_version:
            raise InvalidInput([Problem.say("input.policy.no_base_version", base=body.base, version=body.base_version)])
        raise InvalidInput([Problem.say("input.policy.no_base", base=body.base)])
    base = policy_of(session, found.id)
    overlay = {"name": body.name, "version": body.version, "base": body.base, "overrides": body.overrides}
    if body.description:
        overlay["description"] = body.description
    try:
        policy = policy_from_dict(overlay, lambda _: base)
    except PolicyError as exc:
        raise InvalidInput([f"overrides.{p}" for p in exc.problems]) from exc
    existing = session.scalar(
        select(PolicyVersion).where(
            col(PolicyVersion.name) == policy.name, col(PolicyVersion.version) == policy.version
        )
    )
    if existing is not None:
        raise InvalidInput([Problem.say("input.policy.exists", name=policy.name, version=policy.version)])
    return _view(session, store(session, policy, instansi_id=instansi_id, created_by=actor.ref, now=now))


def diff_versions(session: Session, a_id: int, b_id: int, actor: Actor) -> list[PolicyChange]:
    """What changes from version `b_id` (the one replaced) to `a_id`."""
    for pid in (a_id, b_id):
        if not _visible(session, actor, session.get(PolicyVersion, pid)):
            raise NotFound("policy", pid)
    return diff(policy_of(session, b_id), policy_of(session, a_id))
