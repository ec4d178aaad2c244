"""The keberatan (objection) lifecycle: filed by the pegawai, decided by the atasan penilai, final."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.enums import Rating
from states.lifecycle import Lifecycle, Row, TriggerInput
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
        yield "decision must be 'rejected' or 'changed'"
    if not (inp.note and inp.note.strip()):
        yield "a note explaining the decision is required"
    if inp.decision != "changed":
        return
    if inp.rating_hasil_kerja is None and inp.rating_perilaku is None:
        yield "a changed decision names the new rating_hasil_kerja and/or rating_perilaku"
        return
    if f.unit_head_rating is not None and inp.rating_hasil_kerja not in (None, f.unit_head_rating):
        yield (
            f"a unit head's rating_hasil_kerja is the unit's capaian ({f.unit_head_rating.value}), "
            f"not {inp.rating_hasil_kerja}"
        )
    hk = inp.rating_hasil_kerja or f.rating_hasil_kerja
    pk = inp.rating_perilaku or f.rating_perilaku
    if (hk, pk) == (f.rating_hasil_kerja, f.rating_perilaku):
        yield "a changed decision must change a rating; to keep the result, reject the objection"


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
