"""Faults injected into the running system, and what each cost: nothing, the checks say."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from email import message_from_bytes
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from bench import deadline_paths
from bench import world as bench_world
from tests.reliability import report
from tests.reliability.conftest import Stack
from tests.reliability.history import baseline, check, read_history
from tests.reliability.stack import ROOT, Cluster, free_port
from tests.reliability.world import NOW, organisation
from tests.reliability.world import ROOT as ROOT_ACTOR
from workflows import audit
from workflows.cases import cycles as cycle
from workflows.cases import policy_store
from workflows.cases.org.imports import import_org
from workflows.flows import sweep
from workflows.flows.notify import AppriseSender, backoff, deliver
from workflows.store.db import upgrade
from workflows.store.tables import AuditEvent, DeadlineStep, Outbox, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

pytestmark = [pytest.mark.xdist_group("reliability"), pytest.mark.postgres]


def test_postgres_stopped_mid_load(stack: Stack, cluster: Cluster, size: dict[str, Any]) -> None:
    after = baseline(stack.db)
    pid = stack.service.pid
    client = stack.run_load("pgstop", rate=size["rate"], duration=size["fault_duration"], seed=11)
    at, outage = size["outage"]
    time.sleep(at)
    cluster.stop("immediate")  # a crash: connections cut, no checkpoint
    time.sleep(outage)
    cluster.start()  # recovers from the WAL
    assert client.wait(120) == 0, (stack.workdir / "pgstop.err").read_text()
    history = read_history(stack.workdir / "pgstop.jsonl")
    verdict = check(history, stack.db, after)

    refused = [r for r in history if r["status"] >= 500]
    last_refusal = max((r["t"] for r in refused), default=0.0)
    recovered = [r for r in history if r["t"] > last_refusal and 200 <= r["status"] < 300]
    first_ok = min((r["t"] for r in recovered), default=None)
    report.record(
        "faults",
        f"PostgreSQL crashed (pg_ctl stop -m immediate) for {outage:g} s mid-load",
        f"{len(refused)} requests answered {sorted({r['status'] for r in refused})} with Retry-After "
        f"{sorted({str(r.get('retry_after')) for r in refused})}; the same service process answered 2xx again "
        f"{(first_ok - last_refusal) if first_ok else float('nan'):.1f} s after the last 503, without a restart; "
        f"{verdict.writes_unknown} writes of unknown outcome, {verdict.unknown_committed} of them committed whole",
        f"{len(verdict.lost)} lost, {len(verdict.phantom)} phantom; {len(verdict.chain_problems)} chain problems",
        requests=verdict.requests,
        answered_503=len(refused),
        other_5xx=sum(1 for r in refused if r["status"] != 503),
        connection_errors=verdict.statuses.get(0, 0),
    )
    assert refused, "the outage reached no request: the fault was not injected"
    assert all(r["status"] == 503 and r.get("retry_after") for r in refused), {r["status"] for r in refused}
    assert verdict.statuses.get(0, 0) == 0, "the service dropped connections instead of answering 503"
    assert len(recovered) >= 5 and stack.service.pid == pid and stack.service.running()
    assert verdict.ok, verdict.summary()


def test_sigkill_during_a_burst_of_writes(stack: Stack, size: dict[str, Any]) -> None:
    after = baseline(stack.db)
    duration = size["burst_duration"]
    client = stack.run_load("burst", mode="writes", rate=size["burst_rate"], duration=duration, seed=13, timeout=5)
    time.sleep(duration * 0.4)
    stack.service.kill()
    killed = time.monotonic()
    stack.service.start()
    down = time.monotonic() - killed
    assert client.wait(120) == 0, (stack.workdir / "burst.err").read_text()
    history = read_history(stack.workdir / "burst.jsonl")
    verdict = check(history, stack.db, after)
    root = {"Authorization": f"Bearer {stack.tokens['user:root']}"}
    verified = httpx.get(f"{stack.service.base}/audit/verify", headers=root, timeout=60).json()
    report.record(
        "faults",
        f"the service SIGKILLed during a burst of writes ({size['burst_rate']} req/s), then restarted",
        f"{verdict.writes_acknowledged} writes acknowledged, {verdict.writes_unknown} cut by the kill "
        f"({verdict.unknown_committed} of those committed whole), down {down:.1f} s; after the restart "
        f"`GET /audit/verify` ok={verified['ok']} over {verified['checked']} events",
        f"{len(verdict.lost)} lost, {len(verdict.phantom)} phantom; {len(verdict.chain_problems)} chain problems",
        requests=verdict.requests,
        connection_errors=verdict.statuses.get(0, 0),
        errors_5xx=verdict.server_errors,
    )
    assert verdict.statuses.get(0, 0) > 0, "no request was cut: the kill missed the burst"
    assert verified["ok"] and verdict.ok, verdict.summary()
    assert verdict.server_errors == 0


def test_a_sweep_worker_killed_mid_sweep_completes_once_on_rerun(cluster: Cluster, size: dict[str, Any]) -> None:
    name = "rel_sweep_" + str(free_port())
    db = cluster.create_database(name)
    upgrade(db)
    staff = size["sweep_pegawai"] // 10
    with unit_of_work(db) as s:
        instansi_id = import_org(
            s, organisation(10, staff - 1, code="KAB-SWEEP"), actor=ROOT_ACTOR, now=NOW
        ).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=NOW)
        cycle_id = cycle.create(
            s, instansi_id=instansi_id, year=2026, name="SKP 2026", policy_version_id=pv.id, actor=ROOT_ACTOR, now=NOW
        ).id
    with reading(db) as s:
        total = s.scalar(select(func.count()).select_from(Pegawai)) or 0

    def drafted() -> int:
        with reading(db) as s:
            return s.scalar(select(func.count()).select_from(Skp)) or 0

    command = [
        sys.executable,
        "-m",
        "tests.reliability.sweep",
        cluster.url(name),
        str(cycle_id),
        str(size["sweep_chunk"]),
    ]
    worker = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while (done := drafted()) < total // 3 and worker.poll() is None:
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    at_kill = drafted()
    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    del done
    with reading(db) as s:
        skps = s.scalar(select(func.count()).select_from(Skp)) or 0
        per_pegawai = s.scalar(select(func.count(func.distinct(col(Skp.pegawai_id))))) or 0
        by_trigger = s.execute(select(col(AuditEvent.trigger), func.count()).group_by(col(AuditEvent.trigger)))
        events: dict[str, int] = dict(by_trigger.tuples().all())
        verified = audit.verify(s)
    report.record(
        "faults",
        f"a sweep worker (open-cycle, {total} SKPs, chunks of {size['sweep_chunk']}) SIGKILLed mid-sweep, then rerun",
        f"killed with {at_kill} of {total} SKPs drafted; the rerun answered {rerun.stdout.strip()}; "
        f"now {skps} SKPs for {per_pegawai} pegawai, {events.get('draft', 0)} draft events, "
        f"{events.get('open', 0)} cycle open event; chains verified ({verified.checked} events)",
        f"{total - per_pegawai} missing, {skps - per_pegawai} duplicated",
        pegawai=total,
        drafted_before_kill=at_kill,
    )
    assert 0 < at_kill < total, "the kill did not land mid-sweep"
    assert skps == per_pegawai == total
    assert verified.ok, verified.first_bad
    db.dispose()


class Sink:
    def __init__(self) -> None:
        self.messages: list[Envelope] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


def test_smtp_down_then_up_delivers_each_notification_once(cluster: Cluster, size: dict[str, Any]) -> None:
    name = "rel_smtp_" + str(free_port())
    db = cluster.create_database(name)
    upgrade(db)
    n = size["mails"]
    rows = [
        {
            "dedupe_key": f"reliability:{i}",
            "recipient": f"pegawai{i}@contoh.go.id",
            "subject": f"[SKP] Pengingat {i}",
            "body": f"Yth. Pegawai {i}, batas waktu persetujuan SKP.",
            "status": "pending",
            "attempts": 0,
            "created_at": NOW,
        }
        for i in range(n)
    ]
    with unit_of_work(db) as s:
        s.execute(insert(Outbox), rows)
    port = free_port()
    sender = AppriseSender(f"mailto://127.0.0.1:{port}?from=skpflow@contoh.go.id")

    def sessions() -> Session:
        return Session(db, expire_on_commit=False)

    down = deliver(sessions, now=NOW, sender=sender)  # nothing listens on the port
    early = deliver(sessions, now=NOW + timedelta(seconds=1), sender=sender)  # before the backoff: nothing due
    sink = Sink()
    server = Controller(sink, hostname="127.0.0.1", port=port)
    server.start()
    try:
        later = NOW + backoff(1)
        reports: list[Any] = []
        workers = [
            threading.Thread(target=lambda: reports.append(deliver(sessions, now=later, sender=sender, batch=5)))
            for _ in range(3)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        again = deliver(sessions, now=later + timedelta(days=1), sender=sender)
    finally:
        server.stop()
    subjects = [str(message_from_bytes(m.original_content or b"")["Subject"]) for m in sink.messages]
    with reading(db) as s:
        grouped = s.execute(select(col(Outbox.status), func.count()).group_by(col(Outbox.status)))
        statuses: dict[str, int] = dict(grouped.tuples().all())
    report.record(
        "faults",
        f"the SMTP server down while {n} notifications are due, then up (3 deliverers at once)",
        f"down: {down.retrying} rescheduled, {down.sent} sent; before the backoff {early.claimed} claimed; "
        f"up: {sum(r.sent for r in reports)} sent by 3 concurrent deliverers, {again.claimed} claimed a day later; "
        f"the server received {len(sink.messages)} messages, {len(set(subjects))} distinct; outbox {statuses}",
        f"{n - len(set(subjects))} undelivered, {len(subjects) - len(set(subjects))} delivered twice",
        notifications=n,
    )
    assert (down.retrying, down.sent, early.claimed, again.claimed) == (n, 0, 0, 0)
    assert len(subjects) == len(set(subjects)) == n
    assert statuses == {"sent": n}
    db.dispose()


class _Killed(Exception):
    """The process dies here: the transaction in flight is lost, every one committed before it stays."""


def _written(db: Engine) -> list[tuple[Any, ...]]:
    """What the deadline sweep writes, ids left out (a rerun numbers its rows anew): its steps, its outbox rows and
    its audit events (the automatic actions), and the SKP versions those bump."""
    with reading(db) as s:
        steps = s.execute(
            select(
                col(DeadlineStep.deadline_key),
                col(DeadlineStep.entity_type),
                col(DeadlineStep.entity_id),
                col(DeadlineStep.step_index),
                col(DeadlineStep.action),
                col(DeadlineStep.notified),
            )
        ).all()
        mail = s.execute(select(col(Outbox.dedupe_key), col(Outbox.recipient), col(Outbox.subject), col(Outbox.body)))
        events = s.execute(
            select(col(AuditEvent.entity_id), col(AuditEvent.seq), col(AuditEvent.trigger), col(AuditEvent.hash)).where(
                col(AuditEvent.actor) == sweep.SWEEP.ref
            )
        )
        versions = s.execute(select(col(Skp.id), col(Skp.version)))
        return sorted(
            [("step", *r) for r in steps]
            + [("mail", *r) for r in mail.all()]
            + [("event", *r) for r in events.all()]
            + [("skp", *r) for r in versions.all()]
        )


def _sweep(db: Engine, cycle_id: int, as_of: datetime, chunk: int, *, die_before: int | None = None) -> int:
    """The enforce-deadlines sweep of one cycle; with `die_before`, it dies just before its commit number
    `die_before` (0-based), as a SIGKILL between two chunks leaves it. Returns the commits it made."""
    commits = [0]

    def sessions() -> Session:
        session = Session(db, expire_on_commit=False)

        @event.listens_for(session, "before_commit")
        def count(_: Session) -> None:
            if commits[0] == die_before:
                raise _Killed
            commits[0] += 1

        return session

    with contextlib.suppress(_Killed):
        sweep.enforce_deadlines(sessions, as_of=as_of, cycle_id=cycle_id, chunk=chunk)
    return commits[0]


def test_a_deadline_sweep_killed_at_each_chunk_boundary_writes_on_rerun_what_an_uninterrupted_one_writes(
    cluster: Cluster, size: dict[str, Any]
) -> None:
    name = "rel_deadlines_" + str(free_port())
    db = cluster.create_database(name)
    upgrade(db)
    w = bench_world.build(db, size["deadline_skps"])
    bench_world.open_cycle(db, w)
    as_of = bench_world.agreement_overdue(db, w)  # every drafted SKP has its whole agreement ladder due
    chunk = size["deadline_chunk"]
    boundaries = _sweep(db, w.cycle_id, as_of, chunk)
    expected = _written(db)
    assert boundaries > 2 and any(r[0] == "event" for r in expected)
    differing: list[int] = []
    for k in range(boundaries):
        deadline_paths.undo(db, w.cycle_id)
        assert _sweep(db, w.cycle_id, as_of, chunk, die_before=k) == k  # died with k commits made
        _sweep(db, w.cycle_id, as_of, chunk)  # the rerun the scheduler makes
        if _written(db) != expected:
            differing.append(k)
    with reading(db) as s:
        verified = audit.verify(s)
    skps = bench_world.skp_count(db, w)
    report.record(
        "faults",
        f"a deadline sweep (enforce-deadlines, {skps} SKPs with their whole agreement ladder due, chunks of {chunk}) "
        f"killed at each of its {boundaries} commit boundaries, then rerun",
        f"{len(expected)} rows (steps, outbox, audit events, SKP versions) compared with an uninterrupted run after "
        f"each: {boundaries - len(differing)} of {boundaries} identical; chains verified ({verified.checked} events)",
        f"{len(differing)} boundaries differ",
        skps=skps,
        boundaries=boundaries,
    )
    assert differing == [], f"a rerun after a kill at these commit boundaries wrote other rows: {differing}"
    assert verified.ok, verified.first_bad
    db.dispose()
