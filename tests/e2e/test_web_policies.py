"""Configuring cycles without files: a new policy version from the generated form (validated, diffed, its author
recorded), a cycle opened on a chosen version, and a running cycle moved after its dry-run report."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.e2e.conftest import ROOT_PASSWORD
from tests.e2e.web_setup import csrf_of, web_login


def _form_values(html: str) -> dict[str, str]:
    """The editor's fields as the browser would send them untouched."""
    values = dict(re.findall(r'<input id="p-[^"]*" name="(f/[^"]+)" value="([^"]*)"', html))
    for name, body in re.findall(r'<select id="p-[^"]*" name="(f/[^"]+)">(.*?)</select>', html, flags=re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_a_new_version_from_the_form_then_a_cycle_on_it_and_a_move_after_the_dry_run(
    client: TestClient, root: dict[str, str], imported: dict[str, object]
) -> None:
    web_login(client, "root", ROOT_PASSWORD)
    preset = next(v for v in client.get("/policies", headers=root).json()["items"] if v["name"] == "permenpanrb-6-2022")
    listing = client.get("/ui/policies")
    assert f'href="/ui/policies/{preset["id"]}/new"' in listing.text
    editor = client.get(f"/ui/policies/{preset['id']}/new")
    assert editor.status_code == 200
    values = _form_values(editor.text)
    assert len(values) > 200  # every setting of the schema, generated
    assert values["f/distribution/mode"] == "hard" and values["f/periods/kind"] == "MONTHLY"
    assert values["f/kuadran/DI_ATAS_EKSPEKTASI/DI_ATAS_EKSPEKTASI"] == "SANGAT_BAIK"
    # the tooltips speak the page's language, from the catalogue
    assert 'title="Unit yang lebih kecil dari ini tidak diperiksa terhadap kurva."' in editor.text
    assert "Units smaller than this" not in editor.text
    english = client.get(f"/ui/policies/{preset['id']}/new?lang=en")
    assert 'title="Units smaller than this are not checked against the curve."' in english.text
    client.get("/ui/policies?lang=id")
    meta = {"csrf": csrf_of(editor.text), "name": "kab-contoh", "version": "2026.1", "instansi": "KAB-CONTOH"}
    before = client.get("/policies", headers=root).json()["total"]

    broken = {**values, "f/deadlines/skp_agreement/day": "45", "f/periods/kind": "WEEKLY"}
    refused = client.post(f"/ui/policies/{preset['id']}/new", data={**meta, **broken})
    assert refused.status_code == 422
    assert "deadlines.skp_agreement" in refused.text and "periods.kind" in refused.text
    assert 'value="45"' in refused.text  # the form keeps what was typed
    assert client.get("/policies", headers=root).json()["total"] == before
    unchanged = client.post(f"/ui/policies/{preset['id']}/new?lang=en", data={**meta, **values})
    assert unchanged.status_code == 422 and "nothing differs" in unchanged.text
    client.get(f"/ui/policies/{preset['id']}/new?lang=id")
    said = client.post(f"/ui/policies/{preset['id']}/new", data={**meta, **values})
    assert "Perubahan: tidak ada yang berbeda dari versi dasar" in said.text and "nothing differs" not in said.text

    changed = {**values, "f/distribution/mode": "soft", "f/periods/kind": "QUARTERLY"}
    made = client.post(f"/ui/policies/{preset['id']}/new", data={**meta, **changed})
    assert made.status_code == 200, made.text[made.text.find("refused") :][:800]
    assert "Versi kebijakan baru tersimpan." in made.text
    diff = made.text[made.text.index('id="diff"') :].split("</table>")[0]
    paths = set(re.findall(r"<code>([^<]+)</code>", diff))
    assert paths - {"name", "version", "base"} == {"distribution.mode", "periods.kind"}, paths
    assert 'id="created-by" data-actor="user:root">root,' in made.text
    new_id = int(re.search(r"/ui/policies/(\d+)/new", made.text).group(1))  # type: ignore[union-attr]

    home = client.get("/ui")
    opened = client.post(
        "/ui/cycles",
        data={
            "csrf": csrf_of(home.text),
            "year": "2026",
            "name": "SKP 2026",
            "policy": str(preset["id"]),
            "instansi": "KAB-CONTOH",
        },
    )
    assert opened.status_code == 200, opened.text
    cycle = client.get("/cycles", headers=root).json()["items"][0]
    assert (cycle["state"], cycle["policy_version_id"]) == ("drafting", preset["id"])
    assert client.get("/skps", headers=root).json()["total"] == 6

    dry = client.get(f"/ui/cycles/{cycle['id']}/policy", params={"to": new_id})
    assert dry.status_code == 200
    assert "5 pengaturan berubah, 0 predikat akan berbeda" in dry.text  # name, version, base and the two settings
    assert client.get(f"/cycles/{cycle['id']}", headers=root).json()["policy_version_id"] == preset["id"]
    moved = client.post(f"/ui/cycles/{cycle['id']}/policy", data={"csrf": csrf_of(dry.text), "to": str(new_id)})
    assert moved.status_code == 200
    assert client.get(f"/cycles/{cycle['id']}", headers=root).json()["policy_version_id"] == new_id
    trail = client.get("/audit", params={"entity_type": "cycle", "entity_id": cycle["id"]}, headers=root).json()
    assert trail["items"][-1]["trigger"] == "migrate_policy"
