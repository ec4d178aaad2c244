"""Plt/Plh with an SK, as pure rules: when an SK runs, who rates whom while it does, and its RHK Tambahan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from policies.schema import ActingPolicy
from states.enums import ActingKind


class Phase(StrEnum):
    """Where an acting SK stands on a day: before `from`, from `from` to `until` (both included), after; or
    `cancelled`: withdrawn by HR before it began (never a phase of the days, so `phase` never returns it)."""

    scheduled = "scheduled"
    running = "running"
    ended = "ended"
    cancelled = "cancelled"


def phase(start: date, until: date, day: date) -> Phase:
    if day < start:
        return Phase.scheduled
    return Phase.running if day <= until else Phase.ended


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    """Whether two day ranges (both ends included) share a day."""
    return a[0] <= b[1] and b[0] <= a[1]


def penilai_of(
    pegawai_id: int,
    unit_id: int | None,
    parent: Mapping[int, int | None],
    head: Mapping[int, int | None],
    acting: Mapping[int, int],
) -> int | None:
    """The pejabat penilai by the organisation: the head of the pegawai's unit, or of the nearest unit above it with
    a head who is someone else. While an acting SK runs for a unit (`acting`: unit → official), its official stands
    where the head would, so rates those the head would rate; the official's own penilai is still found by the walk,
    which never returns the pegawai themself: a unit's own head is rated above it (the official standing in for
    them does not rate them), and a Plh's own penilai stays the head they stand in for."""
    while unit_id is not None:
        titular = head.get(unit_id)
        if titular != pegawai_id:
            for candidate in (acting.get(unit_id), titular):
                if candidate is not None and candidate != pegawai_id:
                    return candidate
        unit_id = parent.get(unit_id)
    return None


def rhk_tambahan(policy: ActingPolicy, kind: ActingKind) -> bool:
    """Whether an SK of this kind adds the acting duty to the official's own SKP as an RHK Tambahan."""
    return policy.rhk_tambahan_plt if kind is ActingKind.PLT else policy.rhk_tambahan_plh


TITLE = {ActingKind.PLT: "Pelaksana Tugas (Plt.)", ActingKind.PLH: "Pelaksana Harian (Plh.)"}


def duty_text(kind: ActingKind, unit_name: str, sk_number: str, start: date, until: date) -> str:
    """The RHK Tambahan's text: 'Melaksanakan tugas sebagai Pelaksana Tugas (Plt.) Kepala Bidang P2P (SK …,
    2026-03-01 s.d. 2026-05-31)'."""
    return (
        f"Melaksanakan tugas sebagai {TITLE[kind]} Kepala {unit_name} "
        f"({sk_number}, {start.isoformat()} s.d. {until.isoformat()})"
    )[:2000]
