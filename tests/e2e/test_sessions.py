"""Logging in, changing passwords and ending sessions, through both faces: the HTTP API and the web pages' cookie.

One login use case serves both (throttle, lock, security log); initial passwords must be changed first; logging out
revokes the token at once, as a cookie and as a bearer token; an admin ends an account's sessions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlmodel import col
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from tests.e2e.conftest import KEY, ROOT_PASSWORD, Clock, bearer, org_json
from tests.e2e.web_setup import PASSWORD, csrf_of, give_passwords
from tests.integration.org import KABID, STAF1, STAF2, STAF2_PASSWORD
from workflows.store.settings import Settings, get_settings
from workflows.store.tables import AuditEvent, Pegawai
from workflows.store.uow import reading

NEW_PASSWORD = "kopi-tubruk-di-pagi-hari"


def api_login(client: TestClient, username: str, password: str) -> Any:
    return client.post("/auth/token", data={"username": username, "password": password})


def web_try(client: TestClient, username: str, password: str) -> Any:
    page = client.get("/ui/login")
    data = {"username": username, "password": password, "csrf": csrf_of(page.text)}
    return client.post("/ui/login", data=data, follow_redirects=False)


def web_post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Any:
    page = client.get("/ui/login")  # any page carries the CSRF token
    return client.post(path, data={**(data or {}), "csrf": csrf_of(page.text)}, follow_redirects=False)


def security_log(client: TestClient, root: dict[str, str]) -> list[tuple[str, str | None]]:
    page = client.get("/audit/logins", params={"limit": 500}, headers=root)
    assert page.status_code == 200, page.text
    return [(e["kind"], e["account"]) for e in page.json()["items"]]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- one login path ---------------------------------------------------------------------------------------------


def test_wrong_web_passwords_are_throttled_and_logged_like_the_apis(
    client: TestClient, root: dict[str, str], imported: dict[str, Any]
) -> None:
    codes = [web_try(client, STAF2, f"tebakan-{i}").status_code for i in range(25)]
    assert codes == [401] * 5 + [429] * 20
    locked = web_try(client, STAF2, STAF2_PASSWORD)  # even the right password: the pair is locked
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "Terlalu banyak percobaan gagal" in locked.text
    assert "skpflow_session" not in locked.cookies
    assert api_login(client, STAF2, STAF2_PASSWORD).status_code == 429  # one lock for both faces
    staff = f"pegawai:{STAF2}"
    assert security_log(client, root) == [*[("login_failed", staff)] * 5, ("login_locked", staff)]


def test_an_account_locked_through_the_api_cannot_log_in_on_the_web(
    client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]
) -> None:
    assert [api_login(client, "root", "salah").status_code for _ in range(5)] == [401] * 5
    assert web_try(client, "root", ROOT_PASSWORD).status_code == 429
    clock.now += timedelta(seconds=901)
    answer = web_try(client, "root", ROOT_PASSWORD)
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui")
    assert security_log(client, root)[-2:] == [("login_locked", "user:root"), ("login", "user:root")]


# --- passwords ----------------------------------------------------------------------------------------------------


def test_an_imported_password_opens_only_the_change_route_until_changed(
    client: TestClient, root: dict[str, str], imported: dict[str, Any]
) -> None:
    first = api_login(client, STAF2, STAF2_PASSWORD)
    assert first.status_code == 200 and first.json()["password_change_required"] is True
    initial = auth(first.json()["access_token"])
    refused = client.get("/skps", headers=initial)
    assert refused.status_code == 403 and "password change required" in refused.json()["detail"]
    wrong = client.post(
        "/auth/password", json={"current_password": "salah", "new_password": NEW_PASSWORD}, headers=initial
    )
    assert (wrong.status_code, wrong.json()["problems"]) == (422, ["current_password: wrong password"])
    weak = client.post(
        "/auth/password", json={"current_password": STAF2_PASSWORD, "new_password": "joko12345"}, headers=initial
    )
    assert weak.status_code == 422 and weak.json()["problems"][0].startswith("new_password: too short")
    changed = client.post(
        "/auth/password", json={"current_password": STAF2_PASSWORD, "new_password": NEW_PASSWORD}, headers=initial
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["password_change_required"] is False
    assert client.get("/skps", headers=auth(changed.json()["access_token"])).status_code == 200
    assert client.get("/skps", headers=initial).status_code in {401, 403}  # the old token is over
    assert client.post("/auth/logout", headers=initial).status_code == 401
    assert api_login(client, STAF2, STAF2_PASSWORD).status_code == 401
    again = api_login(client, STAF2, NEW_PASSWORD)
    assert again.status_code == 200 and again.json()["password_change_required"] is False
    assert ("password_changed", f"pegawai:{STAF2}") in security_log(client, root)


def test_a_password_change_ends_the_accounts_other_sessions(
    client: TestClient, clock: Clock, db: Engine, imported: dict[str, Any]
) -> None:
    give_passwords(db, STAF1)
    other_browser = bearer(f"pegawai:{STAF1}", clock)
    assert client.get("/skps", headers=other_browser).status_code == 200
    mine = auth(api_login(client, STAF1, PASSWORD).json()["access_token"])
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert client.post("/auth/password", json=body, headers=mine).status_code == 200
    assert client.get("/skps", headers=other_browser).status_code == 401


def test_the_web_sends_an_initial_password_to_the_change_page(client: TestClient, imported: dict[str, Any]) -> None:
    answer = web_try(client, STAF2, STAF2_PASSWORD)
    assert (answer.status_code, answer.headers["location"]) == (303, "/ui/password")
    home = client.get("/ui", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/ui/password")
    cookie = client.cookies["skpflow_session"]
    assert client.get("/skps", headers=auth(cookie)).status_code == 403  # nor the API with the cookie's token
    page = client.get("/ui/password")
    assert page.status_code == 200 and "Kata sandi Anda diberikan oleh orang lain" in page.text
    assert "Your password was given to you by someone else" in client.get("/ui/password?lang=en").text
    weak = web_post(client, "/ui/password", {"current_password": STAF2_PASSWORD, "new_password": "123"})
    assert weak.status_code == 422 and "new_password: too short" in weak.text
    done = web_post(client, "/ui/password", {"current_password": STAF2_PASSWORD, "new_password": NEW_PASSWORD})
    assert (done.status_code, done.headers["location"]) == (303, "/ui?changed=1")
    assert client.get("/ui", follow_redirects=False).status_code == 200
    assert client.post("/auth/logout", headers=auth(cookie)).status_code == 401  # the initial session is over


def test_demo_mode_lets_initial_passwords_in_without_a_change(
    db: Engine, clock: Clock, tmp_path: Path, imported: dict[str, Any]
) -> None:
    settings = Settings(secret_key=SecretStr(KEY), demo=True, evidence_dir=str(tmp_path / "evidence"))
    with TestClient(create_app(engine=db, settings=settings, clock=clock)) as demo:
        answer = api_login(demo, STAF2, STAF2_PASSWORD)
        assert answer.json()["password_change_required"] is False
        assert demo.get("/skps", headers=auth(answer.json()["access_token"])).status_code == 200


def test_every_way_of_setting_a_password_meets_the_policy(client: TestClient, root: dict[str, str], db: Engine) -> None:
    weak = org_json()
    weak["pegawai"][4]["password"] = "1"
    weak["pegawai"][5]["password"] = "demo"
    refused = client.post("/org/import", json=weak, headers=root)
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        "pegawai[4].password: too short: at least 10 characters",
        "pegawai[5].password: too short: at least 10 characters",
    ]
    csv = (
        "record;code;name;nip;jenis;jabatan_type;jabatan_name;unit_code;password\n"
        "instansi;KAB-CONTOH;Pemerintah Kabupaten Contoh;;;;;;\n"
        "unit;P;Sekretariat;;;;;;\n"
        f"pegawai;;Budi;{STAF1};PNS;PELAKSANA;Staf;P;password123\n"
    )
    from_file = client.post("/org/import", content=csv.encode(), headers={**root, "Content-Type": "text/csv"})
    assert from_file.status_code == 422, from_file.text
    assert from_file.json()["problems"][0].startswith("pegawai row 4 (password): too easy to guess")
    with reading(db) as s:
        assert s.scalar(select(func.count()).select_from(Pegawai)) == 0  # nothing imported
    user = {"username": "hr.baru", "password": "hr.baru2026", "role": "admin", "instansi": "KAB-CONTOH"}
    assert client.post("/org/import", json=org_json(), headers=root).status_code == 200
    made = client.post("/users", json=user, headers=root)
    assert made.status_code == 422 and made.json()["problems"][0].startswith("password: too easy to guess")
    strong = {**user, "password": "pisang-goreng-hangat"}
    assert client.post("/users", json=strong, headers=root).status_code == 201
    first = api_login(client, "hr.baru", "pisang-goreng-hangat").json()
    assert first["password_change_required"] is True  # an admin chose it: the user changes it


def test_serve_refuses_to_create_an_admin_with_a_weak_password(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKPFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("SKPFLOW_ADMIN_USER", "admin")
    monkeypatch.setenv("SKPFLOW_ADMIN_PASSWORD", "admin-demo")  # the old `make run` default
    monkeypatch.setenv("SKPFLOW_SECRET_FILE", str(tmp_path / "secret.key"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["serve", "--no-scheduler", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2, result.output
    assert "not starting" in result.output and "SKPFLOW_ADMIN_PASSWORD" in result.output
    assert "admin-demo" not in result.output.replace("'admin'", "")


def test_reimporting_a_new_password_ends_the_pegawais_sessions(
    client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]
) -> None:
    staff = bearer(f"pegawai:{STAF2}", clock)
    assert client.get("/skps", headers=staff).status_code == 200
    again = org_json()
    assert client.post("/org/import", json=again, headers=root).status_code == 200  # the same password again
    assert client.get("/skps", headers=staff).status_code == 401
    unchanged = org_json()
    del unchanged["pegawai"][5]["password"]
    current = bearer(f"pegawai:{STAF2}", clock, version=1)
    assert client.get("/skps", headers=current).status_code == 200
    assert client.post("/org/import", json=unchanged, headers=root).status_code == 200
    assert client.get("/skps", headers=current).status_code == 200  # no new password: the sessions go on


# --- sessions -----------------------------------------------------------------------------------------------------


def test_api_logout_ends_the_token_as_bearer_and_as_cookie(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, STAF1)
    assert web_try(client, STAF1, PASSWORD).status_code == 303
    cookie = client.cookies["skpflow_session"]
    assert client.get("/skps", headers=auth(cookie)).status_code == 200
    phone = auth(api_login(client, STAF1, PASSWORD).json()["access_token"])
    assert client.post("/auth/logout", headers=auth(cookie)).status_code == 204
    assert client.get("/skps", headers=auth(cookie)).status_code == 401
    home = client.get("/ui", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/ui/login")
    assert client.get("/skps", headers=phone).status_code == 200  # another session of the account goes on
    assert client.post("/auth/logout", params={"everywhere": "true"}, headers=phone).status_code == 204
    assert client.get("/skps", headers=phone).status_code == 401


def test_web_logout_ends_the_cookie_and_its_token_as_bearer(client: TestClient, db: Engine, cycle_id: int) -> None:
    give_passwords(db, KABID)
    assert web_try(client, KABID, PASSWORD).status_code == 303
    cookie = client.cookies["skpflow_session"]
    assert client.get("/ui", follow_redirects=False).status_code == 200
    out = web_post(client, "/ui/logout")
    assert (out.status_code, out.headers["location"]) == (303, "/ui/login")
    assert client.get("/skps", headers=auth(cookie)).status_code == 401
    client.cookies.set("skpflow_session", cookie)  # a copy of the cookie kept from before
    home = client.get("/ui", follow_redirects=False)
    assert (home.status_code, home.headers["location"]) == (303, "/ui/login")


def test_an_admin_ends_a_users_and_a_pegawais_sessions(
    client: TestClient, clock: Clock, root: dict[str, str], imported: dict[str, Any]
) -> None:
    hr = {"username": "hr.kab", "password": "rahasia-hr-kab", "role": "admin", "instansi": "KAB-CONTOH"}
    assert client.post("/users", json=hr, headers=root).status_code == 201
    other = {"instansi": {"code": "KAB-LAIN", "name": "Kabupaten Lain"}, "units": [], "pegawai": []}
    assert client.post("/org/import", json=other, headers=root).status_code == 200
    foreign = {"username": "hr.lain", "password": "rahasia-hr-lain", "role": "admin", "instansi": "KAB-LAIN"}
    assert client.post("/users", json=foreign, headers=root).status_code == 201
    hr_token, staff_token = bearer("user:hr.kab", clock), bearer(f"pegawai:{STAF2}", clock)
    assert client.post(f"/pegawai/{STAF2}/sessions/revoke", headers=bearer("user:hr.lain", clock)).status_code == 404
    assert (
        client.post(f"/pegawai/{STAF2}/sessions/revoke", headers=bearer(f"pegawai:{KABID}", clock)).status_code == 403
    )
    assert client.get("/skps", headers=staff_token).status_code == 200  # refusals changed nothing
    ended = client.post(f"/pegawai/{STAF2}/sessions/revoke", headers=hr_token)
    assert (ended.status_code, ended.json()) == (200, {"account": f"pegawai:{STAF2}"})
    assert client.get("/skps", headers=staff_token).status_code == 401
    assert client.post("/users/hr.kab/sessions/revoke", headers=root).status_code == 200
    assert client.get("/skps", headers=hr_token).status_code == 401
    assert client.post("/users/nobody/sessions/revoke", headers=root).status_code == 404
    assert client.post("/users/root/sessions/revoke", headers=bearer("user:hr.lain", clock)).status_code == 404
    with reading(client.app.state.engine) as s:  # type: ignore[attr-defined]
        notes = s.scalars(select(col(AuditEvent.note)).where(col(AuditEvent.trigger) == "end_sessions")).all()
    assert sorted(n or "" for n in notes) == [f"pegawai:{STAF2}", "user:hr.kab"]
