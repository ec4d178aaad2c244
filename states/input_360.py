"""The 360 input lifecycle: a pemberi pertimbangan's input on one SKP's perilaku for one period (0 = the year).

The pejabat penilai names the pemberi (a rekan kerja setingkat or a bawahan langsung of the pegawai, PP 30/2019);
the pemberi rates each BerAKHLAK core value, with a note, while the window is open; the penilai may withdraw a
request not yet answered. A request whose window closed unanswered stays `requested`: the window is derived from
time, as the keberatan filing window is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from states.lifecycle import Lifecycle, Row, TriggerInput
from states.messages import Problem
from states.roles import Role


class Input360State(StrEnum):
    requested = "requested"
    submitted = "submitted"
    withdrawn = "withdrawn"


class Input360Mode(StrEnum):
    """Policy `perilaku.input_360`: whether the penilai may, or must, ask for 360 input before rating perilaku."""

    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


class Relation(StrEnum):
    """Who a pemberi pertimbangan is to the pegawai rated."""

    REKAN = "REKAN"  # rekan kerja setingkat: same unit, same level
    BAWAHAN = "BAWAHAN"  # bawahan langsung: the pegawai is their atasan


@dataclass(frozen=True)
class Input360Facts:
    window_open: bool = False
    window_closes: str = ""  # the first late instant, as the refusal names it
    rated: bool = False  # the penilai has already rated the perilaku this input was asked for
    values_missing: tuple[str, ...] = ()  # core values the submission does not rate


def _window_open(f: Input360Facts, _: TriggerInput) -> Iterator[str]:
    if not f.window_open:
        if f.window_closes:
            yield Problem.say("input_360.window_open.closes", closes=f.window_closes)
        else:
            yield Problem.say("input_360.window_open")


def _not_yet_rated(f: Input360Facts, _: TriggerInput) -> Iterator[str]:
    if f.rated:
        yield Problem.say("input_360.not_yet_rated")


def _every_value_rated(f: Input360Facts, _: TriggerInput) -> Iterator[str]:
    for value in f.values_missing:
        yield Problem.say("input_360.every_value_rated.value", value=value)


GUARDS = {"window_open": _window_open, "not_yet_rated": _not_yet_rated, "every_value_rated": _every_value_rated}

_I = Input360State
ROWS: tuple[Row[Input360State], ...] = (
    Row(
        "submit",
        _I.requested,
        _I.submitted,
        frozenset({Role.PEMBERI}),
        ("window_open", "not_yet_rated", "every_value_rated"),
    ),
    Row("withdraw", _I.requested, _I.withdrawn, frozenset({Role.PENILAI, Role.ADMIN, Role.SYSTEM})),
)

INPUT_360: Lifecycle[Input360State, Input360Facts] = Lifecycle(
    "input_360", Input360State, Input360State.requested, ROWS, GUARDS
)
