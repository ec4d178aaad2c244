"""schemathesis over the OpenAPI: no 5xx, and every response matches the documented status codes and schemas."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from api import security
from api.app import create_app
from tests.e2e.conftest import KEY, Clock
from tests.integration.org import small_org
from workflows.actors import Actor
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import import_org
from workflows.cases.users import ensure_first_admin
from workflows.store.db import make_engine, upgrade
from workflows.store.settings import Settings
from workflows.store.tables import AppUser
from workflows.store.uow import unit_of_work

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROOT = {"Authorization": f"Bearer {security.issue('user:root', key=KEY, now=NOW, minutes=600)}"}


def logout_headers() -> dict[str, str]:
    """A fresh token of an account that only the logout cases use (`everywhere=true` ends all of its sessions)."""
    with ENGINE[0].connect() as conn:
        version = conn.scalar(select(col(AppUser.token_version)).where(col(AppUser.username) == "fuzz.logout"))
    token = security.issue("user:fuzz.logout", key=KEY, now=NOW, minutes=600, version=version or 0)
    return {"Authorization": f"Bearer {token}"}


ENGINE: list[Engine] = []
EXAMPLES = int(os.environ.get("SKPFLOW_FUZZ_EXAMPLES", "30"))  # `make reliability` asks for many more


def _schema() -> schemathesis.schemas.BaseSchema:
    """The app on a seeded SQLite file of its own (schemathesis' fixture loader does not support pytest 9.2)."""
    path = Path(tempfile.mkdtemp(prefix="skpflow-fuzz-")) / "fuzz.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    root = Actor.admin("root")
    with unit_of_work(engine) as s:
        ensure_first_admin(s, "root", "root-password-e2e-4k9", now=NOW)
        s.add(AppUser(username="fuzz.logout", password_hash="-", role="admin", created_at=NOW))
        instansi_id = import_org(s, small_org(), actor=root, now=NOW).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=NOW)
        made = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=root, now=NOW
        )
    cycle.open_cycle(lambda: Session(engine, expire_on_commit=False), made.id, actor=root, now=NOW)
    ENGINE.append(engine)
    app = create_app(engine=engine, settings=Settings(secret_key=SecretStr(KEY)), clock=Clock(NOW))
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = _schema()


@schema.parametrize()
# XLSX bodies cannot be generated from a schema; the workbook reader has its own table of malformed files
@pytest.mark.filterwarnings("ignore:Skipped test cases with unsupported payload media types")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_responses_match_the_schema(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    # logging out ends the token it is sent with, so each logout gets a token of its own
    headers = logout_headers() if case.operation.label == "POST /auth/logout" else ROOT
    case.call_and_validate(
        headers=headers, checks=[status_code_conformance, content_type_conformance, response_schema_conformance]
    )
