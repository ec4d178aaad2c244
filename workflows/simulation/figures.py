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

from sqlalchemy import Engine, bindparam, func, select
from sqlmodel import col

from policies.deadlines import due_date
from policies.distribution import check as check_distribution
from policies.kontrak import opens_at
from policies.periods import periods
from policies.schema import AutoAction, DeadlineKey, Policy
from states.enums import CapaianLevel, Predikat
from states.skp import SkpState
from workflows import audit
from workflows.queries.exports import tpp_rows
from workflows.simulation import everyday
from workflows.simulation.everyday import CYCLE, IDS, STATUS_KINDS, id_of, local_instant
from workflows.simulation.simulator import ZONE, Ledger
from workflows.store.tables import (
    AuditEvent,
    Capaian,
    Cycle,
    DeadlineStep,
    Evaluation,
    FollowUpCase,
    Keberatan,
    Outbox,
    Skp,
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

UNIT_CODES = select(id_of(Unit.id), col(Unit.code))
"""Every unit's code, by unit id."""
SKPS = select(id_of(Skp.id), col(Skp.unit_id), col(Skp.state)).where(col(Skp.cycle_id) == CYCLE)
"""The cycle's SKPs: id, unit, state."""
SKP_UNITS = select(id_of(Skp.id), col(Skp.unit_id)).where(col(Skp.cycle_id) == CYCLE)
"""The unit of each of the cycle's SKPs."""

# the entities each deadline is about, with their unit: both sides read these, and differ in what they count as done
EVALUATIONS = (
    select(id_of(Evaluation.id), col(Skp.unit_id), col(Evaluation.period_no))
    .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
)
"""The cycle's periodic evaluations: id, unit, period."""
OBJECTIONS = (
    select(id_of(Keberatan.id), col(Skp.unit_id), col(Keberatan.filed_at))
    .join(Skp, col(Skp.id) == col(Keberatan.skp_id))
    .where(col(Skp.cycle_id) == CYCLE)
)
"""The cycle's keberatan: id, unit, when filed."""
COACHING = (
    select(id_of(FollowUpCase.id), col(Skp.unit_id), col(FollowUpCase.opened_at))
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

RATED_BY_PERIOD = (
    select(col(Evaluation.period_no), func.count())
    .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
    .where(col(Skp.cycle_id) == CYCLE, col(Evaluation.predikat).is_not(None))
    .group_by(col(Evaluation.period_no))
)
"""Per period, how many of the cycle's evaluations have a periodic predikat."""
CYCLE_INSTANSI = select(col(Cycle.instansi_id)).where(col(Cycle.id) == CYCLE)
"""The instansi the cycle belongs to."""


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
        "dialog_kinerja": {
            "every_weeks": policy.feedback.every_weeks,
            "steps": ledger.dialog["steps"],
            "notified": dict(sorted(ledger.dialog_notified.items())),
            "skps_nudged": len(ledger.nudged),
            "answered": ledger.dialog["answered"],
            "nudged_despite_feedback": 0,
            "lapsed_without_nudge": 0,
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
        everyday_cases = everyday.read(
            s, cycle_id, policy, year, history=history, agreed=done[DeadlineKey.SKP_AGREEMENT]
        )
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
        **everyday_cases,
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


OPEN_SKPS = (
    select(col(Unit.code), col(Skp.state), func.count())
    .join(Unit, col(Unit.id) == col(Skp.unit_id))
    .where(col(Skp.cycle_id) == CYCLE, col(Skp.state).not_in((SkpState.followed_up.value, SkpState.withdrawn.value)))
    .group_by(col(Unit.code), col(Skp.state))
)
"""Per unit and state, the cycle's SKPs that keep it open: neither followed up nor withdrawn."""


def why_open(engine: Engine, cycle_id: int, units_violating: list[str]) -> dict[str, int]:
    """Why the cycle could not close at the horizon: SKPs assessed in units whose predikat break the curve (the
    policy holds their follow-up back until the pejabat penilai bring them within it), SKPs assessed elsewhere
    (waiting on a keberatan or its window), and SKPs never assessed."""
    out = {"assessed_in_units_breaking_the_curve": 0, "assessed_elsewhere": 0, "not_assessed": 0}
    breaking = set(units_violating)
    with reading(engine) as s:
        for code, state, n in s.execute(OPEN_SKPS, {"c": cycle_id}):
            if state == "assessed":
                out["assessed_in_units_breaking_the_curve" if code in breaking else "assessed_elsewhere"] += n
            else:
                out["not_assessed"] += n
    return out


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
