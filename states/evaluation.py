"""The periodic evaluation lifecycle: one per SKP × period (month, quarter or semester)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.enums import Rating
from states.lifecycle import Lifecycle, Row, TriggerInput
from states.messages import LANGUAGES, Problem
from states.roles import Role


class EvaluationState(StrEnum):
    open = "open"
    realisasi_submitted = "realisasi_submitted"
    evaluated = "evaluated"
    closed = "closed"
    lapsed = "lapsed"  # the period closed without an evaluation


@dataclass(frozen=True)
class EvaluationFacts:
    rhk_without_realisasi: tuple[str, ...] = ()
    unit_capaian_set: bool = False
    period_ended: bool = False
    unit_head_rating: Rating | None = None  # set when the pegawai heads a unit: the unit's capaian decides
    # what the indikator ratings give (policy approach.derive_rating): None with the Utama indikator left unrated
    derived_rating: Rating | None = None
    unrated: tuple[str, ...] = ()
    derive: bool = False  # suggest or binding: the derived rating stands in when the penilai gives none
    derived_binding: bool = False  # binding: the derived rating is the rating
    input_360_missing: tuple[str, ...] = ()  # why the 360 input the policy requires is not in yet


def _realisasi_complete(f: EvaluationFacts, _: TriggerInput) -> Iterator[str]:
    for text in f.rhk_without_realisasi:
        yield Problem.say("evaluation.realisasi_complete.rhk", rhk=text)


def _note_given(_: EvaluationFacts, inp: TriggerInput) -> Iterator[str]:
    if not (inp.note and inp.note.strip()):
        yield Problem.say("evaluation.note_given")


def _ratings_given(f: EvaluationFacts, inp: TriggerInput) -> Iterator[str]:
    each = [Problem.say("evaluation.ratings_given.unrated", indikator=text) for text in f.unrated]
    unrated = {lang: "".join(p.said()[lang] for p in each) for lang in LANGUAGES}
    if f.unit_head_rating is None and f.derived_binding:
        if f.derived_rating is None:
            yield Problem.say("evaluation.ratings_given.not_derived", unrated=unrated)
        elif inp.rating_hasil_kerja not in (None, f.derived_rating):
            yield Problem.say(
                "evaluation.ratings_given.derived", derived=f.derived_rating.value, given=inp.rating_hasil_kerja
            )
    elif inp.rating_hasil_kerja is None and f.unit_head_rating is None and not (f.derive and f.derived_rating):
        if f.derive:
            yield Problem.say("evaluation.ratings_given.none_derived", unrated=unrated)
        else:
            yield Problem.say("evaluation.ratings_given.hasil_kerja")
    if inp.rating_perilaku is None:
        yield Problem.say("evaluation.ratings_given.perilaku")
    if f.unit_head_rating is not None and inp.rating_hasil_kerja not in (None, f.unit_head_rating):
        yield Problem.say(
            "evaluation.ratings_given.unit_head", capaian=f.unit_head_rating.value, given=inp.rating_hasil_kerja
        )


def _unit_capaian_set(f: EvaluationFacts, _: TriggerInput) -> Iterator[str]:
    if not f.unit_capaian_set:
        yield Problem.say("evaluation.unit_capaian_set")


def _period_ended(f: EvaluationFacts, _: TriggerInput) -> Iterator[str]:
    if not f.period_ended:
        yield Problem.say("evaluation.period_ended")


def _input_360_in(f: EvaluationFacts, _: TriggerInput) -> Iterator[str]:
    yield from f.input_360_missing


GUARDS = {
    "realisasi_complete": _realisasi_complete,
    "note_given": _note_given,
    "ratings_given": _ratings_given,
    "unit_capaian_set": _unit_capaian_set,
    "period_ended": _period_ended,
    "input_360_in": _input_360_in,
}

_E = EvaluationState
ROWS: tuple[Row[EvaluationState], ...] = (
    Row("submit_realisasi", _E.open, _E.realisasi_submitted, frozenset({Role.PEGAWAI}), ("realisasi_complete",)),
    Row("return_realisasi", _E.realisasi_submitted, _E.open, frozenset({Role.PENILAI}), ("note_given",)),
    Row(
        "evaluate",
        _E.realisasi_submitted,
        _E.evaluated,
        frozenset({Role.PENILAI}),
        ("ratings_given", "unit_capaian_set", "input_360_in"),
    ),
    Row("close", _E.evaluated, _E.closed, frozenset({Role.SYSTEM, Role.ADMIN}), ("period_ended",)),
    Row("lapse", _E.open, _E.lapsed, frozenset({Role.SYSTEM, Role.ADMIN}), ("period_ended",)),
    Row("lapse", _E.realisasi_submitted, _E.lapsed, frozenset({Role.SYSTEM, Role.ADMIN}), ("period_ended",)),
)

EVALUATION: Lifecycle[EvaluationState, EvaluationFacts] = Lifecycle(
    "evaluation", EvaluationState, EvaluationState.open, ROWS, GUARDS
)
