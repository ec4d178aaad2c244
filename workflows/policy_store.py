"""Stored policy versions: immutable documents with a content hash, pinned by cycles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.loader import content_hash, load_preset
from policies.schema import Policy
from states.errors import InvalidInput, NotFound
from workflows.tables import Cycle, PolicyVersion


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
            raise InvalidInput(
                [
                    f"policy {policy.name} {policy.version} exists with other content; "
                    "policy versions are immutable, give the new one a new version"
                ]
            )
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
        raise InvalidInput([f"cycle {cycle.id} has no pinned policy"])
    return policy_of(session, cycle.policy_version_id)


def in_use(session: Session, policy_version_id: int) -> bool:
    return (
        session.scalar(select(col(Cycle.id)).where(col(Cycle.policy_version_id) == policy_version_id).limit(1))
        is not None
    )
