"""360 input on perilaku: the pejabat penilai names pemberi pertimbangan for an SKP and period (0 = the year), each
rates every BerAKHLAK core value with a note within the window, and the penilai reads the aggregate when rating.
Every request and every input is audited on its own chain, in the transaction that makes it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import input_360 as rules
from policies import limits, periods
from policies.schema import Policy
from states.enums import BERAKHLAK, CoreValue, Rating
from states.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from states.evaluation import EVALUATION, EvaluationState
from states.input_360 import INPUT_360, Input360Facts, Input360Mode, Input360State, Relation
from states.lifecycle import TriggerInput
from states.messages import Problem, located
from states.roles import Role
from states.skp import SKP, SkpState
from workflows import engine
from workflows.actors import Actor
from workflows.cases import input_360_rows, policy_store, skps
from workflows.store.tables import Cycle, Evaluation, Input360, Input360Value, Pegawai, Skp, Unit

ANNUAL = 0
OPEN_FOR_ANNUAL = frozenset({SkpState.agreed, SkpState.monitored, SkpState.adjusted})
"""SKP states in which the annual perilaku is still to be rated, so 360 input may be asked for it."""
OPEN_EVALUATION = frozenset({EvaluationState.open, EvaluationState.realisasi_submitted})
READERS = frozenset({Role.PENILAI, Role.ATASAN_PENILAI, Role.ADMIN, Role.AUDITOR})
"""Who reads an SKP's 360 board: the penilai who rates, the atasan penilai who decides a keberatan, HR, auditors."""
NIP = r"^\d{18}$"


class NameIn(BaseModel):
    """The body of `POST /skps/{id}/input-360`: the pemberi pertimbangan the penilai asks."""

    model_config = ConfigDict(extra="forbid")
    period_no: int = Field(ge=0, le=12, description="The evaluation period the input is for; 0 = the annual rating.")
    nips: list[str] = Field(
        min_length=1,
        max_length=50,
        description="NIPs of rekan kerja setingkat (same unit, same level) or bawahan langsung of the pegawai.",
    )


class ValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: Rating = Field(description="How the pemberi sees the pegawai on this core value.")
    note: str = Field(default="", max_length=4000, description="What the rating rests on (optional).")


class SubmitIn(BaseModel):
    """The body of `POST /input-360/{id}`: every BerAKHLAK core value rated, each with an optional note."""

    model_config = ConfigDict(extra="forbid")
    ratings: dict[CoreValue, ValueIn] = Field(description="One entry per core value; all seven are required.")


@dataclass(frozen=True)
class RequestView:
    """A 360 request as its pemberi, or the SKP's penilai, sees it."""

    id: int
    skp_id: int
    period_no: int
    state: str
    version: int
    relation: str
    pemberi_nip: str
    pemberi_name: str
    pegawai_nip: str
    pegawai_name: str
    requested_at: datetime
    window_closes: datetime  # the first late instant
    last_day: date  # the last day on time, in the unit's zone
    window_open: bool
    submitted_at: datetime | None
    allowed_triggers: list[str]


@dataclass(frozen=True)
class CoreValueOut:
    core_value: str
    indicators: tuple[str, ...]
    ekspektasi_khusus: str | None
    rating: str | None = None  # the pemberi's own answer, once given
    note: str | None = None


@dataclass(frozen=True)
class RequestDetail:
    """What the pemberi's form shows: the request, the pegawai's jabatan, and each core value with its indicators,
    the penilai's ekspektasi khusus and the pemberi's answer once given."""

    request: RequestView
    jabatan: str
    values: list[CoreValueOut]


@dataclass(frozen=True)
class Candidate:
    nip: str
    name: str
    jabatan: str
    relation: str


@dataclass(frozen=True)
class PemberiInput:
    """One pemberi's answers by name: shown only where `perilaku.show_who_said_what` allows it."""

    pemberi_nip: str
    pemberi_name: str
    relation: str
    ratings: dict[str, str]
    notes: dict[str, str]


@dataclass(frozen=True)
class Board:
    """An SKP's 360 input for one period: the requests and their state, the aggregate per core value, and what the
    perilaku rating still waits for."""

    skp_id: int
    period_no: int
    mode: str
    required: bool  # the policy holds this rating back until the input is in
    show_who_said_what: bool
    min_inputs_shown: int
    named: int
    submitted: int
    waiting: int  # requested, window open
    unanswered: int  # requested, window closed
    requests: list[RequestView]
    values: list[rules.ValueAggregate]
    by_pemberi: list[PemberiInput] | None
    blocking: tuple[str, ...]  # why the rating waits (empty: it may go ahead)
    may_name: bool  # the actor may name pemberi for this period now
    candidates: list[Candidate]


# --- naming -------------------------------------------------------------------------------------------------------


def name_pemberi(session: Session, skp_id: int, body: NameIn, *, actor: Actor, now: datetime) -> Board:
    """The pejabat penilai names pemberi pertimbangan for the SKP's perilaku of a period (0 = the year); each is a
    rekan kerja setingkat or a bawahan langsung of the pegawai. Audited on the SKP's chain (which also makes two
    concurrent namings take turns) and, per request, on its own."""
    skp, cycle, who = skps.load(session, skp_id, actor)
    if Role.PENILAI not in who.roles:
        raise NotPermitted("input_360", "name", sorted(r.value for r in who.roles), held=True)
    policy = policy_store.cycle_policy(session, cycle)
    _check_open(session, skp, cycle, policy, period_no=body.period_no, roles=who.roles)
    live = _live(session, skp_id, body.period_no)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, nip in enumerate(body.nips):
        if nip in seen:
            problems.append(
                Problem.say("input.360.twice", at=located(f"nips[{i}]"), nip=nip, also=located(f"nips[{seen[nip]}]"))
            )
        seen.setdefault(nip, i)
    found = {
        p.nip: p
        for p in session.scalars(
            select(Pegawai).where(col(Pegawai.nip).in_(list(seen)), col(Pegawai.instansi_id) == cycle.instansi_id)
        )
    }
    pegawai = input_360_rows.rated_pegawai(session, skp)
    named_now = {pid for pid, _ in live}
    chosen: list[tuple[Pegawai, Relation]] = []
    for nip, i in seen.items():
        p = found.get(nip)
        if p is None:
            problems.append(Problem.say("input.360.unknown", at=located(f"nips[{i}]"), nip=nip))
            continue
        if p.id in named_now:
            problems.append(Problem.say("input.360.named", at=located(f"nips[{i}]"), name=p.name, nip=nip))
            continue
        other = input_360_rows.colleague(p)
        why = rules.naming_problem(
            policy, pegawai, other, penilai_id=skp.penilai_id, atasan_penilai_id=skp.atasan_penilai_id
        )
        if why is not None:
            problems.append(Problem.say("input.field_problem", field=located(f"nips[{i}]"), problem=why))
            continue
        relation = rules.relation(policy, pegawai, other)
        assert relation is not None  # naming_problem has checked
        chosen.append((p, relation))
    problems += limits.too_many("nips", len(live) + len(seen), policy.perilaku.max_pemberi, "perilaku.max_pemberi")
    if problems:
        raise InvalidInput(problems)
    role = _role(who)
    what = "tahunan" if body.period_no == ANNUAL else f"periode {body.period_no}"
    engine.record(
        session,
        skp,
        "name_pemberi",
        actor=actor,
        role=role,
        now=now,
        note=f"pemberi pertimbangan perilaku {what}: " + ", ".join(f"{p.name} ({p.nip})" for p, _ in chosen),
        payload={"period_no": body.period_no, "pemberi": [{"nip": p.nip, "relation": r.value} for p, r in chosen]},
    )
    for p, relation in chosen:
        assert p.id is not None
        row = Input360(
            skp_id=skp_id,
            period_no=body.period_no,
            pemberi_id=p.id,
            relation=relation.value,
            state=Input360State.requested.value,
            requested_at=now,
        )
        engine.record(
            session,
            row,
            "name",
            actor=actor,
            role=role,
            now=now,
            created=True,
            note=f"{p.name} ({p.nip}) diminta pertimbangan perilaku {what} sebagai {relation.value.lower()}",
            payload={"skp_id": skp_id, "period_no": body.period_no, "pemberi": p.nip, "relation": relation.value},
        )
    return _board(session, skp, cycle, who, policy, period_no=body.period_no, actor=actor, now=now)


def _role(who: skps.Standing) -> str:
    return f"{Role.ADMIN.value} a.n. {Role.PENILAI.value}" if who.on_behalf is Role.PENILAI else Role.PENILAI.value


def _check_open(
    session: Session, skp: Skp, cycle: Cycle, policy: Policy, *, period_no: int, roles: frozenset[Role]
) -> None:
    """360 input may be asked while the policy allows it and the perilaku it is for is still to be rated."""
    if policy.perilaku.input_360 is Input360Mode.OFF:
        raise InvalidInput([Problem.say("input.360.off")])
    if period_no != ANNUAL and periods.find(policy, cycle.year, period_no) is None:
        raise InvalidInput([Problem.say("input.period_no.not_of_year", period=period_no, year=cycle.year)])
    state = SkpState(skp.state)
    if state not in OPEN_FOR_ANNUAL:
        raise TransitionNotAllowed("skp", "name_pemberi", skp.state, SKP.allowed_triggers(state, roles))
    if period_no != ANNUAL:
        ev_state = _evaluation_state(session, skp.id or 0, period_no)
        if ev_state is not None and ev_state not in OPEN_EVALUATION:
            raise TransitionNotAllowed(
                "evaluation", "name_pemberi", ev_state.value, EVALUATION.allowed_triggers(ev_state, roles)
            )


def _evaluation_state(session: Session, skp_id: int, period_no: int) -> EvaluationState | None:
    found = session.scalar(
        select(col(Evaluation.state)).where(col(Evaluation.skp_id) == skp_id, col(Evaluation.period_no) == period_no)
    )
    return EvaluationState(found) if found else None


def _live(session: Session, skp_id: int, period_no: int) -> list[tuple[int, str]]:
    """The pemberi named for the SKP and period and not withdrawn, with their request's state."""
    return [
        (pid, state)
        for pid, state in session.execute(
            select(col(Input360.pemberi_id), col(Input360.state)).where(
                col(Input360.skp_id) == skp_id,
                col(Input360.period_no) == period_no,
                col(Input360.state) != Input360State.withdrawn.value,
            )
        )
    ]


def _rated(session: Session, skp: Skp, period_no: int) -> bool:
    """Whether the perilaku the input is for has been rated already."""
    if period_no == ANNUAL:
        return skp.rating_perilaku is not None
    state = _evaluation_state(session, skp.id or 0, period_no)
    return state is not None and state not in OPEN_EVALUATION


# --- one request ----------------------------------------------------------------------------------------------------


_PEMBERI, _OWNER = aliased(Pegawai), aliased(Pegawai)
_REQUESTS = (
    select(Input360, col(_PEMBERI.nip), col(_PEMBERI.name), col(_OWNER.nip), col(_OWNER.name), col(Unit.timezone))
    .join(Skp, col(Skp.id) == col(Input360.skp_id))
    .join(_PEMBERI, col(_PEMBERI.id) == col(Input360.pemberi_id))
    .join(_OWNER, col(_OWNER.id) == col(Skp.pegawai_id))
    .join(Unit, col(Unit.id) == col(Skp.unit_id))
)


def _views(
    session: Session,
    policy: Policy | None,
    rows: Iterable[tuple[Any, ...]],
    *,
    actor: Actor,
    now: datetime,
    roles: frozenset[Role] = frozenset(),
) -> list[RequestView]:
    """The requests as `actor` sees them (`roles`: theirs on the SKP), each window in its unit's zone."""
    out = []
    for row, pemberi_nip, pemberi_name, nip, name, tz in rows:
        assert isinstance(row, Input360)
        assert row.id is not None
        used = policy or _policy_of(session, row.skp_id)
        closes = rules.window_closes(used, row.requested_at, str(tz) if tz else None)
        held = roles | ({Role.PEMBERI} if actor.pegawai_id == row.pemberi_id else set())
        state = Input360State(row.state)
        out.append(
            RequestView(
                id=row.id,
                skp_id=row.skp_id,
                period_no=row.period_no,
                state=row.state,
                version=row.version,
                relation=row.relation,
                pemberi_nip=str(pemberi_nip),
                pemberi_name=str(pemberi_name),
                pegawai_nip=str(nip),
                pegawai_name=str(name),
                requested_at=row.requested_at,
                window_closes=closes,
                last_day=(closes - timedelta(minutes=1)).date(),
                window_open=now < closes,
                submitted_at=row.submitted_at,
                allowed_triggers=INPUT_360.allowed_triggers(state, held),
            )
        )
    return out


def _policy_of(session: Session, skp_id: int) -> Policy:
    cycle = session.scalars(select(Cycle).join(Skp, col(Skp.cycle_id) == col(Cycle.id)).where(col(Skp.id) == skp_id))
    return policy_store.cycle_policy(session, cycle.one())


def _load_request(session: Session, input_id: int, actor: Actor) -> tuple[Input360, Skp, Cycle, frozenset[Role]]:
    """The request, its SKP and cycle, and the actor's roles on it: the pemberi, or who stands on the SKP; NotFound
    for anyone else (existence must not leak)."""
    row = session.get(Input360, input_id)
    if row is None:
        raise NotFound("input_360", input_id)
    skp = session.get_one(Skp, row.skp_id)
    cycle = session.get_one(Cycle, skp.cycle_id)
    roles: set[Role] = set()
    if actor.pegawai_id is not None and actor.pegawai_id == row.pemberi_id:
        roles.add(Role.PEMBERI)
    roles |= skps.standing(session, actor, skp, cycle).roles - {Role.PEGAWAI}  # the pegawai rated reads none of it
    if not roles:
        raise NotFound("input_360", input_id)
    return row, skp, cycle, frozenset(roles)


def get_request(session: Session, input_id: int, *, actor: Actor, now: datetime) -> RequestDetail:
    """The request as its pemberi answers it (the penilai reads it on the board instead)."""
    row, skp, cycle, roles = _load_request(session, input_id, actor)
    if Role.PEMBERI not in roles:
        raise NotPermitted("input_360", "read", sorted(r.value for r in roles), held=True)
    policy = policy_store.cycle_policy(session, cycle)
    return _detail(session, row, skp, policy, actor=actor, now=now)


def _detail(session: Session, row: Input360, skp: Skp, policy: Policy, *, actor: Actor, now: datetime) -> RequestDetail:
    found = session.execute(_REQUESTS.where(col(Input360.id) == row.id)).tuples()
    view = _views(session, policy, found, actor=actor, now=now)[0]
    given = {
        v.core_value: v for v in session.scalars(select(Input360Value).where(col(Input360Value.input_id) == row.id))
    }
    ekspektasi = skp.ekspektasi_khusus or {}
    values = [
        CoreValueOut(
            core_value=v.value,
            indicators=BERAKHLAK[v],
            ekspektasi_khusus=ekspektasi.get(v.value) or None,
            rating=given[v.value].rating if v.value in given else None,
            note=given[v.value].note if v.value in given else None,
        )
        for v in CoreValue
    ]
    return RequestDetail(view, skp.jabatan_name, values)


def submit_input(
    session: Session,
    input_id: int,
    body: SubmitIn,
    *,
    actor: Actor,
    now: datetime,
    expected_version: int | None = None,
) -> RequestDetail:
    """The pemberi rates every core value, while the window is open and the perilaku is not yet rated; final once
    given. Audited on the request's chain, with the ratings in its payload, in the same transaction."""
    row, skp, cycle, roles = _load_request(session, input_id, actor)
    policy = policy_store.cycle_policy(session, cycle)
    problems = limits.notes(
        policy.limits, ((f"ratings.{v.value}.note", given.note) for v, given in body.ratings.items())
    )
    if problems:
        raise InvalidInput(problems)
    closes = rules.window_closes(policy, row.requested_at, input_360_rows.unit_zone(session, skp))
    facts = Input360Facts(
        window_open=now < closes,
        window_closes=closes.isoformat(),
        rated=_rated(session, skp, row.period_no),
        values_missing=tuple(v.value for v in CoreValue if v not in body.ratings),
    )

    def apply(pending: Any) -> None:
        pending.submitted_at = now

    engine.fire(
        session,
        INPUT_360,
        row,
        "submit",
        actor=actor,
        roles=roles,
        facts=facts,
        now=now,
        inp=TriggerInput(note=f"pertimbangan perilaku diberikan untuk {len(body.ratings)} nilai dasar BerAKHLAK"),
        expected_version=expected_version,
        apply=apply,
        payload={
            "ratings": {v.value: given.rating.value for v, given in body.ratings.items()},
            "notes": {v.value: given.note.strip() for v, given in body.ratings.items() if given.note.strip()},
        },
    )
    session.add_all(
        Input360Value(input_id=input_id, core_value=v.value, rating=given.rating.value, note=given.note.strip())
        for v, given in body.ratings.items()
    )
    session.flush()
    return _detail(session, row, skp, policy, actor=actor, now=now)


def withdraw(
    session: Session, input_id: int, *, note: str | None, actor: Actor, now: datetime, expected_version: int | None
) -> RequestView:
    """The penilai (or HR) withdraws a request not yet answered; audited on its chain."""
    row, _, cycle, roles = _load_request(session, input_id, actor)
    engine.fire(
        session,
        INPUT_360,
        row,
        "withdraw",
        actor=actor,
        roles=roles - {Role.PEMBERI},
        facts=Input360Facts(),
        now=now,
        inp=TriggerInput(note=note),
        expected_version=expected_version,
    )
    policy = policy_store.cycle_policy(session, cycle)
    rows = session.execute(_REQUESTS.where(col(Input360.id) == input_id)).tuples()
    return _views(session, policy, rows, actor=actor, now=now, roles=roles)[0]


# --- the pemberi's inbox -------------------------------------------------------------------------------------------


def my_requests(session: Session, *, actor: Actor, now: datetime, pending: bool = True) -> list[RequestView]:
    """The requests addressed to the actor, oldest first: with `pending`, only those still to answer (requested,
    window open, perilaku not yet rated)."""
    if actor.pegawai_id is None:
        return []
    query = _REQUESTS.where(col(Input360.pemberi_id) == actor.pegawai_id).order_by(col(Input360.id))
    if pending:
        query = query.where(col(Input360.state) == Input360State.requested.value)
    views = _views(session, None, session.execute(query).tuples(), actor=actor, now=now)
    return [v for v in views if not pending or (v.window_open and "submit" in v.allowed_triggers)]


# --- the board ------------------------------------------------------------------------------------------------------


def board(session: Session, skp_id: int, period_no: int, *, actor: Actor, now: datetime) -> Board:
    """The SKP's 360 input for a period as the penilai reads it when rating: requests, the aggregate per core value
    (who said what only where the policy allows it), and what the rating still waits for."""
    skp, cycle, who = skps.load(session, skp_id, actor)
    if not who.roles & READERS:
        raise NotPermitted("input_360", "read", sorted(r.value for r in who.roles), held=True)
    policy = policy_store.cycle_policy(session, cycle)
    if period_no != ANNUAL and periods.find(policy, cycle.year, period_no) is None:
        raise InvalidInput([Problem.say("input.period_no.not_of_year", period=period_no, year=cycle.year)])
    return _board(session, skp, cycle, who, policy, period_no=period_no, actor=actor, now=now)


def _board(
    session: Session,
    skp: Skp,
    cycle: Cycle,
    who: skps.Standing,
    policy: Policy,
    *,
    period_no: int,
    actor: Actor,
    now: datetime,
) -> Board:
    assert skp.id is not None
    rows = session.execute(
        _REQUESTS.where(col(Input360.skp_id) == skp.id, col(Input360.period_no) == period_no).order_by(
            col(_PEMBERI.name), col(Input360.id)
        )
    ).tuples()
    requests = _views(session, policy, rows, actor=actor, now=now, roles=who.roles)
    submitted = [r for r in requests if r.state == Input360State.submitted.value]
    given = _given(session, [r.id for r in submitted])
    values = rules.aggregate(policy, (g for g, _ in given))
    by_pemberi = None
    if policy.perilaku.show_who_said_what:
        of = {r.id: r for r in submitted}
        by_pemberi = [
            PemberiInput(
                of[i].pemberi_nip,
                of[i].pemberi_name,
                of[i].relation,
                {g.core_value.value: g.rating.value for g, at in given if at == i},
                {g.core_value.value: g.note for g, at in given if at == i and g.note},
            )
            for i in of
        ]
    requested = [r for r in requests if r.state == Input360State.requested.value]
    blocking = input_360_rows.missing(session, skp, policy, period_no, now)
    may_name = Role.PENILAI in who.roles and _may_open(
        session, skp, cycle, policy, period_no=period_no, roles=who.roles
    )
    candidates: list[Candidate] = []
    if may_name:
        named = {r.pemberi_nip for r in requests if r.state != Input360State.withdrawn.value}
        candidates = [
            Candidate(c.nip, c.name, jabatan, (rules.relation(policy, p, c) or Relation.REKAN).value)
            for p, c, jabatan in input_360_rows.candidates(session, skp, policy)
            if c.nip not in named
        ]
    return Board(
        skp_id=skp.id,
        period_no=period_no,
        mode=policy.perilaku.input_360.value,
        required=rules.applies(policy, period_no),
        show_who_said_what=policy.perilaku.show_who_said_what,
        min_inputs_shown=policy.perilaku.min_inputs_shown,
        named=len(submitted) + len(requested),
        submitted=len(submitted),
        waiting=sum(1 for r in requested if r.window_open),
        unanswered=sum(1 for r in requested if not r.window_open),
        requests=requests,
        values=list(values),
        by_pemberi=by_pemberi,
        blocking=blocking,
        may_name=may_name,
        candidates=candidates,
    )


def _may_open(
    session: Session, skp: Skp, cycle: Cycle, policy: Policy, *, period_no: int, roles: frozenset[Role]
) -> bool:
    try:
        _check_open(session, skp, cycle, policy, period_no=period_no, roles=roles)
    except (InvalidInput, TransitionNotAllowed):
        return False
    return True


def _given(session: Session, input_ids: Sequence[int]) -> list[tuple[rules.Given, int]]:
    """The answers of the given inputs, each with its input's id, in one statement."""
    if not input_ids:
        return []
    rows = session.scalars(
        select(Input360Value).where(col(Input360Value.input_id).in_(list(input_ids))).order_by(col(Input360Value.id))
    )
    return [(rules.Given(r.input_id, CoreValue(r.core_value), Rating(r.rating), r.note), r.input_id) for r in rows]


def annual_aggregate(session: Session, skp: Skp, policy: Policy) -> tuple[int, int, tuple[rules.ValueAggregate, ...]]:
    """For the Dokumen Evaluasi: how many were asked for the annual rating, how many answered, and the aggregate
    (never who said what: the document goes to the pegawai)."""
    rows = session.execute(
        select(col(Input360.id), col(Input360.state)).where(
            col(Input360.skp_id) == skp.id,
            col(Input360.period_no) == ANNUAL,
            col(Input360.state) != Input360State.withdrawn.value,
        )
    ).all()
    answered = [i for i, state in rows if state == Input360State.submitted.value]
    return len(rows), len(answered), rules.aggregate(policy, (g for g, _ in _given(session, answered)))
