"""The SKP page says why: each predikat, curve and follow-up with the policy rule that decided it, in the reader's
language; and a refused action on the page names the rule that refused it (issue 17 item 8)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import csrf_of, give_passwords, to_assessment, web_login
from tests.integration.org import KABID, STAF1


def test_the_skp_page_explains_the_predikat_and_names_the_rule_of_a_refusal(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    rating = {"rating_hasil_kerja": "DI_ATAS_EKSPEKTASI", "rating_perilaku": "SESUAI_EKSPEKTASI"}
    rater = bearer(f"pegawai:{KABID}", clock)
    assert client.post(f"/skps/{ids[STAF1]}/transitions/assess", json=rating, headers=rater).status_code == 200
    give_passwords(db, STAF1, KABID)
    web_login(client, STAF1)

    page = client.get(f"/ui/skp/{ids[STAF1]}").text
    section = page[page.index('id="explain"') :].split("</section>")[0]
    assert "Mengapa hasil dan langkah ini" in section
    assert (
        "Kuadran kinerja: rating hasil kerja Di Atas Ekspektasi dan rating perilaku Sesuai Ekspektasi memberi "
        "predikat Baik."
    ) in section
    assert '<code class="rule">kuadran.DI_ATAS_EKSPEKTASI.SESUAI_EKSPEKTASI</code>' in section
    assert "permenpanrb-6-2022" in section
    english = client.get(f"/ui/skp/{ids[STAF1]}?lang=en").text
    assert "give the predikat Baik." in english and "Why these results and steps" in english

    client.cookies.clear()
    web_login(client, "root", ROOT_PASSWORD)  # HR closes the year: too early, the keberatan window is open
    page = client.get(f"/ui/skp/{ids[STAF1]}?lang=id").text
    version = str(client.get(f"/skps/{ids[STAF1]}", headers=bearer("user:root", clock)).json()["version"])
    refused = client.post(f"/ui/skp/{ids[STAF1]}/fire/follow_up", data={"csrf": csrf_of(page), "version": version})
    assert refused.status_code == 422, refused.text
    alert = refused.text[refused.text.index('id="refused"') :].split("</div>")[0]
    rules = re.findall(r'<code class="rule">([\w.]+)</code>', alert)
    assert "skp.objection_settled" in rules, alert
