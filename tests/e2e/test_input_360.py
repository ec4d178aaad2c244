"""360 input through HTTP: the kepala dinas names the kepala bidang's two staff as pemberi pertimbangan, they answer
from their inbox, the kepala dinas reads the aggregate and rates; the Dokumen Evaluasi prints the aggregate, and bad
requests are refused with the problem named and nothing changed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.web.session import SESSION
from states.enums import CoreValue
from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import pdf_text, to_assessment
from tests.integration.org import KABID, KABID2, KADIS, STAF1, STAF2


def _events(client: TestClient, root: dict[str, str]) -> int:
    return int(client.get("/audit", params={"limit": 1}, headers=root).json()["total"])


def test_pemberi_answer_and_the_penilai_rates_with_the_aggregate(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    root = bearer("user:root", clock)
    kadis, staf1, staf2 = (bearer(f"pegawai:{n}", clock) for n in (KADIS, STAF1, STAF2))
    kabid_skp = ids[KABID]

    before = _events(client, root)
    refused = client.post(f"/skps/{kabid_skp}/input-360", json={"period_no": 0, "nips": [KABID2]}, headers=kadis)
    assert refused.status_code == 422, refused.text
    assert "neither a rekan kerja setingkat" in refused.text
    assert client.post(
        f"/skps/{kabid_skp}/input-360", json={"period_no": 0, "nips": [STAF1]}, headers=staf1
    ).status_code in {403, 404}
    assert _events(client, root) == before  # a refusal writes nothing

    named = client.post(f"/skps/{kabid_skp}/input-360", json={"period_no": 0, "nips": [STAF1, STAF2]}, headers=kadis)
    assert named.status_code == 200, named.text
    assert (named.json()["named"], named.json()["waiting"]) == (2, 2)
    assert _events(client, root) == before + 3  # the SKP's chain, and one per request

    inbox = client.get("/input-360/requests", headers=staf1)
    assert inbox.status_code == 200
    (request,) = inbox.json()["items"]
    assert (request["pegawai_nip"], request["relation"], request["state"]) == (KABID, "BAWAHAN", "requested")
    detail = client.get(f"/input-360/{request['id']}", headers=staf1)
    assert detail.status_code == 200 and len(detail.json()["values"]) == 7

    partial = {"ratings": {"AKUNTABEL": {"rating": "SESUAI_EKSPEKTASI"}}}
    answer = client.post(f"/input-360/{request['id']}", json=partial, headers=staf1)
    assert answer.status_code == 422 and "every BerAKHLAK core value must be rated" in answer.text
    full = {"ratings": {v.value: {"rating": "DI_ATAS_EKSPEKTASI", "note": "Teladan tim"} for v in CoreValue}}
    answer = client.post(f"/input-360/{request['id']}", json=full, headers=staf1)
    assert answer.status_code == 200, answer.text
    assert answer.json()["request"]["state"] == "submitted"
    again = client.post(f"/input-360/{request['id']}", json=full, headers=staf1)
    assert again.status_code == 409  # final once given
    assert client.get("/input-360/requests", headers=staf1).json()["total"] == 0

    (other,) = client.get("/input-360/requests", headers=staf2).json()["items"]
    sesuai = {"ratings": {v.value: {"rating": "SESUAI_EKSPEKTASI"} for v in CoreValue}}
    assert client.post(f"/input-360/{other['id']}", json=sesuai, headers=staf2).status_code == 200

    board = client.get(f"/skps/{kabid_skp}/input-360", params={"period_no": 0}, headers=kadis)
    assert board.status_code == 200, board.text
    loyal = next(v for v in board.json()["values"] if v["core_value"] == "LOYAL")
    assert (loyal["count"], loyal["mean"], loyal["notes"]) == (2, 2.5, ["Teladan tim"])
    assert board.json()["by_pemberi"] is None
    assert client.get(f"/skps/{kabid_skp}/input-360", headers=bearer(f"pegawai:{KABID}", clock)).status_code == 403

    body = {"rating_perilaku": "DI_ATAS_EKSPEKTASI"}  # a unit head: the unit's capaian gives the rating hasil kerja
    assessed = client.post(f"/skps/{kabid_skp}/transitions/assess", json=body, headers=kadis)
    assert assessed.status_code == 200, assessed.text
    client.cookies.set(SESSION, kadis["Authorization"].removeprefix("Bearer "))  # the document is a web page
    pdf = client.get(f"/ui/skp/{kabid_skp}/evaluasi.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "PERTIMBANGAN REKAN KERJA DAN BAWAHAN" in text
    assert "2 dari 2" in text and "Teladan tim" in text
    assert STAF1 not in text  # who said what never reaches the document
