"""The data-quality report of a cycle (validasi kualitas data SKP, seed 004; issue 17 item 5): what HR and the unit
heads should fix before the SKPs are rated and used, as `GET /cycles/{id}/quality` and its page answer it. The
rules themselves, and the gate they put on opening and on the assessment, are workflows.cases.quality's.

Set-based: one statement for the SKPs and about one per rule, whatever the number of SKPs; scoping to a unit
subtree filters the rows in memory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import QualityRule, Severity
from states.errors import NotFound, NotPermitted
from workflows.actors import Actor
from workflows.cases import cycles, policy_store
from workflows.cases.quality import RULES, Problem, check, skp_rows
from workflows.store.tables import Cycle, Unit

__all__ = ["COLUMNS", "RULES", "Problem", "QualityReport", "as_table", "leads_a_unit", "report"]


@dataclass(frozen=True)
class QualityReport:
    cycle_id: int
    checked: int  # SKPs checked
    problems: list[Problem]
    severity: dict[QualityRule, Severity]  # each rule's severity under the cycle's policy


COLUMNS = ("rule", "severity", "unit", "nip", "skp_id", "message")


def _scope(session: Session, cycle: Cycle, actor: Actor, unit: str | None) -> list[str] | None:
    """The unit paths the actor may see (None: the whole instansi). Admins and auditors of the instansi see all;
    a unit head sees the subtrees of the units they head; others are refused (or not told the cycle exists)."""
    paths: list[str] | None = None
    if not (actor.system or actor.super_admin or cycle.instansi_id in actor.oversees()):
        headed = (
            session.scalars(
                select(col(Unit.path)).where(
                    col(Unit.instansi_id) == cycle.instansi_id, col(Unit.head_id) == actor.pegawai_id
                )
            ).all()
            if actor.pegawai_id is not None
            else []
        )
        if not headed:
            raise NotPermitted("quality", "read", ["admin", "auditor", "pimpinan of a unit"])
        paths = list(headed)
    if unit is not None:
        path = session.scalar(
            select(col(Unit.path)).where(col(Unit.instansi_id) == cycle.instansi_id, col(Unit.code) == unit)
        )
        if path is None or (paths is not None and not any(path.startswith(p) for p in paths)):
            raise NotFound("unit", unit)
        paths = [path]
    return paths


def leads_a_unit(session: Session, actor: Actor) -> bool:
    """Whether the actor heads a unit, and so reads the reports of its subtree."""
    if actor.pegawai_id is None:
        return False
    return session.scalar(select(col(Unit.id)).where(col(Unit.head_id) == actor.pegawai_id).limit(1)) is not None


def report(session: Session, cycle_id: int, *, actor: Actor, unit: str | None = None) -> QualityReport:
    cycles.readable(session, cycle_id, actor)  # NotFound outside the instansi
    cycle = session.get_one(Cycle, cycle_id)
    policy = policy_store.cycle_policy(session, cycle)
    paths = _scope(session, cycle, actor, unit)
    every = skp_rows(session, cycle_id)
    seen = {i: s for i, s in every.items() if paths is None or any(s.unit_path.startswith(p) for p in paths)}
    return QualityReport(cycle_id, len(seen), check(session, cycle_id, policy, seen), dict(policy.quality.severity))


def as_table(problems: list[Problem]) -> list[tuple[object, ...]]:
    return [(p.rule, p.severity, p.unit, p.nip or "", p.skp_id or "", p.message) for p in problems]
