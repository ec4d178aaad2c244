"""360 input on perilaku: who may be named a pemberi pertimbangan, when the rating may go ahead, and the aggregate
the penilai sees (policy `perilaku`, window `deadlines.input_360`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from policies.deadlines import due_date
from policies.schema import DeadlineKey, Input360Scope, Policy
from states.enums import CoreValue, JabatanType, Rating
from states.input_360 import Input360Mode, Input360State, Relation
from states.messages import Problem

SCORE: dict[Rating, int] = {
    Rating.DI_BAWAH_EKSPEKTASI: 1,
    Rating.SESUAI_EKSPEKTASI: 2,
    Rating.DI_ATAS_EKSPEKTASI: 3,
}
"""The mean of a core value's ratings reads on this scale: 1 below, 2 as, 3 above expectation."""


@dataclass(frozen=True)
class Colleague:
    """A pegawai as the naming rules see them."""

    id: int
    nip: str
    name: str
    unit_id: int
    jabatan_type: JabatanType
    atasan_id: int | None
    active: bool = True


def relation(policy: Policy, pegawai: Colleague, other: Colleague) -> Relation | None:
    """What `other` is to the pegawai rated: a bawahan langsung (the pegawai is their atasan), a rekan kerja
    setingkat (same unit, same level under `perilaku.levels`), or neither."""
    if other.id == pegawai.id:
        return None
    if other.atasan_id == pegawai.id:
        return Relation.BAWAHAN
    levels = policy.perilaku.levels
    if other.unit_id == pegawai.unit_id and levels[other.jabatan_type] == levels[pegawai.jabatan_type]:
        return Relation.REKAN
    return None


def naming_problem(
    policy: Policy, pegawai: Colleague, other: Colleague, *, penilai_id: int | None, atasan_penilai_id: int | None
) -> Problem | None:
    """Why `other` may not be named a pemberi pertimbangan for the pegawai's perilaku, or None when they may."""
    who = f"{other.name} ({other.nip})"
    if other.id == pegawai.id:
        return Problem.say("input.360.self", who=who)
    if not other.active:
        return Problem.say("input.360.inactive", who=who)
    if other.id == penilai_id:
        return Problem.say("input.360.penilai", who=who)
    if other.id == atasan_penilai_id:
        return Problem.say("input.360.atasan_penilai", who=who)
    if relation(policy, pegawai, other) is None:
        return Problem.say("input.360.unrelated", who=who, pegawai=pegawai.name)
    return None


def window_closes(policy: Policy, requested_at: datetime, tz: str | tzinfo | None) -> datetime:
    """The first instant at which a 360 input named at `requested_at` is too late (in the unit's zone)."""
    return due_date(policy, DeadlineKey.INPUT_360, event_at=requested_at, tz=tz)


@dataclass(frozen=True)
class Request:
    """A named input as the gate sees it."""

    state: Input360State
    window_closes: datetime


def applies(policy: Policy, period_no: int) -> bool:
    """Whether `required` holds back the perilaku rating of `period_no` (0 = the annual assessment)."""
    if policy.perilaku.input_360 is not Input360Mode.REQUIRED:
        return False
    return period_no == 0 or policy.perilaku.required_for is Input360Scope.EVERY_PERIOD


def gate(
    policy: Policy, period_no: int, requests: Sequence[Request], *, eligible: int, now: datetime
) -> tuple[str, ...]:
    """Why the perilaku rating of `period_no` must wait for 360 input (nothing: it may go ahead). Under `required`
    it waits for a pemberi to be named (unless nobody may be) and then for every named input, each until it is in
    or its window has closed; under `optional` and `off` it never waits."""
    if not applies(policy, period_no):
        return ()
    live = [r for r in requests if r.state is not Input360State.withdrawn]
    if not live:
        if eligible == 0:
            return ()  # nobody may give input (no rekan setingkat, no bawahan): the rule cannot be met
        if period_no == 0:
            return (Problem.say("input_360_in.none_named.annual"),)
        return (Problem.say("input_360_in.none_named.period", period=period_no),)
    waiting = [r for r in live if r.state is Input360State.requested and now < r.window_closes]
    if not waiting:
        return ()
    n, of, closes = len(waiting), len(live), max(r.window_closes for r in waiting).isoformat()
    if period_no == 0:
        return (Problem.say("input_360_in.waiting.annual", waiting=n, named=of, closes=closes),)
    return (Problem.say("input_360_in.waiting.period", waiting=n, named=of, closes=closes, period=period_no),)


@dataclass(frozen=True)
class Given:
    """One core value as one pemberi rated it."""

    input_id: int
    core_value: CoreValue
    rating: Rating
    note: str = ""


@dataclass(frozen=True)
class ValueAggregate:
    """A core value across the inputs in: how many rated it, and (from `min_inputs_shown` inputs on) how."""

    core_value: CoreValue
    count: int
    distribution: dict[Rating, int] | None  # None: too few inputs to show without telling whose it is
    mean: float | None  # on SCORE's scale, 2 decimals
    notes: tuple[str, ...] = ()  # unattributed, in an order that says nothing about who wrote them


def aggregate(policy: Policy, given: Iterable[Given]) -> tuple[ValueAggregate, ...]:
    """Per core value, in BerAKHLAK order: the count, the distribution over the three ratings, the mean and the notes
    of the inputs in; below `perilaku.min_inputs_shown` inputs, the count alone."""
    by_value: dict[CoreValue, list[Given]] = {v: [] for v in CoreValue}
    for g in given:
        by_value[g.core_value].append(g)
    inputs = len({g.input_id for values in by_value.values() for g in values})
    shown = inputs >= policy.perilaku.min_inputs_shown
    out = []
    for value, items in by_value.items():
        counts = Counter(g.rating for g in items)
        mean = round(sum(SCORE[g.rating] for g in items) / len(items), 2) if items and shown else None
        out.append(
            ValueAggregate(
                core_value=value,
                count=len(items),
                distribution={r: counts.get(r, 0) for r in Rating} if shown else None,
                mean=mean,
                notes=tuple(sorted(n for g in items if (n := g.note.strip()))) if shown else (),
            )
        )
    return tuple(out)
