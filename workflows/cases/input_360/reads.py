"""What naming, requests and the board read alike: whether the window is open, the requests with their people, and
their views."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from policies import input_360 as rules
from policies import periods
from policies.schema import Policy
from states.errors import InvalidInput, TransitionNotAllowed
from states.evaluation import EVALUATION, EvaluationState
from states.input_360 import INPUT_360, Input360Mode, Input360State
from states.messages import Problem
from states.roles import Role
from states.skp import SKP, SkpState
from workflows.actors import Actor
from workflows.cases import policy_store, skps
from workflows.cases.input_360.shapes import ANNUAL, OPEN_EVALUATION, OPEN_FOR_ANNUAL, RequestView
from workflows.store.tables import Cycle, Evaluation, Input360, Pegawai, Skp, Unit


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
