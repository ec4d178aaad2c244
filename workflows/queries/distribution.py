"""A unit's predikat against the distribution curve its capaian allows, for admins and the unit's pimpinan."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import distribution
from policies.schema import CurveScope
from states.enums import Predikat
from states.errors import NotFound, NotPermitted
from workflows.actors import Actor
from workflows.cases import policy_store, skps
from workflows.cases.evaluations import period_of
from workflows.cases.org import lookup
from workflows.store.tables import Cycle, Pegawai, Unit


@dataclass(frozen=True)
class LimitView:
    """The allowed head count of one group of predikat; applies=False when the rule is waived for this unit."""

    predikat: tuple[str, ...]
    min: int
    max: int
    applies: bool


@dataclass(frozen=True)
class ViolationView:
    predikat: tuple[str, ...]
    found: int
    message: str
    blocking: bool  # the policy's distribution is hard: follow-up waits until the unit fits


@dataclass(frozen=True)
class DistributionView:
    cycle_id: int
    unit_id: int
    unit_code: str
    period_no: int  # 0 = annual
    level: str | None  # the curve unit's capaian kinerja organisasi; None while not set (nothing to check against)
    mode: str
    n: int  # pegawai counted by the unit's curve with a predikat for the period
    counts: dict[str, int]
    limits: list[LimitView]
    violations: list[ViolationView]
    scope: str = "unit"  # policy distribution.scope: whose predikat the curve counts
    curve_unit_id: int = 0  # the unit whose capaian and group the curve reads (the unit itself unless perangkat_daerah)
    curve_unit_code: str = ""


def unit_distribution(
    session: Session, cycle_id: int, unit_id: int, period_no: int, *, actor: Actor
) -> DistributionView:
    """Counts per predikat of the group the unit's curve counts (policy `distribution.scope`: the unit's own
    pegawai, its subtree or its perangkat daerah) for a period (0 = annual), the curve's limits for the curve unit's
    capaian, and what breaks them."""
    cycle, unit = session.get(Cycle, cycle_id), session.get(Unit, unit_id)
    if cycle is None or unit is None or unit.instansi_id != cycle.instansi_id or unit.id is None:
        raise NotFound("unit", unit.code if unit else None)  # named by the code the caller sent, not its row id
    if not (actor.system or actor.is_admin_of(cycle.instansi_id) or _pimpinan(session, actor, unit)):
        pegawai = session.get(Pegawai, actor.pegawai_id) if actor.pegawai_id is not None else None
        auditor = cycle.instansi_id in (actor.auditor_of or ())
        if auditor or (pegawai is not None and pegawai.instansi_id == cycle.instansi_id):
            raise NotPermitted("distribution", "read", ["admin", "pimpinan of the unit or a unit above it"])
        raise NotFound("unit", unit.code)  # outside the instansi: existence must not leak
    policy = policy_store.cycle_policy(session, cycle)
    if period_no != skps.ANNUAL:
        period_of(policy, cycle.year, period_no)
    curve_unit_id = skps.curve_units(session, policy, [unit.id])[unit.id]
    curve_unit = unit if curve_unit_id == unit.id else session.get(Unit, curve_unit_id)
    level = skps.capaian_level(session, cycle_id, curve_unit_id, period_no)
    counts = skps.curve_counts(session, cycle_id, policy, [curve_unit_id], period_no).get(curve_unit_id, {})
    n = sum(counts.values())
    limits = distribution.limits(policy, level, n) if level else []
    violations = distribution.check(policy, level, counts) if level else []
    return DistributionView(
        cycle_id=cycle_id,
        unit_id=unit.id,
        unit_code=unit.code,
        period_no=period_no,
        level=level.value if level else None,
        mode=policy.distribution.mode.value,
        n=n,
        counts={p.value: counts.get(p, 0) for p in Predikat},
        limits=[
            LimitView(tuple(p.value for p in lim.constraint.predikat), lim.min, lim.max, lim.applies) for lim in limits
        ],
        violations=[
            ViolationView(tuple(p.value for p in v.predikat), v.found, v.message, v.blocking) for v in violations
        ],
        scope=policy.distribution.scope.value,
        curve_unit_id=curve_unit_id,
        curve_unit_code=curve_unit.code if curve_unit else "",
    )


@dataclass(frozen=True)
class CurvePage:
    """One page of a cycle's curves with their units' names: one per unit, or under scope perangkat_daerah one per
    perangkat daerah (its bidang share its curve)."""

    items: list[tuple[str, DistributionView]]
    scope: str
    total: int
    offset: int
    limit: int

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def cycle_curves(
    session: Session, cycle_id: int, period_no: int, *, actor: Actor, offset: int = 0, limit: int, search: str = ""
) -> CurvePage:
    """A page of the cycle's curves in the tree's order, of the units whose name or code contains `search`."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound("cycle", cycle_id)
    scope = policy_store.cycle_policy(session, cycle).distribution.scope
    units, total = lookup.units_of_cycle(
        session,
        cycle_id,
        offset=max(offset, 0),
        limit=limit,
        search=search,
        perangkat_daerah_only=scope is CurveScope.PERANGKAT_DAERAH,
    )
    items = [(name, unit_distribution(session, cycle_id, uid, period_no, actor=actor)) for uid, name in units]
    return CurvePage(items, scope.value, total, max(offset, 0), limit)


def _pimpinan(session: Session, actor: Actor, unit: Unit) -> bool:
    """Whether the actor heads the unit or a unit above it."""
    if actor.pegawai_id is None:
        return False
    on_path = [int(part) for part in unit.path.strip("/").split("/") if part]
    heads = session.scalars(select(col(Unit.head_id)).where(col(Unit.id).in_(on_path))).all()
    return actor.pegawai_id in heads
