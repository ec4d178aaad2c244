"""Delivering the outbox: retries with backoff on injected time, claims, and a real SMTP server through Apprise."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.flows.notify import AppriseSender, SendFailed, backoff, deliver
from workflows.store.tables import AppUser, Instansi, Outbox, Pegawai, Unit
from workflows.store.uow import reading, unit_of_work


@dataclass
class FakeSender:
    """Records what it sends; while `down`, refuses like an unreachable server."""

    down: bool = False
    sent: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, to: str, subject: str, body: str) -> None:
        if self.down:
            raise SendFailed("connection refused")
        with self.lock:
            self.sent.append((to, subject))


def enqueue(db: Engine, now: datetime, n: int, *, status: str = "pending", **extra: Any) -> list[int]:
    rows = [
        {
            "dedupe_key": f"test:{status}:{i}:{extra.get('claim_token')}",
            "recipient": f"pegawai{i}@contoh.go.id",
            "subject": f"[SKP] Pengingat {i} — persetujuan SKP",
            "body": f"Yth. Pegawai {i},\n\nBatas waktunya Sabtu, 31 Januari 2026 pukul 23.59 WIB.",
            "status": status,
            "attempts": 0,
            "created_at": now,
            **extra,
        }
        for i in range(n)
    ]
    with unit_of_work(db) as s:
        return list(s.scalars(insert(Outbox).returning(col(Outbox.id)), rows))


def rows(db: Engine) -> dict[int, Outbox]:
    with reading(db) as s:
        return {r.id or 0: r for r in s.scalars(select(Outbox))}


def sessions_of(db: Engine) -> Any:
    return lambda: Session(db, expire_on_commit=False)


def test_pending_rows_are_sent_once_and_unaddressed_ones_never(db: Engine, now: datetime) -> None:
    ids = enqueue(db, now, 5)
    unaddressed = enqueue(db, now, 1, status="no_address", recipient="nip:199505052020122005")
    sender = FakeSender()
    report = deliver(sessions_of(db), now=now, sender=sender, batch=2)
    assert (report.claimed, report.sent, report.retrying) == (5, 5, 0)
    assert sorted(to for to, _ in sender.sent) == sorted(f"pegawai{i}@contoh.go.id" for i in range(5))
    stored = rows(db)
    assert {(stored[i].status, stored[i].sent_at, stored[i].attempts) for i in ids} == {("sent", now, 1)}
    assert stored[unaddressed[0]].status == "no_address"
    again = deliver(sessions_of(db), now=now + timedelta(hours=1), sender=sender)
    assert (again.claimed, len(sender.sent)) == (0, 5)


def test_an_unaddressed_row_is_sent_once_its_person_has_an_email(db: Engine, now: datetime) -> None:
    with unit_of_work(db) as s:
        s.add(Instansi(code="KAB-X", name="Kabupaten X"))
        s.flush()
        instansi_id = s.scalar(select(col(Instansi.id)))
        unit = Unit(instansi_id=instansi_id or 0, code="PEMDA", name="Sekretariat", path="/")
        s.add(unit)
        s.flush()
        s.add(
            Pegawai(
                nip="199505052020122005",
                name="Staf",
                jabatan_name="Staf",
                instansi_id=instansi_id or 0,
                unit_id=unit.id or 0,
                jenis="PNS",
                jabatan_type="PELAKSANA",
            )
        )
        s.add(AppUser(username="hr.x", password_hash="-", role="admin", instansi_id=instansi_id, created_at=now))
    nip_row = enqueue(db, now, 1, status="no_address", recipient="nip:199505052020122005")[0]
    user_row = enqueue(db, now, 1, status="no_address", recipient="user:hr.x", dedupe_key="test:user")[0]
    sender = FakeSender()
    assert deliver(sessions_of(db), now=now, sender=sender).readdressed == 0
    assert sender.sent == [] and {r.status for r in rows(db).values()} == {"no_address"}
    with unit_of_work(db) as s:
        s.execute(update(Pegawai).values(email="staf@x.go.id"))
        s.execute(update(AppUser).values(email="hr@x.go.id"))
    report = deliver(sessions_of(db), now=now + timedelta(days=1), sender=sender)
    assert (report.readdressed, report.sent) == (2, 2)
    assert sorted(to for to, _ in sender.sent) == ["hr@x.go.id", "staf@x.go.id"]
    stored = rows(db)
    assert {(stored[i].status, stored[i].recipient) for i in (nip_row, user_row)} == {
        ("sent", "staf@x.go.id"),
        ("sent", "hr@x.go.id"),
    }
    assert deliver(sessions_of(db), now=now + timedelta(days=2), sender=sender).readdressed == 0
    assert len(sender.sent) == 2


def test_failures_back_off_on_injected_time_then_give_up(db: Engine, now: datetime) -> None:
    (row_id,) = enqueue(db, now, 1)
    sender = FakeSender(down=True)
    first = deliver(sessions_of(db), now=now, sender=sender, max_attempts=3)
    assert (first.claimed, first.retrying) == (1, 1)
    row = rows(db)[row_id]
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, now + backoff(1))
    assert row.last_error == "SendFailed: connection refused"

    early = deliver(sessions_of(db), now=now + backoff(1) - timedelta(seconds=1), sender=sender, max_attempts=3)
    assert early.claimed == 0
    second = now + backoff(1)
    deliver(sessions_of(db), now=second, sender=sender, max_attempts=3)
    assert rows(db)[row_id].next_attempt_at == second + backoff(2)
    last = deliver(sessions_of(db), now=second + backoff(2), sender=sender, max_attempts=3)
    assert (last.failed, rows(db)[row_id].status, rows(db)[row_id].attempts) == (1, "failed", 3)
    sender.down = False
    assert deliver(sessions_of(db), now=second + timedelta(days=1), sender=sender).claimed == 0
    assert [backoff(n) for n in (1, 2, 3, 10, 30)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=512),
        timedelta(hours=12),
    ]


def test_a_claim_left_mid_send_is_taken_over_after_its_lease(db: Engine, now: datetime) -> None:
    (crashed,) = enqueue(
        db, now, 1, status="sending", claimed_at=now - timedelta(hours=1), claim_token="dead", attempts=1
    )
    (busy,) = enqueue(
        db, now, 1, status="sending", claimed_at=now - timedelta(minutes=1), claim_token="busy", attempts=1
    )
    (spent,) = enqueue(
        db, now, 1, status="sending", claimed_at=now - timedelta(hours=1), claim_token="gone", attempts=8
    )
    sender = FakeSender()
    report = deliver(sessions_of(db), now=now, sender=sender)
    assert (report.taken_over, report.sent, report.failed) == (1, 1, 1)
    stored = rows(db)
    assert (stored[crashed].status, stored[crashed].attempts) == ("sent", 2)
    assert (stored[busy].status, stored[busy].claim_token) == ("sending", "busy")  # its deliverer may still be at it
    assert stored[spent].status == "failed"
    assert "may have been delivered" in (stored[spent].last_error or "")


def test_two_deliverers_never_send_the_same_row(db: Engine, now: datetime) -> None:
    enqueue(db, now, 40)
    both_sending = threading.Barrier(2, timeout=10)

    waited: set[int] = set()

    @dataclass
    class Overlapping(FakeSender):
        def send(self, to: str, subject: str, body: str) -> None:
            if threading.get_ident() not in waited:
                waited.add(threading.get_ident())
                both_sending.wait()  # each holds a claim while the other sends: the claims must differ
            super().send(to, subject, body)

    sender = Overlapping()
    reports = []

    def run() -> None:
        reports.append(deliver(sessions_of(db), now=now, sender=sender, batch=3))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(reports) == 2
    assert sorted(to for to, _ in sender.sent) == sorted(f"pegawai{i}@contoh.go.id" for i in range(40))
    assert sum(r.sent for r in reports) == 40
    assert all(r.sent > 0 for r in reports)  # both took part
    assert {r.status for r in rows(db).values()} == {"sent"}


# --- a real SMTP server -------------------------------------------------------------------------------------------


class Sink:
    def __init__(self) -> None:
        self.messages: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def smtp_port() -> int:
    return free_port()


def test_mail_reaches_a_real_smtp_server_and_waits_while_it_is_down(db: Engine, now: datetime, smtp_port: int) -> None:
    ids = enqueue(db, now, 2)
    sender = AppriseSender(f"mailto://127.0.0.1:{smtp_port}?from=skpflow@contoh.go.id")

    down = deliver(sessions_of(db), now=now, sender=sender)  # nothing listens yet
    assert (down.claimed, down.retrying, down.sent) == (2, 2, 0)
    for i in ids:
        row = rows(db)[i]
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error and row.last_error.startswith("SendFailed: Connection error"), row.last_error

    sink = Sink()
    server = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    server.start()
    try:
        up = deliver(sessions_of(db), now=now + backoff(1), sender=sender)
        again = deliver(sessions_of(db), now=now + timedelta(days=1), sender=sender)
    finally:
        server.stop()
    assert (up.sent, again.claimed) == (2, 0)
    assert sorted(tuple(m.rcpt_tos) for m in sink.messages) == [("pegawai0@contoh.go.id",), ("pegawai1@contoh.go.id",)]
    assert {m.mail_from for m in sink.messages} == {"skpflow@contoh.go.id"}
    raw = next(m for m in sink.messages if m.rcpt_tos == ["pegawai0@contoh.go.id"]).original_content
    assert isinstance(raw, bytes)
    first = message_from_bytes(raw)
    assert str(make_header(decode_header(first["Subject"]))) == "[SKP] Pengingat 0 — persetujuan SKP"
    payload = first.get_payload(decode=True)
    assert isinstance(payload, bytes)
    assert "pukul 23.59 WIB" in payload.decode(first.get_content_charset() or "utf-8")
    assert {rows(db)[i].status for i in ids} == {"sent"}


def test_the_url_names_the_server_and_each_row_the_recipient() -> None:
    sender = AppriseSender("mailtos://user:p%40ss@mail.contoh.go.id:587?from=skp@contoh.go.id&to=someone@else.id")
    assert sender.url_for("pegawai@contoh.go.id") == (
        "mailtos://user:p%40ss@mail.contoh.go.id:587?from=skp%40contoh.go.id&to=pegawai%40contoh.go.id&format=text"
    )
