"""Read models for the web pages: an atasan's inbox with due dates, and HR's cycle dashboard. Reads only."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.deadlines import due_date, due_day
from policies.schema import DeadlineKey
from states.cycle import CycleState
from states.evaluation import EvaluationState
from states.skp import SkpState
from workflows.actors import Actor
from workflows.cases import cycles, policy_store, skps
from workflows.cases.evaluations import period_of
from workflows.cases.skps import visible_skps
from workflows.store.tables import (
    Cycle,
    DeadlineStep,
    Evaluation,
    Keberatan,
    Pegawai,
    Rhk,
    Skp,
    Unit,
    perangkat_daerah_of,
)

PENDING_AGREEMENT = (SkpState.drafted.value, SkpState.cascaded.value)


@dataclass(frozen=True)
class InboxItem:
    kind: str  # "skp", "evaluation", "keberatan"
    skp_id: int
    period_no: int | None
    nip: str
    name: str
    state: str
    waiting: str  # what is awaited, a trigger name
    due: datetime | None  # the first late instant
    overdue: bool
    last_day: date | None = None  # the last day on time, in the unit's zone


def inbox(session: Session, actor: Actor, *, now: datetime) -> list[InboxItem]:
    """What waits for a pejabat penilai (SKPs to cascade, agree, re-agree or assess; realisasi to rate) and for an
    atasan penilai (keberatan to decide), oldest due first."""
    if actor.pegawai_id is None:
        return []
    pid = actor.pegawai_id
    items: list[InboxItem] = []
    rated = session.execute(
        select(Skp, Pegawai, Cycle, col(Unit.timezone))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.penilai_id) == pid)
        .order_by(col(Skp.id))
    ).all()
    for skp, pegawai, cycle, tz in rated:
        policy = policy_store.cycle_policy(session, cycle)
        waiting, key = _skp_waits(skp, cycle)
        if waiting and key:
            due = due_date(policy, key, cycle_year=cycle.year, tz=tz)
            day = due_day(policy, key, cycle_year=cycle.year, tz=tz)
            items.append(
                InboxItem("skp", skp.id or 0, None, pegawai.nip, pegawai.name, skp.state, waiting, due, now >= due, day)
            )
    ids = [skp.id for skp, *_ in rated]
    submitted = session.execute(
        select(Evaluation, Skp, Pegawai, Cycle, col(Unit.timezone))
        .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Evaluation.skp_id).in_(ids), col(Evaluation.state) == EvaluationState.realisasi_submitted.value)
    ).all()
    for ev, skp, pegawai, cycle, tz in submitted:
        policy = policy_store.cycle_policy(session, cycle)
        end = period_of(policy, cycle.year, ev.period_no).end
        due = due_date(policy, DeadlineKey.PERIODIC_EVALUATION, period_end=end, tz=tz)
        day = due_day(policy, DeadlineKey.PERIODIC_EVALUATION, period_end=end, tz=tz)
        items.append(
            InboxItem(
                "evaluation",
                skp.id or 0,
                ev.period_no,
                pegawai.nip,
                pegawai.name,
                ev.state,
                "evaluate",
                due,
                now >= due,
                day,
            )
        )
    objections = session.execute(
        select(Keberatan, Skp, Pegawai, Cycle, col(Unit.timezone))
        .join(Skp, col(Skp.id) == col(Keberatan.skp_id))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .join(Cycle, col(Cycle.id) == col(Skp.cycle_id))
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.atasan_penilai_id) == pid, col(Keberatan.state).in_(skps.PENDING_OBJECTION))
    ).all()
    for k, skp, pegawai, cycle, tz in objections:
        policy = policy_store.cycle_policy(session, cycle)
        due = due_date(policy, DeadlineKey.KEBERATAN_DECISION, event_at=k.filed_at, tz=tz)
        day = due_day(policy, DeadlineKey.KEBERATAN_DECISION, event_at=k.filed_at, tz=tz)
        items.append(
            InboxItem(
                "keberatan", skp.id or 0, None, pegawai.nip, pegawai.name, k.state, "decide", due, now >= due, day
            )
        )
    return sorted(items, key=lambda i: (i.due is None, i.due, i.skp_id))


def _skp_waits(skp: Skp, cycle: Cycle) -> tuple[str | None, DeadlineKey | None]:
    if skp.state == SkpState.drafted.value and skp.proposed:
        return "cascade", DeadlineKey.SKP_AGREEMENT
    if skp.state == SkpState.cascaded.value:
        return "agree", DeadlineKey.SKP_AGREEMENT
    if skp.state == SkpState.adjusted.value and skp.proposed:
        return "reagree", None
    if skp.state == SkpState.monitored.value and cycle.state == CycleState.assessing.value:
        return "assess", DeadlineKey.ANNUAL_ASSESSMENT
    return None, None


@dataclass(frozen=True)
class UnitStates:
    id: int
    code: str
    name: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Compliance:
    agreed: int
    pending_on_time: int
    pending_late: int

    @property
    def total(self) -> int:
        return self.agreed + self.pending_on_time + self.pending_late


@dataclass(frozen=True)
class Dashboard:
    """HR's one screen: totals per state, agreement-deadline compliance, the ladder steps taken, and the SKPs per
    state of each perangkat daerah (OPD: a unit right under the instansi's root; the root's own SKPs are a row)."""

    cycle: cycles.CycleView
    states: tuple[str, ...]
    totals: dict[str, int]
    deadline_steps: list[tuple[str, str, int]]  # deadline key, ladder action, entities at that step
    compliance: Compliance
    opds: list[UnitStates]

    @property
    def total(self) -> int:
        return sum(self.totals.values())


def dashboard(session: Session, actor: Actor, cycle_id: int, *, now: datetime) -> Dashboard:
    """SKPs per state in total and per OPD, deadline steps taken (overdue, escalated, automatic actions), and how many
    SKPs missed the agreement deadline; what the actor may see of the cycle only. A fixed number of statements,
    whatever the number of units."""
    view = cycles.readable(session, cycle_id, actor)
    rows = session.execute(
        select(col(Unit.path), col(Skp.state), func.count())
        .select_from(Skp)
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.cycle_id) == cycle_id, visible_skps(actor))
        .group_by(col(Unit.path), col(Skp.state))
    ).all()
    per_opd: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for path, state, n in rows:
        per_opd[perangkat_daerah_of(path)][state] += n
        totals[state] += n
    named = session.execute(
        select(col(Unit.id), col(Unit.code), col(Unit.name)).where(col(Unit.id).in_(list(per_opd)))
    ).all()
    opds = sorted(
        (UnitStates(uid, code, name, dict(per_opd[uid])) for uid, code, name in named), key=lambda u: (-u.total, u.name)
    )
    steps = session.execute(
        select(col(DeadlineStep.deadline_key), col(DeadlineStep.action), func.count())
        .where(
            col(DeadlineStep.cycle_id) == cycle_id, col(DeadlineStep.action).in_(("notice", "escalate", "auto_action"))
        )
        .group_by(col(DeadlineStep.deadline_key), col(DeadlineStep.action))
        .order_by(col(DeadlineStep.deadline_key), col(DeadlineStep.action))
    ).all()
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    policy = policy_store.cycle_policy(session, cycle)
    pending = session.execute(
        select(col(Unit.timezone), func.count())
        .select_from(Skp)
        .join(Unit, col(Unit.id) == col(Skp.unit_id))
        .where(col(Skp.cycle_id) == cycle_id, visible_skps(actor), col(Skp.state).in_(PENDING_AGREEMENT))
        .group_by(col(Unit.timezone))
    ).all()
    late = sum(
        n for tz, n in pending if now >= due_date(policy, DeadlineKey.SKP_AGREEMENT, cycle_year=cycle.year, tz=tz)
    )
    waiting = sum(n for _, n in pending)
    agreed = sum(n for state, n in totals.items() if state not in PENDING_AGREEMENT)
    return Dashboard(
        cycle=view,
        states=tuple(s.value for s in SkpState),
        totals=dict(totals),
        deadline_steps=[(k, a, n) for k, a, n in steps],
        compliance=Compliance(agreed, waiting - late, late),
        opds=opds,
    )


@dataclass(frozen=True)
class UnitPage:
    """One page of the units with SKPs in a cycle, in tree order, each with its SKPs per state."""

    cycle: cycles.CycleView
    states: tuple[str, ...]
    opd: UnitStates | None  # the OPD drilled into (its counts cover its whole subtree)
    opds: list[tuple[int, str]]  # every OPD of the instansi (id, name), for the filter
    items: list[UnitStates]
    total: int
    offset: int
    limit: int

    @property
    def next(self) -> int | None:
        return self.offset + self.limit if self.offset + self.limit < self.total else None

    @property
    def previous(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def unit_page(
    session: Session,
    actor: Actor,
    cycle_id: int,
    *,
    opd: int | None = None,
    search: str = "",
    offset: int = 0,
    limit: int = 25,
) -> UnitPage:
    """The drill-down under the dashboard: units holding SKPs the actor may see, within one OPD and/or matching a
    search on name or code, paged on the server; five statements whatever the number of units."""
    view = cycles.readable(session, cycle_id, actor)
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    roots = select(col(Unit.id)).where(col(Unit.instansi_id) == cycle.instansi_id, col(Unit.parent_id).is_(None))
    opd_rows = session.execute(
        select(col(Unit.id), col(Unit.name), col(Unit.path), col(Unit.code))
        .where(col(Unit.instansi_id) == cycle.instansi_id, col(Unit.parent_id).in_(roots) | col(Unit.id).in_(roots))
        .order_by(col(Unit.name))
    ).all()
    chosen = next((r for r in opd_rows if r[0] == opd), None)
    holding = select(col(Skp.unit_id)).where(col(Skp.cycle_id) == cycle_id, visible_skps(actor))
    where = [col(Unit.instansi_id) == cycle.instansi_id, col(Unit.id).in_(holding)]
    subtree: ColumnElement[bool] | None = None
    if chosen is not None:  # the root's row holds its own SKPs only: its OPDs have rows of their own
        is_root = chosen[2].strip("/").count("/") == 0
        subtree = col(Unit.id) == chosen[0] if is_root else col(Unit.path).startswith(chosen[2])
        where.append(subtree)
    text = search.strip()
    if text:
        pattern = f"%{text}%"
        where.append(col(Unit.name).ilike(pattern) | col(Unit.code).ilike(pattern))
    total = session.scalar(select(func.count()).select_from(Unit).where(*where)) or 0
    units = session.execute(
        select(col(Unit.id), col(Unit.code), col(Unit.name))
        .where(*where)
        .order_by(col(Unit.path))
        .offset(offset)
        .limit(limit)
    ).all()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for uid, state, n in session.execute(
        select(col(Skp.unit_id), col(Skp.state), func.count())
        .where(col(Skp.cycle_id) == cycle_id, visible_skps(actor), col(Skp.unit_id).in_([u[0] for u in units]))
        .group_by(col(Skp.unit_id), col(Skp.state))
    ).all():
        counts[uid][state] = n
    drilled = None
    if chosen is not None and subtree is not None:
        subtotal: dict[str, int] = defaultdict(int)
        for state, n in session.execute(
            select(col(Skp.state), func.count())
            .join(Unit, col(Unit.id) == col(Skp.unit_id))
            .where(col(Skp.cycle_id) == cycle_id, visible_skps(actor), subtree)
            .group_by(col(Skp.state))
        ).all():
            subtotal[state] += n
        drilled = UnitStates(chosen[0], chosen[3], chosen[1], dict(subtotal))
    return UnitPage(
        cycle=view,
        states=tuple(s.value for s in SkpState),
        opd=drilled,
        opds=[(uid, name) for uid, name, _, _ in opd_rows],
        items=[UnitStates(uid, code, name, counts.get(uid, {})) for uid, code, name in units],
        total=total,
        offset=offset,
        limit=limit,
    )


def periods_of(session: Session, skp_id: int, actor: Actor) -> list[tuple[int, str]]:
    """The SKP's evaluation periods opened so far with their state, for anyone with a standing on the SKP."""
    skps.load(session, skp_id, actor)
    rows = session.execute(
        select(col(Evaluation.period_no), col(Evaluation.state))
        .where(col(Evaluation.skp_id) == skp_id)
        .order_by(col(Evaluation.period_no))
    ).all()
    return [(n, state) for n, state in rows]


@dataclass(frozen=True)
class Matriks:
    """Matriks peran hasil: the atasan's RHK as rows, the team as columns, in each cell the team member's RHK
    that intervene the row's RHK; `unlinked` holds team RHK that intervene none of them."""

    skp_id: int
    team: list[tuple[int, str, str, str]]  # skp id, nip, name, state
    rows: list[tuple[str, list[list[str]]]]
    unlinked: list[list[str]]


def matriks_peran_hasil(session: Session, actor: Actor, skp_id: int) -> Matriks:
    """For the SKP's owner as pejabat penilai: how each RHK of theirs is carried by the SKPs they rate (the caller
    needs a standing on the SKP)."""
    skp, _, _ = skps.load(session, skp_id, actor)
    team = session.execute(
        select(col(Skp.id), col(Pegawai.nip), col(Pegawai.name), col(Skp.state))
        .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
        .where(col(Skp.cycle_id) == skp.cycle_id, col(Skp.penilai_id) == skp.pegawai_id)
        .order_by(col(Pegawai.name))
    ).all()
    own = session.scalars(select(Rhk).where(col(Rhk.skp_id) == skp_id).order_by(col(Rhk.position))).all()
    theirs = session.scalars(
        select(Rhk).where(col(Rhk.skp_id).in_([t[0] for t in team])).order_by(col(Rhk.position))
    ).all()
    cells: dict[tuple[int | None, int], list[str]] = defaultdict(list)
    own_ids = {r.id for r in own}
    for r in theirs:
        key = r.intervensi_rhk_id if r.intervensi_rhk_id in own_ids else None
        cells[(key, r.skp_id)].append(r.text)
    rows = [(r.text, [cells.get((r.id, t[0]), []) for t in team]) for r in own]
    unlinked = [cells.get((None, t[0]), []) for t in team]
    return Matriks(skp_id, [(i, nip, name, state) for i, nip, name, state in team], rows, unlinked)
