"""The contract's quickstart on a real `skpflow serve` over an empty database: a client that sends only the fields
product.md names imports a small organisation (the instansi is created for it), runs its cycle from planning to a
rated first period and exports the audit trail; and the README's copy-paste `curl` lines do the same, as written."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.quickstart import (
    ADMIN_PASSWORD,
    ADMIN_USER,
    CHANGED,
    JANUARY,
    KABID,
    KADIS,
    ORG,
    PASSWORDS,
    PENILAI,
    STAF1,
    STAF2,
    YEAR,
    fresh_serve,
)

README = Path(__file__).resolve().parents[2] / "README.md"
MARKER = "# quickstart:"
DOCUMENTED_BASE = "BASE=http://127.0.0.1:8000"


def ok(answer: httpx.Response, code: int = 200) -> Any:
    assert answer.status_code == code, f"{answer.request.method} {answer.request.url}: {answer.text}"
    return answer.json()


def plan(text: str, above: int | None) -> dict[str, Any]:
    """A plan with only the contract's fields: one RHK Utama intervening the atasan's RHK, one indicator."""
    rhk: dict[str, Any] = {
        "jenis": "UTAMA",
        "text": text,
        "indikator": [{"text": f"Capaian {text}", "aspek": "KUANTITAS", "target": 100, "satuan": "persen"}],
    }
    if above is not None:
        rhk |= {"intervensi_rhk_id": above, "cascade": "DIRECT"}
    return {"rhk": [rhk], "propose": True}


def test_the_contracts_quickstart_runs_on_a_fresh_serve(tmp_path: Path) -> None:
    with fresh_serve(tmp_path) as server, httpx.Client(base_url=server.base, timeout=60) as http:

        def login(username: str, password: str) -> dict[str, str]:
            token = ok(http.post("/auth/token", data={"username": username, "password": password}))
            assert token["token_type"] == "bearer"
            return {"Authorization": f"Bearer {token['access_token']}"}

        def first_login(nip: str) -> dict[str, str]:
            """An imported password is an initial one: its token only changes it, and the change answers the token."""
            initial = login(nip, PASSWORDS[nip])
            assert http.get("/skps", headers=initial).status_code == 403
            change = {"current_password": PASSWORDS[nip], "new_password": CHANGED[nip]}
            token = ok(http.post("/auth/password", json=change, headers=initial))
            assert not token["password_change_required"]
            return {"Authorization": f"Bearer {token['access_token']}"}

        admin = login(ADMIN_USER, ADMIN_PASSWORD)
        imported = ok(http.post("/org/import", json=ORG, headers=admin))
        assert imported["instansi"] == {"code": "INSTANSI", "name": "Instansi Pemerintah", "created": True}
        assert (imported["units_created"], imported["pegawai_created"]) == (2, 4)

        cycle = ok(http.post("/cycles", json={"year": YEAR, "name": f"SKP {YEAR}"}, headers=admin), 201)
        assert cycle["state"] == "planning"
        assert ok(http.post(f"/cycles/{cycle['id']}/open", headers=admin))["drafted"] == 4
        people = {nip: first_login(nip) for nip in PASSWORDS}
        ids = {
            s["nip"]: s["id"] for s in ok(http.get("/skps", params={"cycle_id": cycle["id"]}, headers=admin))["items"]
        }
        assert set(ids) == set(PASSWORDS)

        # top-down: the kepala dinas plans from the Perjanjian Kinerja and HR agrees it for the bupati; each below
        # intervenes their atasan's RHK and their penilai cascades and agrees
        ok(
            http.put(
                f"/skps/{ids[KADIS]}/plan", json=plan("Mutu pendidikan dasar meningkat", None), headers=people[KADIS]
            )
        )
        for trigger in ("cascade", "agree"):
            ok(http.post(f"/skps/{ids[KADIS]}/transitions/{trigger}", headers=admin))
        for nip in (KABID, STAF1, STAF2):
            penilai = PENILAI[nip]
            above = ok(http.get(f"/skps/{ids[penilai]}", headers=people[nip]))["rhk"][0]["id"]
            planned = ok(
                http.put(f"/skps/{ids[nip]}/plan", json=plan(f"Kinerja {nip[-4:]}", above), headers=people[nip])
            )
            assert planned["state"] == "drafted"
            for trigger in ("cascade", "agree"):
                fired = ok(http.post(f"/skps/{ids[nip]}/transitions/{trigger}", headers=people[penilai]))
            assert (fired["state"], fired["rhk"][0]["intervensi_rhk_id"]) == ("agreed", above)

        # monitoring: January opens; a staff member records realisasi, the unit's capaian is set, the penilai rates
        monitoring = ok(http.post(f"/cycles/{cycle['id']}/transitions/start_monitoring", headers=admin))
        assert monitoring["state"] == "monitoring"
        run = {"as_of": JANUARY, "cycle_id": cycle["id"]}
        opened = ok(http.post("/workflows/open-period/run", json=run, headers=admin))["cycles"][0]
        assert (opened["monitored"], opened["opened"]["period_no"], opened["opened"]["opened"]) == (4, 1, 4)
        period = ok(http.get(f"/skps/{ids[STAF1]}/periods/1", headers=people[STAF1]))
        realisasi = {
            "realisasi": [{"indikator_id": period["realisasi"][0]["indikator_id"], "value": 100}],
            "submit": True,
        }
        submitted = ok(http.post(f"/skps/{ids[STAF1]}/periods/1/realisasi", json=realisasi, headers=people[STAF1]))
        assert submitted["state"] == "realisasi_submitted"
        capaian = {"cycle_id": cycle["id"], "period": 1, "level": "BAIK"}
        ok(http.post("/units/DISDIK-SD/capaian", json=capaian, headers=people[KADIS]))
        rating = {"rating_hasil_kerja": "SESUAI_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
        rated = ok(http.post(f"/skps/{ids[STAF1]}/periods/1/evaluation", json=rating, headers=people[KABID]))
        assert (rated["state"], rated["predikat"]) == ("evaluated", "BAIK")
        states = {s["nip"]: s["state"] for s in ok(http.get("/skps", headers=admin))["items"]}
        assert states == dict.fromkeys(PASSWORDS, "monitored")

        # the trail, one event per line: the instansi created by the import, and each SKP's whole history
        export = http.get("/audit/export", params={"format": "jsonl"}, headers=admin)
        assert export.status_code == 200, export.text
        trail = [json.loads(line) for line in export.text.splitlines()]
        assert [e["trigger"] for e in trail if e["entity_type"] == "instansi"] == ["create", "import_org"]
        history = [
            (e["trigger"], e["to_state"]) for e in trail if e["entity_type"] == "skp" and e["entity_id"] == ids[STAF1]
        ]
        assert history == [
            ("draft", "drafted"),
            ("plan", "drafted"),
            ("cascade", "cascaded"),
            ("agree", "agreed"),
            ("monitor", "monitored"),
        ]
        assert {e["actor"] for e in trail if e["trigger"] == "agree"} == {
            "user:admin",
            f"pegawai:{KADIS}",
            f"pegawai:{KABID}",
        }
        verified = ok(http.get("/audit/verify", headers=admin))
        assert verified["ok"] and verified["checked"] == len(trail), verified


def _sh_blocks(text: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE)


def readme_quickstart() -> tuple[dict[str, str], str]:
    """The README's quickstart: the settings its `skpflow serve` line starts with, and its marked `curl` lines."""
    text = README.read_text()
    section = text[text.index("### Quickstart") :]
    serve = next(b for b in _sh_blocks(section) if "skpflow serve" in b)
    words = shlex.split(serve.replace("\\\n", " "))
    settings = dict(w.split("=", 1) for w in words if re.fullmatch(r"SKPFLOW_[A-Z_]+=.*", w))
    assert words[len(settings) :] == [".venv/bin/skpflow", "serve", "--no-scheduler"], words
    (lines,) = [b for b in _sh_blocks(text) if b.startswith(MARKER)]
    assert lines.count(DOCUMENTED_BASE) == 1, "the quickstart sets BASE to the documented server first"
    return settings, lines


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")) and os.environ.get("CI") != "true",
    reason="the README's quickstart needs curl and jq",
)
def test_the_readme_quickstart_runs_as_written(tmp_path: Path) -> None:
    settings, lines = readme_quickstart()
    assert (settings["SKPFLOW_ADMIN_USER"], settings["SKPFLOW_ADMIN_PASSWORD"]) == (ADMIN_USER, ADMIN_PASSWORD)
    with fresh_serve(tmp_path, **settings) as server:
        script = lines.replace(DOCUMENTED_BASE, f"BASE={server.base}")
        done = subprocess.run(
            ["bash", "-euo", "pipefail"], input=script, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        with httpx.Client(base_url=server.base, timeout=60) as http:
            token = ok(http.post("/auth/token", data={"username": ADMIN_USER, "password": ADMIN_PASSWORD}))
            admin = {"Authorization": f"Bearer {token['access_token']}"}
            skps = ok(http.get("/skps", headers=admin))["items"]
            staff = next(s for s in skps if s["nip"] == STAF1)
            period = ok(http.get(f"/skps/{staff['id']}/periods/1", headers=admin))
            verified = ok(http.get("/audit/verify", headers=admin))
    # what the lines printed, and what the server holds afterwards
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert {"ok": True, "checked": verified["checked"]} in answers
    assert {"state": "evaluated", "predikat": "BAIK"} in answers
    imported = answers[0]
    assert (imported["units_created"], imported["pegawai_created"]) == (2, 4)
    assert imported["instansi"] == {
        "code": settings["SKPFLOW_INSTANSI_CODE"],
        "name": settings["SKPFLOW_INSTANSI_NAME"],
        "created": True,
    }
    assert {s["state"] for s in skps} == {"monitored"} and len(skps) == 4
    assert (period["state"], period["predikat"]) == ("evaluated", "BAIK")
    assert verified["ok"], verified
