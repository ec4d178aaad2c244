"""The SKP lifecycle: one SKP per pegawai × jabatan × cycle, from draft to follow-up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.enums import Rating
from states.lifecycle import Lifecycle, Row, TriggerInput
from states.messages import Problem
from states.roles import Role


class SkpState(StrEnum):
    drafted = "drafted"
    cascaded = "cascaded"
    agreed = "agreed"
    monitored = "monitored"
    adjusted = "adjusted"
    assessed = "assessed"
    followed_up = "followed_up"
    withdrawn = "withdrawn"  # never agreed, and the pegawai left it for a status period: nothing waits on it


@dataclass(frozen=True)
class SkpFacts:
    """What the guards need to know about an SKP and its surroundings, gathered by the engine."""

    proposed: bool = False
    rhk_utama: int = 0
    rhk_utama_without_indicator: tuple[str, ...] = ()
    indicators_without_target: tuple[str, ...] = ()  # quantitative ones: a qualitative indikator has no target
    indicators_without_ekspektasi: tuple[str, ...] = ()  # qualitative ones
    top_jpt: bool = False  # rated from outside the organisation; derives from the Perjanjian Kinerja
    atasan_skp_agreed: bool = False
    atasan: str = ""  # the pejabat penilai's name, read when their SKP is not agreed: the refusal names them
    atasan_agreed_by: str = ""  # who agrees the atasan's SKP (their own penilai, or HR for the bupati)
    rhk_utama_not_intervening: tuple[str, ...] = ()
    cycle_state: str = "planning"
    closing_for_mutasi: bool = False
    unit_capaian_set: bool = False
    unit_head_rating: Rating | None = None  # set when the pegawai heads a unit: the unit's capaian decides
    objection_settled: bool = False
    distribution_violations: tuple[str, ...] = ()
    input_360_missing: tuple[str, ...] = ()  # why the 360 input the policy requires is not in yet
    status_excludes: str = ""  # the status period that has begun and ends the SKP (e.g. "tugas belajar mulai …")


def _atasan_skp_agreed(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if not f.top_jpt and not f.atasan_skp_agreed:
        if f.atasan:
            yield Problem.say("skp.atasan_skp_agreed.named", atasan=f.atasan, agreed_by=f.atasan_agreed_by)
        else:
            yield Problem.say("skp.atasan_skp_agreed")


def _rhk_intervene_atasan(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if f.top_jpt:
        return
    for text in f.rhk_utama_not_intervening:
        yield Problem.say("skp.rhk_intervene_atasan.rhk", rhk=text)


def _proposed(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if not f.proposed:
        yield Problem.say("skp.proposed")


def _plan_complete(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if f.rhk_utama < 1:
        yield Problem.say("skp.plan_complete.no_rhk_utama")
    for text in f.rhk_utama_without_indicator:
        yield Problem.say("skp.plan_complete.no_indicator", rhk=text)
    for text in f.indicators_without_target:
        yield Problem.say("skp.plan_complete.no_target", indikator=text)
    for text in f.indicators_without_ekspektasi:
        yield Problem.say("skp.plan_complete.no_ekspektasi", indikator=text)


def _note_given(_: SkpFacts, inp: TriggerInput) -> Iterator[str]:
    if not (inp.note and inp.note.strip()):
        yield Problem.say("skp.note_given")


def _reason_given(_: SkpFacts, inp: TriggerInput) -> Iterator[str]:
    if not (inp.reason and inp.reason.strip()):
        yield Problem.say("skp.reason_given")


def _cycle_monitoring(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if f.cycle_state not in ("monitoring", "assessing", "following_up"):
        yield Problem.say("skp.cycle_monitoring.state", state=f.cycle_state)


def _assessment_open(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if not f.closing_for_mutasi and f.cycle_state not in ("assessing", "following_up"):
        yield Problem.say("skp.assessment_open.state", state=f.cycle_state)


def _ratings_given(f: SkpFacts, inp: TriggerInput) -> Iterator[str]:
    if inp.rating_hasil_kerja is None and f.unit_head_rating is None:
        yield Problem.say("skp.ratings_given.hasil_kerja")
    if inp.rating_perilaku is None:
        yield Problem.say("skp.ratings_given.perilaku")
    if f.unit_head_rating is not None and inp.rating_hasil_kerja not in (None, f.unit_head_rating):
        yield Problem.say("skp.ratings_given.unit_head", capaian=f.unit_head_rating.value, given=inp.rating_hasil_kerja)


def _unit_capaian_set(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if not f.unit_capaian_set:
        yield Problem.say("skp.unit_capaian_set")


def _objection_settled(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if not f.objection_settled:
        yield Problem.say("skp.objection_settled")


def _distribution_holds(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    for v in f.distribution_violations:
        yield Problem.say("skp.distribution_holds.violation", violation=v)


def _input_360_in(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    yield from f.input_360_missing


def _status_begun(f: SkpFacts, _: TriggerInput) -> Iterator[str]:
    if not f.status_excludes:
        yield Problem.say("skp.status_begun")


GUARDS = {
    "atasan_skp_agreed": _atasan_skp_agreed,
    "rhk_intervene_atasan": _rhk_intervene_atasan,
    "proposed": _proposed,
    "plan_complete": _plan_complete,
    "note_given": _note_given,
    "reason_given": _reason_given,
    "cycle_monitoring": _cycle_monitoring,
    "assessment_open": _assessment_open,
    "ratings_given": _ratings_given,
    "unit_capaian_set": _unit_capaian_set,
    "objection_settled": _objection_settled,
    "distribution_holds": _distribution_holds,
    "input_360_in": _input_360_in,
    "status_begun": _status_begun,
}

_S = SkpState
_PENILAI, _ADMIN, _SYSTEM = Role.PENILAI, Role.ADMIN, Role.SYSTEM

ROWS: tuple[Row[SkpState], ...] = (
    Row(
        "cascade",
        _S.drafted,
        _S.cascaded,
        frozenset({_PENILAI, _ADMIN, _SYSTEM}),
        ("atasan_skp_agreed", "rhk_intervene_atasan"),
    ),
    Row("agree", _S.cascaded, _S.agreed, frozenset({_PENILAI}), ("proposed", "plan_complete", "rhk_intervene_atasan")),
    Row("return", _S.cascaded, _S.drafted, frozenset({_PENILAI}), ("note_given",)),
    Row("monitor", _S.agreed, _S.monitored, frozenset({_SYSTEM, _ADMIN}), ("cycle_monitoring",)),
    Row("adjust", _S.monitored, _S.adjusted, frozenset({_PENILAI, _ADMIN}), ("reason_given",)),
    Row(
        "reagree",
        _S.adjusted,
        _S.monitored,
        frozenset({_PENILAI}),
        ("proposed", "plan_complete", "rhk_intervene_atasan"),
    ),
    Row(
        "assess",
        _S.monitored,
        _S.assessed,
        frozenset({_PENILAI}),
        ("assessment_open", "ratings_given", "unit_capaian_set", "input_360_in"),
    ),
    Row(
        "follow_up",
        _S.assessed,
        _S.followed_up,
        frozenset({_SYSTEM, _ADMIN}),
        ("objection_settled", "distribution_holds"),
    ),
    # an SKP not yet agreed when a status period excluding the pegawai begins (workflows.cases.status): the system
    # withdraws it for the months served, so no deadline ladder chases someone who is away
    Row("withdraw", _S.drafted, _S.withdrawn, frozenset({_SYSTEM}), ("status_begun",)),
    Row("withdraw", _S.cascaded, _S.withdrawn, frozenset({_SYSTEM}), ("status_begun",)),
)

SKP: Lifecycle[SkpState, SkpFacts] = Lifecycle("skp", SkpState, SkpState.drafted, ROWS, GUARDS)

EDITABLE_STATES = frozenset({SkpState.drafted, SkpState.cascaded, SkpState.adjusted})
"""States in which the plan (RHK, indicators, ekspektasi) may still be edited."""
