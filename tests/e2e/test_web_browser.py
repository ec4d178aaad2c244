"""Real Chromium (Debian's package) through Playwright against the app served by uvicorn on a free port.

A pegawai plans and proposes, the atasan agrees, HR's dashboard changes; an atasan rates and the predikat shown
live is the kuadran's; a refused action shows why and changes nothing. Screenshots go to tests/artifacts/.
Without /usr/bin/chromium these tests skip, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Locator, Page, ViewportSize, expect, sync_playwright
from sqlalchemy import select, update
from sqlmodel import col

from policies.kuadran import predikat as kuadran_predikat
from policies.loader import load_preset
from states.enums import Rating
from tests.e2e.conftest import ROOT_PASSWORD, Clock, bearer
from tests.e2e.web_setup import PASSWORD, agree_chain_above_staff, agree_everyone, give_passwords, to_assessment
from tests.integration.org import KABID, KABID2, STAF1, STAF2
from workflows.store.tables import Indikator, Rhk
from workflows.store.uow import unit_of_work

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),  # one worker drives the browser; two Chromiums on 2 cores fight
    pytest.mark.parametrize("migrated", ["sqlite"], indirect=True),  # the pages' database code is the API's
]


@pytest.fixture
def server(app: FastAPI) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", ws="none", lifespan="on")
    served = uvicorn.Server(config)
    thread = threading.Thread(target=served.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not served.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    served.should_exit = True
    thread.join(10)
    sock.close()


@pytest.fixture
def page() -> Iterator[Page]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run and make test install it)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        yield context.new_page()
        browser.close()


AXE = Axe()
PHONE: ViewportSize = {"width": 390, "height": 844}


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line per rule and element."""
    results = AXE.run(page, options={"resultTypes": ["violations"], "runOnly": ["wcag2a", "wcag2aa", "best-practice"]})
    return [
        f"{v['id']} ({v['impact']}): {node['target']} — {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]


def follow(page: Page, link: Locator) -> None:
    """Click a link and wait until its page has loaded, so what is checked next is that page and never the one
    being left (an evaluate during the navigation meets a document without a root element)."""
    href = link.get_attribute("href")
    assert href, "the link has no href"
    link.click()
    page.wait_for_url(urljoin(page.url, href))
    page.wait_for_load_state("load")


def check_page(page: Page, shot: str | None = None) -> None:
    """Every page has a title and a language; every visible form control has a label; axe-core finds no serious
    or critical violation. A named page is captured at desktop width and again at a phone's."""
    page.wait_for_load_state("load")
    found: dict[str, Any] = page.evaluate(
        """() => ({
            lang: document.documentElement.lang,
            title: document.title,
            unlabelled: [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter(el => !el.labels || el.labels.length === 0).map(el => el.name || el.id),
            unnamedButtons: [...document.querySelectorAll('button')].filter(b => !b.textContent.trim()).length,
        })"""
    )
    assert found["lang"] in ("id", "en"), found
    assert found["title"].strip(), found
    assert found["unlabelled"] == [], found
    assert found["unnamedButtons"] == 0, found
    assert serious_violations(page) == [], page.url
    if shot:
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
        desktop = page.viewport_size
        page.set_viewport_size(PHONE)
        assert serious_violations(page) == [], f"{page.url} at {PHONE['width']} px"
        page.screenshot(path=str(ARTIFACTS / f"{shot}-phone.png"), full_page=True)
        if desktop:
            page.set_viewport_size(desktop)


def log_in_by_keyboard(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/ui/login")
    check_page(page, "login")
    page.keyboard.type(username)  # the username field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/ui")


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url("**/ui/login")


def test_plan_propose_agree_and_the_dashboard_changes(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = agree_chain_above_staff(client, clock, root)
    give_passwords(db)

    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    check_page(page, "hr-dashboard-before")
    expect(page.locator("#agreed-count")).to_have_text("3")  # sekda, kepala dinas, kepala bidang
    follow(page, page.locator('a[data-opd="DINKES"]'))  # the detail is one click away
    check_page(page, "hr-units")
    agreed_cell = page.locator('td[data-unit="DINKES-P2P"][data-state="agreed"]')
    expect(agreed_cell).to_have_text("1")  # the kepala bidang
    log_out(page)

    log_in_by_keyboard(page, server, STAF1, PASSWORD)
    check_page(page, "pegawai-home")
    page.locator(f"#my-skp-{ids[STAF1]}").click()
    page.get_by_label("Uraian RHK").first.fill("Meningkatnya cakupan imunisasi dasar")
    page.get_by_label("Intervensi RHK atasan").first.select_option(label=f"RHK {KABID}")
    page.locator("#rhk-0-ind-0-text").fill("Cakupan imunisasi dasar lengkap")
    page.locator("#rhk-0-ind-0-target").fill("95")
    page.locator("#rhk-0-ind-0-satuan").fill("persen")
    check_page(page, "pegawai-plan")
    page.locator("#propose").click()
    expect(page.locator("#done")).to_contain_text("diajukan kepada pejabat penilai")
    expect(page.locator("#skp-state")).to_contain_text("Penyusunan (diajukan)")
    log_out(page)

    log_in_by_keyboard(page, server, KABID, PASSWORD)
    inbox = page.locator("tr", has_text="Dewi Epidemiolog")
    expect(inbox).to_contain_text("31-01-2026")
    check_page(page, "atasan-inbox")
    inbox.get_by_role("link").click()
    page.locator("#fire-cascade").focus()
    page.keyboard.press("Enter")  # the actions work from the keyboard
    expect(page.locator("#skp-state")).to_have_attribute("data-state", "cascaded")

    page.locator("#fire-return").click()  # without the note the guard asks for
    expect(page.locator("#refused")).to_contain_text("Catatan wajib diisi")  # the guard's sentence, in Indonesian
    expect(page.locator("#refused")).to_contain_text("tidak ada yang berubah")
    expect(page.locator("#refused")).not_to_contain_text("a note is required")
    expect(page.locator("#skp-state")).to_have_attribute("data-state", "cascaded")
    check_page(page, "atasan-refused")
    page.goto(f"{server}/ui/skp/{ids[STAF1]}?lang=en")  # the same refusal on the English page: in English
    page.locator("#fire-return").click()
    expect(page.locator("#refused")).to_contain_text("a note is required")
    page.goto(f"{server}/ui/skp/{ids[STAF1]}?lang=id")
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["state"] == "cascaded"

    page.locator("#fire-agree").click()
    expect(page.locator("#skp-state")).to_have_attribute("data-state", "agreed")
    check_page(page, "atasan-agreed")
    log_out(page)

    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    expect(page.locator("#agreed-count")).to_have_text("4")
    check_page(page, "hr-dashboard-after")
    page.goto(f"{server}/ui/cycles/{cycle_id}/units?q=P2P")
    expect(page.locator('td[data-unit="DINKES-P2P"][data-state="agreed"]')).to_have_text("2")
    for path, shot in (  # HR's other pages: titled, labelled, captured
        (f"/ui/cycles/{cycle_id}/distribution", "hr-distribution"),
        (f"/ui/cycles/{cycle_id}/followups", "hr-followups"),
        ("/ui/org/import", "hr-import"),
        ("/ui/audit?verify=1", "hr-audit"),
        ("/ui/policies", "hr-policies"),
        ("/ui/diagrams", "hr-diagrams"),
        ("/ui/no-such-page", "error-404"),
    ):
        page.goto(f"{server}{path}")
        check_page(page, shot)
    page.goto(f"{server}/ui/policies")
    follow(page, page.locator("a[id^=new-from-]").first)
    check_page(page, "hr-policy-editor")  # some 250 generated fields, each labelled
    page.goto(f"{server}/ui?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Cycle dashboard")


def test_the_predikat_shown_live_is_the_kuadrans(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    give_passwords(db)
    log_in_by_keyboard(page, server, KABID, PASSWORD)
    page.goto(f"{server}/ui/skp/{ids[STAF1]}/periods/1")
    check_page(page, "atasan-period")
    page.goto(f"{server}/ui/skp/{ids[KABID]}/matriks")
    check_page(page, "atasan-matriks")
    page.goto(f"{server}/ui/skp/{ids[STAF1]}")
    live = page.locator("#predikat-live")
    expect(live).to_have_text("-")
    kuadran = load_preset("permenpanrb-6-2022")
    labels = {"SANGAT_BAIK": "Sangat Baik", "BAIK": "Baik", "BUTUH_PERBAIKAN": "Butuh Perbaikan"}
    labels |= {"KURANG": "Kurang", "SANGAT_KURANG": "Sangat Kurang"}
    for hk in Rating:
        for pk in Rating:
            page.locator("#rating_hasil_kerja").select_option(hk.value)
            page.locator("#rating_perilaku").select_option(pk.value)
            expect(live).to_have_attribute("data-predikat", kuadran_predikat(kuadran, hk, pk).value)
            expect(live).to_have_text(labels[kuadran_predikat(kuadran, hk, pk).value])
    page.locator("#rating_hasil_kerja").select_option(Rating.DI_ATAS_EKSPEKTASI.value)
    page.locator("#rating_perilaku").select_option(Rating.DI_ATAS_EKSPEKTASI.value)
    check_page(page, "atasan-rating")
    page.locator("#fire-assess").click()
    expect(page.locator("#skp-state")).to_have_attribute("data-state", "assessed")
    expect(page.locator("#skp-predikat")).to_have_text("Sangat Baik")
    now_root = bearer("user:root", clock)  # the fixture's token expired when the clock moved a year
    assert client.get(f"/skps/{ids[STAF1]}", headers=now_root).json()["predikat"] == "SANGAT_BAIK"
    check_page(page, "atasan-assessed")


def test_the_plan_form_grows_an_indicator_row_and_an_rhk_card(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = agree_chain_above_staff(client, clock, root)
    give_passwords(db)
    log_in_by_keyboard(page, server, STAF1, PASSWORD)
    page.goto(f"{server}/ui/skp/{ids[STAF1]}")
    page.locator("#rhk-0-text").fill("Meningkatnya cakupan imunisasi dasar")
    page.locator("#rhk-0-ind-0-text").fill("Cakupan imunisasi dasar lengkap")
    page.locator("#rhk-0-ind-0-target").fill("95")
    expect(page.locator("#rhk-0-ind-2-text")).to_have_count(0)  # two blank rows are rendered: 0 and 1
    page.locator("#rhk-0").get_by_role("button", name="Tambah indikator").click()
    expect(page.locator("#rhk-0-ind-2-text")).to_be_focused()
    page.locator("#rhk-0-ind-2-text").fill("Laporan bulanan tepat waktu")
    page.locator("#rhk-0-ind-2-target").fill("12")
    page.locator("#add-rhk").click()
    page.locator("#rhk-1-jenis").select_option("TAMBAHAN")
    page.locator("#rhk-1-text").fill("Anggota tim penanganan KLB")
    page.locator("#rhk-1-ind-0-text").fill("Kegiatan tim diikuti")
    check_page(page, "pegawai-plan-grown")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.locator("#done")).to_be_visible()
    saved = client.get(f"/skps/{ids[STAF1]}", headers=bearer("user:root", clock)).json()["rhk"]
    assert [(r["jenis"], r["text"], [i["text"] for i in r["indikator"]]) for r in saved] == [
        (
            "UTAMA",
            "Meningkatnya cakupan imunisasi dasar",
            ["Cakupan imunisasi dasar lengkap", "Laporan bulanan tepat waktu"],
        ),
        ("TAMBAHAN", "Anggota tim penanganan KLB", ["Kegiatan tim diikuti"]),
    ]


def test_hr_registers_a_plh_on_the_acting_page_and_ends_it_early(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    staf1 = client.get("/skps", params={"nip": STAF1}, headers=root).json()["items"][0]["id"]
    plh = bearer(f"pegawai:{KABID2}", clock)
    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.get_by_role("link", name="Plt/Plh").first.click()
    expect(page.locator("h1")).to_have_text("Plt/Plh")
    expect(page.locator("#acting-none")).to_be_visible()
    page.get_by_label("Kode unit yang dipimpin sementara").fill("DINKES-P2P")
    page.get_by_label("NIP pejabat Plt/Plh").fill(KABID2)
    page.get_by_label("Jenis").select_option("PLH")
    page.get_by_label("Mulai").fill("2026-01-01")  # the SK dates from New Year; HR records it on the 5th
    page.get_by_label("Sampai dengan").fill("2025-12-31")  # before the first day
    page.get_by_label("Nomor SK").fill("SK Kadis 800/31")
    check_page(page, "hr-acting")
    page.locator("#acting-form").get_by_role("button", name="Catat SK Plt/Plh").click()
    expect(page.locator("#refused")).to_contain_text("sebelum tanggal mulai")
    assert client.get(f"/skps/{staf1}", headers=plh).status_code == 404  # nothing changed
    expect(page.get_by_label("Nomor SK")).to_have_value("SK Kadis 800/31")  # what was typed stays
    page.get_by_label("Sampai dengan").fill("2026-01-31")
    page.locator("#acting-form").get_by_role("button", name="Catat SK Plt/Plh").click()
    expect(page.locator("#done")).to_contain_text("berjalan")
    expect(page.locator("#done")).to_contain_text("SKP yang pekerjaannya dialihkan: 2")
    expect(page.locator("#acting-list")).to_contain_text("Rina Kabid")
    check_page(page, "hr-acting-running")
    assert client.get(f"/skps/{staf1}", headers=plh).status_code == 200  # the Plh rates Bidang P2P's staff now
    page.locator("#acting-list input[type=date]").first.fill("2026-01-04")  # the head is back: end it early
    page.locator("#acting-list").get_by_role("button", name="Simpan").click()
    expect(page.locator("#done")).to_contain_text("berakhir")
    expect(page.locator("#acting-none")).to_be_visible()
    assert client.get(f"/skps/{staf1}", headers=plh).status_code == 404


def test_hr_cancels_a_scheduled_plt_sk_before_its_first_day(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    staf1 = client.get("/skps", params={"nip": STAF1}, headers=root).json()["items"][0]["id"]
    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.get_by_role("link", name="Plt/Plh").first.click()
    page.get_by_label("Kode unit yang dipimpin sementara").fill("DINKES-P2P")
    page.get_by_label("NIP pejabat Plt/Plh").fill(KABID2)
    page.get_by_label("Jenis").select_option("PLT")
    page.get_by_label("Mulai").fill("2026-03-02")  # signed in January for March: scheduled, nothing moves yet
    page.get_by_label("Sampai dengan").fill("2026-05-29")
    page.get_by_label("Nomor SK").fill("SK Bupati 821/12")
    page.locator("#acting-form").get_by_role("button", name="Catat SK Plt/Plh").click()
    expect(page.locator("#done")).to_contain_text("dijadwalkan")
    expect(page.locator("#done")).to_contain_text("SKP yang pekerjaannya dialihkan: 0")
    cancel = page.locator("#acting-list form[id^=cancel-]")
    expect(cancel).to_have_count(1)
    check_page(page, "hr-acting-scheduled")

    cancel.get_by_label("Alasan pembatalan").fill("SK direvisi: pejabat lain ditunjuk")
    cancel.get_by_role("button", name="Batalkan SK SK Bupati 821/12").click()  # not confirmed: the browser holds it
    expect(page.locator("#done")).not_to_contain_text("dibatalkan")
    listed = client.get("/units/DINKES-P2P/acting", headers=root).json()["items"]
    assert [a["state"] for a in listed] == ["scheduled"]

    cancel.get_by_label("Ya, batalkan SK ini sebelum berlaku").check()
    cancel.get_by_role("button", name="Batalkan SK SK Bupati 821/12").click()
    expect(page.locator("#done")).to_contain_text("SK Plt/Plh dibatalkan")
    expect(page.locator("#acting-none")).to_be_visible()  # a cancelled SK leaves the list of SKs in force
    check_page(page, "hr-acting-cancelled")
    listed = client.get("/units/DINKES-P2P/acting", headers=root).json()["items"]
    assert [a["state"] for a in listed] == ["cancelled"]
    run = {"as_of": "2026-03-03T09:00:00+07:00", "cycle_id": cycle_id}  # past the day it would have begun
    assert client.post("/workflows/enforce-deadlines/run", json=run, headers=root).status_code == 200
    assert client.get("/units/DINKES-P2P/acting", headers=root).json()["items"][0]["state"] == "cancelled"
    plt = bearer(f"pegawai:{KABID2}", clock)
    assert client.get(f"/skps/{staf1}", headers=plt).status_code == 404  # the Plt never rates Bidang P2P's staff


def test_the_plan_form_takes_a_qualitative_indikator(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = agree_chain_above_staff(client, clock, root)
    give_passwords(db)
    log_in_by_keyboard(page, server, STAF1, PASSWORD)

    def fill(ekspektasi: str) -> None:
        page.locator("#rhk-0-text").fill("Terlaksananya konsultasi gizi")
        page.get_by_label("Intervensi RHK atasan").first.select_option(label=f"RHK {KABID}")
        page.locator("#rhk-0-ind-0-text").fill("Kepuasan penerima konsultasi")
        expect(page.locator("#rhk-0-ind-0-ekspektasi")).to_be_hidden()  # a quantitative row shows its target
        page.locator("#rhk-0-ind-0-approach").select_option("KUALITATIF")
        expect(page.locator("#rhk-0-ind-0-target")).to_be_hidden()  # ... a qualitative one its ekspektasi
        page.locator("#rhk-0-ind-0-ekspektasi").fill(ekspektasi)
        page.locator("#rhk-0-ind-1-text").fill("Konsultasi dilayani")
        page.locator("#rhk-0-ind-1-target").fill("20")

    page.goto(f"{server}/ui/skp/{ids[STAF1]}")
    fill("")
    page.get_by_role("button", name="Simpan", exact=True).click()  # without the ekspektasi: refused
    expect(page.locator("#refused")).to_contain_text("indikator kualitatif wajib memiliki ekspektasi")
    assert client.get(f"/skps/{ids[STAF1]}", headers=root).json()["rhk"] == []

    fill("Penerima memahami anjuran gizi dan menyatakan puas")
    check_page(page, "pegawai-plan-qualitative")
    page.locator("#propose").click()
    expect(page.locator("#done")).to_be_visible()
    saved = client.get(f"/skps/{ids[STAF1]}", headers=bearer("user:root", clock)).json()["rhk"][0]["indikator"]
    assert [(i["text"], i["approach"], i["target"], i["ekspektasi"]) for i in saved] == [
        ("Kepuasan penerima konsultasi", "KUALITATIF", None, "Penerima memahami anjuran gizi dan menyatakan puas"),
        ("Konsultasi dilayani", "KUANTITATIF", 20, None),
    ]
    expect(page.locator("#rhk-0-ind-0-approach")).to_have_value("KUALITATIF")  # shown again as saved
    expect(page.locator("#rhk-0-ind-0-target")).to_be_hidden()


def test_hr_sends_a_pegawai_on_tugas_belajar_and_ends_it_from_the_status_page(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.get_by_role("link", name="Status kepegawaian").click()
    page.locator("#nip").fill(STAF1)
    page.get_by_label("Status", exact=True).select_option(label="Tugas belajar")
    page.get_by_label("Mulai (TMT)").fill("2026-03-01")
    page.get_by_label("Nomor SK").fill("SK Bupati 800/45/2026")
    check_page(page, "hr-status")
    page.get_by_role("button", name="Simpan status").click()
    expect(page.locator("#done")).to_contain_text("Status dicatat")
    expect(page.locator("#done")).to_contain_text("SKP ditutup untuk bulan yang dijalani")
    row = page.locator("#periods tbody tr").first
    expect(row).to_contain_text("Tugas belajar")
    row.get_by_label("Sampai dengan").fill("2026-08-31")
    row.get_by_role("button", name="Akhiri").click()
    expect(page.locator("#done")).to_contain_text("SKP baru disusun")
    check_page(page, "hr-status-ended")
    listed = client.get(f"/pegawai/{STAF1}/status", headers=root).json()
    assert [(p["status"], p["from"], p["until"]) for p in listed] == [("TUGAS_BELAJAR", "2026-03-01", "2026-08-31")]


def test_a_blocking_quality_problem_holds_the_assessment_back_until_hr_forces_it(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = agree_everyone(client, clock, root)
    assert client.post(f"/cycles/{cycle_id}/transitions/start_monitoring", headers=root).status_code == 200
    with unit_of_work(db) as s:  # the staff member's indicator loses its target
        rhk = select(col(Rhk.id)).where(col(Rhk.skp_id) == ids[STAF2])
        s.execute(update(Indikator).where(col(Indikator.rhk_id).in_(rhk)).values(target=None))

    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.locator("#quality-link").click()
    expect(page.locator("h1")).to_contain_text("Kualitas data")
    expect(page.locator('td[data-rule="target_missing"]')).to_have_text("1")
    expect(page.locator("#quality-target_missing")).to_contain_text("1 indikator tanpa target")
    check_page(page, "hr-quality")

    page.goto(f"{server}/ui/cycles")
    page.locator(f"#cycle-{cycle_id}-start_assessment").click()
    expect(page.locator("#refused")).to_contain_text("target_missing — 1 masalah yang memblokir")
    expect(page.locator(f"#cycle-{cycle_id} td[data-state]")).to_have_attribute("data-state", "monitoring")
    check_page(page, "hr-quality-refused")
    page.locator("#refused-quality-link").click()
    page.locator(f'#quality-target_missing a[data-nip="{STAF2}"]').click()
    page.wait_for_url(f"**/ui/skp/{ids[STAF2]}")

    page.goto(f"{server}/ui/cycles")
    page.locator(f"#cycle-{cycle_id}-start_assessment").click()
    page.locator("#force").click()  # HR proceeds anyway: the audit event records it
    expect(page.locator(f"#cycle-{cycle_id} td[data-state]")).to_have_attribute("data-state", "assessing")
    trail = client.get("/audit", params={"entity_type": "cycle", "entity_id": cycle_id}, headers=root).json()
    assert any(e["trigger"] == "start_assessment" and "target_missing 1" in e["note"] for e in trail["items"])


def test_hr_records_a_mutasi_on_its_page_and_the_plan_follows_the_new_penilai(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], cycle_id: int
) -> None:
    staf1 = client.get("/skps", params={"nip": STAF1}, headers=root).json()["items"][0]["id"]
    log_in_by_keyboard(page, server, "root", ROOT_PASSWORD)
    page.get_by_role("link", name="Mutasi pegawai").first.click()
    expect(page.locator("h1")).to_have_text("Mutasi pegawai")
    page.get_by_label("NIP pegawai").fill(STAF1)
    page.get_by_label("Kode unit tujuan").fill("TIDAK-ADA")  # a unit that does not exist: refused
    page.get_by_label("Tanggal berlaku (TMT)").fill("2026-02-01")
    page.get_by_label("Nomor SK mutasi").fill("SK Bupati 821/7")
    check_page(page, "hr-mutasi")
    page.locator("form.stack").get_by_role("button", name="Mutasi pegawai").click()
    expect(page.locator("#refused")).to_contain_text("TIDAK-ADA")
    expect(page.get_by_label("Nomor SK mutasi")).to_have_value("SK Bupati 821/7")  # what was typed stays
    assert client.get(f"/skps/{staf1}", headers=bearer(f"pegawai:{KABID2}", clock)).status_code == 404
    page.get_by_label("Kode unit tujuan").fill("DINKES-YANKES")
    page.locator("form.stack").get_by_role("button", name="Mutasi pegawai").click()
    expect(page.locator("#done")).to_contain_text("Mutasi dicatat")
    expect(page.locator("#done")).to_contain_text("DINKES-YANKES")
    check_page(page, "hr-mutasi-done")
    # the plan still being drafted moved with the pegawai: the new unit's head rates it now, the old one no longer
    assert client.get(f"/skps/{staf1}", headers=bearer(f"pegawai:{KABID2}", clock)).status_code == 200
    assert client.get(f"/skps/{staf1}", headers=bearer(f"pegawai:{KABID}", clock)).status_code == 404
