"""Follow-up cases: coaching, counselling and reward cases, the sanction ladder (PP 30/2019 Pasal 56-58), and the
PPPK contract decision (PP 49/2018 Pasal 37)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.lifecycle import Lifecycle, Row, TriggerInput
from states.messages import Problem
from states.roles import Role


class CaseState(StrEnum):
    opened = "opened"
    scheduled = "scheduled"
    held = "held"
    resolved = "resolved"
    escalated = "escalated"


@dataclass(frozen=True)
class CaseFacts:
    pass


def _when_given(_: CaseFacts, inp: TriggerInput) -> Iterator[str]:
    if inp.when is None:
        yield Problem.say("follow_up.when_given")


def _note_given(_: CaseFacts, inp: TriggerInput) -> Iterator[str]:
    if not (inp.note and inp.note.strip()):
        yield Problem.say("follow_up.note_given")


_C = CaseState
_HANDLERS = frozenset({Role.PENILAI, Role.ADMIN})
_ESCALATORS = frozenset({Role.SYSTEM, Role.ADMIN})
CASE_ROWS: tuple[Row[CaseState], ...] = (
    Row("schedule", _C.opened, _C.scheduled, _HANDLERS, ("when_given",)),
    Row("schedule", _C.scheduled, _C.scheduled, _HANDLERS, ("when_given",)),
    Row("hold", _C.scheduled, _C.held, _HANDLERS, ("note_given",)),
    Row("resolve", _C.held, _C.resolved, _HANDLERS, ("note_given",)),
    Row("resolve", _C.opened, _C.resolved, frozenset({Role.ADMIN}), ("note_given",)),
    Row("escalate", _C.opened, _C.escalated, _ESCALATORS, ("note_given",)),
    Row("escalate", _C.scheduled, _C.escalated, _ESCALATORS, ("note_given",)),
    Row("escalate", _C.held, _C.escalated, _ESCALATORS, ("note_given",)),
)

CASE: Lifecycle[CaseState, CaseFacts] = Lifecycle(
    "follow_up",
    CaseState,
    CaseState.opened,
    CASE_ROWS,
    {"when_given": _when_given, "note_given": _note_given},
)


class SanctionState(StrEnum):
    improvement = "improvement"  # the improvement period (6 months by default policy)
    uji_kompetensi = "uji_kompetensi"
    temporary_placement = "temporary_placement"  # no suitable vacancy: placed temporarily, at most a year
    reassigned = "reassigned"
    demoted = "demoted"
    dismissed = "dismissed"  # diberhentikan dengan hormat tidak atas permintaan sendiri
    cleared = "cleared"


@dataclass(frozen=True)
class SanctionFacts:
    improvement_elapsed: bool = False
    placement_elapsed: bool = False


def _improvement_elapsed(f: SanctionFacts, _: TriggerInput) -> Iterator[str]:
    if not f.improvement_elapsed:
        yield Problem.say("sanction.improvement_elapsed")


def _placement_elapsed(f: SanctionFacts, _: TriggerInput) -> Iterator[str]:
    if not f.placement_elapsed:
        yield Problem.say("sanction.placement_elapsed")


def _decision_note(_: SanctionFacts, inp: TriggerInput) -> Iterator[str]:
    if not (inp.note and inp.note.strip()):
        yield Problem.say("sanction.decision_note")


_X = SanctionState
_PYB = frozenset({Role.ADMIN})  # the pejabat yang berwenang acts through HR
SANCTION_ROWS: tuple[Row[SanctionState], ...] = (
    Row("clear", _X.improvement, _X.cleared, _PYB, ("improvement_elapsed", "decision_note")),
    Row(
        "test_competence",
        _X.improvement,
        _X.uji_kompetensi,
        frozenset({Role.ADMIN, Role.SYSTEM}),
        ("improvement_elapsed",),
    ),
    Row("reassign", _X.uji_kompetensi, _X.reassigned, _PYB, ("decision_note",)),
    Row("demote", _X.uji_kompetensi, _X.demoted, _PYB, ("decision_note",)),
    Row("place_temporarily", _X.uji_kompetensi, _X.temporary_placement, _PYB, ("decision_note",)),
    Row("reassign", _X.temporary_placement, _X.reassigned, _PYB, ("decision_note",)),
    Row("dismiss", _X.temporary_placement, _X.dismissed, _PYB, ("placement_elapsed", "decision_note")),
)

SANCTION: Lifecycle[SanctionState, SanctionFacts] = Lifecycle(
    "sanction",
    SanctionState,
    SanctionState.improvement,
    SANCTION_ROWS,
    {
        "improvement_elapsed": _improvement_elapsed,
        "placement_elapsed": _placement_elapsed,
        "decision_note": _decision_note,
    },
)


class ContractState(StrEnum):
    """A PPPK contract's recommendation case: opened by the contract ladder, decided by HR (the PPK's decision)."""

    opened = "opened"
    extended = "extended"  # diperpanjang
    not_extended = "not_extended"  # tidak diperpanjang


def _decision_cited(_: CaseFacts, inp: TriggerInput) -> Iterator[str]:
    if not (inp.note and inp.note.strip()):
        yield Problem.say("kontrak.decision_cited")


_K = ContractState
CONTRACT_ROWS: tuple[Row[ContractState], ...] = (
    # HR decides either way, whichever the recommendation was: kinerja is one of four grounds (domain.md §7.1)
    Row("extend", _K.opened, _K.extended, _PYB, ("decision_cited",)),
    Row("not_extend", _K.opened, _K.not_extended, _PYB, ("decision_cited",)),
)

CONTRACT: Lifecycle[ContractState, CaseFacts] = Lifecycle(
    "kontrak",
    ContractState,
    ContractState.opened,
    CONTRACT_ROWS,
    {"decision_cited": _decision_cited},
)
