"""Monitoring a cycle as a BKPSDM checks it (seed 004): per unit, who has not planned, proposed, been agreed,
submitted realisasi or been rated, how the agreement deadline was kept (on time, late, pending), and the list of
each step someone now waits on, with whom it waits on and when it is due.

A fixed number of statements whatever the size: the cycle's SKPs with their pegawai, penilai and whether they
have RHK; when each was first agreed (its audit chain); the evaluations of the latest opened period; which had
umpan balik within the policy's window (`feedback.every_weeks`), the dialog kinerja coverage per unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies.deadlines import anchored_on, due_date
from policies.periods import periods
from policies.schema import DeadlineKey
from states.cycle import CycleState
from states.errors import NotPermitted
from states.evaluation import EvaluationState
from states.skp import SkpState
from workflows.actors import Actor
from workflows.cases import cycles, policy_store
from workflows.cases.skps import visible_skps
from workflows.store.tables import AuditEvent, Cycle, Evaluation, Feedback, Pegawai, Rhk, Skp, Unit

AGREEMENT_PENDING = frozenset({SkpState.drafted.value, SkpState.cascaded.value})
STEPS = ("plan", "propose", "agree", "realisasi", "evaluate", "assess")
"""What an SKP can be waiting for, in the order of the cycle: the pegawai plans and proposes, the penilai agrees,
the pegawai submits the period's realisasi, the penilai rates it, and at the year's end assesses the SKP."""


@dataclass
class UnitMonitoring:
    unit_code: str
    unit_name: str
    skps: int = 0
    waiting: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STEPS, 0))
    agreed_on_time: int = 0
    agreed_late: int = 0
    pending_on_time: int = 0
    pending_late: int = 0
    overdue: int = 0  # steps waited on past their due instant
    agreed: int = 0  # SKPs agreed or further along
    with_feedback: int = 0  # of those, the ones with umpan balik in the window (policy feedback.every_weeks)


@dataclass(frozen=True)
class Waiting:
    unit_code: str
    nip: str
    name: str
    skp_id: int
    step: str  # one of STEPS
    waits_on_nip: str | None  # the person who must act: the pegawai, or the penilai (None: rated from outside)
    waits_on_name: str | None
    due: datetime | None
    overdue: bool


@dataclass(frozen=True)
class Monitoring:
    cycle: cycles.CycleView
    as_of: datetime
    period_no: int | None  # the latest period opened, whose realisasi and ratings are watched
    feedback_since: datetime | None  # the window's start (now − feedback.every_weeks); None: since the cycle began
    units: list[UnitMonitoring]
    waiting: list[Waiting]


COLUMNS = ("unit_code", "nip", "name", "skp_id", "step", "waits_on_nip", "waits_on_name", "due", "overdue")


def monitoring(session: Session, actor: Actor, cycle_id: int, *, now: datetime, unit: str | None = None) -> Monitoring:
    """The cycle's monitoring as the actor may see it: HR and auditors the whole instansi, a unit head the units
    they lead; `unit` narrows it to one unit (code)."""
    view = cycles.readable(session, cycle_id, actor)
    cycle = session.get_one(Cycle, cycle_id)
    hr = actor.super_admin or actor.system or view.instansi_id in actor.oversees()
    if not (hr or _heads_a_unit(session, actor)):
        raise NotPermitted("monitoring", "read", ["admin", "auditor", "pimpinan of a unit"])
    policy = policy_store.cycle_policy(session, cycle)
    rows = _skps(session, actor, cycle_id, unit=unit, led_only=not hr)
    agreed_at = _first_agreed(session, cycle_id)
    period_no, evaluations = _latest_period(session, cycle_id)
    weeks = policy.feedback.every_weeks
    since = now - timedelta(weeks=weeks) if weeks else None
    with_feedback = _with_feedback(session, cycle_id, since)
    period_end = next(p.end for p in periods(policy, cycle.year) if p.n == period_no) if period_no else None
    dues: dict[tuple[DeadlineKey, str, date | None], datetime] = {}

    def due(key: DeadlineKey, tz: str, start: date) -> datetime:
        """The due instant in the unit's zone; a mid-year SKP's agreement is due from its own start."""
        own = start if key is DeadlineKey.SKP_AGREEMENT and anchored_on(cycle.year, start) else None
        if (key, tz, own) not in dues:
            timed_by_period = key in (DeadlineKey.REALISASI, DeadlineKey.PERIODIC_EVALUATION)
            dues[key, tz, own] = (
                due_date(policy, key, period_end=period_end, tz=tz)
                if timed_by_period
                else due_date(policy, key, cycle_year=cycle.year, tz=tz, start=own)
            )
        return dues[key, tz, own]

    units: dict[str, UnitMonitoring] = {}
    waiting: list[Waiting] = []
    for skp_id, state, proposed, rhk, code, uname, tz, nip, name, p_nip, p_name, start in rows:
        u = units.setdefault(code, UnitMonitoring(code, uname))
        u.skps += 1
        agreement_due = due(DeadlineKey.SKP_AGREEMENT, tz, start)
        if state in AGREEMENT_PENDING:
            u.pending_late += now >= agreement_due
            u.pending_on_time += now < agreement_due
        else:
            u.agreed += 1
            u.with_feedback += skp_id in with_feedback
            if (first := agreed_at.get(skp_id)) is not None:
                u.agreed_late += first >= agreement_due
                u.agreed_on_time += first < agreement_due
        step, key, on_pegawai = _step(state, bool(proposed), bool(rhk), evaluations.get(skp_id), cycle.state)
        if step is None:
            continue
        u.waiting[step] += 1
        step_due = due(key, tz, start) if key else None
        late = step_due is not None and now >= step_due
        u.overdue += late
        waiting.append(
            Waiting(
                unit_code=code,
                nip=nip,
                name=name,
                skp_id=skp_id,
                step=step,
                waits_on_nip=nip if on_pegawai else p_nip,
                waits_on_name=name if on_pegawai else p_name,
                due=step_due,
                overdue=late,
            )
        )
    return Monitoring(view, now, period_no, since, list(units.values()), waiting)


Row = tuple[int, str, bool, bool, str, str, str, str, str, str | None, str | None, date]


def _skps(session: Session, actor: Actor, cycle_id: int, *, unit: str | None, led_only: bool) -> list[Row]:
    """The SKPs the actor may watch, with whether each has RHK, its unit, pegawai and penilai, in tree order."""
    penilai = aliased(Pegawai)
    where = [col(Skp.cycle_id) == cycle_id, visible_skps(actor)]
    if led_only:  # a unit head watches the units they lead, not the SKPs they merely rate
        led = aliased(Unit)
        below = select(col(Unit.id)).join(led, col(Unit.path).startswith(col(led.path)))
        where.append(col(Skp.unit_id).in_(below.where(col(led.head_id) == actor.pegawai_id)))
    if unit:
        where.append(col(Unit.code) == unit)
    found = session.execute(
        select(
            col(Skp.id),
            col(Skp.state),
            col(Skp.proposed),
            exists().where(col(Rhk.skp_id) == col(Skp.id)),
            col(Unit.code),
            col(Unit.name),
            col(Unit.timezone),
            col(Pegawai.nip),
            col(Pegawai.name),
            col(penilai.nip),
            col(penilai.name),
            col(Skp.periode_awal),
        )
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .outerjoin(penilai, col(penilai.id) == col(Skp.penilai_id))
        .where(*where)
        .order_by(col(Unit.path), col(Pegawai.name))
    ).all()
    return [tuple(r) for r in found]


def _first_agreed(session: Session, cycle_id: int) -> dict[int, datetime]:
    """When each SKP of the cycle was first agreed, from its audit chain (aware, UTC)."""
    rows = session.execute(
        select(col(AuditEvent.entity_id), func.min(col(AuditEvent.at)))
        .where(
            col(AuditEvent.entity_type) == "skp",
            col(AuditEvent.trigger) == "agree",
            col(AuditEvent.entity_id).in_(select(col(Skp.id)).where(col(Skp.cycle_id) == cycle_id)),
        )
        .group_by(col(AuditEvent.entity_id))
    ).tuples()
    return {skp_id: at if at.tzinfo else at.replace(tzinfo=UTC) for skp_id, at in rows}  # SQLite: naive UTC


def _with_feedback(session: Session, cycle_id: int, since: datetime | None) -> set[int]:
    """The SKPs of the cycle with umpan balik recorded since `since` (None: at all)."""
    where = [col(Skp.cycle_id) == cycle_id]
    if since is not None:
        where.append(col(Feedback.at) >= since)
    found = session.scalars(
        select(col(Feedback.skp_id)).join(Skp, col(Skp.id) == col(Feedback.skp_id)).where(*where).distinct()
    )
    return set(found)


def _latest_period(session: Session, cycle_id: int) -> tuple[int | None, dict[int, str]]:
    """The latest period opened in the cycle and the state of each SKP's evaluation for it."""
    period_no = session.scalar(
        select(func.max(col(Evaluation.period_no)))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(col(Skp.cycle_id) == cycle_id)
    )
    if period_no is None:
        return None, {}
    rows = session.execute(
        select(col(Evaluation.skp_id), col(Evaluation.state))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .where(col(Skp.cycle_id) == cycle_id, col(Evaluation.period_no) == period_no)
    ).tuples()
    return period_no, dict(rows.all())


def _step(
    state: str, proposed: bool, has_rhk: bool, evaluation: str | None, cycle_state: str
) -> tuple[str | None, DeadlineKey | None, bool]:
    """What the SKP waits for, the deadline that times it, and whether the pegawai (not the penilai) must act."""
    if state == SkpState.drafted.value:
        if not has_rhk:
            return "plan", DeadlineKey.SKP_AGREEMENT, True
        if not proposed:
            return "propose", DeadlineKey.SKP_AGREEMENT, True
        return "agree", DeadlineKey.SKP_AGREEMENT, False
    if state == SkpState.cascaded.value:
        return "agree", DeadlineKey.SKP_AGREEMENT, False
    if state == SkpState.monitored.value and cycle_state == CycleState.assessing.value:
        return "assess", DeadlineKey.ANNUAL_ASSESSMENT, False
    if evaluation == EvaluationState.open.value:
        return "realisasi", DeadlineKey.REALISASI, True
    if evaluation == EvaluationState.realisasi_submitted.value:
        return "evaluate", DeadlineKey.PERIODIC_EVALUATION, False
    return None, None, False


def _heads_a_unit(session: Session, actor: Actor) -> bool:
    if actor.pegawai_id is None:
        return False
    return session.scalar(select(func.count()).where(col(Unit.head_id) == actor.pegawai_id)) != 0
