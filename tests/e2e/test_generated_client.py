"""A client generated from /openapi.json (openapi-python-client) logs in and drives one SKP from drafted to agreed,
and plays the contract's quickstart against a fresh `skpflow serve`."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
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
    YEAR,
    fresh_serve,
)
from tests.integration.org import SEKDA

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from api.app import create_app
    from workflows.store.db import make_engine

    spec = tmp_path_factory.mktemp("spec") / "openapi.json"
    spec.write_text(json.dumps(create_app(engine=make_engine("sqlite://")).openapi()))
    out = tmp_path_factory.mktemp("client")
    subprocess.run(
        [
            BIN / "openapi-python-client",
            "generate",
            "--path",
            spec,
            "--output-path",
            out / "skpflow_client",
            "--meta",
            "none",
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )
    return out


def _module(root: Path, name: str) -> ModuleType:
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"skpflow_client.{name}")


def test_a_generated_client_agrees_an_skp(
    generated: Path, app: FastAPI, clock: Clock, client: TestClient, imported: dict[str, Any], cycle_id: int
) -> None:
    models: Any = _module(generated, "models")
    sdk: Any = _module(generated, "client")
    auth_token: Any = _module(generated, "api.auth.auth_token")
    skp_api: Any = {n: _module(generated, f"api.skp.skp_{n}") for n in ("list_skps", "get_skp", "plan", "fire")}

    def logged_in(username: str, password: str) -> Any:
        anonymous = sdk.Client(base_url="http://testserver").set_httpx_client(TestClient(app))
        body = models.BodyAuthToken(username=username, password=password)
        token = auth_token.sync(client=anonymous, body=body)
        assert token is not None and not isinstance(token, models.ErrorBody), token
        authed = sdk.AuthenticatedClient(base_url="http://testserver", token=token.access_token)
        return authed.set_httpx_client(TestClient(app, headers={"Authorization": f"Bearer {token.access_token}"}))

    def with_token(headers: dict[str, str]) -> Any:
        token = headers["Authorization"].removeprefix("Bearer ")
        authed = sdk.AuthenticatedClient(base_url="http://testserver", token=token)
        return authed.set_httpx_client(TestClient(app, headers=headers))

    admin = logged_in("root", ROOT_PASSWORD)
    sekda = with_token(bearer(f"pegawai:{SEKDA}", clock))  # the demo Sekda has no password; the token is as good
    page = skp_api["list_skps"].sync(client=admin, nip=SEKDA, cycle_id=cycle_id)
    (summary,) = page.items
    assert summary.state == "drafted"

    # the Sekda plans and proposes; the penilai is the bupati, outside the organisation, so HR fires for them
    plan = models.PlanIn(
        rhk=[
            models.RhkIn(
                jenis=models.JenisRhk.UTAMA,
                text="Terwujudnya tata kelola pemerintahan yang baik",
                indikator=[
                    models.IndikatorIn(text="Nilai SAKIP", aspek=models.Aspek.KUALITAS, target=80.0, satuan="nilai")
                ],
            )
        ],
        propose=True,
    )
    planned = skp_api["plan"].sync(skp_id=summary.id, client=sekda, body=plan)
    assert isinstance(planned, models.SkpOut), planned
    stale = skp_api["fire"].sync_detailed(
        skp_id=summary.id,
        trigger=models.SkpFireTrigger.CASCADE,
        client=admin,
        body=models.TransitionIn(),
        if_match=str(planned.version - 1),
    )
    assert stale.status_code == 409
    assert stale.parsed.state == "drafted"
    for trigger in (models.SkpFireTrigger.CASCADE, models.SkpFireTrigger.AGREE):
        fired = skp_api["fire"].sync(skp_id=summary.id, trigger=trigger, client=admin, body=models.TransitionIn())
        assert isinstance(fired, models.SkpOut), fired
    final = skp_api["get_skp"].sync(skp_id=summary.id, client=admin)
    assert (final.state, final.allowed_triggers) == ("agreed", ["monitor"])


def test_a_generated_client_plays_the_quickstart_on_a_fresh_serve(generated: Path, tmp_path: Path) -> None:
    models: Any = _module(generated, "models")
    sdk: Any = _module(generated, "client")
    call: Any = {
        name: _module(generated, f"api.{name}")
        for name in (
            "auth.auth_token",
            "auth.auth_password",
            "organisation.organisation_import_organisation",
            "cycles.cycles_create_cycle",
            "cycles.cycles_open_cycle",
            "cycles.cycles_fire",
            "skp.skp_list_skps",
            "skp.skp_get_skp",
            "skp.skp_plan",
            "skp.skp_fire",
            "workflows.workflows_run",
            "evaluation.evaluation_get_period",
            "evaluation.evaluation_realisasi",
            "units.units_set_capaian",
            "evaluation.evaluation_evaluate",
            "exports.exports_audit_export",
            "audit.audit_verify",
        )
    }

    def sync(name: str, *args: Any, **kwargs: Any) -> Any:
        answer = call[name].sync(*args, **kwargs)
        assert answer is not None and not isinstance(answer, models.ErrorBody), (name, answer)
        return answer

    with fresh_serve(tmp_path) as server, ExitStack() as clients:

        def logged_in(username: str, password: str) -> Any:
            anonymous = clients.enter_context(sdk.Client(base_url=server.base, timeout=None))
            token = sync("auth.auth_token", client=anonymous, body=models.BodyAuthToken(username, password))
            authed = sdk.AuthenticatedClient(base_url=server.base, token=token.access_token, timeout=None)
            return clients.enter_context(authed)

        def first_login(nip: str) -> Any:
            """An imported password is an initial one: the first token only changes it, the change answers a new one."""
            initial = logged_in(nip, PASSWORDS[nip])
            change = models.PasswordChange(current_password=PASSWORDS[nip], new_password=CHANGED[nip])
            token = sync("auth.auth_password", client=initial, body=change)
            assert not token.password_change_required
            authed = sdk.AuthenticatedClient(base_url=server.base, token=token.access_token, timeout=None)
            return clients.enter_context(authed)

        def plan(text: str, above: int | None) -> Any:
            indikator = models.IndikatorIn(text=f"Capaian {text}", aspek=models.Aspek.KUANTITAS, target=100, satuan="%")
            rhk = models.RhkIn(jenis=models.JenisRhk.UTAMA, text=text, indikator=[indikator])
            if above is not None:
                rhk.intervensi_rhk_id, rhk.cascade = above, models.CascadeKind.DIRECT
            return models.PlanIn(rhk=[rhk], propose=True)

        admin = logged_in(ADMIN_USER, ADMIN_PASSWORD)
        imported = sync(
            "organisation.organisation_import_organisation", client=admin, body=models.OrgImport.from_dict(ORG)
        )
        assert (imported.instansi.code, imported.instansi.created, imported.pegawai_created) == ("INSTANSI", True, 4)
        cycle = sync("cycles.cycles_create_cycle", client=admin, body=models.CycleIn(year=YEAR, name=f"SKP {YEAR}"))
        assert sync("cycles.cycles_open_cycle", cycle.id, client=admin).drafted == 4
        people = {nip: first_login(nip) for nip in PASSWORDS}
        ids = {s.nip: s.id for s in sync("skp.skp_list_skps", client=admin, cycle_id=cycle.id).items}

        sync("skp.skp_plan", ids[KADIS], client=people[KADIS], body=plan("Mutu pendidikan dasar meningkat", None))
        for trigger in (models.SkpFireTrigger.CASCADE, models.SkpFireTrigger.AGREE):
            sync("skp.skp_fire", ids[KADIS], trigger, client=admin, body=models.TransitionIn())
        for nip, penilai in PENILAI.items():
            above = sync("skp.skp_get_skp", ids[penilai], client=people[nip]).rhk[0].id
            sync("skp.skp_plan", ids[nip], client=people[nip], body=plan(f"Kinerja {nip[-4:]}", above))
            for trigger in (models.SkpFireTrigger.CASCADE, models.SkpFireTrigger.AGREE):
                fired = sync("skp.skp_fire", ids[nip], trigger, client=people[penilai], body=models.TransitionIn())
            assert (fired.state, fired.allowed_triggers) == ("agreed", [])

        monitoring = models.CyclesFireTrigger.START_MONITORING
        assert sync("cycles.cycles_fire", cycle.id, monitoring, client=admin).state == "monitoring"
        run = models.RunIn(as_of=datetime.fromisoformat(JANUARY), cycle_id=cycle.id)
        opened = sync("workflows.workflows_run", models.WorkflowsRunName.OPEN_PERIOD, client=admin, body=run)
        assert opened.to_dict()["cycles"][0]["opened"]["opened"] == 4
        period = sync("evaluation.evaluation_get_period", ids[STAF1], 1, client=people[STAF1])
        value = models.IndikatorRealisasiIn(indikator_id=period.realisasi[0].indikator_id, value=100)
        submitted = sync(
            "evaluation.evaluation_realisasi",
            ids[STAF1],
            1,
            client=people[STAF1],
            body=models.RealisasiIn(realisasi=[value], submit=True),
        )
        assert submitted.state == "realisasi_submitted"
        capaian = models.CapaianIn(cycle_id=cycle.id, period=1, level=models.CapaianLevel.BAIK)
        sync("units.units_set_capaian", "DISDIK-SD", client=people[KADIS], body=capaian)
        sesuai = models.Rating.SESUAI_EKSPEKTASI
        rating = models.EvaluationIn(rating_hasil_kerja=sesuai, rating_perilaku=sesuai)
        rated = sync("evaluation.evaluation_evaluate", ids[STAF1], 1, client=people[KABID], body=rating)
        assert (rated.state, rated.predikat) == ("evaluated", "BAIK")

        trail = [json.loads(line) for line in sync("exports.exports_audit_export", client=admin).splitlines()]
        assert [e["trigger"] for e in trail if e["entity_type"] == "instansi"] == ["create", "import_org"]
        verified = sync("audit.audit_verify", client=admin)
        assert verified.ok and verified.checked == len(trail)
