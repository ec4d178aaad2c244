"""The in-process sealer: `skpflow serve --no-scheduler` seals the audit trail itself, since no scheduler runs
the `seal-audit` workflow for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from workflows.cases import audit_trail

log = logging.getLogger("skpflow.sealer")
SEALED_BY = "system:sealer"


class Sealer:
    """Seals every `every` seconds in a daemon thread until stopped. Sealers take turns (workflows/audit/seal.py),
    so several servers sealing the same database, or a worker sealing beside them, do no harm."""

    def __init__(self, engine: Engine, *, every: float, key: bytes | None, clock: Callable[[], datetime]) -> None:
        self.engine, self.every, self.key, self.clock = engine, every, key, clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skpflow-sealer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def seal_once(self) -> audit_trail.Seal | None:
        """One seal; a failure is logged and retried at the next tick (the database may be away for a moment)."""
        try:
            return audit_trail.seal_now(self.engine, now=self.clock(), by=SEALED_BY, key=self.key)
        except Exception:
            log.exception("sealing the audit trail failed; retrying in %s s", self.every)
            return None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.seal_once()
