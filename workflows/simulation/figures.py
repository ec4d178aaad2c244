"""The simulation's report figures, twice: from what the simulation did (its ledger), and again from the database
with independent SQL, so the report can be checked against the database it leaves behind."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.orm import Session

from policies.deadlines import due_date
from policies.distribution import check as check_distribution
from policies.kontrak import opens_at
from policies.periods import periods
from policies.schema import AutoAction, DeadlineKey, Policy, QualityRule
from states.enums import CapaianLevel, Predikat
from workflows import audit
from workflows.cases import quality
from workflows.queries.exports import tpp_rows
from workflows.simulation.simulator import PLANTED_RHK, ZONE, Ledger
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

# the entities each deadline is about, with their unit: both sides read these, and differ in what they count as done
EVALUATIONS = (
    "SELECT e.id, s.unit_id, e.period_no FROM evaluation e JOIN skp s ON s.id = e.skp_id WHERE s.cycle_id = :c"
)
OBJECTIONS = "SELECT k.id, s.unit_id, k.filed_at FROM keberatan k JOIN skp s ON s.id = k.skp_id WHERE s.cycle_id = :c"
COACHING = (
    "SELECT f.id, s.unit_id, f.opened_at FROM followupcase f JOIN skp s ON s.id = f.skp_id "
    "WHERE s.cycle_id = :c AND f.kind = 'COACHING'"
)


def _utc(value: Any) -> datetime:
    """A timestamp as SQLite (naive UTC text) or PostgreSQL (aware) returns it from raw SQL."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: Any) -> date:
    """A date as SQLite (ISO text) or PostgreSQL (a date) returns it from raw SQL."""
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


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
        unit_code = dict(s.execute(text("SELECT id, code FROM unit")).tuples().all())
        skps = s.execute(text("SELECT id, unit_id, state FROM skp WHERE cycle_id = :c"), {"c": cid}).all()
        evaluations = s.execute(
            text(EVALUATIONS),
            {"c": cid},
        ).all()
        objections = s.execute(
            text(OBJECTIONS),
            {"c": cid},
        ).all()
        coaching = s.execute(
            text(COACHING),
            {"c": cid},
        ).all()
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
            i: (unit_code[u], dues.after_event(DeadlineKey.KEBERATAN_DECISION, _utc(at))) for i, u, at in objections
        },
        DeadlineKey.COACHING_SCHEDULE: {
            i: (unit_code[u], dues.after_event(DeadlineKey.COACHING_SCHEDULE, _utc(at))) for i, u, at in coaching
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
        mid_year_steps = s.execute(
            text(
                "SELECT COUNT(*) FROM deadlinestep WHERE cycle_id = :c AND deadline_key = 'skp_agreement' "
                "AND entity_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"c": cid, "ids": mid_year or [0]},
        ).scalar_one()
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
        unit_code = dict(q(text("SELECT id, code FROM unit")).tuples().all())
        history: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
        for entity_id, at, to_state in q(
            text(
                "SELECT a.entity_id, a.at, a.to_state FROM auditevent a JOIN skp s ON s.id = a.entity_id "
                "WHERE a.entity_type = 'skp' AND s.cycle_id = :c ORDER BY a.entity_id, a.seq"
            ),
            c,
        ):
            history[entity_id].append((_utc(at), to_state))
        skp_unit = dict(q(text("SELECT id, unit_id FROM skp WHERE cycle_id = :c"), c).tuples().all())

        def first(entity_type: str, trigger: str) -> dict[int, datetime]:
            rows = q(
                text(
                    "SELECT entity_id, MIN(at) FROM auditevent WHERE entity_type = :e AND trigger = :t "
                    "GROUP BY entity_id"
                ),
                {"e": entity_type, "t": trigger},
            )
            return {i: _utc(at) for i, at in rows}

        evaluations = q(
            text(EVALUATIONS),
            c,
        ).all()
        objections = q(
            text(OBJECTIONS),
            c,
        ).all()
        coaching = q(
            text(COACHING),
            c,
        ).all()
        done = {
            DeadlineKey.SKP_AGREEMENT: first("skp", "agree"),
            DeadlineKey.REALISASI: first("evaluation", "submit_realisasi"),
            DeadlineKey.PERIODIC_EVALUATION: first("evaluation", "evaluate"),
            DeadlineKey.ANNUAL_ASSESSMENT: first("skp", "assess"),
            DeadlineKey.KEBERATAN_DECISION: first("keberatan", "decide"),
            DeadlineKey.COACHING_SCHEDULE: first("follow_up_case", "schedule"),
        }
        predikat_rows = q(
            text(
                "SELECT s.unit_id, s.predikat, COUNT(*) FROM skp s WHERE s.cycle_id = :c AND s.predikat IS NOT NULL "
                "GROUP BY s.unit_id, s.predikat"
            ),
            c,
        ).all()
        levels = {
            unit_code[u]: level
            for u, level in q(text("SELECT unit_id, level FROM capaian WHERE cycle_id = :c AND period_no = 0"), c)
        }
        cases = dict(
            q(
                text(
                    "SELECT f.kind, COUNT(*) FROM followupcase f JOIN skp s ON s.id = f.skp_id WHERE s.cycle_id = :c "
                    "GROUP BY f.kind"
                ),
                c,
            )
            .tuples()
            .all()
        )
        steps = q(text("SELECT COUNT(*) FROM deadlinestep WHERE cycle_id = :c"), c).scalar_one()
        notified = dict(
            q(text("SELECT action, COUNT(*) FROM outbox WHERE deadline_key IS NOT NULL GROUP BY action")).tuples().all()
        )
        autos = [a.value for a in AutoAction]  # every automatic action, however many the policy schema has
        auto_actions = dict(
            q(
                text("SELECT trigger, COUNT(*) FROM auditevent WHERE trigger IN :autos GROUP BY trigger").bindparams(
                    bindparam("autos", expanding=True)
                ),
                {"autos": autos},
            )
            .tuples()
            .all()
        )
        sent = q(text("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")).scalar_one()
        action_counts = {
            (e, t): n
            for e, t, n in q(
                text("SELECT entity_type, trigger, COUNT(*) FROM auditevent GROUP BY entity_type, trigger")
            )
        }
        events = q(text("SELECT COUNT(*) FROM auditevent")).scalar_one()
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
            i: (unit_code[u], dues.after_event(DeadlineKey.KEBERATAN_DECISION, _utc(at))) for i, u, at in objections
        },
        DeadlineKey.COACHING_SCHEDULE: {
            i: (unit_code[u], dues.after_event(DeadlineKey.COACHING_SCHEDULE, _utc(at))) for i, u, at in coaching
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
        "acting": _acting(s, cycle_id),
        "pppk_contracts": _contracts(s, cycle_id, policy, year),
        "status_periods": _status_periods(s, cycle_id, year),
        "mid_year_skps": _mid_year(s, cycle_id, policy, year),
        "quality_planted": _planted(s, cycle_id, policy),
    }


def _planted(s: Session, cycle_id: int, policy: Policy) -> dict[str, int]:
    """The problems the simulation plants, as the quality report (`GET /cycles/{id}/quality`) finds them: the SKPs
    holding the planted RHK, and those of them the report names for an RHK no bawahan intervenes."""
    planted = set(
        s.execute(
            text("SELECT r.skp_id FROM rhk r JOIN skp s ON s.id = r.skp_id WHERE s.cycle_id = :c AND r.text = :t"),
            {"c": cycle_id, "t": PLANTED_RHK},
        ).scalars()
    )
    found = {
        p.skp_id
        for p in quality.check(s, cycle_id, policy, quality.skp_rows(s, cycle_id), [QualityRule.ORPHAN_ATASAN_RHK])
    }
    return {"orphan_rhk_planted": len(planted), "orphan_rhk_found": len(planted & found)}


def _tpp_export(engine: Engine, cycle_id: int, policy: Policy, year: int) -> dict[str, dict[str, int]]:
    """Per period, the rows of the TPP export against the evaluations with a periodic predikat."""
    with reading(engine) as s:
        c = {"c": cycle_id}
        rated = dict(
            s.execute(
                text(
                    "SELECT e.period_no, COUNT(*) FROM evaluation e JOIN skp s ON s.id = e.skp_id "
                    "WHERE s.cycle_id = :c AND e.predikat IS NOT NULL GROUP BY e.period_no"
                ),
                c,
            )
            .tuples()
            .all()
        )
        instansi_id = s.execute(text("SELECT instansi_id FROM cycle WHERE id = :c"), c).scalar_one()
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
    rows = s.execute(
        text(
            "SELECT i.id, i.skp_id, s.unit_id, i.state FROM input360 i JOIN skp s ON s.id = i.skp_id "
            "WHERE s.cycle_id = :c"
        ),
        c,
    ).all()
    audited = dict(
        s.execute(
            text(
                "SELECT a.trigger, COUNT(*) FROM auditevent a JOIN input360 i ON i.id = a.entity_id "
                "JOIN skp s ON s.id = i.skp_id WHERE a.entity_type = 'input_360' AND s.cycle_id = :c "
                "GROUP BY a.trigger"
            ),
            c,
        )
        .tuples()
        .all()
    )
    return {
        "units": len({u for _, _, u, _ in rows}),
        "skps": len({skp for _, skp, _, _ in rows}),
        "named": len(rows),
        "submitted": sum(1 for *_, state in rows if state == "submitted"),
        "audited_named": audited.get("name", 0),
        "audited_submitted": audited.get("submit", 0),
    }


def _acting(s: Session, cycle_id: int) -> dict[str, int]:
    """Each acting SK against the SKPs: those moved to the official when it began (their `reassigned` events at its
    `begin`) move back when it ends, their penilai is the unit's head again; while it ran the official rated them."""
    c = {"c": cycle_id}
    sks = s.execute(
        text(
            "SELECT a.id, p.nip, u.head_id FROM actingassignment a JOIN cycle c ON c.instansi_id = a.instansi_id "
            "JOIN pegawai p ON p.id = a.pegawai_id JOIN unit u ON u.id = a.unit_id WHERE c.id = :c"
        ),
        c,
    ).all()
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
    for entity_id, trigger, at in s.execute(
        text(
            "SELECT entity_id, trigger, at FROM auditevent WHERE entity_type = 'acting' "
            "AND trigger IN ('begin', 'end') AND entity_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": [i for i, _, _ in sks]},
    ):
        phases[entity_id][trigger] = _utc(at)
    reassigned: dict[datetime, set[int]] = defaultdict(set)
    for entity_id, at in s.execute(
        text(
            "SELECT a.entity_id, a.at FROM auditevent a JOIN skp s ON s.id = a.entity_id "
            "WHERE a.entity_type = 'skp' AND a.trigger = 'reassigned' AND s.cycle_id = :c"
        ),
        c,
    ):
        reassigned[_utc(at)].add(entity_id)
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
        out["reverted_to_head"] += sum(
            1
            for (penilai,) in s.execute(
                text("SELECT penilai_id FROM skp WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)), ids
            )
            if penilai == head
        )
        for actor, at in s.execute(
            text(
                "SELECT a.actor, a.at FROM auditevent a JOIN evaluation e ON e.id = a.entity_id "
                "WHERE a.entity_type = 'evaluation' AND a.trigger = 'evaluate' AND e.skp_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            ids,
        ):
            if begun is not None and begun <= _utc(at) and (ended is None or _utc(at) < ended):
                key = "rated_by_official" if actor == f"pegawai:{nip}" else "rated_by_others_while_running"
                out[key] += 1
    return out


def _contracts(s: Session, cycle_id: int, policy: Policy, year: int) -> dict[str, int]:
    """PPPK contracts against the contract ladder: a recommendation case exactly for the contracts whose opening
    instant the last sweep passed, and no PPPK on the PNS sanction path."""
    c = {"c": cycle_id}
    last_sweep = local_instant(date(year + 1, 4, 1), 9)
    rows = [
        (opens_at(policy, _day(selesai), ZONE) <= last_sweep, case_id is not None)
        for selesai, case_id in s.execute(
            text(
                "SELECT k.selesai, k.case_id FROM kontrak k JOIN cycle c ON c.instansi_id = k.instansi_id AND c.id = :c"
            ),
            c,
        )
    ]
    sanctions = s.execute(
        text(
            "SELECT COUNT(*) FROM followupcase f JOIN skp s ON s.id = f.skp_id JOIN pegawai p ON p.id = s.pegawai_id "
            "WHERE s.cycle_id = :c AND p.jenis = 'PPPK' AND f.kind = 'SANCTION'"
        ),
        c,
    ).scalar_one()
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
    spans = [
        (pid, _day(starts), _day(until) if until is not None else None)
        for pid, starts, until in s.execute(
            text(
                "SELECT sp.pegawai_id, sp.starts, sp.until FROM statusperiod sp JOIN pegawai p ON p.id = sp.pegawai_id "
                "JOIN cycle c ON c.instansi_id = p.instansi_id WHERE c.id = :c AND sp.status <> 'AKTIF'"
            ),
            c,
        )
    ]
    skps: dict[int, list[tuple[date, date, bool]]] = defaultdict(list)
    for pid, awal, akhir, reason in s.execute(
        text(
            "SELECT pegawai_id, periode_awal, periode_akhir, closing_reason FROM skp "
            "WHERE cycle_id = :c AND pegawai_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {**c, "ids": [pid for pid, _, _ in spans] or [0]},
    ):
        skps[pid].append((_day(awal), _day(akhir), reason is not None))
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
    starts = {
        i: _day(awal)
        for i, awal in s.execute(
            text("SELECT id, periode_awal FROM skp WHERE cycle_id = :c AND periode_awal > :first"),
            {**c, "first": date(year, 1, 1)},
        )
    }
    due = {
        i: due_date(policy, DeadlineKey.SKP_AGREEMENT, cycle_year=year, start=day, tz=ZONE) for i, day in starts.items()
    }
    first_day_ends = {
        i: datetime.combine(day + timedelta(days=1), datetime.min.time(), ZONE).astimezone(UTC)
        for i, day in starts.items()
    }
    overdue = {i for i in starts if due[i] <= first_day_ends[i]}
    steps = as_policy = 0
    for entity_id, due_at in s.execute(
        text(
            "SELECT entity_id, due_at FROM deadlinestep WHERE cycle_id = :c AND deadline_key = 'skp_agreement' "
            "AND entity_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {**c, "ids": list(starts) or [0]},
    ):
        steps += 1
        as_policy += _utc(due_at) == due[entity_id]
        if _utc(due_at) <= first_day_ends[entity_id]:
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
