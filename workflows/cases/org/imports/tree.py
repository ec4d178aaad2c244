"""The organisation's tree: unit paths in topological order, cycles in parents or atasan refused, and each pegawai's
atasan resolved set-based (the unit head above, an acting official while an SK runs), with open work reassigned."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies import acting as acting_rules
from workflows.actors import Actor
from workflows.cases import reassign
from workflows.cases.org.imports.payload import OrgImport, UnitIn
from workflows.cases.org.lookup import running_acting
from workflows.store.tables import Instansi, Pegawai, Unit


def _cycle_in(edges: Mapping[str, str | None]) -> list[str]:
    """Keys on a cycle of the child → parent mapping (each reported once)."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    on_cycle: list[str] = []
    for start in edges:
        walk: list[str] = []
        node: str | None = start
        while node is not None and state.get(node, 0) == 0:
            state[node] = 1
            walk.append(node)
            node = edges.get(node)
        if node is not None and state.get(node) == 1:
            on_cycle.append(node)
        for n in walk:
            state[n] = 2
    return on_cycle


def _parent_codes(units: Mapping[str, Unit]) -> dict[str, str | None]:
    """Each stored unit's parent code, computed in one pass."""
    by_id = _by_id(units)
    return {code: (by_id[u.parent_id].code if u.parent_id in by_id else None) for code, u in units.items()}


def _by_id(units: Mapping[str, Unit]) -> dict[int | None, Unit]:
    return {u.id: u for u in units.values()}


def _topological(parent_code: Mapping[str, str | None], incoming: Mapping[str, UnitIn]) -> Iterator[str]:
    """Incoming unit codes, each after its parent (the tree is validated acyclic)."""
    done: set[str] = set()
    for code in incoming:
        chain: list[str] = []
        node: str | None = code
        while node is not None and node not in done and node in incoming:
            chain.append(node)
            node = parent_code.get(node)
        for c in reversed(chain):
            done.add(c)
            yield c


def _atasan_cycles(session: Session, payload: OrgImport, instansi: Instansi, units: Mapping[str, Unit]) -> list[str]:
    """Resolve every pegawai's atasan as the import would; the NIPs on cycles of that graph."""
    rows = session.execute(
        select(
            col(Pegawai.nip),
            col(Pegawai.unit_id),
            col(Pegawai.atasan_id),
            col(Pegawai.atasan_override),
            col(Pegawai.id),
        ).where(col(Pegawai.instansi_id) == instansi.id)
    ).all()
    nip_of = {pid: nip for nip, _, _, _, pid in rows}
    by_id = _by_id(units)
    unit_of = {nip: (by_id[uid].code if uid in by_id else None) for nip, uid, _, _, _ in rows}
    override = {nip: nip_of.get(aid) for nip, _, aid, ovr, _ in rows if ovr and aid}
    for p in payload.pegawai:
        unit_of[p.nip] = p.unit_code
        override.pop(p.nip, None)
        if p.atasan_nip:
            override[p.nip] = p.atasan_nip
    head = {code: nip_of.get(u.head_id) if u.head_id else None for code, u in units.items()}
    parent = _parent_codes(units)
    for u in payload.units:
        head[u.code], parent[u.code] = u.head_nip, u.parent_code
    atasan = {nip: override.get(nip) or _default_atasan(nip, unit, head, parent) for nip, unit in unit_of.items()}
    return _cycle_in(atasan)


def _default_atasan(
    nip: str, unit: str | None, head: Mapping[str, str | None], parent: Mapping[str, str | None]
) -> str | None:
    """The head of the pegawai's unit, or of the nearest unit above it with a head who is someone else."""
    while unit is not None:
        h = head.get(unit)
        if h is not None and h != nip:
            return h
        unit = parent.get(unit)
    return None


def _reassign(
    session: Session, changed: Mapping[int, tuple[int | None, int | None]], actor: Actor, now: datetime
) -> None:
    """The import changed these pegawai's atasan: the open steps the old penilai had for them move to the new one
    (a pegawai new to the organisation, or without an atasan until now, had no penilai with open steps)."""
    known = {pid: pair for pid, pair in changed.items() if pair[0] is not None}
    reassign.reassign_open_work(session, known, actor=actor, now=now, reason="import organisasi: atasan berubah")


def resolve_atasan(
    session: Session, instansi_id: int, overrides: Mapping[int, int] | None = None
) -> dict[int, tuple[int | None, int | None]]:
    """Store every pegawai's resolved atasan (pejabat penilai) of the instansi, set-based: an override, else the
    head of their unit or the nearest one above (the official of a running acting SK standing for the head); the
    changes, by pegawai id: (old atasan, new atasan)."""
    overrides = overrides or {}
    units = session.execute(
        select(col(Unit.id), col(Unit.parent_id), col(Unit.head_id)).where(col(Unit.instansi_id) == instansi_id)
    ).all()
    parent = {uid: parent_id for uid, parent_id, _ in units}
    head = {uid: head_id for uid, _, head_id in units}
    rows = session.execute(
        select(col(Pegawai.id), col(Pegawai.unit_id), col(Pegawai.atasan_id), col(Pegawai.atasan_override)).where(
            col(Pegawai.instansi_id) == instansi_id
        )
    ).all()
    acting = running_acting(session, instansi_id)
    updates = []
    changed: dict[int, tuple[int | None, int | None]] = {}
    for pid, unit_id, atasan_id, is_override in rows:
        if is_override:
            resolved = overrides.get(pid, atasan_id)
        else:
            resolved = acting_rules.penilai_of(pid, unit_id, parent, head, acting)
        if resolved != atasan_id:
            updates.append({"id": pid, "atasan_id": resolved})
            changed[pid] = (atasan_id, resolved)
    for start in range(0, len(updates), 5000):
        session.execute(update(Pegawai), updates[start : start + 5000])
    return changed


def _repath(units: Mapping[str, Unit]) -> None:
    """Recompute every unit's materialised path from its parents (a moved unit moves its whole subtree)."""
    by_id = _by_id(units)
    paths: dict[int | None, str] = {}

    def path_of(unit: Unit) -> str:
        if unit.id not in paths:
            parent = by_id.get(unit.parent_id) if unit.parent_id else None
            paths[unit.id] = f"{path_of(parent) if parent else '/'}{unit.id}/"
        return paths[unit.id]

    for unit in units.values():
        new = path_of(unit)
        if unit.path != new:
            unit.path = new
