"""A client generated from /openapi.json (openapi-python-client) logs in and drives one SKP from drafted to agreed."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
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
