"""The 360 pages in real Chromium: the kepala bidang asks a staff member for input on a colleague's perilaku from
the rating page, the staff member answers from their home page, and the rating page shows it (Bahasa Indonesia)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from states.enums import CoreValue
from tests.e2e.conftest import Clock
from tests.e2e.test_web_browser import check_page, follow, log_in_by_keyboard, log_out, page, server
from tests.e2e.web_setup import PASSWORD, give_passwords, to_assessment
from tests.integration.org import KABID, STAF1, STAF2

__all__ = ["page", "server"]  # the browser and the served app, as the other browser tests use them

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.parametrize("migrated", ["sqlite"], indirect=True),
]


def test_the_penilai_asks_the_pemberi_answers_and_the_rating_page_shows_it(
    server: str, page: Page, client: TestClient, clock: Clock, root: dict[str, str], db: Any, cycle_id: int
) -> None:
    ids = to_assessment(client, clock, root, cycle_id)
    give_passwords(db, KABID, STAF2)
    log_in_by_keyboard(page, server, KABID, PASSWORD)
    page.goto(f"{server}/ui/skp/{ids[STAF1]}")
    section = page.locator("#input-360")
    expect(section.get_by_role("heading", level=2)).to_have_text("Pertimbangan perilaku kerja (masukan 360)")
    section.get_by_label("Joko Pengadministrasi", exact=False).check()
    page.locator("#input-360-name-submit").click()
    expect(page.locator("#done")).to_have_text("Permintaan pertimbangan sudah dikirim.")
    expect(page.locator("#input-360-requests tbody tr")).to_have_attribute("data-state", "requested")
    check_page(page, "penilai-360")
    log_out(page)

    log_in_by_keyboard(page, server, STAF2, PASSWORD)
    expect(page.locator("#asked-360")).to_contain_text("Permintaan pertimbangan perilaku")
    follow(page, page.locator("a[id^=give-360-]"))
    check_page(page, "pemberi-360")
    for value in CoreValue:
        page.locator(f"#rating-{value.value}").select_option("SESUAI_EKSPEKTASI")
    page.locator("#note-KOLABORATIF").fill("Selalu berbagi data surveilans")
    page.locator("#input-360-submit").click()
    expect(page.locator("#done")).to_have_text("Pertimbangan Anda sudah dikirim. Terima kasih.")
    expect(page.locator("#input-state")).to_have_attribute("data-state", "submitted")
    page.goto(f"{server}/ui")
    expect(page.locator("#asked-360")).to_have_count(0)  # nothing left to answer
    log_out(page)

    log_in_by_keyboard(page, server, KABID, PASSWORD)
    page.goto(f"{server}/ui/skp/{ids[STAF1]}")
    expect(page.locator("#input-360-counts")).to_contain_text("1 dari 1 pemberi pertimbangan")
    kolaboratif = page.locator("#input-360-aggregate tr[data-value=KOLABORATIF] td")
    expect(kolaboratif.nth(1)).to_have_text("1")
    expect(kolaboratif.nth(2)).to_have_text("-")  # one input: no distribution that would tell whose it is
    expect(page.locator("#input-360-aggregate")).not_to_contain_text("Selalu berbagi")
    check_page(page)
