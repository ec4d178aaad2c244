"""Security through HTTP against the running service: every role × route and role × trigger, bad tokens, login
throttling and its log, passwords kept out of the service's log, instansi isolation, security headers."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from states import LIFECYCLES
from states.roles import Role
from tests.e2e.conftest import org_json
from tests.e2e.test_authorization_matrix import ROLES, ROUTES, check_matrix, fingerprint, make_world
from tests.reliability import report
from tests.reliability.conftest import Stack
from tests.reliability.stack import KEY, ROOT_PASSWORD
from tests.reliability.world import token

pytestmark = [pytest.mark.xdist_group("reliability"), pytest.mark.postgres]

USER_PASSWORD = "rahasia-123"  # what make_world gives its users
WRONG_PASSWORD = "wrong-password-9d1c"
# lifecycle role → the matrix's roles that hold it towards STAF1's SKP (or the instansi's cycle)
HOLDERS = {Role.PENILAI: {"penilai"}, Role.ADMIN: {"admin", "root"}, Role.ATASAN_PENILAI: {"atasan_penilai"}}


@pytest.fixture(scope="module")
def matrix(stack: Stack) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """KAB-CONTOH with its cycle open, its admin, auditor and a foreign admin, as the e2e matrix has them."""
    client = httpx.Client(base_url=stack.service.base, timeout=60)
    root = {"Authorization": f"Bearer {stack.tokens['user:root']}"}
    assert client.post("/org/import", json=org_json(), headers=root).status_code == 200
    made = client.post("/cycles", json={"year": 2026, "name": "SKP 2026", "instansi": "KAB-CONTOH"}, headers=root)
    assert made.status_code == 201, made.text
    assert client.post(f"/cycles/{made.json()['id']}/open", headers=root).status_code == 200
    try:
        yield client, make_world(client, root, stack.db)
    finally:
        client.close()


def _headers(ref: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(ref)}"} if ref else {}


def test_every_role_on_every_route_and_trigger(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, world = matrix
    checked, violations = check_matrix(client, stack.db, _headers, world)
    triggers = 0
    for lifecycle, path in (("skp", f"/skps/{world['skp']}"), ("cycle", f"/cycles/{world['cycle']}")):
        for trigger in sorted({r.trigger for r in LIFECYCLES[lifecycle].rows}):
            allowed = set().union(
                *(
                    HOLDERS.get(role, set())
                    for r in LIFECYCLES[lifecycle].rows
                    if r.trigger == trigger
                    for role in r.roles
                )
            )
            for role, ref in ROLES.items():
                before = fingerprint(stack.db)
                answer = client.post(f"{path}/transitions/{trigger}", json={}, headers=_headers(ref))
                triggers += 1
                code = answer.status_code
                if role not in allowed:
                    expected = {401} if ref is None else {403, 404}
                    if code not in expected or fingerprint(stack.db) != before:
                        violations.append(f"{role} fires {lifecycle} {trigger}: {code} {answer.text[:150]}")
                elif code in {401, 403, 404} or code >= 500:
                    violations.append(f"{role} fires {lifecycle} {trigger}: allowed but got {code}")
    report.record(
        "security",
        f"authorization matrix through HTTP: {len(ROUTES)} routes × {len(ROLES)} roles, and every SKP and cycle "
        f"trigger × {len(ROLES)} roles",
        f"{checked + triggers} pairs; a forbidden pair must get 401/403/404 and change nothing (trail, SKPs, "
        "cycles, policies compared before and after), an allowed one must pass authorization",
        f"{len(violations)} violations",
        matrix_size=checked + triggers,
        violations=len(violations),
    )
    assert not violations, "\n".join(violations[:20])


def _forged(claims: dict[str, Any], alg: str) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': alg, 'typ': 'JWT'})}.{part(claims)}."


def test_bad_tokens_are_refused_everywhere(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, world = matrix
    now = int(time.time())
    good = token("user:root")
    bad = {
        "alg none": _forged({"sub": "user:root", "iat": now, "exp": now + 600}, "none"),
        "alg None": _forged({"sub": "user:root", "iat": now, "exp": now + 600}, "None"),
        "another key": jwt.encode({"sub": "user:root", "iat": now, "exp": now + 600}, "k" * 40, algorithm="HS256"),
        "expired": jwt.encode({"sub": "user:root", "iat": now - 7200, "exp": now - 60}, KEY, algorithm="HS256"),
        "no exp": jwt.encode({"sub": "user:root", "iat": now}, KEY, algorithm="HS256"),
        "tampered payload": good.split(".")[0]
        + "."
        + _forged({"sub": "user:root", "exp": now + 9999}, "x").split(".")[1]
        + "."
        + good.split(".")[2],
        "truncated signature": good[:-6],
        "unknown user": jwt.encode({"sub": "user:nobody", "iat": now, "exp": now + 600}, KEY, algorithm="HS256"),
        "garbage": "not.a.token",
    }
    refused = tried = 0
    leaks: list[str] = []
    for route in ROUTES:
        for name, value in bad.items():
            answer = client.request(
                route.method,
                route.url(world),
                json=route.body(world) if route.body else None,
                headers={"Authorization": f"Bearer {value}"},
            )
            tried += 1
            if answer.status_code == 401 and answer.headers.get("www-authenticate") == "Bearer":
                refused += 1
            else:
                leaks.append(f"{name} on {route.method} {route.path}: {answer.status_code}")
    report.record(
        "security",
        f"{len(bad)} kinds of bad token (alg none, another key, expired, no expiry, tampered, truncated, unknown "
        f"user, garbage) on each of {len(ROUTES)} routes",
        f"{refused} of {tried} refused with 401 and WWW-Authenticate: Bearer",
        f"{len(leaks)} accepted",
        requests=tried,
        violations=len(leaks),
    )
    assert not leaks, leaks[:10]


def test_login_throttling_and_the_security_log(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    _, _ = matrix  # the world: irban and hr.kab exist
    # An address of its own: other checks on this service (schemathesis posts made-up names to /auth/token)
    # fail logins from 127.0.0.1, and the throttle counts per address.
    address = "127.0.0.77"
    transport = httpx.HTTPTransport(local_address=address)
    client = httpx.Client(base_url=stack.service.base, timeout=60, transport=transport)
    root = {"Authorization": f"Bearer {stack.tokens['user:root']}"}
    ok = client.post("/auth/token", data={"username": "irban", "password": USER_PASSWORD})
    codes = [client.post("/auth/token", data={"username": "hr.kab", "password": WRONG_PASSWORD}) for _ in range(7)]
    right_but_locked = client.post("/auth/token", data={"username": "hr.kab", "password": USER_PASSWORD})
    spray = [client.post("/auth/token", data={"username": f"guess{i}", "password": WRONG_PASSWORD}) for i in range(30)]
    whole_log = client.get("/audit/logins", params={"limit": 1000}, headers=root).json()["items"]
    log = [e for e in whole_log if e["client"] == address]
    client.close()
    kinds = [(e["kind"], e["account"]) for e in log]
    unknown_rows = sum(1 for kind, account in kinds if account is None)
    report.record(
        "security",
        "login throttling: 7 wrong passwords for one account, then the right one; 30 made-up names from one address",
        f"account: {[c.status_code for c in codes]}, right password while locked {right_but_locked.status_code} "
        f"(Retry-After {right_but_locked.headers.get('retry-after')} s); made-up names: "
        f"{sum(1 for c in spray if c.status_code == 401)}×401 then {sum(1 for c in spray if c.status_code == 429)}×429",
        "-",
        attempts=38,
    )
    report.record(
        "security",
        "audit events for logins and failed logins (`GET /audit/logins`)",
        f"{kinds.count(('login', 'user:irban'))} login, {kinds.count(('login_failed', 'user:hr.kab'))} failed and "
        f"{kinds.count(('login_locked', 'user:hr.kab'))} lockout events for the accounts; the 30 made-up names "
        f"wrote {unknown_rows} rows, none storing the name",
        "-",
        events=len(log),
    )
    assert ok.status_code == 200
    assert [c.status_code for c in codes] == [401] * 5 + [429] * 2
    assert right_but_locked.status_code == 429 and int(right_but_locked.headers["retry-after"]) > 0
    assert [c.status_code for c in spray] == [401] * 5 + [429] * 25
    assert kinds.count(("login_failed", "user:hr.kab")) == 5 and ("login", "user:irban") in kinds
    assert unknown_rows == 6  # five failures and one lockout, whatever the number of names tried
    assert not any("guess" in str(e) for e in whole_log)


def test_passwords_never_reach_the_service_log(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, _ = matrix
    root = {"Authorization": f"Bearer {stack.tokens['user:root']}"}
    secret = "Never-Logged-Password-31f9"
    body = {"username": "hr.logcheck", "password": secret, "role": "auditor", "instansi": "KAB-CONTOH"}
    assert client.post("/users", json=body, headers=root).status_code == 201
    assert client.post("/auth/token", data={"username": "hr.logcheck", "password": secret}).status_code == 200
    assert client.post("/auth/token", data={"username": "hr.logcheck", "password": secret + "!"}).status_code == 401
    text = stack.service.log.read_text()
    secrets = [secret, ROOT_PASSWORD, USER_PASSWORD, WRONG_PASSWORD, "fuzz-admin-password"]
    found = [s for s in secrets if s in text]
    report.record(
        "security",
        "passwords kept out of logs (the service's whole output, and DEBUG logging in tests/e2e/test_login_security)",
        f"{len(text.splitlines())} log lines searched for {len(secrets)} passwords used in this run (user creation, "
        f"logins right and wrong, the bootstrap admin): {len(found)} found",
        "-",
        log_lines=len(text.splitlines()),
    )
    assert len(text.splitlines()) > 100, "the log is nearly empty: the search would prove nothing"
    assert not found


def test_instansi_isolation(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, world = matrix
    foreign = _headers("user:hr.lain")
    mine = _headers("user:hr.kab")
    skps = client.get("/skps", params={"limit": 500}, headers=mine).json()["items"]
    seen = [client.get(f"/skps/{s['id']}", headers=foreign).status_code for s in skps]
    listed = client.get("/skps", headers=foreign).json()["total"]
    theirs = {e["id"] for e in client.get("/audit", params={"limit": 1000}, headers=mine).json()["items"]}
    trail = len(
        theirs & {e["id"] for e in client.get("/audit", params={"limit": 1000}, headers=foreign).json()["items"]}
    )
    cycle = client.get(f"/cycles/{world['cycle']}", headers=foreign).status_code
    export = client.get("/audit/export", params={"instansi": "KAB-CONTOH"}, headers=foreign).status_code
    report.record(
        "security",
        "instansi isolation: an admin of KAB-LAIN against KAB-CONTOH's records",
        f"{len(seen)} SKPs read one by one: {sorted(set(seen))}; lists show {listed} SKPs and {trail} of "
        f"KAB-CONTOH's {len(theirs)} audit events; "
        f"the cycle {cycle}, the trail export {export}",
        "-",
        requests=len(seen) + 4,
        violations=sum(1 for c in seen if c != 404) + int(listed != 0) + int(trail != 0),
    )
    assert skps and set(seen) == {404} and listed == 0 and trail == 0
    assert cycle == 404 and export in {403, 404}


def test_security_headers_on_every_route(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    client, _ = matrix
    paths = [*list(client.get("/openapi.json").json()["paths"]), "/docs", "/no/such/page"]
    required = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")
    missing: list[str] = []
    for path in paths:
        concrete = "/".join("1" if p.startswith("{") else p for p in path.split("/"))
        answer = client.get(concrete, headers=_headers("user:root"))
        missing += [f"{path}: {h}" for h in required if h not in answer.headers]
        if answer.headers.get("cache-control") != "no-store":
            missing.append(f"{path}: cache-control no-store")
    report.record(
        "security",
        "security headers (CSP with frame-ancestors 'none', nosniff, X-Frame-Options, Referrer-Policy, "
        "Cache-Control: no-store; HSTS when "
        "the request came over HTTPS, checked in tests/e2e/test_login_security)",
        f"{len(paths)} paths answered (whatever the status) with all {len(required)} headers: "
        f"{len(paths) - len({m.split(':')[0] for m in missing})}",
        "-",
        paths=len(paths),
        violations=len(missing),
    )
    assert not missing, missing[:10]


CSRF_REFUSAL = "token formulir (CSRF) tidak ada atau tidak cocok"  # the pages' refusal, in Bahasa Indonesia


def _web_post_routes() -> list[str]:
    """Every state-changing page route, read off the app's routers so a new form cannot be missed."""
    from fastapi.routing import APIRoute

    from api.web import hr, pages, periods, policies

    routes = [r for m in (pages, periods, hr, policies) for r in m.router.routes if isinstance(r, APIRoute)]
    return sorted({r.path for r in routes if "POST" in (r.methods or set())})


def test_csrf_on_cookie_authenticated_pages(stack: Stack, matrix: tuple[httpx.Client, dict[str, Any]]) -> None:
    """A logged-in browser session posting every form without the token, or with a forged one, is refused with 403
    and nothing changes; the cookies carry the flags that keep other sites from riding the session."""
    _, world = matrix
    values = {"skp_id": world["skp"], "cycle_id": world["cycle"], "policy_id": world["policy"], "n": 1}
    values |= {"case_id": 1, "trigger": "agree", "action": "submit"}
    browser = httpx.Client(base_url=stack.service.base, timeout=60)
    page = browser.get("/ui/login")
    token = page.cookies.get("skpflow_csrf")
    assert token and f'name="csrf" value="{token}"' in page.text
    logged_in = browser.post(
        "/ui/login", data={"username": "root", "password": ROOT_PASSWORD, "csrf": token}, follow_redirects=False
    )
    assert logged_in.status_code == 303 and browser.cookies.get("skpflow_session")
    cookies = {c.split("=", 1)[0]: c.lower() for c in logged_in.headers.get_list("set-cookie")}
    session_flags = "httponly" in cookies["skpflow_session"] and "samesite=lax" in cookies["skpflow_session"]
    before = fingerprint(stack.db)
    paths = [p.format(**values) for p in _web_post_routes()]
    answers: dict[str, list[bool]] = {}
    for path in paths:
        form = {"text": "csrf probe", "rhk-0-text": "csrf probe", "propose": "1"}
        posts = [
            browser.post(path, data=form, follow_redirects=False),
            browser.post(path, data={**form, "csrf": "x" * 43}, follow_redirects=False),
            browser.post(path, data={**form, "csrf": ""}, follow_redirects=False),
        ]
        # refused for the token, not for another reason (root may not plan a pegawai's SKP, say: also a 403)
        answers[path] = [a.status_code == 403 and CSRF_REFUSAL in a.text for a in posts]
    after = fingerprint(stack.db)
    # the control: the same session with its token is let through (the 403s above are the token's doing)
    current = browser.cookies.get("skpflow_csrf")  # rotated at login
    control = browser.post("/ui/logout", data={"csrf": current}, follow_redirects=False).status_code
    browser.close()
    accepted = {p: refused for p, refused in answers.items() if not all(refused)}
    refused_posts = sum(sum(refused) for refused in answers.values())
    report.record(
        "security",
        "CSRF on cookie-authenticated pages: a logged-in session posts every form of the web UI without the token, "
        "with a forged one and with an empty one",
        f"{len(paths)} form routes × 3 = {3 * len(paths)} posts: {refused_posts} refused with 403 for the "
        f"token; trail, SKPs, cycles and policies {'unchanged' if before == after else 'CHANGED'}; "
        f"session cookie HttpOnly and SameSite=Lax: {session_flags}; with its token the session logs out: {control}",
        f"{len(accepted)} routes accepted a forged post",
        routes=len(paths),
        requests=3 * len(paths),
        violations=len(accepted),
    )
    assert len(paths) >= 10, paths  # the login, plan, fire, periods, feedback, objection, policy, import forms
    assert not accepted, accepted
    assert before == after
    assert session_flags
    assert control == 303
