"""SKPs through HTTP: scoping per role, planning, triggers with their 409/422 semantics, If-Match, the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2


def skp_ids(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, int]:
    page = client.get("/skps", params=params, headers=headers)
    assert page.status_code == 200, page.text
    return {item["nip"]: item["id"] for item in page.json()["items"]}


def events_of(client: TestClient, root: dict[str, str], skp_id: int) -> list[dict[str, Any]]:
    answer = client.get("/audit", params={"entity_type": "skp", "entity_id": skp_id}, headers=root)
    assert answer.status_code == 200
    return list(answer.json()["items"])


def plan_body(intervenes: int | None = None, propose: bool = True) -> dict[str, Any]:
    return {
        "rhk": [
            {
                "jenis": "UTAMA",
                "text": "Meningkatnya cakupan imunisasi",
                "intervensi_rhk_id": intervenes,
                "cascade": "DIRECT" if intervenes else None,
                "indikator": [{"text": "Cakupan imunisasi", "aspek": "KUANTITAS", "target": 95, "satuan": "persen"}],
            }
        ],
        "propose": propose,
    }


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        (STAF1, {STAF1}),
        (KABID, {KABID, STAF1, STAF2}),  # own, and those they rate
        (KABID2, {KABID2}),
        (KADIS, {KADIS, KABID, KABID2, STAF1, STAF2}),  # pimpinan of the dinas: the whole unit tree
        (SEKDA, {SEKDA, KADIS, KABID, KABID2, STAF1, STAF2}),
    ],
)
def test_each_pegawai_lists_what_they_may_see(
    client: TestClient, clock: Clock, cycle_id: int, who: str, sees: set[str]
) -> None:
    assert set(skp_ids(client, bearer(f"pegawai:{who}", clock))) == sees


def test_admins_and_auditors_see_their_instansi_only(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    for username, role, instansi in [("hr.kab", "admin", "KAB-CONTOH"), ("irban", "auditor", "KAB-CONTOH")]:
        body = {"username": username, "password": "rahasia-123", "role": role, "instansi": instansi}
        assert client.post("/users", json=body, headers=root).status_code == 201
        assert len(skp_ids(client, bearer(f"user:{username}", clock))) == 6
    other = {
        "instansi": {"code": "KAB-LAIN", "name": "Kabupaten Lain"},
        "units": [{"code": "SETDA", "name": "Setda"}],
        "pegawai": [],
    }
    assert client.post("/org/import", json=other, headers=root).status_code == 200
    body = {"username": "hr.lain", "password": "rahasia-123", "role": "admin", "instansi": "KAB-LAIN"}
    assert client.post("/users", json=body, headers=root).status_code == 201
    stranger = bearer("user:hr.lain", clock)
    assert skp_ids(client, stranger) == {}
    some_skp = next(iter(skp_ids(client, root).values()))
    assert client.get(f"/skps/{some_skp}", headers=stranger).status_code == 404
    assert client.get("/audit", params={"entity_type": "skp"}, headers=stranger).json()["total"] == 0
    assert client.get(f"/cycles/{cycle_id}", headers=stranger).status_code == 404


def test_filters_and_pagination(client: TestClient, root: dict[str, str], cycle_id: int) -> None:
    first = client.get("/skps", params={"cycle_id": cycle_id, "limit": 4}, headers=root).json()
    assert (len(first["items"]), first["total"], first["next"]) == (4, 6, 4)
    second = client.get("/skps", params={"cycle_id": cycle_id, "limit": 4, "offset": 4}, headers=root).json()
    assert (len(second["items"]), second["next"]) == (2, None)
    assert set(skp_ids(client, root, unit="DINKES-P2P")) == {KABID, STAF1, STAF2}
    assert set(skp_ids(client, root, nip=STAF1)) == {STAF1}
    assert len(skp_ids(client, root, state="drafted")) == 6
    assert skp_ids(client, root, state="agreed") == {}
    assert client.get("/skps", params={"state": "nonsense"}, headers=root).status_code == 422


def test_drafted_to_agreed_with_refusals_that_change_nothing(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    sekda, kadis = bearer(f"pegawai:{SEKDA}", clock), bearer(f"pegawai:{KADIS}", clock)

    assert client.put(f"/skps/{ids[SEKDA]}/plan", json=plan_body(), headers=sekda).status_code == 200
    sekda_view = client.get(f"/skps/{ids[SEKDA]}", headers=root).json()
    assert sekda_view["allowed_triggers"] == ["cascade"]  # HR acts for the bupati, outside the organisation
    for trigger in ("cascade", "agree"):
        assert client.post(f"/skps/{ids[SEKDA]}/transitions/{trigger}", headers=root).status_code == 200
    sekda_rhk = client.get(f"/skps/{ids[SEKDA]}", headers=root).json()["rhk"][0]["id"]

    # the kepala dinas reads the Sekda's RHK to intervene one, but not the Sekda's appraisal
    boss = client.get(f"/skps/{ids[SEKDA]}", headers=kadis)
    assert boss.status_code == 200
    assert (boss.json()["rhk"][0]["id"], boss.json()["allowed_triggers"], boss.json()["predikat"]) == (
        sekda_rhk,
        [],
        None,
    )
    assert client.get(f"/skps/{ids[STAF1]}", headers=bearer(f"pegawai:{STAF2}", clock)).status_code == 404

    planned = client.put(f"/skps/{ids[KADIS]}/plan", json=plan_body(sekda_rhk), headers=kadis)
    assert planned.status_code == 200
    version = planned.json()["version"]
    assert planned.headers["etag"] == f'"{version}"'
    before = len(events_of(client, root, ids[KADIS]))

    wrong_state = client.post(f"/skps/{ids[KADIS]}/transitions/agree", headers=sekda)
    assert wrong_state.status_code == 409
    assert wrong_state.json()["state"] == "drafted"
    assert wrong_state.json()["allowed_triggers"] == ["cascade"]
    not_theirs = client.post(f"/skps/{ids[KADIS]}/transitions/cascade", headers=kadis)
    assert not_theirs.status_code == 403
    stale = client.post(f"/skps/{ids[KADIS]}/transitions/cascade", headers={**sekda, "If-Match": f'"{version - 1}"'})
    assert stale.status_code == 409
    assert (stale.json()["state"], stale.json()["version"]) == ("drafted", version)
    unknown = client.post(f"/skps/{ids[KADIS]}/transitions/explode", headers=sekda)
    assert unknown.status_code == 422
    assert len(events_of(client, root, ids[KADIS])) == before  # refusals write nothing

    cascaded = client.post(f"/skps/{ids[KADIS]}/transitions/cascade", headers={**sekda, "If-Match": str(version)})
    assert cascaded.status_code == 200
    returned = client.post(f"/skps/{ids[KADIS]}/transitions/return", json={}, headers=sekda)
    assert returned.status_code == 422
    assert returned.json()["problems"] == ["a note is required"]
    assert returned.json()["rules"] == [  # the old fields as they were, the sentence in both languages beside them
        {
            "rule": "skp.note_given",
            "problem": "a note is required",
            "message": {"id": "Catatan wajib diisi", "en": "a note is required"},
        }
    ]
    agreed = client.post(f"/skps/{ids[KADIS]}/transitions/agree", json={"note": "Disetujui"}, headers=sekda)
    assert agreed.status_code == 200
    assert agreed.json()["state"] == "agreed"
    trail = events_of(client, root, ids[KADIS])
    assert [e["trigger"] for e in trail] == ["draft", "plan", "cascade", "agree"]
    assert trail[-1]["actor"] == f"pegawai:{SEKDA}"
    assert [e["trigger"] for e in events_of(client, root, ids[SEKDA])][-2:] == ["cascade", "agree"]
    assert events_of(client, root, ids[SEKDA])[-1]["role"] == "admin a.n. penilai"


def test_a_pegawai_may_not_plan_someone_elses_skp(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    answer = client.put(f"/skps/{ids[STAF2]}/plan", json=plan_body(), headers=bearer(f"pegawai:{STAF1}", clock))
    assert answer.status_code == 404
    bad = client.put(
        f"/skps/{ids[STAF1]}/plan", json={"rhk": [{"jenis": "WRONG"}]}, headers=bearer(f"pegawai:{STAF1}", clock)
    )
    assert bad.status_code == 422
    assert bad.json()["problems"]


def test_cycle_moves_and_capaian(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> None:
    staff = bearer(f"pegawai:{STAF1}", clock)
    assert client.get(f"/cycles/{cycle_id}", headers=staff).status_code == 200
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=staff).status_code == 403
    wrong = client.post(f"/cycles/{cycle_id}/transitions/close", headers=root)
    assert (wrong.status_code, wrong.json()["allowed_triggers"]) == (409, ["start_monitoring"])
    moved = client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root)
    assert moved.json()["state"] == "monitoring"

    capaian = {"cycle_id": cycle_id, "period": "annual", "level": "BAIK"}
    assert client.post("/units/DINKES-P2P/capaian", json=capaian, headers=staff).status_code == 403
    by_kadis = client.post("/units/DINKES-P2P/capaian", json=capaian, headers=bearer(f"pegawai:{KADIS}", clock))
    assert by_kadis.status_code == 200
    assert client.post("/units/NOWHERE/capaian", json=capaian, headers=root).status_code == 404
    bad = client.post("/units/DINKES/capaian", json={**capaian, "level": "LUAR_BIASA"}, headers=root)
    assert bad.status_code == 422


def test_audit_routes_are_for_admins_and_auditors(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    staff = bearer(f"pegawai:{STAF1}", clock)
    assert client.get("/audit", headers=staff).status_code == 403
    assert client.get("/audit/verify", headers=staff).status_code == 403
    verified = client.get("/audit/verify", headers=root).json()
    assert verified["ok"] is True
    assert verified["checked"] >= 7
    page = client.get("/audit", params={"limit": 3}, headers=root).json()
    assert len(page["items"]) == 3
    rest = client.get("/audit", params={"after": page["next"], "limit": 1000}, headers=root).json()
    assert page["total"] == len(page["items"]) + len(rest["items"])
