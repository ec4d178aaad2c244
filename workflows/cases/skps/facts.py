"""What an SKP's guards need to know, read only from the sources the transition's guards name."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import calendar
from policies import status as status_rules
from policies.deadlines import due_date
from policies.schema import DeadlineKey, Policy
from policies.unit_head import rating_for_unit_head
from states.enums import Approach, CapaianLevel, JenisRhk, PegawaiStatus
from states.keberatan import KeberatanState
from states.skp import SKP, SkpFacts, SkpState
from workflows.cases import input_360_rows
from workflows.cases.skps.curve import ANNUAL, curve_units, curve_violations
from workflows.store.tables import (
    Capaian,
    Cycle,
    Indikator,
    Keberatan,
    Pegawai,
    Rhk,
    Skp,
    StatusPeriod,
    Unit,
)

AGREED_OR_LATER = frozenset({"agreed", "monitored", "adjusted", "assessed", "followed_up"})


# The statements every SKP use case runs, built once (why: workflows/store/__init__.py).
_LATEST_SKP = (
    select(Skp)
    .where(col(Skp.cycle_id) == bindparam("cycle_id"), col(Skp.pegawai_id) == bindparam("pegawai_id"))
    .order_by(col(Skp.id).desc())
    .limit(1)
)


_CAPAIAN = select(col(Capaian.level)).where(
    col(Capaian.cycle_id) == bindparam("cycle_id"),
    col(Capaian.unit_id) == bindparam("unit_id"),
    col(Capaian.period_no) == bindparam("period_no"),
)


_PLAN = (
    select(Rhk, Indikator)
    .outerjoin(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
    .where(col(Rhk.skp_id) == bindparam("skp_id"))
    .order_by(col(Rhk.position), col(Indikator.position))
)


RHK_IDS = select(col(Rhk.id)).where(col(Rhk.skp_id) == bindparam("skp_id"))


_KEBERATAN_STATES = select(col(Keberatan.state)).where(col(Keberatan.skp_id) == bindparam("skp_id"))


def atasan_skp(session: Session, skp: Skp) -> Skp | None:
    """The agreed-or-later SKP of the pegawai's pejabat penilai in the same cycle, if any."""
    if skp.penilai_id is None:
        return None
    return session.scalar(_LATEST_SKP, {"cycle_id": skp.cycle_id, "pegawai_id": skp.penilai_id})


@dataclass(frozen=True)
class Blocker:
    """Whose SKP must be agreed before an SKP can be cascaded, and who agrees it: what a refused cascade tells the
    reader to do next. `agreed_by` is None when the atasan is rated from outside the organisation (HR acts)."""

    atasan: str
    atasan_nip: str
    state: str | None  # the atasan's SKP's state; None when they have none in the cycle
    agreed_by: str | None


def cascade_blocker(session: Session, skp: Skp, boss: Skp | None = None) -> Blocker | None:
    """Why `skp` cannot be cascaded yet, if it is because its pejabat penilai's own SKP is not agreed (read only on
    that refusal: two lookups by primary key)."""
    if skp.penilai_id is None:
        return None
    boss = boss or atasan_skp(session, skp)
    if boss is not None and boss.state in AGREED_OR_LATER:
        return None
    atasan = session.get(Pegawai, skp.penilai_id)
    above = session.get(Pegawai, boss.penilai_id) if boss is not None and boss.penilai_id is not None else None
    return Blocker(
        atasan=atasan.name if atasan else str(skp.penilai_id),
        atasan_nip=atasan.nip if atasan else "",
        state=boss.state if boss else None,
        agreed_by=above.name if above else None,
    )


def capaian_level(session: Session, cycle_id: int, unit_id: int, period_no: int) -> CapaianLevel | None:
    level = session.scalar(_CAPAIAN, {"cycle_id": cycle_id, "unit_id": unit_id, "period_no": period_no})
    return CapaianLevel(level) if level else None


def latest_capaian(session: Session, cycle_id: int, unit_id: int) -> CapaianLevel | None:
    """The unit's capaian of its latest period that has one: what an SKP closing mid-year for a mutasi is
    assessed against, since the annual capaian is set only at the cycle's end."""
    level = session.scalar(
        select(col(Capaian.level))
        .where(col(Capaian.cycle_id) == cycle_id, col(Capaian.unit_id) == unit_id, col(Capaian.period_no) > ANNUAL)
        .order_by(col(Capaian.period_no).desc())
        .limit(1)
    )
    return CapaianLevel(level) if level else None


Plan = tuple[list[Rhk], list[Indikator]]
"""An SKP's RHK in plan order and their indicators, RHK by RHK."""


def plan_rows(session: Session, skp_id: int) -> Plan:
    """The SKP's plan, in one query."""
    return plan_of(session.execute(_PLAN, {"skp_id": skp_id}).tuples().all())


def plan_of(pairs: Iterable[tuple[Rhk | None, Indikator | None]]) -> Plan:
    """The plan from the rows of an outer join of the RHK and their indicators, in plan order."""
    pairs = list(pairs)
    rhk = list({r.id: r for r, _ in pairs if r is not None}.values())
    return rhk, [i for _, i in pairs if i is not None]


# What each guard's facts are read from, beyond the SKP and its cycle: a transition gathers only what its own guards
# read (tests/unit/test_skp_facts.py checks that every guard is listed).
PLAN, ATASAN, CAPAIAN, OBJECTIONS, DISTRIBUTION = "plan", "atasan", "capaian", "objections", "distribution"
INPUT_360 = "input_360"
STATUS = "status"


SOURCES: dict[str, frozenset[str]] = {
    "atasan_skp_agreed": frozenset({ATASAN}),
    "rhk_intervene_atasan": frozenset({PLAN, ATASAN}),
    "proposed": frozenset(),
    "plan_complete": frozenset({PLAN}),
    "note_given": frozenset(),
    "reason_given": frozenset(),
    "cycle_monitoring": frozenset(),
    "assessment_open": frozenset(),
    "ratings_given": frozenset({CAPAIAN}),
    "unit_capaian_set": frozenset({CAPAIAN}),
    "objection_settled": frozenset({OBJECTIONS}),
    "distribution_holds": frozenset({CAPAIAN, DISTRIBUTION}),
    "input_360_in": frozenset({INPUT_360}),
    "status_begun": frozenset({STATUS}),
}


EVERY_SOURCE = frozenset().union(*SOURCES.values())


def sources_of(skp: Skp, trigger: str) -> frozenset[str]:
    """What the guards of `trigger` from the SKP's state read (nothing when no row matches: firing refuses it)."""
    rows = [r for r in SKP.rows_from(SkpState(skp.state)) if r.trigger == trigger]
    return frozenset().union(*(SOURCES[g] for r in rows for g in r.guards))


def facts(
    session: Session,
    skp: Skp,
    cycle: Cycle,
    policy: Policy,
    now: datetime,
    *,
    sources: frozenset[str] = EVERY_SOURCE,
    plan: Plan | None = None,
) -> SkpFacts:
    """The guards' facts about an SKP; with `sources`, only those read from them (the rest keep their defaults, which
    no guard of the transition reads); `plan` is the SKP's `plan_rows` when the caller has them."""
    rhk, indicators = (plan or plan_rows(session, skp.id or 0)) if sources & {PLAN, ATASAN} else ([], [])
    by_rhk = Counter(i.rhk_id for i in indicators)
    utama = [r for r in rhk if r.jenis == JenisRhk.UTAMA.value]
    boss = atasan_skp(session, skp) if ATASAN in sources else None
    boss_agreed = boss is not None and boss.state in AGREED_OR_LATER
    blocker = cascade_blocker(session, skp, boss) if ATASAN in sources and not boss_agreed else None
    boss_rhk = set(session.scalars(RHK_IDS, {"skp_id": boss.id})) if boss else set()
    level = None
    if sources & {CAPAIAN, DISTRIBUTION}:
        level = capaian_level(session, skp.cycle_id, skp.unit_id, ANNUAL)
        if level is None and skp.closing_reason is not None:
            level = latest_capaian(session, skp.cycle_id, skp.unit_id)
    unit = session.get(Unit, skp.unit_id)
    heads_unit = unit is not None and unit.head_id == skp.pegawai_id
    settled = OBJECTIONS in sources and _objection_settled(session, skp, policy, now, unit.timezone if unit else "")
    return SkpFacts(
        proposed=skp.proposed,
        rhk_utama=len(utama),
        rhk_utama_without_indicator=tuple(r.text for r in utama if not by_rhk[r.id or 0]),
        indicators_without_target=tuple(
            i.text for i in indicators if i.target is None and i.approach != Approach.KUALITATIF.value
        ),
        indicators_without_ekspektasi=tuple(
            i.text for i in indicators if i.approach == Approach.KUALITATIF.value and not (i.ekspektasi or "").strip()
        ),
        top_jpt=skp.penilai_id is None,
        atasan_skp_agreed=boss_agreed,
        atasan=blocker.atasan if blocker else "",
        atasan_agreed_by=(blocker.agreed_by or "HR, for the penilai outside the organisation") if blocker else "",
        rhk_utama_not_intervening=tuple(r.text for r in utama if r.intervensi_rhk_id not in boss_rhk),
        cycle_state=cycle.state,
        closing_for_mutasi=skp.closing_reason is not None,
        unit_capaian_set=level is not None,
        unit_head_rating=rating_for_unit_head(policy, level) if heads_unit and level else None,
        objection_settled=settled,
        distribution_violations=_distribution_violations(session, skp, policy, level)
        if DISTRIBUTION in sources
        else (),
        input_360_missing=input_360_rows.missing(session, skp, policy, ANNUAL, now) if INPUT_360 in sources else (),
        status_excludes=_absent_from(session, skp, policy, now, unit.timezone if unit else None)
        if STATUS in sources
        else "",
    )


def _absent_from(session: Session, skp: Skp, policy: Policy, now: datetime, tz: str | None) -> str:
    """The status period that has begun and takes the pegawai away from this SKP (`policies.status.absent_from`)."""
    spans = [
        status_rules.StatusSpan(PegawaiStatus(r.status), r.starts, r.until)
        for r in session.scalars(select(StatusPeriod).where(col(StatusPeriod.pegawai_id) == skp.pegawai_id))
    ]
    today = now.astimezone(calendar.zone(policy.calendar, tz)).date()
    return status_rules.absent_from(
        policy, spans, skp.periode_awal, skp.periode_akhir, closing=skp.closing_reason is not None, today=today
    )


PENDING_OBJECTION = frozenset({KeberatanState.filed.value, KeberatanState.under_review.value})


def _objection_settled(session: Session, skp: Skp, policy: Policy, now: datetime, tz: str) -> bool:
    states = set(session.scalars(_KEBERATAN_STATES, {"skp_id": skp.id}))
    return objection_settled(states, skp.assessed_at, policy, now, tz)


def objection_settled(
    keberatan_states: set[str], assessed_at: datetime | None, policy: Policy, now: datetime, tz: str
) -> bool:
    """No keberatan is pending, and one was decided (final) or the filing window has closed: a withdrawn one
    may be filed anew while the window is open, so it settles nothing before the window closes."""
    if keberatan_states & PENDING_OBJECTION:
        return False
    if KeberatanState.decided.value in keberatan_states:
        return True
    if assessed_at is None:
        return False
    return now >= filing_window_closes(policy, assessed_at, tz)


def filing_window_closes(policy: Policy, assessed_at: datetime, tz: str) -> datetime:
    """The first instant at which a keberatan against a result given at `assessed_at` is too late."""
    return due_date(policy, DeadlineKey.KEBERATAN_FILING, event_at=assessed_at, tz=tz)


def _distribution_violations(session: Session, skp: Skp, policy: Policy, level: CapaianLevel | None) -> tuple[str, ...]:
    """The breaks of the curve the SKP's unit is checked against (`level`: the SKP's own unit's capaian)."""
    if policy.distribution.mode != "hard":
        return ()
    curve_unit = curve_units(session, policy, [skp.unit_id])[skp.unit_id]
    if curve_unit == skp.unit_id:
        if level is None:
            return ()
        known = {curve_unit: level}
    else:
        found = capaian_level(session, skp.cycle_id, curve_unit, ANNUAL)
        if found is None and skp.closing_reason is not None:
            found = latest_capaian(session, skp.cycle_id, curve_unit)
        if found is None:
            return ()
        known = {curve_unit: found}
    broken = curve_violations(session, skp.cycle_id, policy, [skp.unit_id], levels=known)
    return tuple(v.message for v in broken[skp.unit_id])  # each a Problem: said in each language


def follow_up_facts(
    session: Session, cycle_id: int, policy: Policy, skp_ids: Sequence[int], now: datetime
) -> dict[int, SkpFacts]:
    """What the `follow_up` guards need for many SKPs of a cycle, in a fixed number of queries (for sweeps)."""
    rows = session.execute(
        select(col(Skp.id), col(Skp.unit_id), col(Skp.assessed_at), col(Unit.timezone))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.id).in_(list(skp_ids)))
    ).all()
    objections: dict[int, set[str]] = defaultdict(set)
    for skp_id, state in session.execute(
        select(col(Keberatan.skp_id), col(Keberatan.state)).where(col(Keberatan.skp_id).in_(list(skp_ids)))
    ):
        objections[skp_id].add(state)
    violations: dict[int, tuple[str, ...]] = {}
    if policy.distribution.mode == "hard" and rows:
        broken = curve_violations(session, cycle_id, policy, {unit_id for _, unit_id, _, _ in rows})
        violations = {unit_id: tuple(str(v) for v in found) for unit_id, found in broken.items()}
    return {
        skp_id: SkpFacts(
            objection_settled=objection_settled(objections[skp_id], assessed_at, policy, now, tz),
            distribution_violations=violations.get(unit_id, ()),
        )
        for skp_id, unit_id, assessed_at, tz in rows
    }
