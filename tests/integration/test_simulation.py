"""`skpflow simulate` end to end: a small kabupaten's year, its report, and the report checked against the database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from api.cli import app
from api.simulate import cycle_policy
from workflows.simulation.figures import differences, from_database
from workflows.store.db import make_engine

pytestmark = pytest.mark.xdist_group("simulate")  # CPU-heavy: one worker runs them, one after the other


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("simulate")
    result = CliRunner().invoke(
        app, ["simulate", "--pegawai", "150", "--year", "2026", "--seed", "7", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out, json.loads((out / "report.json").read_text())


def test_the_report_agrees_with_the_database_it_leaves(simulated: tuple[Path, dict[str, Any]]) -> None:
    out, report = simulated
    assert report["consistent_with_database"], report["problems"]
    assert report["audit"]["ok"] and report["audit"]["events"] > 150 * 10
    assert (out / "distribution.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    for heading in (
        "SKP states at each month's end",
        "Deadline compliance",
        "Predikat distribution",
        "Follow-up",
        "Everyday cases, checked against the database",
    ):
        assert heading in md
    assert "recomputed from the database with independent SQL and agrees" in md


def test_the_year_shows_what_real_people_do(simulated: tuple[Path, dict[str, Any]]) -> None:
    _, report = simulated
    totals, actions = report["compliance_totals"], report["actions"]
    assert totals["skp_agreement"]["late"] > 0 and totals["skp_agreement"]["on_time"] > 0
    assert totals["realisasi"]["pending"] > 0  # realisasi never recorded
    assert totals["periodic_evaluation"]["late"] > 0
    assert actions["skp.return"] > 0 and actions["skp.adjust"] > 0 and actions["skp.reagree"] > 0
    assert actions["skp.close_for_mutasi"] == len(report["mutasi"]) >= 1
    assert actions["keberatan.file"] >= actions["keberatan.decide"] > 0
    assert report["units_violating"], "some units break the curve"
    assert sum(report["follow_up_cases"].values()) > 0
    steps = report["deadline_steps"]
    assert {"reminder", "notice", "escalate"} <= set(steps["notified"]) and steps["auto_actions"]
    assert report["notifications_delivered"] > 0
    status = report["status_periods"]
    assert status["out_all_year"] == {"pegawai": 1, "skps": 0}
    assert status["starting"] == {"pegawai": 1, "closed_the_day_before": 1}
    assert status["ending"] == {"pegawai": 1, "drafted_the_day_after": 1}
    assert actions["skp.close_for_status"] == 1
    mid_year = report["mid_year_skps"]  # the July mutasi's SKP and the one drafted when tugas belajar ended
    assert mid_year["skps"] == 2 and mid_year["overdue_on_first_day"] == 0
    assert mid_year["steps_due_as_policy"] == mid_year["agreement_steps"] > 0
    assert all(t["rows"] == t["rated"] > 0 for t in report["tpp_export"].values())
    contracts = report["pppk_contracts"]  # three end this year, one next December: its recommendation opens later
    assert contracts["contracts"] == 4 and contracts["opening_passed"] == contracts["with_case"] == 3
    assert contracts["case_before_opening"] == contracts["opening_passed_without_case"] == 0
    assert contracts["pppk_sanction_cases"] == 0
    plt = report["acting"]  # a sibling unit's head is Plt from March to May
    assert plt["sks"] == 1 and plt["skps_moved"] >= 2
    assert plt["moved_back"] == plt["reverted_to_head"] == plt["skps_moved"]
    assert plt["reassigned_events"] == 2 * plt["skps_moved"]
    assert plt["rated_by_official"] > 0 and plt["rated_by_others_while_running"] == 0
    asked = report["input_360"]  # one team, two rekan each, most answer
    assert asked["units"] == 1 and asked["named"] == 2 * asked["skps"] >= 6
    assert 0 < asked["submitted"] < asked["named"] and asked["audited_submitted"] == asked["submitted"]
    qualitative = report["qualitative"]  # one team plans a qualitative indikator; the penilai rates it per period
    assert qualitative["units"] == 1 and qualitative["skps"] >= 3 and qualitative["rated"] >= qualitative["skps"]
    dialog = report["dialog_kinerja"]  # umpan balik due every eight weeks: lapses are nudged, many are answered
    assert dialog["every_weeks"] == 8 and dialog["notified"]["reminder"] > dialog["notified"]["escalate"] > 0
    assert dialog["steps"] >= sum(dialog["notified"].values()) and 0 < dialog["skps_nudged"] <= 150
    assert 0 < dialog["answered"] <= dialog["notified"]["reminder"] + dialog["notified"]["escalate"]
    assert dialog["nudged_despite_feedback"] == dialog["lapsed_without_nudge"] == 0
    planted = report["quality_planted"]
    assert planted["orphan_rhk_found"] == planted["orphan_rhk_planted"] == 2
    # the year ends with the cycle open: the units that broke the curve keep their SKPs from follow-up, a few were
    # never rated; the report says which, and they are every SKP not followed up
    open_because, final = report["open_because"], report["final_states"]
    assert report["cycle_state"] == "following_up" and open_because["assessed_in_units_breaking_the_curve"] > 0
    assert sum(open_because.values()) == sum(
        n for state, n in final.items() if state not in ("followed_up", "withdrawn")
    )
    months = report["states_over_time"]
    assert months["2026-01"].get("drafted", 0) > 0 and months["2026-06"].get("monitored", 0) > 0
    assert months["2027-02"].get("followed_up", 0) > 0


def test_the_check_fails_when_the_database_says_otherwise(simulated: tuple[Path, dict[str, Any]]) -> None:
    out, report = simulated
    engine = make_engine(f"sqlite:///{out / 'simulate.db'}")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE skp SET predikat = 'SANGAT_KURANG' WHERE id = (SELECT MIN(id) FROM skp WHERE predikat = 'BAIK')"
            )
        )
        conn.execute(text("DELETE FROM outbox WHERE id = (SELECT MIN(id) FROM outbox WHERE status = 'sent')"))
        # the SKP closed for CLTN as if it ran to the end of July, a contract case unlinked, an SKP the Plt rated left
        # without a penilai, one periodic predikat lost
        conn.execute(text("UPDATE skp SET periode_akhir = '2026-07-31' WHERE closing_reason LIKE '%CLTN%'"))
        conn.execute(
            text(
                "UPDATE skp SET penilai_id = NULL "
                "WHERE id = (SELECT MIN(entity_id) FROM auditevent "
                "WHERE entity_type = 'skp' AND trigger = 'reassigned')"
            )
        )
        answered = "(SELECT MAX(id) FROM input360 WHERE state = 'submitted')"
        conn.execute(text(f"UPDATE input360 SET state = 'requested' WHERE id = {answered}"))
        adopted = "(SELECT MIN(id) FROM rhk WHERE text = 'Terlaksananya inovasi pelayanan publik')"
        conn.execute(text(f"UPDATE rhk SET intervensi_rhk_id = {adopted} WHERE id = (SELECT MAX(id) FROM rhk)"))
        unopened = "UPDATE kontrak SET case_id = NULL WHERE id = (SELECT MIN(id) FROM kontrak WHERE case_id > 0)"
        conn.execute(text(unopened))
        rated = "(SELECT MIN(id) FROM realisasi WHERE rating IS NOT NULL AND value IS NULL)"  # a qualitative one
        conn.execute(text(f"UPDATE realisasi SET rating = NULL WHERE id = {rated}"))
        lost_nudge = "(SELECT MAX(id) FROM deadlinestep WHERE deadline_key = 'feedback')"
        conn.execute(text(f"DELETE FROM deadlinestep WHERE id = {lost_nudge}"))
        conn.execute(
            text(
                "UPDATE evaluation SET predikat = NULL "
                "WHERE id = (SELECT MIN(id) FROM evaluation WHERE predikat IS NOT NULL AND period_no = 1)"
            )
        )
    database = from_database(engine, report["cycle_id"], cycle_policy(engine, report["cycle_id"]), 2026)
    found = differences(report, database)
    engine.dispose()
    assert any(p.startswith("distribution") for p in found), found
    assert any(p.startswith("notifications_delivered") for p in found), found
    assert any(p.startswith("status_periods") for p in found), found
    assert any(p.startswith("tpp_export") for p in found), found
    assert any(p.startswith("pppk_contracts") for p in found), found
    assert any(p.startswith("acting") for p in found), found
    assert any(p.startswith("input_360") for p in found), found
    assert any(p.startswith("quality_planted") for p in found), found
    assert any(p.startswith("qualitative") for p in found), found
    assert any(p.startswith("dialog_kinerja") for p in found), found


@pytest.mark.slow  # about a minute on two cores
def test_the_default_kabupaten_of_2000(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["pegawai"] == 2000 and report["consistent_with_database"], report["problems"]
    assert report["audit"]["ok"] and report["audit"]["events"] > 2000 * 10
