"""The gate: the blocking problems refuse opening the cycle, opening a period and starting the assessment, unless an
admin forces the step, whose audit event then lists what was overridden."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import Policy, QualityRule, Severity
from states import messages
from states.errors import GuardFailed, NotPermitted
from workflows.actors import Actor
from workflows.cases.quality.rules import check, skp_rows
from workflows.store.tables import (
    Cycle,
    Pegawai,
    Unit,
)

# --- the gate ---------------------------------------------------------------------------------------------------


def blocking_rules(policy: Policy) -> list[QualityRule]:
    return [r for r in QualityRule if policy.quality.severity[r] is Severity.BLOCKING]


def _org_counts(session: Session, instansi_id: int, policy: Policy, rules: list[QualityRule]) -> dict[str, int]:
    """Before the cycle opens there are no SKPs yet: the rules that read the organisation (who rates whom) are
    checked on the active pegawai whose SKPs opening would draft, one statement each."""
    counts: dict[str, int] = {}
    active = (col(Pegawai.instansi_id) == instansi_id, col(Pegawai.active))
    if QualityRule.NO_PENILAI in rules:
        top = exists().where(
            col(Unit.id) == col(Pegawai.unit_id), col(Unit.parent_id).is_(None), col(Unit.head_id) == col(Pegawai.id)
        )
        counts[QualityRule.NO_PENILAI.value] = (
            session.scalar(select(func.count()).where(*active, col(Pegawai.atasan_id).is_(None), ~top)) or 0
        )
    if QualityRule.PENILAI_OVERLOADED in rules:
        over = (
            select(col(Pegawai.atasan_id))
            .where(*active, col(Pegawai.atasan_id).is_not(None))
            .group_by(col(Pegawai.atasan_id))
            .having(func.count() > policy.quality.max_bawahan)
            .subquery()
        )
        counts[QualityRule.PENILAI_OVERLOADED.value] = session.scalar(select(func.count()).select_from(over)) or 0
    return {rule: n for rule, n in counts.items() if n}


@dataclass(frozen=True)
class Override:
    """Blocking problems an admin chose to proceed past: rule id → count."""

    counts: dict[str, int]
    by: str

    def note(self) -> str:
        listed = ", ".join(f"{rule} {n}" for rule, n in self.counts.items())
        return (
            "dipaksa meski ada masalah kualitas data yang memblokir / forced past blocking data-quality problems: "
            f"{listed} ({self.by})"
        )


def gate(
    session: Session, cycle: Cycle, policy: Policy, action: str, *, actor: Actor, force: bool = False
) -> Override | None:
    """Refuse `action` (open, open_period, start_assessment) while the cycle has blocking problems, naming each rule
    and its count; with `force` (an admin of the instansi only) proceed and return what was overridden, for the
    step's audit event. A constant number of statements: one per blocking rule, and one for the SKPs."""
    assert cycle.id is not None
    if force and not actor.is_admin_of(cycle.instansi_id):
        raise NotPermitted("cycle", f"{action} (force)", ["admin"])
    rules = blocking_rules(policy)
    if not rules:
        return None
    if cycle.state == "planning":
        counts = _org_counts(session, cycle.instansi_id, policy, rules)
    else:
        found = check(session, cycle.id, policy, skp_rows(session, cycle.id), rules)
        counts = {}
        for p in found:
            counts[p.rule] = counts.get(p.rule, 0) + 1
    if not counts:
        return None
    if not force:
        found_counts = sorted(counts.items())
        raise GuardFailed(
            "cycle",
            action,
            [
                messages.Problem.say("cycle.quality_blocking", rule=rule, n=n, cycle=cycle.id)
                for rule, n in found_counts
            ],
            [f"quality.{rule}" for rule, _ in found_counts],
            policy_version=policy.version,
        )
    return Override(dict(sorted(counts.items())), actor.ref)
