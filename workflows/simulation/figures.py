"""The simulation's report figures, twice: from what the simulation did (its ledger), and again from the database
with independent queries, so the report can be checked against the database it leaves behind.

The database side reads the tables (`workflows.store.tables`) with its own SQLAlchemy Core statements, named below
with a line each on what they read, and deliberately not through the use cases, their loaders or views: the check
then does not share the code it checks. Two figures compare a read model with the tables on purpose: the planted
RHK against the quality report (`quality.check`) and the rated evaluations against the TPP export (`tpp_rows`). No
SQL is written as a string here (tests/unit/test_simulation_figures.py keeps it so). The module is long because
both sides of every figure, and the statements they read, sit together where a reader can compare them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Engine, Integer, and_, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.deadlines import due_date
from policies.distribution import check as check_distribution
from policies.kontrak import opens_at
from policies.periods import periods
from policies.schema import AutoAction, DeadlineKey, Policy, QualityRule
from states.enums import Approach, CapaianLevel, Predikat
from workflows import audit
from workflows.cases import quality
from workflows.queries.exports import tpp_rows
from workflows.simulation.simulator import PLANTED_RHK, ZONE, Ledger
from workflows.store.tables import (
    ActingAssignment,
    AuditEvent,
    Capaian,
    Cycle,
    DeadlineStep,
    Evaluation,
    FollowUpCase,
    Indikator,
    Input360,
    Keberatan,
    Kontrak,
    Outbox,
    Pegawai,
    Realisasi,
    Rhk,
    Skp,
    StatusPeriod,
    Unit,
)
from workflows.store.uow import reading

COMPLIANCE_KEYS = (
    DeadlineKey.SKP_AGREEMENT,
    DeadlineKey.REALISASI,
    DeadlineKey.PERIODIC_EVALUATION,
    DeadlineKey.ANNUAL_ASSESSMENT,
    DeadlineKey.KEBERATAN_DECISION,
    DeadlineKey.COACHING_SCHEDULE,
)
COUNTED_ACTIONS: tuple[tuple[str, str], ...] = (
    ("skp", "plan"),
    ("skp", "cascade"),
    ("skp", "return"),
    ("skp", "agree"),
    ("skp", "adjust"),
    ("skp", "reagree"),
    ("skp", "assess"),
    ("skp", "close_for_mutasi"),
    ("skp", "close_for_status"),
    ("skp", "feedback"),
    ("evaluation", "realisasi"),
    ("evaluation", "submit_realisasi"),
    ("evaluation", "evaluate"),
    ("capaian", "set_capaian"),
    ("keberatan", "file"),
    ("keberatan", "decide"),
    ("follow_up_case", "schedule"),
)
"""Human actions whose count the ledger keeps and the audit trail shows: (entity type, trigger)."""

# --- the statements, each with the parameters it binds: `c` the cycle id, `ids` a list of ids -------------------

CYCLE: BindParameter[int] = bindparam("c")
IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


def _key(column: Any) -> ColumnElement[int]:
    """A primary key column, typed as never NULL (as it is in a row read back)."""
    return type_coerce(col(column), Integer)


UNIT_CODES = select(_key(Unit.id), col(Unit.code))
"""Every unit's code, by unit id."""
SKPS = select(_key(Skp.id), col(Skp.unit_id), col(Skp.state)).where(col(Skp.cycle_id) == CYCLE)
"""The cycle's SKPs: id, unit, state."""
SKP_UNITS = select(_key(Skp.id), col(Skp.unit_id)).where(col(Skp.cycle_id) == CYCLE)
"""The unit of each of the cycle's SKPs."""

# the entities each deadline is about, with their unit: both sides read these, and differ in what they count as done
EVALUATIONS = (
    select(_key(Evaluation.id), col(Skp.unit_id), col(Evaluation.period_no))
    .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
)
"""The cycle's periodic evaluations: id, unit, period."""
OBJECTIONS = (
    select(_key(Keberatan.id), col(Skp.unit_id), col(Keberatan.filed_at))
    .join(Skp, col(Skp.id) == col(Keberatan.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
)
"""The cycle's keberatan: id, unit, when filed."""
COACHING = (
    select(_key(FollowUpCase.id), col(Skp.unit_id), col(FollowUpCase.opened_at))
    .join(Skp, col(Skp.id) == col(FollowUpCase.skp_id))
    .where(col(Skp.cycle_id) == CYCLE, col(FollowUpCase.kind) == "COACHING")
)
"""The cycle's coaching cases: id, unit, when opened."""

AGREEMENT_STEPS_OF = select(func.count()).where(
    col(DeadlineStep.cycle_id) == CYCLE,
    col(DeadlineStep.deadline_key) == "skp_agreement",
    col(DeadlineStep.entity_id).in_(IDS),
)
"""How many agreement deadline steps the cycle took for the SKPs `ids`."""
AGREEMENT_STEP_DUES_OF = select(col(DeadlineStep.entity_id), col(DeadlineStep.due_at)).where(
    col(DeadlineStep.cycle_id) == CYCLE,
    col(DeadlineStep.deadline_key) == "skp_agreement",
    col(DeadlineStep.entity_id).in_(IDS),
)
"""Each agreement deadline step the cycle took for the SKPs `ids`: the SKP, the instant it was due."""

SKP_HISTORY = (
    select(col(AuditEvent.entity_id), col(AuditEvent.at), col(AuditEvent.to_state))
    .join(Skp, col(Skp.id) == col(AuditEvent.entity_id))
    .where(col(AuditEvent.entity_type) == "skp", col(Skp.cycle_id) == CYCLE)
    .order_by(col(AuditEvent.entity_id), col(AuditEvent.seq))
)
"""Every audit event of the cycle's SKPs, chain by chain in order: the SKP, when, the state it went to."""
FIRST_DONE = (
    select(col(AuditEvent.entity_id), func.min(col(AuditEvent.at)))
    .where(col(AuditEvent.entity_type) == bindparam("e"), col(AuditEvent.trigger) == bindparam("t"))
    .group_by(col(AuditEvent.entity_id))
)
"""Per entity of type `e`, the first instant its trigger `t` fired (any cycle)."""
PREDIKAT_COUNTS = (
    select(col(Skp.unit_id), col(Skp.predikat), func.count())
    .where(col(Skp.cycle_id) == CYCLE, col(Skp.predikat).is_not(None))
    .group_by(col(Skp.unit_id), col(Skp.predikat))
)
"""Per unit and annual predikat, how many of the cycle's SKPs have it."""
ANNUAL_LEVELS = select(col(Capaian.unit_id), col(Capaian.level)).where(
    col(Capaian.cycle_id) == CYCLE, col(Capaian.period_no) == 0
)
"""Each unit's annual capaian level in the cycle."""
CASES_BY_KIND = (
    select(col(FollowUpCase.kind), func.count())
    .join(Skp, col(Skp.id) == col(FollowUpCase.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
    .group_by(col(FollowUpCase.kind))
)
"""Per kind, how many follow-up cases the cycle's SKPs have."""
DEADLINE_STEPS = select(func.count()).where(col(DeadlineStep.cycle_id) == CYCLE)
"""How many deadline steps the cycle took."""
NOTIFIED_BY_ACTION = (
    select(col(Outbox.action), func.count()).where(col(Outbox.deadline_key).is_not(None)).group_by(col(Outbox.action))
)
"""Per ladder action, how many notifications a deadline step queued (any cycle)."""
AUTO_ACTIONS = (
    select(col(AuditEvent.trigger), func.count())
    .where(col(AuditEvent.trigger).in_(bindparam("autos", expanding=True)))
    .group_by(col(AuditEvent.trigger))
)
"""Per automatic action among `autos`, how many audit events it wrote (any entity)."""
SENT = select(func.count()).where(col(Outbox.status) == "sent")
"""How many notifications were delivered."""
ACTION_COUNTS = select(col(AuditEvent.entity_type), col(AuditEvent.trigger), func.count()).group_by(
    col(AuditEvent.entity_type), col(AuditEvent.trigger)
)
"""Per entity type and trigger, how many audit events there are."""
EVENTS = select(func.count()).select_from(AuditEvent)
"""How many audit events there are."""

PLANTED = (
    select(col(Rhk.skp_id))
    .join(Skp, col(Skp.id) == col(Rhk.skp_id))
    .where(col(Skp.cycle_id) == CYCLE, col(Rhk.text) == bindparam("t"))
)
"""The cycle's SKPs holding an RHK with the text `t` (one row per such RHK)."""
RATED_BY_PERIOD = (
    select(col(Evaluation.period_no), func.count())
    .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
    .where(col(Skp.cycle_id) == CYCLE, col(Evaluation.predikat).is_not(None))
    .group_by(col(Evaluation.period_no))
)
"""Per period, how many of the cycle's evaluations have a periodic predikat."""
CYCLE_INSTANSI = select(col(Cycle.instansi_id)).where(col(Cycle.id) == CYCLE)
"""The instansi the cycle belongs to."""

INPUTS_360 = (
    select(_key(Input360.id), col(Input360.skp_id), col(Skp.unit_id), col(Input360.state))
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
    select(_key(ActingAssignment.id), col(Pegawai.nip), col(Unit.head_id))
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
LATE_STARTS = select(_key(Skp.id), col(Skp.periode_awal)).where(
    col(Skp.cycle_id) == CYCLE, col(Skp.periode_awal) > bindparam("first")
)
"""The cycle's SKPs whose period starts after the day `first`: id, first day."""


def _month_ends(year: int) -> list[tuple[str, datetime]]:
    out = []
    for m in range(1, 15):
        after = date(year + m // 12, m % 12 + 1, 1)
        last = after - timedelta(days=1)
        out.append((f"{last:%Y-%m}", datetime.combine(after, datetime.min.time(), ZONE).astimezone(UTC)))
    return out


class _Dues:
    """Due instants per deadline, in the kabupaten's zone, from the cycle's pinned policy."""

    def __init__(self, policy: Policy, year: int) -> None:
        self.policy, self.year = policy, year
        self.period_end = {p.n: p.end for p in periods(policy, year)}

    def fixed(self, key: DeadlineKey) -> datetime:
        return due_date(self.policy, key, cycle_year=self.year, tz=ZONE)

    def after_period(self, key: DeadlineKey, n: int) -> datetime:
        return due_date(self.policy, key, period_end=self.period_end[n], tz=ZONE)

    def after_event(self, key: DeadlineKey, at: datetime) -> datetime:
        return due_date(self.policy, key, event_at=at, tz=ZONE)


def _tally(entities: Mapping[int, tuple[str, datetime]], done: Mapping[int, datetime]) -> dict[str, dict[str, int]]:
    """Per unit code: on time (done before the due instant), late (done at or after it), still pending."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0, "pending": 0})
    for entity_id, (unit, due) in entities.items():
        when = done.get(entity_id)
        out[unit]["pending" if when is None else "on_time" if when < due else "late"] += 1
    return {unit: out[unit] for unit in sorted(out)}


def _totals(per_unit: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    total: Counter[str] = Counter({"on_time": 0, "late": 0, "pending": 0})
    for counts in per_unit.values():
        total.update(counts)
    return dict(total)


def _distribution(
    policy: Policy, counts: Mapping[str, Counter[str]], levels: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for unit in sorted(counts):
        level = levels.get(unit)
        found = {p.value: counts[unit].get(p.value, 0) for p in Predikat}
        violations = (
            [
                v.message
                for v in check_distribution(policy, CapaianLevel(level), {Predikat(k): n for k, n in found.items()})
            ]
            if level
            else []
        )
        out[unit] = {"level": level, "counts": found, "violations": violations}
    return out


# --- from the ledger -----------------------------------------------------------------------------------------------


def from_ledger(engine: Engine, ledger: Ledger, policy: Policy, year: int, sent: int) -> dict[str, Any]:
    """The report's figures: what the simulation did, with the entities it acted on located in the database."""
    dues = _Dues(policy, year)
    cid = ledger.cycle_id
    with reading(engine) as s:
        unit_code = dict(s.execute(UNIT_CODES).tuples().all())
        skps = s.execute(SKPS, {"c": cid}).all()
        evaluations = s.execute(EVALUATIONS, {"c": cid}).all()
        objections = s.execute(OBJECTIONS, {"c": cid}).all()
        coaching = s.execute(COACHING, {"c": cid}).all()
        verified = audit.verify(s)
    unit_of_skp = {skp_id: unit_code[u] for skp_id, u, _ in skps}
    done = ledger.done
    submitted = done[DeadlineKey.REALISASI.value]
    universes: dict[DeadlineKey, dict[int, tuple[str, datetime]]] = {
        DeadlineKey.SKP_AGREEMENT: {i: (unit_of_skp[i], dues.fixed(DeadlineKey.SKP_AGREEMENT)) for i, _, _ in skps},
        DeadlineKey.REALISASI: {
            i: (unit_code[u], dues.after_period(DeadlineKey.REALISASI, n)) for i, u, n in evaluations
        },
        DeadlineKey.PERIODIC_EVALUATION: {
            i: (unit_code[u], dues.after_period(DeadlineKey.PERIODIC_EVALUATION, n))
            for i, u, n in evaluations
            if i in submitted
        },
        DeadlineKey.ANNUAL_ASSESSMENT: {
            i: (unit_of_skp[i], dues.fixed(DeadlineKey.ANNUAL_ASSESSMENT)) for i, _, _ in skps
        },
        DeadlineKey.KEBERATAN_DECISION: {
            i: (unit_code[u], dues.after_event(DeadlineKey.KEBERATAN_DECISION, at)) for i, u, at in objections
        },
        DeadlineKey.COACHING_SCHEDULE: {
            i: (unit_code[u], dues.after_event(DeadlineKey.COACHING_SCHEDULE, at)) for i, u, at in coaching
        },
    }
    compliance = {key.value: _tally(universes[key], done[key.value]) for key in COMPLIANCE_KEYS}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for skp_id, predikat in ledger.predikat.items():
        if predikat:
            counts[unit_of_skp[skp_id]][predikat] += 1
    levels = {unit_code[u]: level for u, level in ledger.annual_levels.items()}
    distribution = _distribution(policy, counts, levels)
    mid_year = [m["new_skp"] for m in ledger.mutasi] + [i for e in ledger.statuses for i in e["drafted"]]
    with reading(engine) as s:
        mid_year_steps = s.execute(AGREEMENT_STEPS_OF, {"c": cid, "ids": mid_year}).scalar_one()
    by_kind = {k: [e for e in ledger.statuses if e["kind"] == k] for k in STATUS_KINDS}
    rated_in: Counter[int] = Counter(n for i, _, n in evaluations if i in done[DeadlineKey.PERIODIC_EVALUATION.value])
    last_sweep = local_instant(date(year + 1, 4, 1), 9)
    passed = sum(1 for k in ledger.contracts if opens_at(policy, date.fromisoformat(k["selesai"]), ZONE) <= last_sweep)
    act = ledger.acting
    return {
        "quality_planted": {
            "orphan_rhk_planted": len(ledger.orphans_planted),
            "orphan_rhk_found": len(ledger.orphans_planted),
        },
        "input_360": {
            "units": 1 if ledger.input_360_unit else 0,
            "skps": ledger.input_360["skps"],
            "named": ledger.input_360["named"],
            "submitted": ledger.input_360["submitted"],
            "audited_named": ledger.input_360["named"],
            "audited_submitted": ledger.input_360["submitted"],
        },
        "qualitative": {
            "units": 1 if ledger.qualitative["skps"] else 0,
            "skps": ledger.qualitative["skps"],
            "rated": ledger.qualitative["rated"],
        },
        "acting": {
            "sks": 1 if act else 0,
            "skps_moved": act.get("moved", 0),
            "moved_back": act.get("moved", 0),
            "reverted_to_head": act.get("moved", 0),
            "reassigned_events": act.get("reassigned", 0),
            "rated_by_official": act.get("rated_by_official", 0),
            "rated_by_others_while_running": 0,
        },
        "pppk_contracts": {
            "contracts": len(ledger.contracts),
            "opening_passed": passed,
            "with_case": sum(ledger.contract_cases.values()),
            "case_before_opening": 0,
            "opening_passed_without_case": 0,
            "pppk_sanction_cases": 0,
        },
        "status_periods": {
            "out_all_year": {
                "pegawai": len(by_kind["out_all_year"]),
                "skps": sum(len(e["drafted"]) for e in by_kind["out_all_year"]),
            },
            "starting": {
                "pegawai": len(by_kind["starting"]),
                "closed_the_day_before": sum(1 for e in by_kind["starting"] if len(e["closed"]) == 1),
            },
            "ending": {
                "pegawai": len(by_kind["ending"]),
                "drafted_the_day_after": sum(len(e["drafted"]) for e in by_kind["ending"]),
            },
        },
        "mid_year_skps": {
            "skps": len(mid_year),
            "agreement_steps": mid_year_steps,
            "steps_due_as_policy": mid_year_steps,
            "overdue_on_first_day": 0,
        },
        "tpp_export": {str(p.n): {"rows": rated_in[p.n], "rated": rated_in[p.n]} for p in periods(policy, year)},
        "states_over_time": ledger.snapshots,
        "final_states": dict(sorted(Counter(state for _, _, state in skps).items())),
        "compliance": compliance,
        "compliance_totals": {k: _totals(v) for k, v in compliance.items()},
        "distribution": distribution,
        "distribution_totals": {
            p.value: sum(predikat.get(p.value, 0) for predikat in counts.values()) for p in Predikat
        },
        "units_violating": sorted(u for u, d in distribution.items() if d["violations"]),
        "follow_up_cases": dict(sorted((ledger.cases + ledger.contract_cases).items())),
        "deadline_steps": {
            "steps": ledger.deadline_steps,
            "notified": dict(sorted(ledger.notified.items())),
            "auto_actions": dict(sorted(ledger.auto_actions.items())),
        },
        "notifications_delivered": sent,
        "actions": {f"{e}.{t}": ledger.actions[t] for e, t in COUNTED_ACTIONS},
        "audit": {"ok": verified.ok, "events": verified.checked, "first_bad": str(verified.first_bad or "") or None},
    }


# --- from the database, independently --------------------------------------------------------------------------


def from_database(engine: Engine, cycle_id: int, policy: Policy, year: int) -> dict[str, Any]:
    """The same figures, read back from the database alone: SKP states over time from each SKP's audit chain,
    done times from audit events, counts from the tables."""
    dues = _Dues(policy, year)
    c = {"c": cycle_id}
    with reading(engine) as s:
        q = s.execute
        unit_code = dict(q(UNIT_CODES).tuples().all())
        history: dict[int, list[tuple[datetime, str | None]]] = defaultdict(list)
        for entity_id, at, to_state in q(SKP_HISTORY, c):
            history[entity_id].append((at, to_state))
        skp_unit = dict(q(SKP_UNITS, c).tuples().all())

        def first(entity_type: str, trigger: str) -> dict[int, datetime]:
            return dict(q(FIRST_DONE, {"e": entity_type, "t": trigger}).tuples().all())

        evaluations = q(EVALUATIONS, c).all()
        objections = q(OBJECTIONS, c).all()
        coaching = q(COACHING, c).all()
        done = {
            DeadlineKey.SKP_AGREEMENT: first("skp", "agree"),
            DeadlineKey.REALISASI: first("evaluation", "submit_realisasi"),
            DeadlineKey.PERIODIC_EVALUATION: first("evaluation", "evaluate"),
            DeadlineKey.ANNUAL_ASSESSMENT: first("skp", "assess"),
            DeadlineKey.KEBERATAN_DECISION: first("keberatan", "decide"),
            DeadlineKey.COACHING_SCHEDULE: first("follow_up_case", "schedule"),
        }
        predikat_rows = q(PREDIKAT_COUNTS, c).all()
        levels = {unit_code[u]: level for u, level in q(ANNUAL_LEVELS, c)}
        cases = dict(q(CASES_BY_KIND, c).tuples().all())
        steps = q(DEADLINE_STEPS, c).scalar_one()
        notified = dict(q(NOTIFIED_BY_ACTION).tuples().all())
        autos = [a.value for a in AutoAction]  # every automatic action, however many the policy schema has
        auto_actions = dict(q(AUTO_ACTIONS, {"autos": autos}).tuples().all())
        sent = q(SENT).scalar_one()
        action_counts = {(e, t): n for e, t, n in q(ACTION_COUNTS)}
        events = q(EVENTS).scalar_one()
        everyday = _everyday(s, cycle_id, policy, year)
    states_over_time: dict[str, dict[str, int]] = {}
    horizon = datetime.combine(date(year + 1, 4, 1), datetime.min.time(), ZONE).astimezone(UTC) + timedelta(hours=9)
    for label, instant in [*_month_ends(year), ("final", horizon)]:
        tally: Counter[str] = Counter()
        for entity_history in history.values():
            state = None
            for at, to_state in entity_history:
                if at > instant:
                    break
                state = to_state
            if state is not None:
                tally[state] += 1
        states_over_time[label] = dict(sorted(tally.items()))
    final = states_over_time.pop("final")
    universes: dict[DeadlineKey, dict[int, tuple[str, datetime]]] = {
        DeadlineKey.SKP_AGREEMENT: {
            i: (unit_code[u], dues.fixed(DeadlineKey.SKP_AGREEMENT)) for i, u in skp_unit.items()
        },
        DeadlineKey.REALISASI: {
            i: (unit_code[u], dues.after_period(DeadlineKey.REALISASI, n)) for i, u, n in evaluations
        },
        DeadlineKey.PERIODIC_EVALUATION: {
            i: (unit_code[u], dues.after_period(DeadlineKey.PERIODIC_EVALUATION, n))
            for i, u, n in evaluations
            if i in done[DeadlineKey.REALISASI]
        },
        DeadlineKey.ANNUAL_ASSESSMENT: {
            i: (unit_code[u], dues.fixed(DeadlineKey.ANNUAL_ASSESSMENT)) for i, u in skp_unit.items()
        },
        DeadlineKey.KEBERATAN_DECISION: {
            i: (unit_code[u], dues.after_event(DeadlineKey.KEBERATAN_DECISION, at)) for i, u, at in objections
        },
        DeadlineKey.COACHING_SCHEDULE: {
            i: (unit_code[u], dues.after_event(DeadlineKey.COACHING_SCHEDULE, at)) for i, u, at in coaching
        },
    }
    compliance = {key.value: _tally(universes[key], done[key]) for key in COMPLIANCE_KEYS}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for u, predikat, n in predikat_rows:
        counts[unit_code[u]][predikat] += n
    distribution = _distribution(policy, counts, levels)
    return {
        **everyday,
        "tpp_export": _tpp_export(engine, cycle_id, policy, year),
        "states_over_time": states_over_time,
        "final_states": final,
        "compliance": compliance,
        "compliance_totals": {k: _totals(v) for k, v in compliance.items()},
        "distribution": distribution,
        "distribution_totals": {p.value: sum(d["counts"][p.value] for d in distribution.values()) for p in Predikat},
        "units_violating": sorted(u for u, d in distribution.items() if d["violations"]),
        "follow_up_cases": dict(sorted(cases.items())),
        "deadline_steps": {
            "steps": steps,
            "notified": dict(sorted(notified.items())),
            "auto_actions": dict(sorted(auto_actions.items())),
        },
        "notifications_delivered": sent,
        "actions": {f"{e}.{t}": action_counts.get((e, t), 0) for e, t in COUNTED_ACTIONS},
        "audit": {"events": events},
    }


STATUS_KINDS = ("out_all_year", "starting", "ending")


def _everyday(s: Session, cycle_id: int, policy: Policy, year: int) -> dict[str, Any]:
    """The regulation's everyday cases as the database holds them (`from_database`)."""
    return {
        "input_360": _inputs_360(s, cycle_id),
        "qualitative": _qualitative(s, cycle_id),
        "acting": _acting(s, cycle_id),
        "pppk_contracts": _contracts(s, cycle_id, policy, year),
        "status_periods": _status_periods(s, cycle_id, year),
        "mid_year_skps": _mid_year(s, cycle_id, policy, year),
        "quality_planted": _planted(s, cycle_id, policy),
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


def _tpp_export(engine: Engine, cycle_id: int, policy: Policy, year: int) -> dict[str, dict[str, int]]:
    """Per period, the rows of the TPP export against the evaluations with a periodic predikat."""
    with reading(engine) as s:
        c = {"c": cycle_id}
        rated = dict(s.execute(RATED_BY_PERIOD, c).tuples().all())
        instansi_id = s.execute(CYCLE_INSTANSI, c).scalar_one()
    tpp: dict[str, dict[str, int]] = {}
    for p in periods(policy, year):
        rows = tpp_rows(lambda: reading(engine), instansi_id=instansi_id, cycle_id=cycle_id, period_no=p.n)
        tpp[str(p.n)] = {"rows": sum(1 for _ in rows), "rated": rated.get(p.n, 0)}
    return tpp


def local_instant(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), ZONE).astimezone(UTC) + timedelta(hours=hour)


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


def differences(report: Mapping[str, Any], database: Mapping[str, Any]) -> list[str]:
    """Where the report's figures and the database's disagree (the audit's `ok` is checked by the caller)."""
    out: list[str] = []
    for key, expected in database.items():
        got = report.get(key)
        if key == "audit":
            if got is None or got.get("events") != expected["events"]:
                out.append(
                    f"audit: the report checked {got and got.get('events')} events, "
                    f"the database has {expected['events']}"
                )
            continue
        if key == "states_over_time":
            for month, counts in expected.items():
                if report[key].get(month, {}) != counts:
                    out.append(f"states at the end of {month}: report {report[key].get(month)}, database {counts}")
            continue
        if got != expected:
            out.append(f"{key}: the report and the database differ" + _first_difference(got, expected))
    return out


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}")
    return f" at {path or '.'}: report {a!r}, database {b!r}"
