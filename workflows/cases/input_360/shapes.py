"""The shapes of 360 input: what a penilai and a pemberi send, and what they are shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from policies import input_360 as rules
from states.enums import CoreValue, Rating
from states.evaluation import EvaluationState
from states.roles import Role
from states.skp import SkpState

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
