"""Checking a recorded history after the fact, Jepsen-style: every acknowledged write is in its SKP's audit chain,
in order and once; every refused write is not; an outcome the client could not know (503 mid-commit, a cut
connection) may be either, but nothing else may appear."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import col

from workflows import audit
from workflows.store.tables import AuditEvent
from workflows.store.uow import reading


def read_history(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass
class Verdict:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    writes_acknowledged: int = 0
    writes_refused: int = 0
    writes_unknown: int = 0  # 503 or connection cut: the client cannot know whether it committed
    unknown_committed: int = 0
    lost: list[str] = field(default_factory=list)  # acknowledged, not in the chain
    phantom: list[str] = field(default_factory=list)  # in the chain, acknowledged by nobody (or twice)
    version_mismatch: list[str] = field(default_factory=list)
    wrong_accepted: list[str] = field(default_factory=list)  # a trigger that should be refused was not
    chain_problems: list[str] = field(default_factory=list)
    events_checked: int = 0

    @property
    def server_errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code >= 500)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.phantom or self.version_mismatch or self.wrong_accepted or self.chain_problems)

    def summary(self) -> str:
        return (
            f"lost={self.lost[:5]} phantom={self.phantom[:5]} version={self.version_mismatch[:5]} "
            f"wrong={self.wrong_accepted[:5]} chain={self.chain_problems[:5]}"
        )


def baseline(db: Engine) -> int:
    """The newest audit event id: the history's events come after it."""
    with reading(db) as s:
        return int(s.scalar(select(col(AuditEvent.id)).order_by(col(AuditEvent.id).desc()).limit(1)) or 0)


def check(history: list[dict[str, Any]], db: Engine, after: int) -> Verdict:
    v = Verdict(requests=len(history))
    v.statuses.update(row["status"] for row in history)
    ops: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in sorted((r for r in history if r.get("write")), key=lambda r: r["t"]):
        ops[row["skp"]].append(row)
    with reading(db) as s:
        events: dict[int, list[AuditEvent]] = defaultdict(list)
        for e in s.scalars(
            select(AuditEvent)
            .where(col(AuditEvent.entity_type) == "skp", col(AuditEvent.id) > after)
            .order_by(col(AuditEvent.entity_id), col(AuditEvent.seq))
        ):
            if not e.actor.startswith("system:"):  # sweeps' automatic actions are not the client's
                events[e.entity_id].append(e)
        verified = audit.verify(s)
    v.events_checked = verified.checked
    v.chain_problems = [str(p) for p in verified.problems]
    for skp_id in set(ops) | set(events):
        _match(skp_id, ops.get(skp_id, []), events.get(skp_id, []), v)
    return v


def _match(skp_id: int, ops: list[dict[str, Any]], chain: list[AuditEvent], v: Verdict) -> None:
    """Is the chain the acknowledged writes in order, with some of the unknown ones in their places? Which unknown
    ones committed is found by search (memoised on positions); without a match, name what is lost or extra."""
    acked = [o for o in ops if 200 <= o["status"] < 300]
    unknown = [o for o in ops if o["status"] == 0 or o["status"] >= 500]
    v.writes_acknowledged += len(acked)
    v.writes_unknown += len(unknown)
    v.writes_refused += len(ops) - len(acked) - len(unknown)
    v.wrong_accepted += [
        f"skp {skp_id}: {o['url']} by {o['actor']} got {o['status']}" for o in acked if o["trigger"] == "-"
    ]
    candidates = [
        o
        for o in ops
        if (200 <= o["status"] < 300) or ((o["status"] == 0 or o["status"] >= 500) and o["trigger"] != "-")
    ]
    memo: dict[tuple[int, int], int | None] = {}

    def fits(i: int, j: int) -> int | None:
        """How many unknown ops committed, if ops[i:] can produce chain[j:]; None if they cannot."""
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(candidates):
            found: int | None = 0 if j == len(chain) else None
        else:
            o = candidates[i]
            here = j < len(chain) and chain[j].trigger == o["trigger"]
            took = fits(i + 1, j + 1) if here else None
            if 200 <= o["status"] < 300:
                found = took
            else:
                skipped = fits(i + 1, j)
                found = skipped if took is None else took + 1 if skipped is None else min(took + 1, skipped)
        memo[(i, j)] = found
        return found

    committed = fits(0, 0)
    by_seq = {e.seq: e.trigger for e in chain}
    for o in acked:  # an answered version names the event that recorded it
        if o.get("version") is not None and by_seq.get(o["version"]) != o["trigger"]:
            v.version_mismatch.append(f"skp {skp_id}: {o['trigger']} answered v{o['version']}, no such event")
    if committed is not None:
        v.unknown_committed += committed
        return
    events = Counter(e.trigger for e in chain)
    for o in acked:
        if events[o["trigger"]] > 0:
            events[o["trigger"]] -= 1
        else:
            v.lost.append(f"skp {skp_id}: {o['trigger']} at t={o['t']} acknowledged, not in the chain")
    history = [(o["trigger"], o["status"]) for o in ops]
    v.phantom.append(f"skp {skp_id}: chain {[e.trigger for e in chain]} is not the history {history}")
