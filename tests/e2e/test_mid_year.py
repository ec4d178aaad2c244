"""A mid-year SKP through HTTP: HR records a mutasi in July; the new SKP shows its own start and agreement deadline,
is not overdue on its first day, and at the year's end the ranking and the export carry the combined annual
predikat of the pegawai's two SKPs."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import _plan, agree_everyone
from tests.integration.org import KABID, KABID2, STAF1

GOOD = {"rating_hasil_kerja": "SESUAI_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
BEST = {"rating_hasil_kerja": "DI_ATAS_EKSPEKTASI", "rating_perilaku": "DI_ATAS_EKSPEKTASI"}


def at(clock: Clock, when: datetime) -> dict[str, str]:
    """Move the clock and log HR in again (a token issued in the past has expired; one from the future is refused)."""
    clock.now = when
    return bearer("user:root", clock)


def test_a_july_mutasi_gives_an_skp_of_its_own_months(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = agree_everyone(client, clock, root)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    hr = at(clock, datetime(2026, 2, 2, 2, 0, tzinfo=UTC))
    run = client.post("/workflows/open-period/run", json={"cycle_id": cycle_id, "period": 1}, headers=hr)
    assert run.status_code == 200, run.text

    hr = at(clock, datetime(2026, 7, 15, 1, 0, tzinfo=UTC))
    body = {"unit": "DINKES-YANKES", "effective": "2026-07-15", "sk_number": "SK Bupati 821/77/2026"}
    moved = client.post(f"/pegawai/{STAF1}/mutasi", json=body, headers=hr)
    assert moved.status_code == 200, moved.text
    new, closed = moved.json()["new_skp_id"], moved.json()["closed_skp_id"]
    assert closed == ids[STAF1]

    skp = client.get(f"/skps/{new}", headers=hr).json()
    assert (skp["periode_awal"], skp["periode_akhir"], skp["mid_year"], skp["months"]) == (
        "2026-07-15",
        "2026-12-31",
        True,
        6,
    )
    assert skp["agreement_due"] == "2026-08-13T00:00:00+08:00"  # 20 working days after its start, WITA
    old = client.get(f"/skps/{closed}", headers=hr).json()
    assert (old["periode_akhir"], old["mid_year"], old["agreement_due"]) == (
        "2026-07-14",
        False,
        "2026-02-01T00:00:00+08:00",
    )

    sweep = {"as_of": "2026-07-16T07:00:00+08:00", "cycle_id": cycle_id}
    report = client.post("/workflows/enforce-deadlines/run", json=sweep, headers=hr).json()
    agreement = report["cycles"][0]["by_key"]["skp_agreement"]
    assert (agreement["pending"], agreement["late"], agreement["steps"]) == (1, 0, 0)

    # the closed SKP is assessed now by the old penilai; the new one is planned, agreed and assessed at year's end
    capaian = {"cycle_id": cycle_id, "period": 7, "level": "BAIK"}
    assert client.post("/units/DINKES-P2P/capaian", json=capaian, headers=hr).status_code == 200
    kabid = bearer(f"pegawai:{KABID}", clock)
    assert client.post(f"/skps/{closed}/transitions/assess", json=GOOD, headers=kabid).status_code == 200
    staff, kabid2 = bearer(f"pegawai:{STAF1}", clock), bearer(f"pegawai:{KABID2}", clock)
    above = client.get(f"/skps/{ids[KABID2]}", headers=staff).json()["rhk"][0]["id"]
    assert client.put(f"/skps/{new}/plan", json=_plan("RHK pelayanan", above), headers=staff).status_code == 200
    for trigger in ("cascade", "agree"):
        answer = client.post(f"/skps/{new}/transitions/{trigger}", headers=kabid2)
        assert answer.status_code == 200, answer.text
    assert client.post(f"/skps/{new}/transitions/monitor", headers=hr).status_code == 200

    hr = at(clock, datetime(2027, 1, 10, 2, 0, tzinfo=UTC))
    assert client.post(f"/cycles/{cycle_id}/transitions/start_assessment", headers=hr).status_code == 200
    annual = {"cycle_id": cycle_id, "period": "annual", "level": "BAIK"}
    assert client.post("/units/DINKES-YANKES/capaian", json=annual, headers=hr).status_code == 200
    kabid2 = bearer(f"pegawai:{KABID2}", clock)
    assessed = client.post(f"/skps/{new}/transitions/assess", json=BEST, headers=kabid2)
    assert assessed.status_code == 200, assessed.text
    assert assessed.json()["predikat"] == "SANGAT_BAIK"

    # 195 days BAIK, 170 days SANGAT_BAIK: the year is BAIK wherever the annual predikat is read
    ranking = client.get(f"/cycles/{cycle_id}/ranking", params={"unit": "DINKES-YANKES"}, headers=hr).json()
    assert [(r["nip"], r["predikat"], r["skp_id"]) for r in ranking if r["nip"] == STAF1] == [(STAF1, "BAIK", new)]
    eligibility = client.get(f"/cycles/{cycle_id}/eligibility", headers=hr).json()
    assert next(r for r in eligibility if r["nip"] == STAF1)["history"]["2026"] == "BAIK"
    export = client.get(f"/cycles/{cycle_id}/export", headers=hr)
    assert export.status_code == 200, export.text
    rows = [r for r in csv.DictReader(io.StringIO(export.text)) if r["nip"] == STAF1]
    assert [(int(r["skp_id"]), r["predikat"], r["annual_predikat"]) for r in rows] == [
        (closed, "BAIK", "BAIK"),
        (new, "SANGAT_BAIK", "BAIK"),
    ]
