"""`skpflow serve --no-scheduler` seals the audit trail itself (no scheduler runs `seal-audit` for it), or says
loudly that nothing seals when told not to."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from api.sealer import SEALED_BY
from tests.reliability.stack import Service
from workflows.store.db import make_engine
from workflows.store.tables import AuditSeal

pytestmark = pytest.mark.slow


def seals(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(AuditSeal).where(col(AuditSeal.sealed_by) == SEALED_BY)
            return conn.scalar(query) or 0
    finally:
        engine.dispose()


def test_serve_without_a_scheduler_seals_on_its_interval(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'skpflow.db'}"
    service = Service(url, tmp_path, SKPFLOW_AUDIT_SEAL_EVERY_SECONDS="5")
    service.start()
    try:
        deadline = time.monotonic() + 30
        while seals(url) < 1 and time.monotonic() < deadline:
            time.sleep(0.5)
        # one seal: a later tick with no new events adds none (the newest seal already covers the trail)
        assert seals(url) == 1, service.log.read_text()[-2000:]
        assert "audit seal: every 5 s in this process" in service.log.read_text()
    finally:
        service.stop()


def test_serve_says_when_nothing_seals(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'skpflow.db'}"
    service = Service(url, tmp_path, SKPFLOW_AUDIT_SEAL_EVERY_SECONDS="5")
    service.start_args = ["--no-seal"]
    service.start()
    try:
        time.sleep(6)
        assert seals(url) == 0
        assert "NOTHING SEALS the audit trail" in service.log.read_text()
    finally:
        service.stop()
