"""The policy's bounds on what users write: one problem per count or text over its `limits` setting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policies.schema import Limits
from states.lifecycle import TriggerInput
from states.messages import Problem, located


def too_many(where: str, count: int, limit: int, setting: str) -> list[Problem]:
    """A problem when a list holds more items than the policy allows."""
    if count <= limit:
        return []
    return [Problem.say("input.limits.too_many", where=located(where), count=count, setting=setting, limit=limit)]


def too_long(fields: Iterable[tuple[str, str | None]], limit: int, setting: str) -> list[Problem]:
    """A problem per (where, text) longer than `limit` characters."""
    return [
        Problem.say("input.limits.too_long", where=located(where), count=len(text), setting=setting, limit=limit)
        for where, text in fields
        if text is not None and len(text) > limit
    ]


def notes(limits: Limits, fields: Iterable[tuple[str, str | None]]) -> list[Problem]:
    """Free texts (notes, reasons, feedback, realisasi) over `limits.note_chars`."""
    return too_long(fields, limits.note_chars, "limits.note_chars")


def trigger_input(limits: Limits, inp: TriggerInput) -> list[Problem]:
    """The note and reason a trigger carries, over `limits.note_chars`."""
    return notes(limits, (("note", inp.note), ("reason", inp.reason)))


def plan(
    limits: Limits,
    rhk: Sequence[tuple[str, Sequence[str]]],
    ekspektasi_khusus: Iterable[tuple[str, str]] = (),
    lampiran: Iterable[tuple[str, Sequence[str]]] = (),
) -> list[Problem]:
    """An SKP plan against the bounds: `rhk` is each RHK's text with its indicators' texts, `ekspektasi_khusus`
    (core value, text) and `lampiran` (section, entries)."""
    problems = too_many("rhk", len(rhk), limits.rhk_per_skp, "limits.rhk_per_skp")
    texts: list[tuple[str, str | None]] = []
    for i, (text, indicators) in enumerate(rhk):
        problems += too_many(
            f"rhk[{i}].indikator", len(indicators), limits.indikator_per_rhk, "limits.indikator_per_rhk"
        )
        texts.append((f"rhk[{i}].text", text))
        texts += [(f"rhk[{i}].indikator[{j}].text", t) for j, t in enumerate(indicators)]
    texts += [(f"perilaku.{value}", text) for value, text in ekspektasi_khusus]
    for section, entries in lampiran:
        problems += too_many(f"lampiran.{section}", len(entries), limits.lampiran_items, "limits.lampiran_items")
        texts += [(f"lampiran.{section}[{k}]", entry) for k, entry in enumerate(entries)]
    return problems + too_long(texts, limits.text_chars, "limits.text_chars")
