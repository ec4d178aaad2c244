"""A refusal in both languages (issue 20, issue 17 item 8): through HTTP the error body keeps `detail`, `problems`
and `rules[{rule, problem}]` as old clients read them and adds, per rule, the sentence in Bahasa Indonesia and
English with the values it names and the policy version it applied; the web page shows the sentence in its own
language, from the same catalogue."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from policies.loader import load_preset
from tests.e2e.conftest import Clock, bearer
from tests.e2e.web_setup import agree_chain_above_staff, agree_everyone, csrf_of, give_passwords, skp_ids, web_login
from tests.integration.org import KABID, KADIS, SEKDA, STAF1, STAF2
from workflows.store.tables import Indikator, Rhk
from workflows.store.uow import unit_of_work

POLICY_VERSION = load_preset("permenpanrb-6-2022").version  # the preset the test cycles pin


def test_a_refused_transition_names_its_rule_in_both_languages(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    ids = skp_ids(client, root)
    # the kepala dinas's SKP cascaded before the Sekda's is agreed: the rule says whose SKP comes first
    early = client.post(f"/skps/{ids[KADIS]}/transitions/cascade", headers=bearer(f"pegawai:{SEKDA}", clock))
    assert early.status_code == 422, early.text
    body = early.json()
    assert body["detail"].startswith("skp: 'cascade' refused: the atasan's SKP is not agreed yet")
    (entry,) = body["rules"]
    assert (entry["rule"], entry["problem"]) == ("skp.atasan_skp_agreed", body["problems"][0])
    assert entry["message"]["en"] == entry["problem"]
    assert entry["message"]["id"].startswith("SKP atasan belum disetujui: SKP disetujui dari atas ke bawah, jadi SKP ")
    assert set(entry["inputs"]) == {"atasan", "agreed_by"}
    assert entry["inputs"]["atasan"] in entry["message"]["id"] and entry["inputs"]["atasan"] in entry["problem"]
    assert "policy_version" not in entry  # a lifecycle's own guard applies no policy setting

    # a return without its note: the old fields exactly as before, the sentence beside them
    agree_chain_above_staff(client, clock, root)
    assert client.put(f"/skps/{ids[STAF1]}/plan", json=_plan(client, ids, root), headers=_me(clock)).status_code == 200
    kabid = bearer(f"pegawai:{KABID}", clock)
    assert client.post(f"/skps/{ids[STAF1]}/transitions/cascade", headers=kabid).status_code == 200
    returned = client.post(f"/skps/{ids[STAF1]}/transitions/return", json={}, headers=kabid)
    assert returned.status_code == 422
    assert returned.json()["problems"] == ["a note is required"]
    assert returned.json()["rules"] == [
        {
            "rule": "skp.note_given",
            "problem": "a note is required",
            "message": {"id": "Catatan wajib diisi", "en": "a note is required"},
        }
    ]
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "cascaded"  # nothing changed


def test_a_use_case_refusal_carries_the_policy_rule_its_version_and_its_inputs(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int, db: Engine
) -> None:
    """The quality gate (workflows/cases/quality.py) refuses with the policy's rule, not a lifecycle's."""
    ids = agree_everyone(client, clock, root)
    root = bearer("user:root", clock, minutes=2 * 366 * 24 * 60)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    with unit_of_work(db) as s:
        rhk = select(col(Rhk.id)).where(col(Rhk.skp_id) == ids[STAF2])
        s.execute(update(Indikator).where(col(Indikator.rhk_id).in_(rhk)).values(target=0))
    clock.now = datetime(2027, 1, 10, 2, 0, tzinfo=UTC)
    refused = client.post(f"/cycles/{cycle_id}/transitions/start_assessment", headers=root)
    assert refused.status_code == 422, refused.text
    english = (
        f"data quality: target_missing — 1 blocking problem(s); GET /cycles/{cycle_id}/quality lists them, "
        "an admin may force"
    )
    assert refused.json()["problems"] == [english]
    assert refused.json()["rules"] == [
        {
            "rule": "quality.target_missing",
            "problem": english,
            "message": {
                "id": f"Kualitas data: target_missing — 1 masalah yang memblokir; GET /cycles/{cycle_id}/quality "
                "mencantumkannya, admin dapat memaksa",
                "en": english,
            },
            "policy_version": POLICY_VERSION,
            "inputs": {"rule": "target_missing", "n": "1", "cycle": str(cycle_id)},
        }
    ]
    assert client.get(f"/cycles/{cycle_id}", headers=root).json()["state"] == "monitoring"


def _me(clock: Clock) -> dict[str, str]:
    return bearer(f"pegawai:{STAF1}", clock)


def _plan(client: TestClient, ids: dict[str, int], root: dict[str, str]) -> dict[str, object]:
    above = client.get(f"/skps/{ids[KABID]}", headers=root).json()["rhk"][0]["id"]
    return {
        "rhk": [
            {
                "jenis": "UTAMA",
                "text": "Meningkatnya cakupan imunisasi",
                "intervensi_rhk_id": above,
                "cascade": "DIRECT",
                "indikator": [{"text": "Cakupan imunisasi", "aspek": "KUANTITAS", "target": 95, "satuan": "persen"}],
            }
        ],
        "propose": True,
    }


def test_the_indonesian_page_shows_the_indonesian_refusal(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    ids = agree_chain_above_staff(client, clock, root)
    assert client.put(f"/skps/{ids[STAF1]}/plan", json=_plan(client, ids, root), headers=_me(clock)).status_code == 200
    assert client.post(f"/skps/{ids[STAF1]}/transitions/cascade", headers=bearer(f"pegawai:{KABID}", clock)).is_success
    give_passwords(db)
    web_login(client, KABID)

    def refused_box(lang: str) -> str:
        page = client.get(f"/ui/skp/{ids[STAF1]}?lang={lang}")
        version = client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"]
        answer = client.post(
            f"/ui/skp/{ids[STAF1]}/fire/return", data={"csrf": csrf_of(page.text), "version": str(version)}
        )
        assert answer.status_code == 422, answer.text[:600]
        start = answer.text.index('id="refused"')
        return answer.text[start : answer.text.index("</div>", start)]

    indonesian = refused_box("id")
    assert "Tindakan ditolak; tidak ada yang berubah." in indonesian
    assert "Catatan wajib diisi" in indonesian and 'class="rule">skp.note_given<' in indonesian
    assert "a note is required" not in indonesian and "refused" not in indonesian.replace('id="refused"', "")
    english = refused_box("en")
    assert "a note is required" in english and "Catatan wajib diisi" not in english

    # a refusal by version (someone changed the SKP since the page was read) in the page's language too
    page = client.get(f"/ui/skp/{ids[STAF1]}?lang=id")
    version = client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"]
    stale = client.post(
        f"/ui/skp/{ids[STAF1]}/fire/return",
        data={"csrf": csrf_of(page.text), "version": str(version - 1), "note": "Perbaiki target"},
    )
    assert stale.status_code == 409, stale.text[:600]
    assert f"sekarang versi {version}, bukan {version - 1}" in stale.text and "is at version" not in stale.text
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "cascaded"


def test_an_indonesian_page_says_a_bad_form_and_a_forbidden_action_in_indonesian(
    client: TestClient, clock: Clock, root: dict[str, str], db: Engine, cycle_id: int
) -> None:
    """Issue 20: a form value the input model refuses (pydantic), one the use case refuses (InvalidInput) and an
    action the role may not take (NotPermitted) each show their Indonesian sentence, and not the English one."""
    ids = agree_chain_above_staff(client, clock, root)
    assert client.put(f"/skps/{ids[STAF1]}/plan", json=_plan(client, ids, root), headers=_me(clock)).status_code == 200
    give_passwords(db)
    web_login(client, KABID)

    def refused_box(path: str, data: dict[str, str], lang: str, status: int) -> str:
        page = client.get(f"/ui/skp/{ids[STAF1]}?lang={lang}")
        answer = client.post(path, data={"csrf": csrf_of(page.text), **data})
        assert answer.status_code == status, answer.text[:600]
        start = answer.text.index('id="refused"')
        return answer.text[start : answer.text.index("</div>", start)]

    feedback = f"/ui/skp/{ids[STAF1]}/feedback"
    rhk = client.get(f"/skps/{ids[STAF1]}", headers=root).json()["rhk"][0]["id"]
    empty = refused_box(feedback, {"about": f"rhk:{rhk}", "text": ""}, "id", 422)  # pydantic: min_length=1
    assert "Isian tidak valid." in empty and "Teks: minimal 1 karakter" in empty
    assert "String should have" not in empty and "invalid input" not in empty
    assert "text: String should have at least 1 character" in refused_box(
        feedback, {"about": f"rhk:{rhk}", "text": ""}, "en", 422
    )

    unknown = refused_box(feedback, {"about": "cv:NOPE", "text": "Bagus"}, "id", 422)  # the page's own check
    assert "Tentang: &#39;NOPE&#39; bukan nilai dasar BerAKHLAK" in unknown
    assert "is not a core value" not in unknown
    assert "about: &#39;NOPE&#39; is not a core value" in refused_box(
        feedback, {"about": "cv:NOPE", "text": "Bagus"}, "en", 422
    )

    web_login(client, STAF1)  # the pegawai agrees nothing: a refusal by role (403)
    version = str(client.get(f"/skps/{ids[STAF1]}", headers=root).json()["version"])
    forbidden = refused_box(f"/ui/skp/{ids[STAF1]}/fire/agree", {"version": version}, "id", 403)
    assert "SKP: tindakan &#34;Setujui&#34; tidak dapat Anda lakukan sebagai Pegawai" in forbidden
    assert "may not be fired" not in forbidden
    english = refused_box(f"/ui/skp/{ids[STAF1]}/fire/agree", {"version": version}, "en", 403)
    assert "skp: &#39;agree&#39; may not be fired by pegawai" in english
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "drafted"  # nothing changed


def test_the_api_keeps_its_problems_and_adds_each_sentence_in_both_languages(
    client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    """`detail` and `problems` exactly as before; `messages` (invalid input) and `message` (403) beside them."""
    ids = skp_ids(client, root)
    unknown = client.post(f"/skps/{ids[STAF1]}/transitions/nope", headers=root)
    assert unknown.status_code == 422, unknown.text
    body = unknown.json()
    english = body["problems"][0]
    assert english.startswith("trigger: 'nope' is not a skp trigger (") and body["detail"] == english
    assert body["messages"] == [
        {
            "id": english.replace("trigger: 'nope' is not a skp trigger", "Tindakan: 'nope' bukan tindakan SKP"),
            "en": english,
        }
    ]
    assert "rules" not in body

    forbidden = client.post(f"/skps/{ids[STAF1]}/transitions/agree", headers=_me(clock))
    assert forbidden.status_code == 403, forbidden.text
    assert forbidden.json() == {
        "detail": "skp: 'agree' may not be fired by pegawai",
        "problems": [],
        "message": {
            "id": 'SKP: tindakan "Setujui" tidak dapat Anda lakukan sebagai Pegawai',
            "en": "skp: 'agree' may not be fired by pegawai",
        },
    }

    missing = client.get("/skps/999999", headers=root)  # a 404's body stays as it was; a page says it in Indonesian
    assert missing.status_code == 404
    assert missing.json() == {"detail": "skp 999999 not found", "problems": []}

    # a body the request model refuses: pydantic's problems as before, each said by its error type
    bad = client.put(f"/skps/{ids[STAF1]}/plan", json={"rhk": [{"jenis": "UTAMA"}]}, headers=_me(clock))
    assert bad.status_code == 422, bad.text
    said = bad.json()
    assert said["detail"] == "invalid request" and "body.rhk.0.text: Field required" in said["problems"]
    assert [m["en"] for m in said["messages"]] == said["problems"]
    assert {"id": "RHK 1 › Teks: wajib diisi", "en": "body.rhk.0.text: Field required"} in (said["messages"])
