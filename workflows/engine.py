"""The engine: the only code that writes a lifecycle state, one audit event per change, in the same transaction.

One module on purpose (over 400 lines): the single write (`fire`, `record`) and the batch (`fire_many`,
`record_many`) must agree on every rule they share — the versioned UPDATE and its bump (`bump`), the stand-in the
lifecycle fires on (`Wrapped`), the chain an event links to — and a reader checks that agreement on one page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from sqlalchemy import CursorResult, Table, Update, bindparam, event, inspect, select, tuple_, update
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.attributes import set_committed_value

from states.errors import SkpflowError, StaleVersion
from states.lifecycle import Fired, Lifecycle, TriggerInput
from states.roles import Role
from workflows import audit
from workflows.actors import Actor
from workflows.store import uow
from workflows.store.db import among, read

S = TypeVar("S", bound=Enum)
F = TypeVar("F")

ROLE_PRIORITY = (Role.PEGAWAI, Role.PEMBERI, Role.PENILAI, Role.ATASAN_PENILAI, Role.PIMPINAN, Role.SYSTEM, Role.ADMIN)


class Wrapped(Generic[S]):
    """A row seen by its lifecycle: `state` reads and writes the row's column as the enum member."""

    def __init__(self, row: Any, states: type[S]) -> None:
        self._row, self._states = row, states

    @property
    def state(self) -> S:
        return self._states(self._row.state)

    @state.setter
    def state(self, value: S) -> None:
        self._row.state = value.value


class Pending:
    """A row's changes before they are written: attributes set on it are collected in `changes` (and read back
    from there), the row itself is left as loaded until the versioned UPDATE has succeeded."""

    def __init__(self, row: Any) -> None:
        object.__setattr__(self, "changes", {})
        object.__setattr__(self, "_row", row)

    def __getattr__(self, name: str) -> Any:
        changes = object.__getattribute__(self, "changes")
        return changes[name] if name in changes else getattr(object.__getattribute__(self, "_row"), name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.changes[name] = value


_BUMPS: dict[tuple[str, tuple[str, ...]], Update] = {}


def _bump_statement(entity_type: str, names: tuple[str, ...]) -> Update:
    """UPDATE … SET version = :_to, <name> = :_set_<name> … WHERE id = :_id AND version = :_from, built once per
    table and set of columns (building and keying a statement costs SQLAlchemy more than running its cached
    compilation). Core, not ORM: an ORM statement would autoflush the row first."""
    key = (entity_type, names)
    found = _BUMPS.get(key)
    if found is None:
        table: Table = audit.AUDITED[entity_type].__table__
        found = _BUMPS[key] = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_from"))
            .values(version=bindparam("_to"), **{name: bindparam(f"_set_{name}") for name in names})
        )
    return found


def bump(session: Session, row: Any, entity_type: str, changes: Mapping[str, Any], *, state: str | None) -> int:
    """Write `changes` to a versioned row, with any the caller made to it through the ORM, in one UPDATE … WHERE
    version = the version it was read at, and tell the ORM the row now holds them (no flush, no history);
    StaleVersion if another transaction got there first. Returns the new version."""
    before: int = row.version
    made = inspect(row).committed_state  # attributes set on the row since it was loaded or flushed
    if made:
        changes = {**{name: getattr(row, name) for name in made}, **changes}
    statement = _bump_statement(entity_type, tuple(sorted(changes)))
    done: CursorResult[Any] = session.connection().execute(  # a Core UPDATE of the table: no ORM execution
        statement,
        {**{f"_set_{name}": v for name, v in changes.items()}, "_id": row.id, "_from": before, "_to": before + 1},
    )
    if done.rowcount != 1:
        raise StaleVersion(entity_type, before, before + 1, state or "", [])
    for name, value in changes.items():
        set_committed_value(row, name, value)
    set_committed_value(row, "version", before + 1)
    _bumped(session).append(row)
    return before + 1


_BUMPED = "engine_bumped"


def _bumped(session: Session) -> list[Any]:
    """Rows this transaction (or savepoint) has bumped. The ORM expires on rollback only rows it flushed itself;
    `_expire_bumped` does the same for these."""
    return uow.transaction_state(session, _BUMPED, list)


@event.listens_for(Session, "after_soft_rollback")
def _expire_bumped(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rolled-back savepoint (or transaction) takes back the rows it, or a savepoint inside it, bumped: expire them,
    so they are read again at the version the database has."""
    if _BUMPED not in session.info:
        return
    held = uow.transaction_states(session, _BUMPED)
    for transaction, rows in list(held.items()):
        if previous_transaction not in uow.outwards(transaction):
            continue
        del held[transaction]
        for row in rows:
            if inspect(row).session is session:
                session.expire(row)


def acting_role(lifecycle: Lifecycle[Any, Any], state: Enum, trigger: str, roles: Iterable[Role]) -> Role | None:
    """The role the audit records: the first of the actor's roles that the transition admits."""
    admitted = {r for row in lifecycle.rows_from(state) if row.trigger == trigger for r in row.roles}
    held = set(roles) & admitted
    return next((r for r in ROLE_PRIORITY if r in held), None)


def fire(
    session: Session,
    lifecycle: Lifecycle[S, F],
    row: Any,
    trigger: str,
    *,
    actor: Actor,
    roles: Iterable[Role],
    facts: F,
    now: datetime,
    inp: TriggerInput | None = None,
    expected_version: int | None = None,
    on_behalf: Role | None = None,
    apply: Callable[[Any], None] | None = None,
    payload: Mapping[str, Any] | None = None,
) -> Fired[S]:
    """Fire `trigger` on a versioned row: guard, version check, state write and audit event, or nothing."""
    held = frozenset(roles)
    if expected_version is not None and row.version != expected_version:
        state = lifecycle.states(row.state)
        raise StaleVersion(
            lifecycle.name, expected_version, row.version, state.value, lifecycle.allowed_triggers(state, held)
        )
    before = row.version
    pending = Pending(row)
    fired = lifecycle.fire(Wrapped(pending, lifecycle.states), trigger, held, facts, inp)
    if apply is not None:
        apply(pending)
    entity_type = _entity_type(row)
    bump(session, row, entity_type, pending.changes, state=fired.source.value)
    acting = acting_role(lifecycle, fired.source, trigger, held)
    assert acting is not None  # the lifecycle admitted one of the held roles
    if acting == on_behalf and Role.ADMIN in held and acting_role(lifecycle, fired.source, trigger, {Role.ADMIN}):
        acting = Role.ADMIN  # the row admits admins in their own right: no need to act on anyone's behalf
    role = f"{Role.ADMIN.value} a.n. {acting.value}" if acting == on_behalf else acting.value
    note = inp.note if inp else None
    draft = audit.EventDraft(
        entity_type=entity_type,
        instansi_id=audit.instansi_of(session, row),
        at=now,
        actor=actor.ref,
        role=role,
        trigger=trigger,
        from_state=fired.source.value,
        to_state=fired.dest.value,
        note=note or (inp.reason if inp else None),
    )
    audit.append(session, draft.with_payload(payload or _payload(inp)), row.id, before + 1)
    return fired


def record(
    session: Session,
    row: Any,
    trigger: str,
    *,
    actor: Actor,
    role: str,
    now: datetime,
    note: str | None = None,
    payload: Mapping[str, Any] | None = None,
    created: bool = False,
) -> None:
    """Audit a change that is not a transition (creation, plan edit, import): bump the version, append an event."""
    state = getattr(row, "state", None)
    entity_type = _entity_type(row)
    if created:
        session.add(row)
        session.flush()
        seq = row.version
    else:
        seq = bump(session, row, entity_type, {}, state=state)
    draft = audit.EventDraft(
        entity_type=entity_type,
        instansi_id=audit.instansi_of(session, row),
        at=now,
        actor=actor.ref,
        role=role,
        trigger=trigger,
        from_state=None if created else state,
        to_state=state,
        note=note,
    )
    audit.append(session, draft.with_payload(payload), row.id, seq)


def has_changes(row: Any) -> bool:
    """Whether the caller set attributes on the row through the ORM since it was loaded or flushed."""
    return bool(inspect(row).committed_state)


ROWS_PER_STATEMENT = 500  # ids bound in one statement, well under SQLite's bound of bound parameters


def record_rows(
    session: Session,
    rows: Sequence[Any],
    trigger: str,
    changes: Mapping[str, Any],
    *,
    actor: Actor,
    role: str,
    now: datetime,
    note: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """`record` for many rows of one table that take the same `changes` and event: per chunk one read of the
    chain heads, one UPDATE … WHERE each row is at the version it was read at, one INSERT of the events; the ORM is
    told the rows now hold the changes. StaleVersion if any row moved meanwhile. Rows the caller has changed
    through the ORM go through `record`, which writes those changes too."""
    if not rows:
        return
    entity_type = _entity_type(rows[0])
    table = audit.AUDITED[entity_type]
    instansi: dict[tuple[int | None, int | None], int | None] = {}
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        part = rows[start : start + ROWS_PER_STATEMENT]
        assert not any(has_changes(r) for r in part), "a row with ORM changes goes through record()"
        heads = audit.heads(session, entity_type, [r.id for r in part])
        done: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(table)
            .where(
                table.id.in_([r.id for r in part]),
                tuple_(table.id, table.version).in_([(r.id, r.version) for r in part]),
            )
            .values(**changes, version=table.version + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != len(part) or len(heads) != len(part):
            first = part[0]
            raise StaleVersion(entity_type, first.version, first.version + 1, getattr(first, "state", "") or "", [])
        events = []
        for row in part:
            state = getattr(row, "state", None)
            owner = (getattr(row, "cycle_id", None), getattr(row, "skp_id", None))  # decides the row's instansi
            if owner not in instansi:
                instansi[owner] = audit.instansi_of(session, row)
            draft = audit.EventDraft(
                entity_type=entity_type,
                instansi_id=instansi[owner],
                at=now,
                actor=actor.ref,
                role=role,
                trigger=trigger,
                from_state=state,
                to_state=state,
                note=note,
            ).with_payload(payload)
            events.append(draft.row(row.id, row.version + 1, heads[row.id]))
            for name, value in changes.items():
                set_committed_value(row, name, value)
            set_committed_value(row, "version", row.version + 1)
            _bumped(session).append(row)
        audit.insert_events(session, events)


def _entity_type(row: Any) -> str:
    for name, table in audit.AUDITED.items():
        if isinstance(row, table):
            return name
    raise TypeError(f"{type(row).__name__} has no audit chain")


def _payload(inp: TriggerInput | None) -> dict[str, Any]:
    if inp is None:
        return {}
    return {k: (v.isoformat() if isinstance(v, datetime) else str(v)) for k, v in vars(inp).items() if v is not None}


def trigger_payload(inp: TriggerInput | None) -> dict[str, Any]:
    """The payload `fire` records for a trigger's input: where a use case records more, it starts from this."""
    return _payload(inp)


@dataclass
class BatchResult:
    """What a batch transition did: ids moved, and ids refused with the reason."""

    fired: list[int] = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)
    chunks: int = 0


def fire_many(
    sessions: Callable[[], Any],
    lifecycle: Lifecycle[S, F],
    entity_type: str,
    trigger: str,
    ids: Sequence[int],
    *,
    instansi_id: int,
    actor: Actor,
    now: datetime,
    facts: Callable[[int], F] | F,
    inp: TriggerInput | None = None,
    role: Role = Role.SYSTEM,
    chunk: int = 5000,
    note: str | None = None,
    values: Mapping[str, Any] | None = None,
    after: Callable[[Session, list[int]], None] | None = None,
    chunk_facts: Callable[[Session, list[int]], Mapping[int, F]] | None = None,
) -> BatchResult:
    """Fire one trigger over many rows, set-based: per chunk one locking SELECT, one UPDATE per source state and
    one INSERT of audit rows, validated against the same table as `fire`. Each chunk is its own transaction, so a
    sweep killed between chunks resumes where it stopped (already moved rows are refused as not allowed).
    `after(session, moved_ids)` runs in each chunk's transaction, for effects that must commit with the moves.
    `chunk_facts(session, locked_ids)` gathers facts in the chunk's transaction once its rows are locked, so they
    see every change committed before the lock; ids it leaves out get `facts`."""
    table = audit.AUDITED[entity_type]
    result = BatchResult()
    shared = _batch_draft(entity_type, trigger, instansi_id=instansi_id, actor=actor, role=role, now=now, note=note)
    shared = shared.with_payload(_payload(inp))
    drafts: dict[tuple[str, str], audit.EventDraft] = {}  # one per move, built once
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with sessions() as session, session.begin():
            # lock first, then read the chain heads: a row that changed while we waited is re-read at its new
            # version by the lock, and its head must be looked up at that version
            locked = session.execute(
                select(table.id, table.state, table.version).where(table.id.in_(part)).with_for_update()
            ).all()
            version_of = {entity_id: version for entity_id, _, version in locked}
            heads = audit.heads(session, entity_type, list(version_of))
            gathered = chunk_facts(session, list(version_of)) if chunk_facts is not None else {}
            moves: dict[tuple[str, str], list[int]] = defaultdict(list)
            events: list[dict[str, Any]] = []
            for entity_id, state, version in locked:
                head = heads.get(entity_id)
                source = lifecycle.states(state)
                found = gathered.get(entity_id)
                if found is None:
                    found = facts(entity_id) if callable(facts) else facts
                try:
                    dest = lifecycle.check(source, trigger, {role}, found, inp)
                except SkpflowError as exc:
                    result.refused[entity_id] = str(exc)
                    continue
                if head is None:
                    raise RuntimeError(f"{entity_type} {entity_id} has no audit event #{version}")
                move = (source.value, dest.value)
                moves[move].append(entity_id)
                draft = drafts.get(move)
                if draft is None:
                    draft = drafts[move] = shared.moving(*move)
                events.append(draft.row(entity_id, version + 1, head))
            for (source_value, dest_value), moved in moves.items():
                done = session.execute(
                    update(table)
                    .where(table.id.in_(moved), table.state == source_value)
                    .values(state=dest_value, version=table.version + 1, **(values or {}))
                    .execution_options(synchronize_session=False)
                )
                if done.rowcount != len(moved):  # impossible under the lock; refuse rather than mis-audit
                    raise RuntimeError(f"{entity_type} batch {trigger}: {done.rowcount} of {len(moved)} rows moved")
                result.fired += moved
            if events:
                audit.insert_events(session, events)
            if after is not None:
                after(session, [i for moved in moves.values() for i in moved])
        result.chunks += 1
    return result


def _batch_draft(
    entity_type: str, trigger: str, *, instansi_id: int, actor: Actor, role: Role, now: datetime, note: str | None
) -> audit.EventDraft:
    """What every event of a batch shares; each move (`moving`) and payload is filled in by the batch."""
    return audit.EventDraft(
        entity_type=entity_type,
        instansi_id=instansi_id,
        at=now,
        actor=actor.ref,
        role=role.value,
        trigger=trigger,
        from_state=None,
        to_state=None,
        note=note,
    )


def record_many(
    session: Session,
    entity_type: str,
    ids: Sequence[int],
    trigger: str,
    *,
    instansi_id: int,
    actor: Actor,
    role: Role,
    now: datetime,
    states: Iterable[str] | None = None,
    note: str | None = None,
    payload: Mapping[str, Any] | None = None,
) -> list[int]:
    """Audit an event that is not a transition (a flag, an automatic action) on many rows, set-based, in the
    caller's transaction: one locking SELECT, one version bump, one INSERT of events. With `states`, rows that
    have left those states by the time they are locked are skipped. Returns the ids recorded."""
    if not ids:
        return []
    table = audit.AUDITED[entity_type]
    locked = read(
        session, select(table.id, table.state, table.version).where(among(session, table.id, ids)).with_for_update()
    ).all()
    allowed = set(states) if states is not None else None
    chosen = [(i, s, v) for i, s, v in locked if allowed is None or s in allowed]
    if not chosen:
        return []
    heads = audit.heads(session, entity_type, [i for i, _, _ in chosen])
    shared = _batch_draft(entity_type, trigger, instansi_id=instansi_id, actor=actor, role=role, now=now, note=note)
    shared = shared.with_payload(payload)
    links: dict[str, list[tuple[int, int, str]]] = {}  # per state the rows stay in: one draft, hashed as a batch
    for entity_id, state, version in chosen:
        head = heads.get(entity_id)
        if head is None:
            raise RuntimeError(f"{entity_type} {entity_id} has no audit event #{version}")
        links.setdefault(state, []).append((entity_id, version + 1, head))
    events = [event for state, batch in links.items() for event in shared.moving(state, state).linked(batch)]
    recorded = [i for i, _, _ in chosen]
    done: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(table)
        .where(among(session, table.id, recorded))
        .values(version=table.version + 1)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != len(recorded):  # impossible under the lock; refuse rather than mis-audit
        raise RuntimeError(f"{entity_type} record {trigger}: {done.rowcount} of {len(recorded)} rows bumped")
    audit.insert_events(session, events)
    return recorded
