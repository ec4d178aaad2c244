"""Names, not codes: every page of the web UI, as HR admin, auditor, atasan and pegawai, in both languages, shows
no raw enum code or state name and no actor reference in its visible text, and no English label on an Indonesian
page."""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import states.enums
from states import LIFECYCLES
from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import give_passwords, to_assessment, web_login
from tests.integration.org import KABID, KADIS, STAF1, STAF2

# Official abbreviations that are the words themselves (PNS, PPPK, JPT), not codes standing for a label.
WORDS_AS_CODED = {"PNS", "PPPK", "JPT", "CLTN"}  # CLTN: cuti di luar tanggungan negara
ENUM_CODES = sorted(
    {
        member.value
        for value in vars(states.enums).values()
        if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum
        for member in value
    }
    - WORDS_AS_CODED
)
STATE_NAMES = sorted({s.value for lc in LIFECYCLES.values() for s in lc.all_states})
ACTOR_REF = re.compile(r"\b(?:pegawai|user|system):\S")
# The English words of the labels this UI owns; none may appear on an Indonesian page.
ENGLISH = (
    "Dashboard", "Cycle", "State", "Search", "Next", "Previous", "Total", "Count", "Share", "Home", "Details",
    "Deadline", "Step", "Page", "Log out", "Units", "Policy", "Policies", "policy", "actor", "role", "trigger",
    "seq", "bar", "min", "max", "agreed", "on time", "late", "overdue", "Overdue", "Time", "Actor", "Role",
)  # fmt: skip


class VisibleText(HTMLParser):
    """The text a reader meets: element text and the alt/aria-label/placeholder/title attributes, without script,
    style, and the code shown as code (<pre>, <code>: Mermaid sources, hashes, the policy document)."""

    HIDDEN: ClassVar = {"script", "style", "pre", "code"}

    def __init__(self, attributes: tuple[str, ...]) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0
        self.attributes = attributes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self.depth += 1
        for name, value in attrs:
            if name in self.attributes and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.depth and data.strip():
            self.parts.append(data.strip())


READ = ("alt", "aria-label", "placeholder", "title")
# The policy editor's tooltips are the policy schema's field descriptions, written in English only (a known limit).
SCHEMA_TOOLTIPS = re.compile(r"^/ui/policies/\d+/new$")


def visible_text(html: str, attributes: tuple[str, ...] = READ) -> list[str]:
    parser = VisibleText(attributes)
    parser.feed(html)
    return parser.parts


def raw_codes(html: str, lang: str, attributes: tuple[str, ...] = READ) -> list[str]:
    """Every raw code in the page's visible text, with the text it sits in."""
    found: list[str] = []
    for text in visible_text(html, attributes):
        for code in ENUM_CODES:
            if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
                found.append(f"{code!r} in {text!r}")
        for name in STATE_NAMES:
            # on an English page a one-word state name is an English word; there only the bare value is a code
            if (lang == "id" or "_" in name) and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text):
                found.append(f"{name!r} in {text!r}")
            elif text == name:
                found.append(f"{name!r} alone")
        if ACTOR_REF.search(text):
            found.append(f"an actor reference in {text!r}")
    return found


def english_words(html: str, attributes: tuple[str, ...] = READ) -> list[str]:
    return [
        f"{word!r} in {text!r}"
        for text in visible_text(html, attributes)
        for word in ENGLISH
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text)
    ]


def test_the_scan_sees_what_a_reader_sees() -> None:
    page = (
        '<p title="Status UTAMA">drafted · <span>pegawai:1979</span></p><pre>drafted --> cascaded</pre>'
        '<td data-state="agreed">Disepakati</td><p>Total on time</p>'
    )
    found = ["'UTAMA' in 'Status UTAMA'", "'drafted' in 'drafted ·'", "an actor reference in 'pegawai:1979'"]
    assert raw_codes(page, "id") == found
    assert raw_codes("<td>agreed</td><td>Agreed on time</td>", "en") == ["'agreed' alone"]
    assert english_words(page) == ["'Total' in 'Total on time'", "'on time' in 'Total on time'"]


def _pages(client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int) -> dict[str, list[str]]:
    """A cycle past its follow-up dispatch, with a keberatan filed and a coaching case: most states on screen."""
    ids = to_assessment(client, clock, root, cycle_id)
    rater = bearer(f"pegawai:{KABID}", clock)
    good = {"rating_hasil_kerja": "SESUAI_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    weak = {"rating_hasil_kerja": "DI_BAWAH_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    for nip, rating in ((STAF1, good), (STAF2, weak)):
        assert client.post(f"/skps/{ids[nip]}/transitions/assess", json=rating, headers=rater).status_code == 200
    filed = client.post(
        f"/skps/{ids[STAF1]}/objection",
        json={"reason": "Target tidak realistis"},
        headers=bearer(f"pegawai:{STAF1}", clock),
    )
    assert filed.status_code == 201, filed.text
    clock.now += timedelta(days=20)
    admin = bearer("user:root", clock)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_follow_up", headers=admin).status_code == 200
    ran = client.post("/workflows/dispatch-follow-up/run", json={"cycle_id": cycle_id}, headers=admin)
    assert ran.status_code == 200, ran.text
    cases = client.get("/followups", params={"cycle_id": cycle_id}, headers=admin).json()["items"]
    assert cases, "no follow-up case opened"
    auditor = {"username": "inspektur", "password": "rahasia-inspektur", "role": "auditor", "instansi": "KAB-CONTOH"}
    assert client.post("/users", json=auditor, headers=admin).status_code == 201
    versions = client.get("/policies", headers=admin).json()["items"]
    give_passwords(db, STAF1, KABID, KADIS)
    # a pension decreed for 2030: the status page lists a period, and no SKP of the 2026 cycle changes
    decreed = {"status": "MASA_PERSIAPAN_PENSIUN", "from": "2030-01-01", "sk_number": "SK 800/1"}
    assert client.put(f"/pegawai/{STAF2}/status", json=decreed, headers=admin).status_code == 200
    hr = [
        "/ui",
        f"/ui/cycles/{cycle_id}",
        f"/ui/cycles/{cycle_id}/units",
        f"/ui/cycles/{cycle_id}/units?q=P2P",
        f"/ui/cycles/{cycle_id}/distribution",
        f"/ui/cycles/{cycle_id}/followups",
        f"/ui/cycles/{cycle_id}/careers",
        f"/ui/cycles/{cycle_id}/monitoring",
        f"/ui/cycles/{cycle_id}/careers?kind=angka_kredit",
        f"/ui/cycles/{cycle_id}/careers?kind=eligibility",
        f"/ui/followups/{cases[0]['id']}",
        f"/ui/skp/{ids[STAF2]}",
        "/ui/audit",
        "/ui/audit?verify=1",
        "/ui/diagrams",
        "/ui/no-such-page",
    ]
    return {
        STAF1: ["/ui", f"/ui/skp/{ids[STAF1]}", f"/ui/skp/{ids[STAF1]}/periods/1", "/ui/skp/999999"],
        KABID: ["/ui", f"/ui/skp/{ids[STAF1]}", f"/ui/skp/{ids[STAF1]}/periods/1", f"/ui/skp/{ids[KABID]}/matriks"],
        "root": [
            *hr,
            "/ui/org/import",
            "/ui/mutasi",
            "/ui/acting",
            "/ui/status",
            f"/ui/status?nip={STAF2}",
            "/ui/policies",
            f"/ui/policies/{versions[0]['id']}",
            f"/ui/policies/{versions[0]['id']}/new",
            f"/ui/cycles/{cycle_id}/policy?to={versions[0]['id']}",
        ],
        "inspektur": hr,
    }


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_page_shows_a_code_or_an_english_label_in_indonesian(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int, lang: str
) -> None:
    pages = _pages(client, clock, root, db, cycle_id)
    client.cookies.set("skpflow_lang", lang)
    passwords = {"root": ROOT_PASSWORD, "inspektur": "rahasia-inspektur"}
    problems: list[str] = []
    seen = 0
    for who, paths in pages.items():
        client.cookies.delete("skpflow_session")
        web_login(client, who, passwords.get(who, "rahasia-web"))
        for path in paths:
            answer = client.get(path)
            assert answer.headers["content-type"].startswith("text/html"), (who, path)
            assert f'<html lang="{lang}">' in answer.text, (who, path)
            seen += 1
            read = tuple(a for a in READ if a != "title") if SCHEMA_TOOLTIPS.match(path) else READ
            problems += [f"{who} {path}: {p}" for p in raw_codes(answer.text, lang, read)]
            if lang == "id":
                problems += [f"{who} {path}: English {p}" for p in english_words(answer.text, read)]
    client.cookies.delete("skpflow_session")
    problems += [f"login: {p}" for p in raw_codes(client.get("/ui/login").text, lang)]
    assert seen >= 30
    assert problems == [], "\n".join(problems)
