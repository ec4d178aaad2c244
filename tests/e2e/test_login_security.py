"""Login throttling, the security log, security headers, and passwords that never reach a log."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import col

from tests.e2e.conftest import ROOT_PASSWORD, Clock
from tests.integration.org import STAF2, STAF2_PASSWORD
from workflows.store.tables import AuthEvent, LoginThrottle


def _login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/auth/token", data={"username": username, "password": password})


def _kinds(client: TestClient) -> list[tuple[str, str | None]]:
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(select(col(AuthEvent.kind), col(AuthEvent.account)).order_by(col(AuthEvent.id)))
        return [(kind, account) for kind, account in rows]


def test_five_failures_lock_the_pair_with_429_until_the_clock_passes(client: TestClient, clock: Clock) -> None:
    assert [_login(client, "root", "wrong").status_code for _ in range(5)] == [401] * 5
    locked = _login(client, "root", ROOT_PASSWORD)  # even the right password: the pair is locked
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "900"
    clock.now += timedelta(seconds=600)
    assert _login(client, "root", "wrong").headers["retry-after"] == "300"
    clock.now += timedelta(seconds=301)
    assert _login(client, "root", ROOT_PASSWORD).status_code == 200
    root = "user:root"
    assert _kinds(client) == [*[("login_failed", root)] * 5, ("login_locked", root), ("login", root)]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.scalar(select(col(LoginThrottle.refused))) == 2


def test_failures_outside_the_window_do_not_add_up(client: TestClient, clock: Clock) -> None:
    for _ in range(3):
        for _ in range(4):
            assert _login(client, "root", "wrong").status_code == 401
        clock.now += timedelta(seconds=901)
    assert _login(client, "root", ROOT_PASSWORD).status_code == 200


def test_a_success_clears_the_count(client: TestClient) -> None:
    for _ in range(4):
        assert _login(client, "root", "wrong").status_code == 401
    assert _login(client, "root", ROOT_PASSWORD).status_code == 200
    assert [_login(client, "root", "wrong").status_code for _ in range(4)] == [401] * 4


def test_unknown_names_share_one_bucket_and_store_no_name(client: TestClient, imported: dict[str, Any]) -> None:
    codes = [_login(client, f"attacker-{i}", "x").status_code for i in range(50)]
    assert codes == [401] * 5 + [429] * 45
    assert _kinds(client) == [*[("login_failed", None)] * 5, ("login_locked", None)]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(LoginThrottle)) == 1
    # a real account from the same address is throttled on its own pair
    assert _login(client, STAF2, STAF2_PASSWORD).status_code == 200


def test_the_security_log_is_read_by_admins_of_the_instansi(
    client: TestClient, root: dict[str, str], imported: dict[str, Any]
) -> None:
    assert _login(client, STAF2, "salah").status_code == 401
    assert _login(client, STAF2, STAF2_PASSWORD).status_code == 200
    page = client.get("/audit/logins", headers=root)
    assert page.status_code == 200
    assert [(e["kind"], e["account"]) for e in page.json()["items"]] == [
        ("login_failed", f"pegawai:{STAF2}"),
        ("login", f"pegawai:{STAF2}"),
    ]
    assert page.json()["items"][0]["client"] == "testclient"
    token = _login(client, STAF2, STAF2_PASSWORD).json()["access_token"]
    assert client.get("/audit/logins", headers={"Authorization": f"Bearer {token}"}).status_code == 403


@pytest.mark.parametrize("path", ["/health", "/skps", "/docs", "/nowhere"])
def test_security_headers_on_every_answer(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    assert "strict-transport-security" not in answer.headers  # plain HTTP: HSTS would be meaningless


def test_hsts_over_https(app: Any) -> None:
    with TestClient(app, base_url="https://skp.example.go.id") as secure:
        assert secure.get("/health").headers["strict-transport-security"].startswith("max-age=")


def test_passwords_never_reach_a_log(
    client: TestClient, root: dict[str, str], imported: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cret-Passw0rd-that-must-not-leak"
    with caplog.at_level(logging.DEBUG):
        body = {"username": "hr.baru", "password": secret, "role": "admin", "instansi": "KAB-CONTOH"}
        assert client.post("/users", json=body, headers=root).status_code == 201
        assert _login(client, "hr.baru", secret).status_code == 200
        assert _login(client, "hr.baru", secret + "x").status_code == 401
        assert _login(client, "nobody", secret).status_code == 401
    assert caplog.records, "DEBUG logging captured nothing: the check would prove nothing"
    for record in caplog.records:
        assert secret not in record.getMessage() and secret not in str(record.args)
