"""The workflows by name: plain, idempotent, set-based functions over the database, each taking `as_of`.

The API runs them now (`POST /workflows/{name}/run`); the Prefect flows schedule the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import calendar, periods
from policies.schema import ZONE_ALIASES
from states.errors import GuardFailed, InvalidInput, NotFound, NotPermitted
from states.messages import Problem
from states.skp import SKP, SkpFacts, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.audit import seal
from workflows.cases import acting, cycles, evaluations, followups, policy_store, status
from workflows.cases.skps import ANNUAL
from workflows.flows import notify, sweep
from workflows.queries.distribution import unit_distribution
from workflows.store.settings import get_settings, seal_key
from workflows.store.tables import MAX_ID, Cycle, Skp
from workflows.store.uow import unit_of_work


class RunIn(BaseModel):
    """The body of `POST /workflows/{name}/run`."""

    model_config = ConfigDict(extra="forbid")
    as_of: datetime | None = Field(default=None, description="The moment to act as of (with its zone); now if omitted.")
    cycle_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="One cycle; every running one if omitted.")
    period: int | None = Field(
        default=None, ge=1, le=12, description="The period (open-period, close-period); from as_of if omitted."
    )
    zone: str | None = Field(
        default=None,
        description="Act for the units of one zone only (IANA name or WIB/WITA/WIT), as a scheduled run does; "
        "every unit if omitted. It also decides the date as_of falls on when the period is derived.",
        examples=["Asia/Jayapura"],
    )
    force: bool = Field(
        default=False,
        description="open-cycle, open-period: proceed although the cycle has blocking data-quality problems "
        "(admins only; the audit events list what was overridden).",
    )

    @field_validator("zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(ZONE_ALIASES.get(value, value))
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r}") from exc
        return value


@dataclass(frozen=True)
class RunContext:
    engine: Engine
    actor: Actor
    as_of: datetime
    cycle_id: int | None
    period: int | None
    chunk: int
    sender: notify.Sender | None = None  # tests and simulations send through a fake
    zone: str | None = None  # a scheduled run acts for the units of one zone (IANA name or WIB/WITA/WIT)
    force: bool = False  # an admin proceeds past blocking data-quality problems (open-cycle, open-period)

    def sessions(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


Run = Callable[[RunContext], dict[str, Any]]


def _cycles(ctx: RunContext, states: set[str]) -> list[Cycle]:
    """The cycle asked for, or every cycle in one of `states` that the actor runs."""
    with ctx.sessions() as s:
        if ctx.cycle_id is not None:
            return [cycles.get(s, ctx.cycle_id, ctx.actor)]
        found = s.scalars(select(Cycle).where(col(Cycle.state).in_(states)).order_by(col(Cycle.id))).all()
        return [c for c in found if ctx.actor.system or ctx.actor.is_admin_of(c.instansi_id)]


def _plain(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def open_cycle(ctx: RunContext) -> dict[str, Any]:
    if ctx.cycle_id is None:
        raise InvalidInput([Problem.say("input.run.cycle_id")])
    opened = cycles.open_cycle(
        ctx.sessions, ctx.cycle_id, actor=ctx.actor, now=ctx.as_of, chunk=ctx.chunk, force=ctx.force
    )
    return {"cycle_id": ctx.cycle_id, "drafted": opened.drafted, "already": opened.already}


def _periods(ctx: RunContext, c: Cycle, *, ended: bool) -> list[int]:
    """The period asked for; else the one containing `as_of` (to open), or every one over by then (to close).

    The date is taken where the run is (its zone, else the policy's); closing then checks each unit's own
    closing instant, so a period whose grace is still running is left alone and a missed one is caught up.
    """
    if ctx.period is not None:
        return [ctx.period]
    with ctx.sessions() as s:
        policy = policy_store.cycle_policy(s, c)
    day = ctx.as_of.astimezone(calendar.zone(policy.calendar, ctx.zone)).date()
    listed = periods.periods(policy, c.year)
    if ended:
        return [p.n for p in listed if p.end < day]
    return [p.n for p in listed if p.start <= day <= p.end]


def open_period(ctx: RunContext) -> dict[str, Any]:
    """Open the period's evaluations for every agreed or monitored SKP, and move the agreed SKPs into monitoring.
    A cycle with blocking data-quality problems is refused (and left as it is) unless an admin forces it; a run
    over every cycle reports the refusal and goes on with the others."""
    out: list[dict[str, Any]] = []
    for c in _cycles(ctx, {"monitoring"}):
        assert c.id is not None
        n = next(iter(_periods(ctx, c, ended=False)), None)
        try:
            opened = (
                evaluations.open_period(
                    ctx.sessions, c.id, n, actor=ctx.actor, now=ctx.as_of, chunk=ctx.chunk, force=ctx.force
                )
                if n is not None
                else None
            )
        except GuardFailed as refused:
            if ctx.cycle_id is not None:
                raise
            out.append({"cycle_id": c.id, "period": n, "refused": refused.problems})
            continue
        with ctx.sessions() as s:
            query = select(col(Skp.id)).where(col(Skp.cycle_id) == c.id, col(Skp.state) == SkpState.agreed.value)
            agreed = [i for i in s.scalars(query) if i is not None]
        moved = engine.fire_many(
            ctx.sessions,
            SKP,
            "skp",
            "monitor",
            agreed,
            instansi_id=c.instansi_id,
            actor=ctx.actor,
            now=ctx.as_of,
            facts=SkpFacts(cycle_state=c.state),
            chunk=ctx.chunk,
        )
        out.append({"cycle_id": c.id, "monitored": len(moved.fired), "period": n, "opened": _plain(opened)})
    return {"cycles": out}


def close_period(ctx: RunContext) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for c in _cycles(ctx, {"monitoring", "assessing"}):
        assert c.id is not None
        ended = _periods(ctx, c, ended=True)
        if not ended:
            out.append({"cycle_id": c.id, "period": None, "closed": None})
        for n in ended:
            closed = evaluations.close_period(ctx.sessions, c.id, n, actor=ctx.actor, now=ctx.as_of, chunk=ctx.chunk)
            out.append({"cycle_id": c.id, "period": n, "closed": _plain(closed)})
    return {"cycles": out}


def close_assessment(ctx: RunContext) -> dict[str, Any]:
    """Each unit's annual distribution against the curve, with the violations that block follow-up."""
    out: list[dict[str, Any]] = []
    for c in _cycles(ctx, {"assessing", "following_up"}):
        with ctx.sessions() as s:
            unit_ids = list(
                s.scalars(
                    select(col(Skp.unit_id)).where(col(Skp.cycle_id) == c.id, col(Skp.predikat).is_not(None)).distinct()
                )
            )
            views = [unit_distribution(s, c.id or 0, u, ANNUAL, actor=ctx.actor) for u in sorted(unit_ids)]
        failing = [v for v in views if v.violations]
        out.append(
            {
                "cycle_id": c.id,
                "units": len(views),
                "units_failing": [
                    {"unit": v.unit_code, "level": v.level, "violations": [x.message for x in v.violations]}
                    for v in failing
                ],
                "blocking": sum(1 for v in failing if any(x.blocking for x in v.violations)),
            }
        )
    return {"cycles": out}


def dispatch_follow_up(ctx: RunContext) -> dict[str, Any]:
    out = []
    for c in _cycles(ctx, {"assessing", "following_up"}):
        assert c.id is not None
        out.append(_plain(followups.dispatch(ctx.sessions, c.id, actor=ctx.actor, now=ctx.as_of, chunk=ctx.chunk)))
    return {"cycles": out}


def apply_acting(ctx: RunContext, instansi_ids: set[int] | None = None) -> dict[str, Any]:
    """Acting SKs (Plt/Plh) whose day has come begin, those past their end end; the open steps follow the penilai."""
    if instansi_ids is None and not (ctx.actor.system or ctx.actor.super_admin):
        instansi_ids = set(ctx.actor.admin_of or ())
    with unit_of_work(ctx.engine) as s:
        return asdict(acting.apply_due(s, now=ctx.as_of, actor=ctx.actor, instansi_ids=instansi_ids))


def enforce_deadlines(ctx: RunContext) -> dict[str, Any]:
    """Every ladder step reached by `as_of` for pending work: reminders, notices, escalations, automatic actions.
    Acting SKs are applied first, so the ladder's recipients are the penilai of the day, and SKPs not yet agreed whose
    pegawai's status has begun are withdrawn, so the ladder chases nobody who is away."""
    swept = _cycles(ctx, {"drafting", "monitoring", "assessing", "following_up"})
    applied = apply_acting(ctx, {c.instansi_id for c in swept}) if swept else None
    withdrawn: list[int] = []
    if swept:  # an SKP not yet agreed whose status has begun today leaves the agreement ladder before it runs
        with unit_of_work(ctx.engine) as s:
            withdrawn = status.withdraw_absent(s, now=ctx.as_of, instansi_ids={c.instansi_id for c in swept})
    out = []
    for c in swept:
        report = sweep.enforce_deadlines(ctx.sessions, as_of=ctx.as_of, cycle_id=c.id, chunk=ctx.chunk, zone=ctx.zone)
        out.append({"cycle_id": c.id, "by_key": _plain_map(report.by_key), "units": [asdict(u) for u in report.units]})
    return {"cycles": out, "acting": applied, "withdrawn_skp_ids": withdrawn}


def deliver_notifications(ctx: RunContext) -> dict[str, Any]:
    """Drain the outbox through Apprise (SKPFLOW_NOTIFY_URL), with retries; the outbox serves every instansi."""
    if not (ctx.actor.super_admin or ctx.actor.system):
        raise NotPermitted("workflow", "deliver-notifications", ["super-admin", "system"])
    sender = ctx.sender
    if sender is None:
        settings = get_settings()
        if settings.notify_url is None:
            raise InvalidInput([Problem.say("input.run.notify_url")])
        sender = notify.AppriseSender.from_settings(settings)
    return asdict(notify.deliver(ctx.sessions, now=ctx.as_of, sender=sender))


def seal_audit(ctx: RunContext) -> dict[str, Any]:
    """Seal the audit trail as it stands (`workflows.audit.seal`): one anchor over every chain's head."""
    if not (ctx.actor.super_admin or ctx.actor.system):
        raise NotPermitted("workflow", "seal-audit", ["super-admin", "system"])
    row = seal.seal(ctx.engine, now=ctx.as_of, by=ctx.actor.ref, key=seal_key(get_settings()))
    return {"seal": row.id, "watermark": row.watermark, "chains": row.chains, "events": row.events, "root": row.root}


def _plain_map(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in values.items()}


RUNS: dict[str, Run] = {
    "open-cycle": open_cycle,
    "open-period": open_period,
    "close-period": close_period,
    "close-assessment": close_assessment,
    "dispatch-follow-up": dispatch_follow_up,
    "enforce-deadlines": enforce_deadlines,
    "apply-acting": apply_acting,
    "deliver-notifications": deliver_notifications,
    "seal-audit": seal_audit,
}


def run(name: str, ctx: RunContext) -> dict[str, Any]:
    """Run a workflow by name; an unknown name is NotFound."""
    if name not in RUNS:
        raise NotFound("workflow", name)
    return {"workflow": name, "as_of": ctx.as_of.isoformat(), **RUNS[name](ctx)}
