"""`/ui/cycles` is HR's list of cycles (it answered a bare 405); a cascade refused one level too early says what to do.

The walk through these pages in Chromium is tests/e2e/test_web_demo_walk.py; here the refusals: bad input and a
missing CSRF token change nothing, a pegawai is sent home, and the cascade refusal names whose SKP waits, in
English for the API and in the reader's language on the page.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import csrf_of, give_passwords, skp_ids, web_login
from tests.integration.org import KABID, STAF1

pytestmark = pytest.mark.parametrize("migrated", ["sqlite"], indirect=True)


def _cycle(client: TestClient, root: dict[str, str], cycle_id: int) -> dict[str, Any]:
    answer = client.get(f"/cycles/{cycle_id}", headers=root)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_hr_lists_the_cycles_and_moves_one_on(
    client: TestClient, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    give_passwords(db)
    web_login(client, STAF1)
    assert client.get("/ui/cycles", follow_redirects=False).headers["location"] == "/ui"  # a pegawai: home
    client.cookies.clear()

    web_login(client, "root", ROOT_PASSWORD)
    page = client.get("/ui/cycles")
    assert page.status_code == 200
    assert "SKP 2026" in page.text and f'id="cycle-{cycle_id}-start_monitoring"' in page.text
    token = csrf_of(page.text)

    no_token = client.post(f"/ui/cycles/{cycle_id}/fire/start_monitoring", data={})
    assert no_token.status_code == 403
    assert _cycle(client, root, cycle_id)["state"] == "drafting"

    moved = client.post(f"/ui/cycles/{cycle_id}/fire/start_monitoring", data={"csrf": token}, follow_redirects=False)
    assert moved.status_code == 303, moved.text
    assert _cycle(client, root, cycle_id)["state"] == "monitoring"

    again = client.post(f"/ui/cycles/{cycle_id}/fire/start_monitoring", data={"csrf": token})
    assert (
        again.status_code == 409
        and "Siklus: tindakan &#34;Mulai pemantauan&#34; tidak dapat dilakukan pada status Pemantauan." in again.text
    )
    assert "is not allowed" not in again.text  # in the page's language; the English page keeps the API's sentence
    english = client.post(f"/ui/cycles/{cycle_id}/fire/start_monitoring?lang=en", data={"csrf": token})
    assert "cycle: &#39;start_monitoring&#39; is not allowed from state &#39;monitoring&#39;" in english.text
    client.get("/ui/cycles?lang=id")

    bad = client.post(f"/ui/cycles/{cycle_id}/open-period?lang=en", data={"csrf": token, "period": "13"})
    assert bad.status_code == 422 and "period: &#39;13&#39; is not a period number (1-12)" in bad.text
    client.get("/ui/cycles?lang=id")
    said = client.post(f"/ui/cycles/{cycle_id}/open-period", data={"csrf": token, "period": "13"})
    assert "Periode: &#39;13&#39; bukan nomor periode (1-12)" in said.text and "is not a period" not in said.text
    unknown = client.post(
        f"/ui/cycles/{cycle_id}/capaian", data={"csrf": token, "unit": "NOPE", "period": "1", "level": "BAIK"}
    )
    assert unknown.status_code == 404

    opened = client.post(f"/ui/cycles/{cycle_id}/open-period", data={"csrf": token, "period": "1"})
    assert opened.status_code == 200 and "Periode dibuka" in opened.text
    set_ = client.post(
        f"/ui/cycles/{cycle_id}/capaian", data={"csrf": token, "unit": "DINKES-P2P", "period": "1", "level": "BAIK"}
    )
    assert set_.status_code == 200 and "Capaian kinerja organisasi unit disimpan" in set_.text


def test_a_cascade_one_level_too_early_names_whose_skp_waits(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    kabid = bearer(f"pegawai:{KABID}", clock)
    refused = client.post(f"/skps/{ids[STAF1]}/transitions/cascade", headers=kabid)
    assert refused.status_code == 422
    assert refused.json()["problems"] == [
        "the atasan's SKP is not agreed yet: SKPs are agreed from the top down, so Budi Kabid, S.KM's own SKP must "
        "first be planned and agreed by dr. Siti Kadis"
    ]
    give_passwords(db)
    web_login(client, KABID)
    page = client.get(f"/ui/skp/{ids[STAF1]}")
    fired = client.post(f"/ui/skp/{ids[STAF1]}/fire/cascade", data={"csrf": csrf_of(page.text)})
    assert fired.status_code == 422
    assert (
        "SKP Anda sendiri belum disetujui (status: Penyusunan). SKP disetujui berjenjang dari atas: minta "
        "dr. Siti Kadis menyetujui SKP Anda terlebih dahulu, lalu kaskadekan lagi." in fired.text
    )
    client.cookies.clear()
    web_login(client, "root", ROOT_PASSWORD)  # HR trying it reads whose SKP it is, in English when asked
    page = client.get(f"/ui/skp/{ids[STAF1]}?lang=en")
    fired = client.post(f"/ui/skp/{ids[STAF1]}/fire/cascade", data={"csrf": csrf_of(page.text)})
    assert "The SKP of Budi Kabid, S.KM, this pegawai&#39;s pejabat penilai, is not agreed yet (state:" in fired.text
    assert "ask dr. Siti Kadis to agree Budi Kabid, S.KM&#39;s SKP first" in fired.text
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "drafted"
