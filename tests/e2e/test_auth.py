"""Logging in and the token: who gets in, who is refused, and that a refusal says nothing more than 401."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import jwt
from fastapi.testclient import TestClient

from tests.e2e.conftest import KEY, ROOT_PASSWORD, Clock, bearer
from tests.integration.org import STAF1, STAF2, STAF2_PASSWORD


def test_a_pegawai_logs_in_with_their_nip(client: TestClient, imported: dict[str, Any]) -> None:
    answer = client.post("/auth/token", data={"username": STAF2, "password": STAF2_PASSWORD})
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    change = {"current_password": STAF2_PASSWORD, "new_password": "kopi-tubruk-di-pagi-hari"}
    changed = client.post("/auth/password", json=change, headers={"Authorization": f"Bearer {token}"})
    assert changed.status_code == 200  # the imported password is an initial one
    mine = client.get("/skps", headers={"Authorization": f"Bearer {changed.json()['access_token']}"})
    assert mine.status_code == 200


def test_an_admin_logs_in_with_a_username(client: TestClient) -> None:
    answer = client.post("/auth/token", data={"username": "root", "password": ROOT_PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer"


def test_wrong_or_unknown_credentials_get_the_same_401(client: TestClient, imported: dict[str, Any]) -> None:
    wrong = client.post("/auth/token", data={"username": STAF2, "password": "salah"})
    unknown = client.post("/auth/token", data={"username": "199901012020121999", "password": STAF2_PASSWORD})
    no_password_set = client.post("/auth/token", data={"username": STAF1, "password": "anything"})
    assert [wrong.status_code, unknown.status_code, no_password_set.status_code] == [401, 401, 401]
    assert wrong.json()["detail"] == unknown.json()["detail"] == no_password_set.json()["detail"]


def _forged(claims: dict[str, Any], alg: str = "none") -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


def test_tampered_expired_unsigned_and_missing_tokens_get_401(client: TestClient, clock: Clock) -> None:
    good = bearer("user:root", clock)["Authorization"].removeprefix("Bearer ")
    now = int(clock().timestamp())
    tampered = jwt.encode(
        {"sub": "user:root", "iat": now, "exp": now + 60},
        "another key, long enough to pass for a real one",
        algorithm="HS256",
    )
    unsigned = _forged({"sub": "user:root", "iat": now, "exp": now + 60})
    expired = jwt.encode({"sub": "user:root", "iat": now - 7200, "exp": now - 3600}, KEY, algorithm="HS256")
    unknown_user = jwt.encode({"sub": "user:nobody", "iat": now, "exp": now + 60}, KEY, algorithm="HS256")
    for token in (tampered, unsigned, expired, unknown_user, good[:-4] + "AAAA", "garbage"):
        answer = client.get("/skps", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
        assert answer.headers["www-authenticate"] == "Bearer"
    assert client.get("/skps").status_code == 401
    assert client.get("/skps", headers={"Authorization": f"Bearer {good}"}).status_code == 200


def test_a_token_expires_on_the_service_clock(client: TestClient, clock: Clock) -> None:
    headers = bearer("user:root", clock)  # valid for 60 minutes
    assert client.get("/cycles", headers=headers).status_code == 200
    clock.now += timedelta(minutes=61)
    assert client.get("/cycles", headers=headers).status_code == 401


def test_a_deactivated_pegawai_is_refused_with_a_valid_token(
    client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]
) -> None:
    from sqlalchemy import update
    from sqlmodel import col

    from workflows.store.tables import Pegawai

    headers = bearer(f"pegawai:{STAF2}", clock)
    assert client.get("/skps", headers=headers).status_code == 200
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.begin() as conn:
        conn.execute(update(Pegawai).where(col(Pegawai.nip) == STAF2).values(active=False))
    assert client.get("/skps", headers=headers).status_code == 401
