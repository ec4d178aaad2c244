"""A whole year for a small organisation through HTTP: import, cycle, cascade, agree, monitor with realisasi and
evidence, periodic rating, assessment, an objection, follow-up cases, and an audit trail that verifies — on a fresh
install that never names its instansi, as a one-instansi client of the contract would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer, org_json
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def ok(answer: Any, code: int = 200) -> dict[str, Any]:
    assert answer.status_code == code, answer.text
    return dict(answer.json())


def plan(text: str, intervenes: int | None) -> dict[str, Any]:
    return {
        "rhk": [
            {
                "jenis": "UTAMA",
                "text": text,
                "intervensi_rhk_id": intervenes,
                "cascade": "DIRECT" if intervenes else None,
                "indikator": [{"text": f"Capaian {text}", "aspek": "KUANTITAS", "target": 100, "satuan": "persen"}],
            }
        ],
        "propose": True,
    }


def test_a_year_from_import_to_follow_up(client: TestClient, clock: Clock) -> None:
    clock.now = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    year = 60 * 24 * 800  # tokens that outlive the simulated year
    root = bearer("user:root", clock, minutes=year)
    org = {k: v for k, v in org_json().items() if k != "instansi"}  # only the contract's required fields
    imported = ok(client.post("/org/import", json=org, headers=root))
    assert imported["instansi"]["created"]
    cycle = ok(client.post("/cycles", json={"year": 2026, "name": "SKP 2026"}, headers=root), 201)
    assert ok(client.post(f"/cycles/{cycle['id']}/open", headers=root))["drafted"] == 6
    as_ = {nip: bearer(f"pegawai:{nip}", clock, minutes=year) for nip in (SEKDA, KADIS, KABID, KABID2, STAF1, STAF2)}
    ids = {i["nip"]: i["id"] for i in ok(client.get("/skps", headers=root))["items"]}

    # cascade down the tree: each plans against the RHK of the atasan's agreed SKP; the penilai agrees
    ok(client.put(f"/skps/{ids[SEKDA]}/plan", json=plan("Tata kelola yang baik", None), headers=as_[SEKDA]))
    for trigger in ("cascade", "agree"):  # HR for the bupati, outside the organisation
        ok(client.post(f"/skps/{ids[SEKDA]}/transitions/{trigger}", headers=root))
    chain = [(KADIS, SEKDA), (KABID, KADIS), (KABID2, KADIS), (STAF1, KABID), (STAF2, KABID)]
    for nip, penilai in chain:
        boss_rhk = ok(client.get(f"/skps/{ids[penilai]}", headers=as_[nip]))["rhk"][0]["id"]
        ok(client.put(f"/skps/{ids[nip]}/plan", json=plan(f"Kinerja {nip[-4:]}", boss_rhk), headers=as_[nip]))
        ok(client.post(f"/skps/{ids[nip]}/transitions/cascade", headers=as_[penilai]))
        ok(client.post(f"/skps/{ids[nip]}/transitions/agree", headers=as_[penilai]))

    # monitoring: the period opens; the staff record realisasi with evidence, the penilai rates the period
    ok(client.post(f"/cycles/{cycle['id']}/transitions/start_monitoring", headers=root))
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    opened = ok(client.post("/workflows/open-period/run", json={"cycle_id": cycle["id"], "period": 1}, headers=root))
    assert opened["cycles"][0]["monitored"] == 6
    assert opened["cycles"][0]["opened"]["opened"] == 6
    staff_view = ok(client.get(f"/skps/{ids[STAF1]}/periods/1", headers=as_[STAF1]))
    indikator = staff_view["realisasi"][0]["indikator_id"]
    upload = client.post("/evidence", files={"file": ("laporan.pdf", PDF, "application/pdf")}, headers=as_[STAF1])
    evidence = ok(upload, 201)
    realisasi = {
        "realisasi": [{"indikator_id": indikator, "value": 96, "text": "Tercapai", "evidence": [evidence]}],
        "submit": True,
    }
    submitted = ok(client.post(f"/skps/{ids[STAF1]}/periods/1/realisasi", json=realisasi, headers=as_[STAF1]))
    assert submitted["state"] == "realisasi_submitted"
    capaian = {"cycle_id": cycle["id"], "period": 1, "level": "BAIK"}
    ok(client.post("/units/DINKES-P2P/capaian", json=capaian, headers=as_[KADIS]))
    rating = {"rating_hasil_kerja": "DI_ATAS_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    rated = ok(client.post(f"/skps/{ids[STAF1]}/periods/1/evaluation", json=rating, headers=as_[KABID]))
    assert (rated["state"], rated["predikat"]) == ("evaluated", "BAIK")
    for core_value in ("BERORIENTASI_PELAYANAN", "AKUNTABEL", "KOLABORATIF"):
        ok(
            client.post(
                f"/skps/{ids[STAF1]}/feedback",
                json={"rhk_id": None, "core_value": core_value, "text": "Pertahankan"},
                headers=as_[KABID],
            ),
            201,
        )
    first = ok(client.get(f"/skps/{ids[STAF1]}/feedback", params={"limit": 2}, headers=as_[STAF1]))
    rest = ok(client.get(f"/skps/{ids[STAF1]}/feedback", params={"after": first["next"]}, headers=as_[STAF1]))
    assert (first["total"], len(first["items"]), rest["total"], rest["next"]) == (3, 2, 3, None)
    assert [f["core_value"] for f in first["items"] + rest["items"]] == [
        "BERORIENTASI_PELAYANAN",
        "AKUNTABEL",
        "KOLABORATIF",
    ]
    clock.now = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    closed = ok(client.post("/workflows/close-period/run", json={"cycle_id": cycle["id"], "period": 1}, headers=root))
    assert (closed["cycles"][0]["closed"]["closed"], closed["cycles"][0]["closed"]["lapsed"]) == (1, 5)

    # assessment: capaian of every unit, ratings by each penilai; unit heads are rated by their unit's capaian
    clock.now = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
    ok(client.post(f"/cycles/{cycle['id']}/transitions/start_assessment", headers=root))
    for unit in ("PEMDA", "DINKES", "DINKES-P2P", "DINKES-YANKES"):
        ok(
            client.post(
                f"/units/{unit}/capaian",
                json={"cycle_id": cycle["id"], "period": "annual", "level": "BAIK"},
                headers=root,
            )
        )
    heads = [(SEKDA, root), (KADIS, as_[SEKDA]), (KABID, as_[KADIS]), (KABID2, as_[KADIS])]
    for nip, rater in heads:
        ok(
            client.post(
                f"/skps/{ids[nip]}/transitions/assess", json={"rating_perilaku": "SESUAI_EKSPEKTASI"}, headers=rater
            )
        )
    ok(client.post(f"/skps/{ids[STAF1]}/transitions/assess", json=rating, headers=as_[KABID]))
    weak = {"rating_hasil_kerja": "DI_BAWAH_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    assessed = ok(client.post(f"/skps/{ids[STAF2]}/transitions/assess", json=weak, headers=as_[KABID]))
    assert assessed["predikat"] == "BUTUH_PERBAIKAN"
    distribution = ok(client.get("/units/DINKES-P2P/distribution", params={"cycle_id": cycle["id"]}, headers=root))
    assert distribution["counts"]["BUTUH_PERBAIKAN"] == 1

    # the weak one objects within the window; the atasan penilai rejects it, finally
    objection = ok(
        client.post(f"/skps/{ids[STAF2]}/objection", json={"reason": "Target tidak realistis"}, headers=as_[STAF2]), 201
    )
    assert objection["state"] == "filed"
    assert client.post(
        f"/skps/{ids[STAF2]}/objection/decision", json={"decision": "rejected", "note": "x"}, headers=as_[KABID]
    ).status_code in {403, 404}
    decided = ok(
        client.post(
            f"/skps/{ids[STAF2]}/objection/decision",
            json={"decision": "rejected", "note": "Sesuai bukti"},
            headers=as_[KADIS],
        )
    )
    assert decided["state"] == "decided"

    # follow-up once every objection window has closed: coaching for BUTUH_PERBAIKAN, reward for none here
    early = ok(client.post("/workflows/dispatch-follow-up/run", json={"cycle_id": cycle["id"]}, headers=root))
    assert early["cycles"][0]["followed_up"] == 1  # only the decided objection is settled so far
    clock.now += timedelta(days=20)
    ok(client.post(f"/cycles/{cycle['id']}/transitions/start_follow_up", headers=root))
    later = ok(client.post("/workflows/dispatch-follow-up/run", json={"cycle_id": cycle["id"]}, headers=root))
    assert later["cycles"][0]["followed_up"] == 5
    again = ok(client.post("/workflows/dispatch-follow-up/run", json={"cycle_id": cycle["id"]}, headers=root))
    assert again["cycles"][0]["followed_up"] == 0  # idempotent
    cases = ok(client.get("/followups", params={"cycle_id": cycle["id"]}, headers=root))
    assert [(c["nip"], c["kind"], c["state"]) for c in cases["items"]] == [(STAF2, "COACHING", "opened")]
    when = (clock.now + timedelta(days=7)).isoformat()
    scheduled = ok(
        client.post(
            f"/followups/{cases['items'][0]['id']}/transitions/schedule", json={"when": when}, headers=as_[KABID]
        )
    )
    assert scheduled["state"] == "scheduled"
    ok(client.post(f"/cycles/{cycle['id']}/transitions/close", headers=root))
    verified = ok(client.get("/audit/verify", headers=root))
    assert verified["ok"], verified
