"""The biggest costs in a py-spy speedscope profile of a server: the share of busy samples (threads not idling for
work) in which each function appears (inclusive), and the share it is the leaf of (self), for results.md."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

IDLE = ("Condition.wait", "EpollSelector.select", "_worker", "run_forever", "_run_once", "Queue.get", "get (queue.py)")


def _name(frame: dict[str, Any]) -> str:
    return f"{frame['name']} ({Path(frame.get('file') or '?').name})"


def top(path: Path, *, n: int = 15) -> dict[str, Any]:
    data = json.loads(path.read_text())
    frames = data["shared"]["frames"]
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    busy = 0.0
    for profile in data["profiles"]:
        for sample, weight in zip(profile["samples"], profile["weights"], strict=True):
            if not sample:
                continue
            leaf = _name(frames[sample[-1]])
            if any(leaf.startswith(idle) for idle in IDLE):
                continue  # a thread waiting for work costs nothing
            busy += weight
            for name in {_name(frames[i]) for i in sample}:
                inclusive[name] += weight
            own[leaf] += weight

    def share(counts: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * w / busy, 1)) for name, w in counts.most_common(n)] if busy else []

    return {"busy_samples": busy, "inclusive": share(inclusive), "self": share(own)}


if __name__ == "__main__":
    print(json.dumps(top(Path(sys.argv[1])), indent=1))
