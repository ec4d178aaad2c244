"""A sweep worker in a process of its own, for the kill-mid-sweep test: open a cycle (draft one SKP per pegawai,
chunk by chunk, each chunk committed alone) through the named workflow.

    python -m tests.reliability.sweep DATABASE_URL CYCLE_ID CHUNK
"""

from __future__ import annotations

import json
import sys

from tests.reliability.world import NOW
from workflows.actors import Actor
from workflows.flows import runs
from workflows.store.db import make_engine


def main() -> None:
    url, cycle_id, chunk = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = runs.RunContext(make_engine(url), Actor.scheduler("reliability"), NOW, cycle_id, None, chunk)
    print(json.dumps(runs.open_cycle(ctx)))


if __name__ == "__main__":
    main()
