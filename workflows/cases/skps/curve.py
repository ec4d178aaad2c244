"""The group one distribution curve counts (policy `distribution.scope`), the capaian it is read against and its
predikat counts, for any number of units in a constant number of statements.

A unit's SKPs are checked against the curve of their *curve unit*: the unit itself under the scopes `unit` and
`subtree`, the perangkat daerah it belongs to under `perangkat_daerah`. The curve unit's capaian kinerja
organisasi picks the curve; its group is its own members (`unit`) or its members and those of every unit below it
(`subtree`, `perangkat_daerah`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies.distribution import Violation
from policies.distribution import check as check_distribution
from policies.schema import CurveScope, Policy
from states.enums import CapaianLevel, Predikat
from workflows.store.tables import Capaian, Evaluation, Skp, Unit, perangkat_daerah_of

ANNUAL = 0

_ROOT, _MEMBER = aliased(Unit), aliased(Unit)


def _counts_statement(scope: CurveScope, annual: bool) -> Select[tuple[int | None, str | None, int]]:
    predikat = col(Skp.predikat) if annual else col(Evaluation.predikat)
    group = col(Skp.unit_id) if scope is CurveScope.UNIT else col(_ROOT.id)
    stmt = select(group, predikat, func.count()).where(
        col(Skp.cycle_id) == bindparam("cycle_id"), predikat.is_not(None)
    )
    if not annual:
        stmt = stmt.join(Evaluation, col(Evaluation.skp_id) == col(Skp.id)).where(
            col(Evaluation.period_no) == bindparam("period_no")
        )
    if scope is CurveScope.UNIT:
        stmt = stmt.where(col(Skp.unit_id).in_(bindparam("unit_ids", expanding=True)))
    else:  # a path is "/<root id>/…/<own id>/": a unit's subtree is every path that starts with its own
        stmt = (
            stmt.join(_MEMBER, col(_MEMBER.id) == col(Skp.unit_id))
            .join(_ROOT, col(_MEMBER.path).startswith(col(_ROOT.path)))
            .where(col(_ROOT.id).in_(bindparam("unit_ids", expanding=True)))
        )
    return stmt.group_by(group, predikat)


# built once (why: workflows/store/__init__.py); the subtree and perangkat daerah groups count alike
_COUNTS = {
    (scope, annual): _counts_statement(scope, annual)
    for scope in (CurveScope.UNIT, CurveScope.SUBTREE)
    for annual in (True, False)
}

_PATHS = select(col(Unit.id), col(Unit.path)).where(col(Unit.id).in_(bindparam("unit_ids", expanding=True)))

_LEVELS = select(col(Capaian.unit_id), col(Capaian.level)).where(
    col(Capaian.cycle_id) == bindparam("cycle_id"),
    col(Capaian.unit_id).in_(bindparam("unit_ids", expanding=True)),
    col(Capaian.period_no) == bindparam("period_no"),
)


def curve_units(session: Session, policy: Policy, unit_ids: Iterable[int]) -> dict[int, int]:
    """For each unit, the unit whose curve its SKPs are checked against."""
    ids = list(dict.fromkeys(unit_ids))
    if policy.distribution.scope is not CurveScope.PERANGKAT_DAERAH or not ids:
        return {u: u for u in ids}
    return {uid: perangkat_daerah_of(path) for uid, path in session.execute(_PATHS, {"unit_ids": ids})}


def curve_counts(
    session: Session, cycle_id: int, policy: Policy, curve_unit_ids: Iterable[int], period_no: int = ANNUAL
) -> dict[int, dict[Predikat, int]]:
    """Predikat counts of each curve unit's group for a period (0 = annual), in one statement."""
    ids = list(dict.fromkeys(curve_unit_ids))
    counts: dict[int, dict[Predikat, int]] = defaultdict(dict)
    if not ids:
        return counts
    scope = CurveScope.UNIT if policy.distribution.scope is CurveScope.UNIT else CurveScope.SUBTREE
    params = {"cycle_id": cycle_id, "unit_ids": ids, "period_no": period_no}
    for unit_id, p, n in session.execute(_COUNTS[scope, period_no == ANNUAL], params).tuples():
        if unit_id is not None and p is not None:  # the statement filters both; the types cannot say so
            counts[unit_id][Predikat(p)] = n
    return counts


def curve_levels(
    session: Session, cycle_id: int, curve_unit_ids: Iterable[int], period_no: int = ANNUAL
) -> dict[int, CapaianLevel]:
    """The capaian kinerja organisasi of each curve unit that has one for the period."""
    ids = list(dict.fromkeys(curve_unit_ids))
    if not ids:
        return {}
    rows = session.execute(_LEVELS, {"cycle_id": cycle_id, "unit_ids": ids, "period_no": period_no}).tuples()
    return {unit_id: CapaianLevel(level) for unit_id, level in rows}


def curve_violations(
    session: Session,
    cycle_id: int,
    policy: Policy,
    unit_ids: Iterable[int],
    period_no: int = ANNUAL,
    *,
    levels: Mapping[int, CapaianLevel] | None = None,
) -> dict[int, list[Violation]]:
    """What breaks the curve each unit's SKPs are checked against (units whose curve unit has no capaian yet have
    nothing to check). `levels` may name the capaian of curve units the caller already knows."""
    curve_of = curve_units(session, policy, unit_ids)
    known = dict(levels or {})
    missing = [u for u in set(curve_of.values()) if u not in known]
    known.update(curve_levels(session, cycle_id, missing, period_no))
    checked = [u for u in set(curve_of.values()) if u in known]
    counts = curve_counts(session, cycle_id, policy, checked, period_no)
    by_curve = {u: check_distribution(policy, known[u], counts.get(u, {})) for u in checked}
    return {unit: by_curve.get(curve, []) for unit, curve in curve_of.items()}
