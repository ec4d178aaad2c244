"""Dialog kinerja as routine: the deadline sweep nudges the penilai of an SKP whose umpan balik has lapsed, then
the atasan penilai; each step once per window; new umpan balik starts a new window; nothing while the policy is off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from policies.schema import FeedbackPolicy
from tests.integration.org import KABID, KABID2, KADIS, SEKDA, STAF1, STAF2
from tests.integration.scenario import Cast, monitored_cycle
from workflows.cases import policy_store
from workflows.cases.feedback import FeedbackIn, add_feedback
from workflows.flows.sweep import DeadlineReport, enforce_deadlines
from workflows.store.tables import Cycle, DeadlineStep, Outbox
from workflows.store.uow import reading, unit_of_work

HR = "hr:KAB-CONTOH"  # the instansi has no HR admin: one row all the same, so the gap shows
AGREED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # `now`: every SKP agreed (the anchor while no umpan balik)
LAPSED = datetime(2026, 1, 19, 12, 0, tzinfo=UTC)  # two weeks on, the day after the window's last day everywhere
ESCALATED = LAPSED + timedelta(days=7)


def routine(db: Engine, cast: Cast, weeks: int | None) -> None:
    """Pin the cycle to the preset with feedback.every_weeks set."""
    with unit_of_work(db) as s:
        preset = policy_store.cycle_policy(s, s.get_one(Cycle, cast.cycle_id))
        policy = preset.model_copy(update={"name": "routine", "feedback": FeedbackPolicy(every_weeks=weeks)})
        pinned = policy_store.store(s, policy, instansi_id=cast.instansi_id, created_by="test", now=AGREED).id
        s.execute(update(Cycle).where(col(Cycle.id) == cast.cycle_id).values(policy_version_id=pinned))


def sweep(db: Engine, cast: Cast, at: datetime) -> DeadlineReport:
    return enforce_deadlines(lambda: Session(db, expire_on_commit=False), as_of=at, cycle_id=cast.cycle_id, chunk=2)


class Nudges:
    """The feedback nudges in the outbox, read sweep by sweep: `new()` gives (pegawai's NIP, action, recipient) of
    the rows written since the last call, and fails if one was written twice."""

    def __init__(self, db: Engine, cast: Cast) -> None:
        self.db, self.by_skp, self.after = db, {skp_id: nip for nip, skp_id in cast.skps.items()}, 0

    def new(self) -> set[tuple[str, str, str]]:
        with reading(self.db) as s:
            rows = s.execute(
                select(col(Outbox.id), col(Outbox.entity_id), col(Outbox.action), col(Outbox.recipient))
                .where(col(Outbox.deadline_key) == "feedback", col(Outbox.id) > self.after)
                .order_by(col(Outbox.id))
            ).all()
        self.after = rows[-1][0] if rows else self.after
        out = [(self.by_skp[e], a or "", r) for _, e, a, r in rows]
        assert len(out) == len(set(out)), "a nudge was sent twice"
        return set(out)


def penilai(nip: str) -> str:
    return {SEKDA: HR, KADIS: f"nip:{SEKDA}", KABID: f"nip:{KADIS}", KABID2: f"nip:{KADIS}"}.get(nip, f"nip:{KABID}")


def atasan_penilai(nip: str) -> str:
    return {SEKDA: HR, KADIS: HR, KABID: f"nip:{SEKDA}", KABID2: f"nip:{SEKDA}"}.get(nip, f"nip:{KADIS}")


EVERYONE = (SEKDA, KADIS, KABID, KABID2, STAF1, STAF2)


def test_a_lapsed_skp_is_nudged_once_per_step_and_umpan_balik_starts_again(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    routine(db, cast, 2)
    with unit_of_work(db) as s:  # STAF2 had umpan balik a week after the agreement
        body = FeedbackIn.model_validate({"core_value": "KOLABORATIF", "text": "Koordinasi tim KLB baik"})
        add_feedback(s, cast.skps[STAF2], body, actor=cast.actors[KABID], now=AGREED + timedelta(days=7))

    nudges = Nudges(db, cast)
    assert sweep(db, cast, LAPSED - timedelta(days=2)).by_key["feedback"].steps == 0 and not nudges.new()

    report = sweep(db, cast, LAPSED)
    assert nudges.new() == {(nip, "reminder", penilai(nip)) for nip in EVERYONE if nip != STAF2}
    assert (report.by_key["feedback"].late, report.by_key["feedback"].notified) == (5, {"reminder": 5})
    assert sweep(db, cast, LAPSED + timedelta(hours=1)).by_key["feedback"].steps == 0  # a rerun: nothing new
    assert not nudges.new()

    # a week later the atasan penilai (the penilai's own atasan) is asked; STAF2's window lapses: its reminder
    sweep(db, cast, ESCALATED)
    escalated = {(nip, "escalate", atasan_penilai(nip)) for nip in EVERYONE if nip != STAF2}
    assert nudges.new() == escalated | {(STAF2, "reminder", f"nip:{KABID}")}
    assert (STAF1, "escalate", f"nip:{KADIS}") in escalated

    # the kepala bidang talks with STAF1: a new window, nothing for STAF1 until it lapses in its turn
    with unit_of_work(db) as s:
        body = FeedbackIn.model_validate({"core_value": "BERORIENTASI_PELAYANAN", "text": "Laporan tepat waktu"})
        add_feedback(s, cast.skps[STAF1], body, actor=cast.actors[KABID], now=ESCALATED)
    sweep(db, cast, LAPSED + timedelta(days=14))  # the others' second window lapses: reminded again
    assert nudges.new() == {(nip, "reminder", penilai(nip)) for nip in EVERYONE if nip not in (STAF1, STAF2)} | {
        (STAF2, "escalate", f"nip:{KADIS}")
    }
    sweep(db, cast, ESCALATED + timedelta(days=14))  # two weeks after STAF1's umpan balik: its new window lapses
    assert (STAF1, "reminder", f"nip:{KABID}") in nudges.new()
    with reading(db) as s:
        anchors = set(
            s.execute(
                select(col(DeadlineStep.entity_type), col(DeadlineStep.step_index)).where(
                    col(DeadlineStep.deadline_key) == "feedback", col(DeadlineStep.unit_id) == cast.units["DINKES-P2P"]
                )
            ).all()
        )
    # KABID's ladder on the agreement runs on (steps 0–3: two windows); STAF2's and STAF1's on their umpan balik
    assert anchors == {
        ("skp", 0),
        ("skp", 1),
        ("skp", 2),
        ("skp", 3),
        ("feedback", 0),
        ("feedback", 1),
        ("feedback", 2),
    }


def test_nothing_while_the_policy_is_off(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)  # the preset: feedback.every_weeks null
    report = sweep(db, cast, datetime(2026, 6, 1, tzinfo=UTC))
    assert report.by_key["feedback"].steps == 0 and not Nudges(db, cast).new()
    routine(db, cast, None)
    assert sweep(db, cast, datetime(2026, 7, 1, tzinfo=UTC)).by_key["feedback"].steps == 0


def test_a_sweep_after_a_long_pause_sends_only_the_latest_window(db: Engine, now: datetime) -> None:
    cast = monitored_cycle(db, now)
    routine(db, cast, 4)
    report = sweep(db, cast, datetime(2026, 3, 20, tzinfo=UTC))  # windows lapsed 2 Feb and 2 Mar, both escalated
    assert report.by_key["feedback"].notified == {"reminder": 6, "escalate": 6}
    assert report.by_key["feedback"].steps == 6 * 4  # the missed steps recorded, not sent
