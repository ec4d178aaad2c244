"""Faults injected into the running system, and what each cost: nothing, the checks say."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_bytes
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

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
from workflows.flows.notify import AppriseSender, backoff, deliver
from workflows.store.db import upgrade
from workflows.store.tables import AuditEvent, Outbox, Pegawai, Skp
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
