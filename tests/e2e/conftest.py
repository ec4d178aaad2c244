"""HTTP fixtures: the real app on the test database, an adjustable clock, and bearer tokens per actor."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine

from api import security
from api.app import create_app
from tests.integration.org import small_org
from workflows.cases.users import ensure_first_admin
from workflows.store.settings import Settings
from workflows.store.uow import unit_of_work

KEY = "e2e-signing-key-that-is-long-enough-for-hs256"
ROOT_PASSWORD = "root-password-e2e-4k9"


class Clock:
    """The app's clock, moved by tests."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)


@pytest.fixture
def app(db: Engine, clock: Clock, tmp_path: Path) -> FastAPI:
    with unit_of_work(db) as s:
        ensure_first_admin(s, "root", ROOT_PASSWORD, now=clock())  # the operator's own password: no change needed
    settings = Settings(
        database_url="sqlite://",
        secret_key=SecretStr(KEY),
        max_body_bytes=64 * 1024,
        evidence_dir=str(tmp_path / "evidence"),
    )
    return create_app(engine=db, settings=settings, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def bearer(ref: str, clock: Clock, *, minutes: int = 60, version: int = 0) -> dict[str, str]:
    """Headers of a logged-in actor ('user:root', 'pegawai:<nip>'), without paying for a password hash; `version` is
    the account's token version (0 until its sessions are first ended)."""
    token = security.issue(ref, key=KEY, now=clock(), minutes=minutes, version=version)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def root(clock: Clock) -> dict[str, str]:
    return bearer("user:root", clock)


def org_json(**changes: Any) -> dict[str, Any]:
    return small_org(**changes).model_dump(mode="json", exclude_none=True)


@pytest.fixture
def imported(client: TestClient, root: dict[str, str]) -> dict[str, Any]:
    answer = client.post("/org/import", json=org_json(), headers=root)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


@pytest.fixture
def cycle_id(client: TestClient, root: dict[str, str], imported: dict[str, Any]) -> int:
    made = client.post("/cycles", json={"year": 2026, "name": "SKP 2026", "instansi": "KAB-CONTOH"}, headers=root)
    assert made.status_code == 201, made.text
    opened = client.post(f"/cycles/{made.json()['id']}/open", headers=root)
    assert opened.status_code == 200, opened.text
    assert opened.json()["drafted"] == 6
    return int(made.json()["id"])
