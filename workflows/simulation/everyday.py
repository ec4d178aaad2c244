"""The regulation's everyday cases in the simulation's report, read back from the database alone: 360 input, the
qualitative approach, the Plt's SK, PPPK contracts, status periods, mid-year SKPs, the planted quality problems and
dialog kinerja (the feedback nudges). `figures.from_database` gathers them beside the cycle's figures; what the
simulation says it did (`figures.from_ledger`) is compared with them.

As in `figures`, each statement is SQLAlchemy Core over the table classes, named with a line on what it reads, and
the figures are computed here rather than through the use cases they check (tests/unit/test_simulation_figures.py
keeps string SQL out). Two read a model on purpose: the planted RHK through the quality report, and the nudges'
days through `policies.feedback`, the rule they must have followed. The module is over 400 lines because it holds
all eight cases, each reader beside the statements it reads (about fifty lines a case).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Integer, and_, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import feedback as dialog
from policies.deadlines import due_date
from policies.kontrak import opens_at
from policies.schema import DeadlineKey, Policy, QualityRule, RecurringRule
from states.enums import Approach
from workflows.cases import quality
from workflows.simulation.simulator import PLANTED_RHK, ZONE
from workflows.store.tables import (
    ActingAssignment,
    AuditEvent,
    Cycle,
    DeadlineStep,
    Evaluation,
    Feedback,
    FollowUpCase,
    Indikator,
    Input360,
    Kontrak,
    Outbox,
    Pegawai,
    Realisasi,
    Rhk,
    Skp,
    StatusPeriod,
    Unit,
)

# --- the parameters the statements bind: `c` the cycle id, `ids` a list of ids --------------------------------

CYCLE: BindParameter[int] = bindparam("c")
IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


def id_of(column: Any) -> ColumnElement[int]:
    """A primary key column, typed as never NULL (as it is in a row read back)."""
    return type_coerce(col(column), Integer)


def local_instant(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZONE).astimezone(UTC) + timedelta(hours=hour)


# --- the statements ----------------------------------------------------------------------------------------------

AGREEMENT_STEP_DUES_OF = select(col(DeadlineStep.entity_id), col(DeadlineStep.due_at)).where(
    col(DeadlineStep.cycle_id) == CYCLE,
    col(DeadlineStep.deadline_key) == "skp_agreement",
    col(DeadlineStep.entity_id).in_(IDS),
)
"""Each agreement deadline step the cycle took for the SKPs `ids`: the SKP, the instant it was due."""

PLANTED = (
    select(col(Rhk.skp_id))
    .join(Skp, col(Skp.id) == col(Rhk.skp_id))
    .where(col(Skp.cycle_id) == CYCLE, col(Rhk.text) == bindparam("t"))
)
"""The cycle's SKPs holding an RHK with the text `t` (one row per such RHK)."""
INPUTS_360 = (
    select(id_of(Input360.id), col(Input360.skp_id), col(Skp.unit_id), col(Input360.state))
    .join(Skp, col(Skp.id) == col(Input360.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
)
"""The 360 input requests on the cycle's SKPs: id, SKP, unit, state."""
INPUT_360_EVENTS = (
    select(col(AuditEvent.trigger), func.count())
    .join(Input360, col(Input360.id) == col(AuditEvent.entity_id))
    .join(Skp, col(Skp.id) == col(Input360.skp_id))
    .where(col(AuditEvent.entity_type) == "input_360", col(Skp.cycle_id) == CYCLE)
    .group_by(col(AuditEvent.trigger))
)
"""Per trigger, how many audit events the 360 inputs on the cycle's SKPs have."""

QUALITATIVE_SKPS = (
    select(col(Skp.id), col(Skp.unit_id))
    .join(Rhk, col(Rhk.skp_id) == col(Skp.id))
    .join(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
    .where(col(Skp.cycle_id) == CYCLE, col(Indikator.approach) == Approach.KUALITATIF.value)
    .distinct()
)
"""The cycle's SKPs with a qualitative indikator, and their units."""
QUALITATIVE_RATED = (
    select(func.count())
    .select_from(Realisasi)
    .join(Indikator, col(Indikator.id) == col(Realisasi.indikator_id))
    .join(Evaluation, col(Evaluation.id) == col(Realisasi.evaluation_id))
    .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
    .where(
        col(Skp.cycle_id) == CYCLE,
        col(Indikator.approach) == Approach.KUALITATIF.value,
        col(Realisasi.rating).is_not(None),
    )
)
"""How many realisasi of qualitative indikator the pejabat penilai rated in the cycle's periods."""

ACTING_SKS = (
    select(id_of(ActingAssignment.id), col(Pegawai.nip), col(Unit.head_id))
    .select_from(ActingAssignment)
    .join(Cycle, col(Cycle.instansi_id) == col(ActingAssignment.instansi_id))
    .join(Pegawai, col(Pegawai.id) == col(ActingAssignment.pegawai_id))
    .join(Unit, col(Unit.id) == col(ActingAssignment.unit_id))
    .where(col(Cycle.id) == CYCLE)
)
"""The acting SKs of the cycle's instansi: id, the official's NIP, the head of the unit acted for."""
ACTING_PHASES = select(col(AuditEvent.entity_id), col(AuditEvent.trigger), col(AuditEvent.at)).where(
    col(AuditEvent.entity_type) == "acting",
    col(AuditEvent.trigger).in_(("begin", "end")),
    col(AuditEvent.entity_id).in_(IDS),
)
"""When each acting SK among `ids` began and ended, from its audit events."""
REASSIGNED = (
    select(col(AuditEvent.entity_id), col(AuditEvent.at))
    .join(Skp, col(Skp.id) == col(AuditEvent.entity_id))
    .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.trigger) == "reassigned", col(Skp.cycle_id) == CYCLE)
)
"""Each `reassigned` event of the cycle's SKPs: the SKP, when."""
PENILAI_OF = select(col(Skp.penilai_id)).where(col(Skp.id).in_(IDS))
"""The penilai of each SKP among `ids`."""
EVALUATED_ON = (
    select(col(AuditEvent.actor), col(AuditEvent.at))
    .join(Evaluation, col(Evaluation.id) == col(AuditEvent.entity_id))
    .where(
        col(AuditEvent.entity_type) == "evaluation",
        col(AuditEvent.trigger) == "evaluate",
        col(Evaluation.skp_id).in_(IDS),
    )
)
"""Each `evaluate` event of the evaluations on the SKPs `ids`: who, when."""

CONTRACTS = (
    select(col(Kontrak.selesai), col(Kontrak.case_id))
    .select_from(Kontrak)
    .join(Cycle, and_(col(Cycle.instansi_id) == col(Kontrak.instansi_id), col(Cycle.id) == CYCLE))
)
"""The PPPK contracts of the cycle's instansi: when each ends, its recommendation case if any."""
PPPK_SANCTIONS = (
    select(func.count())
    .select_from(FollowUpCase)
    .join(Skp, col(Skp.id) == col(FollowUpCase.skp_id))
    .join(Pegawai, col(Pegawai.id) == col(Skp.pegawai_id))
    .where(col(Skp.cycle_id) == CYCLE, col(Pegawai.jenis) == "PPPK", col(FollowUpCase.kind) == "SANCTION")
)
"""How many sanction cases the cycle's SKPs of PPPK have."""

STATUS_SPANS = (
    select(col(StatusPeriod.pegawai_id), col(StatusPeriod.starts), col(StatusPeriod.until))
    .join(Pegawai, col(Pegawai.id) == col(StatusPeriod.pegawai_id))
    .join(Cycle, col(Cycle.instansi_id) == col(Pegawai.instansi_id))
    .where(col(Cycle.id) == CYCLE, col(StatusPeriod.status) != "AKTIF")
)
"""The status periods other than AKTIF of the cycle's instansi: pegawai, first day, last day if any."""
SKP_SPANS_OF = select(
    col(Skp.pegawai_id), col(Skp.periode_awal), col(Skp.periode_akhir), col(Skp.closing_reason)
).where(col(Skp.cycle_id) == CYCLE, col(Skp.pegawai_id).in_(IDS))
"""The cycle's SKPs of the pegawai `ids`: pegawai, period, closing reason."""
LATE_STARTS = select(id_of(Skp.id), col(Skp.periode_awal)).where(
    col(Skp.cycle_id) == CYCLE, col(Skp.periode_awal) > bindparam("first")
)
"""The cycle's SKPs whose period starts after the day `first`: id, first day."""


FEEDBACK_STEPS = select(
    col(DeadlineStep.entity_type),
    col(DeadlineStep.entity_id),
    col(DeadlineStep.step_index),
    col(DeadlineStep.step_at),
    col(DeadlineStep.taken_at),
    col(DeadlineStep.notified),
).where(col(DeadlineStep.cycle_id) == CYCLE, col(DeadlineStep.deadline_key) == DeadlineKey.FEEDBACK.value)
"""The cycle's dialog kinerja steps: the anchor (`skp` or `feedback`, its id), the step's number, its day, when the
sweep took it, whether it was sent."""
FEEDBACK_GIVEN = (
    select(id_of(Feedback.id), col(Feedback.skp_id), col(Feedback.at))
    .join(Skp, col(Skp.id) == col(Feedback.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
    .order_by(col(Feedback.skp_id), col(Feedback.at), col(Feedback.id))
)
"""The umpan balik on the cycle's SKPs, SKP by SKP in the order it was given: id, SKP, when."""
FEEDBACK_NOTIFIED = (
    select(col(Outbox.action), func.count())
    .where(col(Outbox.deadline_key) == DeadlineKey.FEEDBACK.value)
    .group_by(col(Outbox.action))
)
"""Per ladder action, how many dialog kinerja notifications were queued (any cycle)."""


STATUS_KINDS = ("out_all_year", "starting", "ending")
IN_FORCE = frozenset({"agreed", "monitored", "adjusted"})
"""The SKP states in which umpan balik is expected, so its lapse is nudged: from the agreed plan to the rating."""


History = Mapping[int, Sequence[tuple[datetime, str | None]]]
"""Each of the cycle's SKPs' audit chain as `figures.from_database` reads it once: (when, the state it went to)."""


def read(
    s: Session, cycle_id: int, policy: Policy, year: int, *, history: History, agreed: Mapping[int, datetime]
) -> dict[str, Any]:
    """The regulation's everyday cases as the database holds them (`figures.from_database`)."""
    return {
        "input_360": _inputs_360(s, cycle_id),
        "qualitative": _qualitative(s, cycle_id),
        "acting": _acting(s, cycle_id),
        "pppk_contracts": _contracts(s, cycle_id, policy, year),
        "status_periods": _status_periods(s, cycle_id, year),
        "mid_year_skps": _mid_year(s, cycle_id, policy, year),
        "quality_planted": _planted(s, cycle_id, policy),
        "dialog_kinerja": _dialog(s, cycle_id, policy, year, history=history, agreed=agreed),
    }


def _planted(s: Session, cycle_id: int, policy: Policy) -> dict[str, int]:
    """The problems the simulation plants, as the quality report (`GET /cycles/{id}/quality`) finds them: the SKPs
    holding the planted RHK, and those of them the report names for an RHK no bawahan intervenes."""
    planted = set(s.execute(PLANTED, {"c": cycle_id, "t": PLANTED_RHK}).scalars())
    found = {
        p.skp_id
        for p in quality.check(s, cycle_id, policy, quality.skp_rows(s, cycle_id), [QualityRule.ORPHAN_ATASAN_RHK])
    }
    return {"orphan_rhk_planted": len(planted), "orphan_rhk_found": len(planted & found)}


def _inputs_360(s: Session, cycle_id: int) -> dict[str, int]:
    """360 input: the requests and answers on the cycle's SKPs, each with its event in the audit trail."""
    c = {"c": cycle_id}
    rows = s.execute(INPUTS_360, c).all()
    audited = dict(s.execute(INPUT_360_EVENTS, c).tuples().all())
    return {
        "units": len({u for _, _, u, _ in rows}),
        "skps": len({skp for _, skp, _, _ in rows}),
        "named": len(rows),
        "submitted": sum(1 for *_, state in rows if state == "submitted"),
        "audited_named": audited.get("name", 0),
        "audited_submitted": audited.get("submit", 0),
    }


def _qualitative(s: Session, cycle_id: int) -> dict[str, int]:
    """The qualitative approach: the SKPs planned with a qualitative indikator, and its realisasi rated."""
    c = {"c": cycle_id}
    planned = s.execute(QUALITATIVE_SKPS, c).all()
    return {
        "units": len({unit for _, unit in planned}),
        "skps": len(planned),
        "rated": s.execute(QUALITATIVE_RATED, c).scalar_one(),
    }


def _acting(s: Session, cycle_id: int) -> dict[str, int]:
    """Each acting SK against the SKPs: those moved to the official when it began (their `reassigned` events at its
    `begin`) move back when it ends, their penilai is the unit's head again; while it ran the official rated them."""
    c = {"c": cycle_id}
    sks = s.execute(ACTING_SKS, c).all()
    out = dict.fromkeys(
        (
            "skps_moved",
            "moved_back",
            "reverted_to_head",
            "reassigned_events",
            "rated_by_official",
            "rated_by_others_while_running",
        ),
        0,
    )
    out = {"sks": len(sks), **out}
    if not sks:
        return out
    phases: dict[int, dict[str, datetime]] = defaultdict(dict)
    for entity_id, trigger, at in s.execute(ACTING_PHASES, {"ids": [i for i, _, _ in sks]}):
        phases[entity_id][trigger] = at
    reassigned: dict[datetime, set[int]] = defaultdict(set)
    for entity_id, at in s.execute(REASSIGNED, c):
        reassigned[at].add(entity_id)
    for sk_id, nip, head in sks:
        begun, ended = phases[sk_id].get("begin"), phases[sk_id].get("end")
        moved = reassigned.get(begun, set()) if begun else set()
        back = reassigned.get(ended, set()) if ended else set()
        out["skps_moved"] += len(moved)
        out["moved_back"] += len(moved & back)
        out["reassigned_events"] += len(moved) + len(back)
        if not moved:
            continue
        ids = {"ids": sorted(moved)}
        out["reverted_to_head"] += sum(1 for (penilai,) in s.execute(PENILAI_OF, ids) if penilai == head)
        for actor, at in s.execute(EVALUATED_ON, ids):
            if begun is not None and begun <= at and (ended is None or at < ended):
                key = "rated_by_official" if actor == f"pegawai:{nip}" else "rated_by_others_while_running"
                out[key] += 1
    return out


def _contracts(s: Session, cycle_id: int, policy: Policy, year: int) -> dict[str, int]:
    """PPPK contracts against the contract ladder: a recommendation case exactly for the contracts whose opening
    instant the last sweep passed, and no PPPK on the PNS sanction path."""
    c = {"c": cycle_id}
    last_sweep = local_instant(date(year + 1, 4, 1), 9)
    rows = [
        (opens_at(policy, selesai, ZONE) <= last_sweep, case_id is not None)
        for selesai, case_id in s.execute(CONTRACTS, c)
    ]
    sanctions = s.execute(PPPK_SANCTIONS, c).scalar_one()
    return {
        "contracts": len(rows),
        "opening_passed": sum(passed for passed, _ in rows),
        "with_case": sum(case for _, case in rows),
        "case_before_opening": sum(case and not passed for passed, case in rows),
        "opening_passed_without_case": sum(passed and not case for passed, case in rows),
        "pppk_sanction_cases": sanctions,
    }


def _status_periods(s: Session, cycle_id: int, year: int) -> dict[str, dict[str, int]]:
    """Status periods against the SKPs: none for a pegawai away all year; one starting in the year closes an SKP the
    day before it; one ending in the year has an SKP drafted from the day after."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    c = {"c": cycle_id}
    spans = s.execute(STATUS_SPANS, c).tuples().all()
    skps: dict[int, list[tuple[date, date, bool]]] = defaultdict(list)
    for pid, awal, akhir, reason in s.execute(SKP_SPANS_OF, {**c, "ids": [pid for pid, _, _ in spans]}):
        skps[pid].append((awal, akhir, reason is not None))
    out = {
        "out_all_year": {"pegawai": 0, "skps": 0},
        "starting": {"pegawai": 0, "closed_the_day_before": 0},
        "ending": {"pegawai": 0, "drafted_the_day_after": 0},
    }
    for pid, starts, until in spans:
        if starts <= first and (until is None or until >= last):
            out["out_all_year"]["pegawai"] += 1
            out["out_all_year"]["skps"] += len(skps[pid])
        elif first < starts <= last:
            out["starting"]["pegawai"] += 1
            eve = starts - timedelta(days=1)
            out["starting"]["closed_the_day_before"] += any(akhir == eve and closed for _, akhir, closed in skps[pid])
        if until is not None and first <= until < last:
            out["ending"]["pegawai"] += 1
            morrow = until + timedelta(days=1)
            out["ending"]["drafted_the_day_after"] += sum(1 for awal, _, _ in skps[pid] if awal == morrow)
    return out


def _mid_year(s: Session, cycle_id: int, policy: Policy, year: int) -> dict[str, int]:
    """SKPs starting after 1 January (a mutasi, a status ending): their agreement ladder runs from their own start, so
    none is overdue on its first day and every step is due when `due_date(..., start=periode_awal)` says."""
    c = {"c": cycle_id}
    starts: dict[int, date] = dict(s.execute(LATE_STARTS, {**c, "first": date(year, 1, 1)}).tuples().all())
    due = {
        i: due_date(policy, DeadlineKey.SKP_AGREEMENT, cycle_year=year, start=day, tz=ZONE) for i, day in starts.items()
    }
    first_day_ends = {
        i: datetime.combine(day + timedelta(days=1), datetime.min.time(), ZONE).astimezone(UTC)
        for i, day in starts.items()
    }
    overdue = {i for i in starts if due[i] <= first_day_ends[i]}
    steps = as_policy = 0
    for entity_id, due_at in s.execute(AGREEMENT_STEP_DUES_OF, {**c, "ids": list(starts)}):
        steps += 1
        as_policy += due_at == due[entity_id]
        if due_at <= first_day_ends[entity_id]:
            overdue.add(entity_id)
    return {
        "skps": len(starts),
        "agreement_steps": steps,
        "steps_due_as_policy": as_policy,
        "overdue_on_first_day": len(overdue),
    }


def _dialog(
    s: Session, cycle_id: int, policy: Policy, year: int, *, history: History, agreed: Mapping[int, datetime]
) -> dict[str, Any]:
    """Dialog kinerja (`feedback.every_weeks`): the nudges the sweep took and sent, the SKPs they were about and the
    umpan balik given after one; then the rule checked both ways. A sent nudge is wrong when its SKP had had umpan
    balik since the nudge's anchor; an SKP in force at the last sweep whose window had lapsed is wrong when the
    steps of its anchor stop short of what `policies.feedback` says that day had reached."""
    weeks = policy.feedback.every_weeks
    out: dict[str, Any] = {
        "every_weeks": weeks,
        "steps": 0,
        "notified": {},
        "skps_nudged": 0,
        "answered": 0,
        "nudged_despite_feedback": 0,
        "lapsed_without_nudge": 0,
    }
    if weeks is None:
        return out
    rule = policy.deadlines.rule(DeadlineKey.FEEDBACK)
    assert isinstance(rule, RecurringRule)
    c = {"c": cycle_id}
    given: dict[int, list[tuple[int, datetime]]] = defaultdict(list)  # SKP → its umpan balik in order
    skp_of: dict[int, int] = {}  # umpan balik → its SKP
    for fid, skp_id, at in s.execute(FEEDBACK_GIVEN, c):
        given[skp_id].append((fid, at))
        skp_of[fid] = skp_id
    steps = s.execute(FEEDBACK_STEPS, c).all()
    sent: dict[tuple[str, int], list[datetime]] = defaultdict(list)  # anchor → when its sent nudges were taken
    last_step: dict[tuple[str, int], int] = {}
    for entity_type, entity_id, n, _, taken_at, notified in steps:
        anchor = (entity_type, entity_id)
        last_step[anchor] = max(n, last_step.get(anchor, -1))
        if notified:
            sent[anchor].append(taken_at)
    out["steps"] = len(steps)
    out["notified"] = dict(sorted(s.execute(FEEDBACK_NOTIFIED).tuples().all()))
    out["skps_nudged"] = len({entity_id if kind == "skp" else skp_of[entity_id] for kind, entity_id in sent})

    def since(anchor: tuple[str, int]) -> tuple[int, datetime | None]:
        """The anchor's SKP and the instant after which umpan balik on it starts a new anchor."""
        kind, entity_id = anchor
        if kind == "skp":
            return entity_id, None
        skp_id = skp_of[entity_id]
        return skp_id, next(at for fid, at in given[skp_id] if fid == entity_id)

    for anchor, taken in sent.items():
        skp_id, after = since(anchor)
        for at in taken:
            out["nudged_despite_feedback"] += any(
                (after is None or (g, fid) > (after, anchor[1])) and g <= at for fid, g in given[skp_id]
            )
    for skp_id, feedback in given.items():
        previous = ("skp", skp_id)
        for fid, at in feedback:
            out["answered"] += any(t < at for t in sent.get(previous, ()))
            previous = ("feedback", fid)
    last_sweep = local_instant(date(year + 1, 4, 1), 9)
    today = last_sweep.astimezone(ZONE).date()
    state = {
        skp_id: next((to for at, to in reversed(chain) if at <= last_sweep), None) for skp_id, chain in history.items()
    }
    for skp_id, first_agreed in agreed.items():
        if state.get(skp_id) not in IN_FORCE:
            continue
        before = [(fid, at) for fid, at in given.get(skp_id, []) if at <= last_sweep]
        anchor, at = (("feedback", before[-1][0]), before[-1][1]) if before else (("skp", skp_id), first_agreed)
        reached = dialog.steps_reached(at.astimezone(ZONE).date(), weeks, rule.ladder, today)
        out["lapsed_without_nudge"] += reached > 0 and last_step.get(anchor, -1) != reached - 1
    return out
