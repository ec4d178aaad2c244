"""The keberatan (objection) lifecycle: filed by the pegawai, decided by the atasan penilai, final."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.enums import Rating
from states.lifecycle import Lifecycle, Row, TriggerInput
from states.messages import Problem
from states.roles import Role


class KeberatanState(StrEnum):
    filed = "filed"
    under_review = "under_review"
    decided = "decided"
    withdrawn = "withdrawn"


DECISIONS = ("rejected", "changed")


@dataclass(frozen=True)
class KeberatanFacts:
    """The ratings under objection, and the unit's capaian-derived rating when the pegawai heads a unit."""

    rating_hasil_kerja: Rating | None = None
    rating_perilaku: Rating | None = None
    unit_head_rating: Rating | None = None


def _decision_valid(f: KeberatanFacts, inp: TriggerInput) -> Iterator[str]:
    if inp.decision not in DECISIONS:
        yield Problem.say("keberatan.decision_valid.decision")
    if not (inp.note and inp.note.strip()):
        yield Problem.say("keberatan.decision_valid.note")
    if inp.decision != "changed":
        return
    if inp.rating_hasil_kerja is None and inp.rating_perilaku is None:
        yield Problem.say("keberatan.decision_valid.no_rating")
        return
    if f.unit_head_rating is not None and inp.rating_hasil_kerja not in (None, f.unit_head_rating):
        yield Problem.say(
            "keberatan.decision_valid.unit_head", capaian=f.unit_head_rating.value, given=inp.rating_hasil_kerja
        )
    hk = inp.rating_hasil_kerja or f.rating_hasil_kerja
    pk = inp.rating_perilaku or f.rating_perilaku
    if (hk, pk) == (f.rating_hasil_kerja, f.rating_perilaku):
        yield Problem.say("keberatan.decision_valid.unchanged")


GUARDS = {"decision_valid": _decision_valid}

_K = KeberatanState
_ATASAN = frozenset({Role.ATASAN_PENILAI})
ROWS: tuple[Row[KeberatanState], ...] = (
    Row("review", _K.filed, _K.under_review, _ATASAN),
    Row("decide", _K.filed, _K.decided, _ATASAN, ("decision_valid",)),
    Row("decide", _K.under_review, _K.decided, _ATASAN, ("decision_valid",)),
    Row("withdraw", _K.filed, _K.withdrawn, frozenset({Role.PEGAWAI})),
)

KEBERATAN: Lifecycle[KeberatanState, KeberatanFacts] = Lifecycle(
    "keberatan", KeberatanState, KeberatanState.filed, ROWS, GUARDS
)
