"""A lifecycle: a transition table as data, run by one shared `transitions` machine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from transitions import Machine, MachineError

from states.enums import Rating
from states.errors import GuardFailed, NotPermitted, TransitionNotAllowed
from states.roles import Role

S = TypeVar("S", bound=Enum)
F = TypeVar("F")


@dataclass(frozen=True)
class TriggerInput:
    """What the actor sends with a trigger."""

    note: str | None = None
    reason: str | None = None
    rating_hasil_kerja: Rating | None = None
    rating_perilaku: Rating | None = None
    decision: str | None = None
    when: datetime | None = None


Guard = Callable[[F, TriggerInput], Iterable[str]]
"""A guard yields one message per unmet precondition; nothing means it holds."""


@dataclass(frozen=True)
class Row(Generic[S]):
    """One transition: a trigger from a state to a state, who may fire it, and its guards."""

    trigger: str
    source: S
    dest: S
    roles: frozenset[Role]
    guards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fired(Generic[S]):
    trigger: str
    source: S
    dest: S


class HasState(Protocol[S]):
    @property
    def state(self) -> S: ...
    @state.setter
    def state(self, value: S) -> None: ...


@dataclass
class _Call(Generic[F]):
    facts: F
    inp: TriggerInput
    roles: frozenset[Role]
    problems: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # the guard behind each problem, `<lifecycle>.<guard>`


class Lifecycle(Generic[S, F]):
    """A lifecycle validated when defined; fire triggers through `fire`, list them with `allowed_triggers`."""

    def __init__(
        self,
        name: str,
        states: type[S],
        initial: S,
        rows: Sequence[Row[S]],
        guards: Mapping[str, Guard[F]],
    ) -> None:
        self.name, self.states, self.initial = name, states, initial
        self.all_states: tuple[S, ...] = tuple(states.__members__.values())
        self.rows: tuple[Row[S], ...] = tuple(rows)
        self.guards: Mapping[str, Guard[F]] = dict(guards)
        self._validate()
        self.triggers: tuple[str, ...] = tuple(dict.fromkeys(r.trigger for r in self.rows))
        self._machine = Machine(
            model=None,
            states=states,
            initial=initial,
            auto_transitions=False,
            send_event=True,
            transitions=[
                {
                    "trigger": r.trigger,
                    "source": r.source.name,
                    "dest": r.dest.name,
                    "conditions": [self._condition(r)],
                }
                for r in self.rows
            ],
        )

    def _validate(self) -> None:
        problems: list[str] = []
        for r in self.rows:
            if not isinstance(r.source, self.states) or not isinstance(r.dest, self.states):
                problems.append(f"{r.trigger}: states must be members of {self.states.__name__}")
            if not r.roles:
                problems.append(f"{r.trigger}: no role may fire it")
            problems += [f"{r.trigger}: unknown guard '{g}'" for g in r.guards if g not in self.guards]
        unused = set(self.guards) - {g for r in self.rows for g in r.guards}
        problems += [f"guard '{g}' is used by no row" for g in sorted(unused)]
        if problems:
            raise ValueError(f"lifecycle {self.name} is ill-defined: " + "; ".join(problems))

    def _condition(self, row: Row[S]) -> Callable[[Any], bool]:
        def check(event: Any) -> bool:
            call: _Call[F] = event.kwargs["call"]
            if not row.roles & call.roles:
                return False
            found = [(g, p) for g in row.guards for p in self.guards[g](call.facts, call.inp)]
            call.problems += [p for _, p in found]
            call.rules += [f"{self.name}.{g}" for g, _ in found]
            return not found

        return check

    def rows_from(self, state: S) -> tuple[Row[S], ...]:
        return tuple(r for r in self.rows if r.source == state)

    def allowed_triggers(self, state: S, roles: Iterable[Role]) -> list[str]:
        """Triggers that leave `state` and that one of `roles` may fire (guards not evaluated)."""
        held = frozenset(roles)
        return list(dict.fromkeys(r.trigger for r in self.rows_from(state) if r.roles & held))

    def fire(
        self,
        subject: HasState[S],
        trigger: str,
        roles: Iterable[Role],
        facts: F,
        inp: TriggerInput | None = None,
    ) -> Fired[S]:
        """Fire `trigger` on `subject`, setting its state; raise a domain error and change nothing if refused."""
        held = frozenset(roles)
        source = subject.state
        candidates = [r for r in self.rows_from(source) if r.trigger == trigger]
        if not any(r.roles & held for r in self.rows if r.trigger == trigger):
            # never theirs to fire, in any state: a matter of permission (403), whatever the state is now
            raise NotPermitted(self.name, trigger, sorted(r.value for r in held), held=True)
        if not candidates:
            raise TransitionNotAllowed(self.name, trigger, source.value, self.allowed_triggers(source, held))
        if not any(r.roles & held for r in candidates):
            raise NotPermitted(self.name, trigger, sorted(r.value for r in held), held=True)
        call: _Call[F] = _Call(facts, inp or TriggerInput(), held)
        try:
            moved = self._machine.events[trigger].trigger(subject, call=call)
        except MachineError as exc:  # the table and the machine disagree: a defect, never user error
            raise RuntimeError(f"{self.name}: machine refused {trigger} from {source}") from exc
        if not moved:
            raise GuardFailed(self.name, trigger, call.problems, call.rules)
        return Fired(trigger, source, subject.state)

    def check(self, state: S, trigger: str, roles: Iterable[Role], facts: F, inp: TriggerInput | None = None) -> S:
        """Validate a transition without a subject (batch sweeps); return the destination state."""
        box = _Box(state)
        return self.fire(box, trigger, roles, facts, inp).dest


class _Box(Generic[S]):
    def __init__(self, state: S) -> None:
        self.state = state
