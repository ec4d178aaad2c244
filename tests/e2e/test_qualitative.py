"""A qualitative SKP through HTTP: planned with an ekspektasi (a client sending only the old fields still plans as
before), realised in words, rated per indikator, the rating hasil kerja derived and exported with its pendekatan."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.e2e.test_skps import events_of
from tests.e2e.web_setup import agree_chain_above_staff
from tests.integration.org import KABID, STAF2

EKSPEKTASI = "Penerima konsultasi memahami anjuran gizi dan menyatakan puas"


def _plan(intervenes: int, indikator: dict[str, Any]) -> dict[str, Any]:
    rhk = {"jenis": "UTAMA", "text": "Konsultasi gizi", "intervensi_rhk_id": intervenes, "cascade": "INDIRECT"}
    return {"rhk": [rhk | {"indikator": [indikator]}], "propose": True}


def test_a_qualitative_skp_over_http(client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int) -> None:
    ids = agree_chain_above_staff(client, clock, root)  # planned by clients that send only the old fields
    kabid_skp = client.get(f"/skps/{ids[KABID]}", headers=root).json()
    assert {(i["approach"], i["ekspektasi"]) for i in kabid_skp["rhk"][0]["indikator"]} == {("KUANTITATIF", None)}
    above = kabid_skp["rhk"][0]["id"]
    me, penilai = bearer(f"pegawai:{STAF2}", clock), bearer(f"pegawai:{KABID}", clock)
    before = len(events_of(client, root, ids[STAF2]))

    kepuasan = {"text": "Kepuasan penerima konsultasi", "aspek": "KUALITAS", "approach": "KUALITATIF"}
    refused = client.put(f"/skps/{ids[STAF2]}/plan", json=_plan(above, kepuasan), headers=me)
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        "rhk[0].indikator[0].ekspektasi: a qualitative indikator needs its ekspektasi (the expected result)"
    ]
    unknown = client.put(f"/skps/{ids[STAF2]}/plan", json=_plan(above, kepuasan | {"approach": "NARASI"}), headers=me)
    assert unknown.status_code == 422
    assert len(events_of(client, root, ids[STAF2])) == before  # refusals write nothing

    planned = client.put(
        f"/skps/{ids[STAF2]}/plan", json=_plan(above, kepuasan | {"ekspektasi": EKSPEKTASI}), headers=me
    )
    assert planned.status_code == 200, planned.text
    indikator = planned.json()["rhk"][0]["indikator"][0]
    assert (indikator["approach"], indikator["target"], indikator["ekspektasi"]) == ("KUALITATIF", None, EKSPEKTASI)
    for trigger in ("cascade", "agree"):  # no target is asked of a qualitative indikator
        answer = client.post(f"/skps/{ids[STAF2]}/transitions/{trigger}", headers=penilai)
        assert answer.status_code == 200, answer.text

    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    clock.now = datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    root = bearer("user:root", clock)
    me, penilai = bearer(f"pegawai:{STAF2}", clock), bearer(f"pegawai:{KABID}", clock)
    opened = client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=root)
    assert opened.status_code == 200, opened.text
    capaian = {"cycle_id": cycle_id, "period": 1, "level": "BAIK"}
    assert client.post("/units/DINKES-P2P/capaian", json=capaian, headers=root).status_code == 200

    period = f"/skps/{ids[STAF2]}/periods/1"
    as_value = {"realisasi": [{"indikator_id": indikator["id"], "value": 95}], "submit": True}
    assert client.post(f"{period}/realisasi", json=as_value, headers=me).status_code == 422
    in_words = {"realisasi": [{"indikator_id": indikator["id"], "text": "18 dari 20 penerima puas"}], "submit": True}
    submitted = client.post(f"{period}/realisasi", json=in_words, headers=me)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["realisasi"][0]["approach"] == "KUALITATIF"

    twice = [{"indikator_id": indikator["id"], "rating": "DI_ATAS_EKSPEKTASI"}] * 2
    listed_twice = client.post(
        f"{period}/evaluation", json={"rating_perilaku": "SESUAI_EKSPEKTASI", "indikator": twice}, headers=penilai
    )
    assert listed_twice.status_code == 422
    assert listed_twice.json()["problems"] == [f"indikator[1].indikator_id: {indikator['id']} is listed twice"]
    unrated = client.post(f"{period}/evaluation", json={"rating_perilaku": "SESUAI_EKSPEKTASI"}, headers=penilai)
    assert unrated.status_code == 422
    assert "the indikator ratings give none" in unrated.text

    body = {"rating_perilaku": "DI_ATAS_EKSPEKTASI", "indikator": twice[:1], "note": "Layanan sangat baik"}
    rated = client.post(f"{period}/evaluation", json=body, headers=penilai)
    assert rated.status_code == 200, rated.text
    result = rated.json()
    assert (result["rating_hasil_kerja"], result["hasil_kerja_derived"], result["predikat"]) == (
        "DI_ATAS_EKSPEKTASI",
        "DI_ATAS_EKSPEKTASI",
        "SANGAT_BAIK",
    )
    assert result["realisasi"][0]["rating"] == "DI_ATAS_EKSPEKTASI"

    export = client.get(f"/cycles/{cycle_id}/export", params={"kind": "tpp", "period": 1}, headers=root)
    assert export.status_code == 200, export.text
    rows = {r["nip"]: r for r in csv.DictReader(io.StringIO(export.text))}
    assert (rows[STAF2]["predikat"], rows[STAF2]["pendekatan"]) == ("SANGAT_BAIK", "KUALITATIF")
    annual = client.get(f"/cycles/{cycle_id}/export", headers=root)
    assert {r["nip"]: r["pendekatan"] for r in csv.DictReader(io.StringIO(annual.text))}[KABID] == "KUANTITATIF"
