"""Delivering the outbox: claim rows, send each through a Sender, then mark it sent or schedule its retry."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Connection, CursorResult, Engine, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.store.settings import Settings
from workflows.store.tables import AppUser, Outbox, Pegawai

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=12)


class SendFailed(Exception):
    """The sender could not hand the message over; the message says why."""


class Sender(Protocol):
    """Hands one message to the outside world, or raises."""

    def send(self, to: str, subject: str, body: str) -> None: ...


class AppriseSender:
    """E-mail through Apprise: `url` names the server and the sender, e.g.
    `mailto://user:pass@smtp.example.go.id:587?from=skp@example.go.id` (`mailtos://` for TLS); every message
    goes to the row's recipient, set as the URL's `to`."""

    def __init__(self, url: str) -> None:
        self.url = url

    @classmethod
    def from_settings(cls, settings: Settings) -> AppriseSender:
        if settings.notify_url is None:
            raise ValueError("SKPFLOW_NOTIFY_URL is not set: no way to send notifications")
        return cls(settings.notify_url.get_secret_value())

    def url_for(self, to: str) -> str:
        parts = urlsplit(self.url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("to", "format")]
        query += [("to", to), ("format", "text")]
        return urlunsplit(parts._replace(query=urlencode(query)))

    def send(self, to: str, subject: str, body: str) -> None:
        import apprise

        # one Apprise per message: a plugin instance throttles its own successive sends by seconds
        notifier = apprise.Apprise()
        if not notifier.add(self.url_for(to)):
            raise SendFailed("SKPFLOW_NOTIFY_URL is not a notification URL Apprise understands")
        with _apprise_log() as lines:
            ok = notifier.notify(body=body, title=subject, body_format=apprise.NotifyFormat.TEXT)
        if not ok:
            raise SendFailed("; ".join(lines) or "Apprise could not deliver the message")


class _ThreadLog(logging.Handler):
    """Apprise reports failures only in its log: keep this thread's warnings, not a concurrent deliverer's."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


@contextmanager
def _apprise_log() -> Iterator[list[str]]:
    handler = _ThreadLog()
    logger = logging.getLogger("apprise")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: 1, 2, 4, … minutes, at most 12 hours."""
    return min(FIRST_RETRY * (1 << min(max(attempts - 1, 0), 20)), LONGEST_RETRY)


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0  # failed this time, scheduled again
    failed: int = 0  # attempts exhausted
    readdressed: int = 0  # `no_address` rows whose person has an e-mail now: pending again, to that address
    taken_over: int = 0  # claims left by a deliverer that stopped mid-send, claimed again
    lost_claims: int = 0  # sent, but another deliverer had taken the row over meanwhile (a duplicate)


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    subject: str
    body: str
    attempts: int


def deliver(
    sessions: Callable[[], Session],
    *,
    now: datetime,
    sender: Sender,
    batch: int = 500,
    max_attempts: int = 8,
    lease: timedelta = timedelta(minutes=15),
) -> DeliveryReport:
    """Send every e-mail outbox row that is due at `now`, `batch` claims at a time.

    A row is claimed (status `sending`, a claim token and time, one attempt counted) in a short transaction of its
    own before anything is sent: SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, SQLite's single writer lock, and an
    UPDATE that re-checks the row is still due, so two deliverers never hold the same row. The row is then marked
    sent, rescheduled after `backoff(attempts)`, or failed after `max_attempts`, only through the claim that sent it.
    A deliverer that dies mid-send leaves its claim; once older than `lease`, another deliverer takes the row over
    and sends it again. That resend is the one duplicate allowed: between the SMTP server's acceptance and the
    commit of `sent` nothing tells a sent message from an unsent one, so delivery is at-least-once at the SMTP edge
    and exactly-once before it.
    """
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    report = DeliveryReport()
    report.readdressed = _readdress(sessions)
    token = uuid.uuid4().hex
    with sessions() as session:
        bind = session.get_bind()
    assert isinstance(bind, Engine), "the deliverer settles rows in transactions of its own: bind sessions to an engine"
    while claimed := _claim(
        sessions, now=now, token=token, batch=batch, max_attempts=max_attempts, lease=lease, report=report
    ):
        # one connection for the batch, each row still settled in its own transaction; Core, since nothing is loaded
        with bind.connect() as connection:
            for row in claimed:
                try:
                    sender.send(row.recipient, row.subject, row.body)
                except Exception as exc:  # whatever the edge raises is a failed attempt, never a lost row
                    _settle(
                        connection,
                        row,
                        token,
                        report,
                        error=f"{type(exc).__name__}: {exc}",
                        now=now,
                        max_attempts=max_attempts,
                    )
                else:
                    _settle(connection, row, token, report, error=None, now=now, max_attempts=max_attempts)
    return report


NO_ADDRESS = "no_address"


def _readdress(sessions: Callable[[], Session]) -> int:
    """Give `no_address` rows the e-mail their pegawai or user has since been given, and make them pending.

    Such a row names its person as `nip:<nip>` or `user:<username>`; one set-based UPDATE per kind.
    """
    done = 0
    with sessions() as session, session.begin():
        for prefix, key, email in (
            ("nip:", col(Pegawai.nip), col(Pegawai.email)),
            ("user:", col(AppUser.username), col(AppUser.email)),
        ):
            # compare the key with the recipient's tail, not `prefix || key` with the recipient: the unique index on
            # the key then answers each row, where the concatenation scanned every pegawai for every such row
            address = (
                select(email)
                .where(key == func.substr(col(Outbox.recipient), len(prefix) + 1), email.is_not(None))
                .limit(1)
                .scalar_subquery()
            )
            result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
                update(Outbox)
                .where(col(Outbox.status) == NO_ADDRESS, col(Outbox.recipient).startswith(prefix), address.is_not(None))
                .values(recipient=address, status=PENDING, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            done += result.rowcount
    return done


def _claim(
    sessions: Callable[[], Session],
    *,
    now: datetime,
    token: str,
    batch: int,
    max_attempts: int,
    lease: timedelta,
    report: DeliveryReport,
) -> list[_Claimed]:
    due = or_(
        and_(
            col(Outbox.status) == PENDING,
            or_(col(Outbox.next_attempt_at).is_(None), col(Outbox.next_attempt_at) <= now),
        ),
        and_(col(Outbox.status) == SENDING, col(Outbox.claimed_at) < now - lease),
    )
    with sessions() as session, session.begin():
        rows = session.execute(
            select(
                col(Outbox.id),
                col(Outbox.status),
                col(Outbox.attempts),
                col(Outbox.recipient),
                col(Outbox.subject),
                col(Outbox.body),
            )
            .where(due, col(Outbox.channel) == "email")
            .order_by(col(Outbox.id))
            .limit(batch)
            .with_for_update(skip_locked=True)
        ).all()
        exhausted = [r.id for r in rows if r.status == SENDING and r.attempts >= max_attempts]
        if exhausted:
            session.execute(
                update(Outbox)
                .where(col(Outbox.id).in_(exhausted), due)
                .values(
                    status=FAILED,
                    claim_token=None,
                    last_error=f"gave up after {max_attempts} attempts; the last stopped mid-send and may have "
                    "been delivered",
                )
            )
            report.failed += len(exhausted)
        claimed = [r for r in rows if r.id not in set(exhausted)]
        if claimed:
            # `due` again: should the lock ever be missing, a row another deliverer claimed meanwhile is not taken
            won = set(
                session.scalars(
                    update(Outbox)
                    .where(col(Outbox.id).in_([r.id for r in claimed]), due)
                    .values(status=SENDING, claimed_at=now, claim_token=token, attempts=col(Outbox.attempts) + 1)
                    .returning(col(Outbox.id))
                )
            )
            claimed = [r for r in claimed if r.id in won]
    report.claimed += len(claimed)
    report.taken_over += sum(r.status == SENDING for r in claimed)
    return [_Claimed(r.id, r.recipient, r.subject, r.body, r.attempts + 1) for r in claimed]


_CLAIMED_BY = and_(
    col(Outbox.id) == bindparam("row_id"),
    col(Outbox.claim_token) == bindparam("token"),
    col(Outbox.status) == SENDING,
)
_OUTBOX = Outbox.__table__  # type: ignore[attr-defined]  # settling is Core: nothing in the session to synchronise
_SENT = update(_OUTBOX).where(_CLAIMED_BY).values(claim_token=None, status=SENT, sent_at=bindparam("now"))


def _settle(
    connection: Connection,
    row: _Claimed,
    token: str,
    report: DeliveryReport,
    *,
    error: str | None,
    now: datetime,
    max_attempts: int,
) -> None:
    """Mark the row through our claim only: sent, retried later, or failed for good."""
    failed = error is not None and row.attempts >= max_attempts
    if error is None:
        stmt = _SENT  # the common case, built once
    elif failed:
        stmt = update(_OUTBOX).where(_CLAIMED_BY).values(claim_token=None, status=FAILED, last_error=error[:2000])
    else:
        retry = now + backoff(row.attempts)
        stmt = update(_OUTBOX).where(_CLAIMED_BY)
        stmt = stmt.values(claim_token=None, status=PENDING, last_error=error[:2000], next_attempt_at=retry)
    with connection.begin():
        done = connection.execute(stmt, {"row_id": row.id, "token": token, "now": now})
    if done.rowcount == 0:
        report.lost_claims += error is None
        return
    if error is None:
        report.sent += 1
    elif failed:
        report.failed += 1
    else:
        report.retrying += 1
