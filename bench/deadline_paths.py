"""The three ways B1 takes the SKP-agreement ladder for every drafted SKP: skpflow's sweep (`python -m
bench.deadline_paths sweep …`, run in its own process so its peak memory is its own), the hand-written SQL a DBA
would write for the same rows, and the naive path (load, wrap, record, commit per SKP)."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from bench.common import peak_rss_mb
from policies import calendar
from policies.deadlines import due_date, steps_due
from policies.schema import DeadlineKey, LadderAction
from states.roles import Role
from workflows import audit, engine
from workflows.actors import Actor
from workflows.flows import runs
from workflows.flows.sweep import messages
from workflows.flows.sweep.context import SWEEP, load_context
from workflows.store.db import make_engine
from workflows.store.tables import AuditEvent, DeadlineStep, Outbox, Pegawai, Skp, Unit, UtcDateTime

KEY = DeadlineKey.SKP_AGREEMENT
PENDING = ("drafted", "cascaded")


def sweep(url: str, cycle_id: int, as_of: datetime, chunk: int) -> dict[str, Any]:
    """skpflow's `enforce-deadlines` workflow, as its Prefect task runs it, for one cycle."""
    db = make_engine(url)
    baseline = peak_rss_mb()
    ctx = runs.RunContext(db, Actor.scheduler("enforce-deadlines"), as_of, cycle_id, None, chunk)
    start = time.perf_counter()
    result = runs.run("enforce-deadlines", ctx)
    seconds = time.perf_counter() - start
    db.dispose()
    agreement = result["cycles"][0]["by_key"][KEY.value]
    return {
        "seconds": seconds,
        "rss_mb": peak_rss_mb(),
        "rss_before_mb": baseline,
        "steps": agreement["steps"],
        "notified": sum(agreement["notified"].values()),
        "auto_actions": sum(agreement["auto_actions"].values()),
    }


def produced(db: Engine) -> dict[str, int]:
    """What a path wrote: deadline steps, outbox rows and automatic-action audit events."""
    with db.connect() as conn:
        return {
            "steps": conn.scalar(text("SELECT count(*) FROM deadlinestep")) or 0,
            "outbox": conn.scalar(text("SELECT count(*) FROM outbox")) or 0,
            "audit": conn.scalar(text("SELECT count(*) FROM auditevent WHERE \"trigger\" = 'hr_drafts'")) or 0,
        }


def undo(db: Engine, cycle_id: int) -> None:
    """Put the SKPs back as they were before the ladder was taken (not timed)."""
    with db.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("DELETE FROM deadlinestep"))
        conn.execute(text("DELETE FROM auditevent WHERE \"trigger\" = 'hr_drafts'"))
        conn.execute(text("UPDATE skp SET version = version - 1 WHERE cycle_id = :c AND version > 1"), {"c": cycle_id})


# --- the hand-written SQL -------------------------------------------------------------------------------------------

STEPS_SQL = """
INSERT INTO deadlinestep (cycle_id, instansi_id, unit_id, deadline_key, entity_type, entity_id, step_index, action,
                          auto_action, due_at, step_at, taken_at, notified)
SELECT :cycle, :instansi, s.unit_id, :key, 'skp', s.id, l.i, l.action, l.auto, :due, l.at, :as_of, l.notified
FROM skp s JOIN unit u ON u.id = s.unit_id
CROSS JOIN ({ladder}) l
WHERE s.cycle_id = :cycle AND s.state IN ('drafted', 'cascaded') AND u.timezone = :tz
"""

OUTBOX_SQL = """
INSERT INTO outbox (dedupe_key, channel, recipient, subject, body, status, attempts, created_at, instansi_id, unit_id,
                    entity_type, entity_id, deadline_key, action)
SELECT :prefix || x.id || ':' || x.i || ':' || x.ref, 'email', COALESCE(x.email, x.ref),
       :subject || x.name, 'Yth. ' || x.pname || ',' || :nl || :nl || x.lead || :nl || :nl || 'Pegawai: ' || x.name
       || ' (NIP ' || x.nip || ')' || :nl || 'Status saat ini: ' || x.state || :nl || :nl || :footer,
       CASE WHEN x.email IS NULL THEN 'no_address' ELSE 'pending' END, 0, :as_of, :instansi, x.unit_id, 'skp', x.id,
       :key, x.action
FROM (
  SELECT s.id, s.unit_id, s.state, o.nip, o.name, r.i, r.action,
         CASE r.action WHEN 'notice' THEN :lead_notice WHEN 'escalate' THEN :lead_escalate ELSE :lead_auto END AS lead,
         CASE r.who WHEN 'pegawai' THEN 'nip:' || o.nip WHEN 'penilai' THEN COALESCE('nip:' || pn.nip, :hr_ref)
                    WHEN 'atasan' THEN COALESCE('nip:' || ap.nip, :hr_ref) ELSE :hr_ref END AS ref,
         CASE r.who WHEN 'pegawai' THEN o.name WHEN 'penilai' THEN COALESCE(pn.name, :hr_name)
                    WHEN 'atasan' THEN COALESCE(ap.name, :hr_name) ELSE :hr_name END AS pname,
         CASE r.who WHEN 'pegawai' THEN o.email
                    WHEN 'penilai' THEN CASE WHEN pn.id IS NULL THEN :hr_email ELSE pn.email END
                    WHEN 'atasan' THEN CASE WHEN ap.id IS NULL THEN :hr_email ELSE ap.email END
                    ELSE :hr_email END AS email
  FROM skp s JOIN unit u ON u.id = s.unit_id
  JOIN pegawai o ON o.id = s.pegawai_id
  LEFT JOIN pegawai pn ON pn.id = s.penilai_id
  LEFT JOIN pegawai ap ON ap.id = s.atasan_penilai_id
  CROSS JOIN (SELECT 2 AS i, 'notice' AS action, 'pegawai' AS who UNION ALL SELECT 2, 'notice', 'penilai'
              UNION ALL SELECT 3, 'escalate', 'atasan' UNION ALL SELECT 3, 'escalate', 'hr'
              UNION ALL SELECT 4, 'auto_action', 'hr') r
  WHERE s.cycle_id = :cycle AND s.state IN ('drafted', 'cascaded') AND u.timezone = :tz
    AND NOT (r.who = 'atasan' AND s.atasan_penilai_id IS NULL)
) x
"""

AUDIT_SQL = """
INSERT INTO auditevent (entity_type, entity_id, seq, instansi_id, at, actor, role, "trigger", from_state, to_state,
                        note, payload_digest, prev_hash, hash)
SELECT 'skp', s.id, s.version + 1, :instansi, :as_of, :actor, 'system', 'hr_drafts', s.state, s.state, :note,
       :digest, a.hash,
       {hash}('skp|' || s.id || '|' || (s.version + 1) || '|' || :fixed || '|' || s.state || '|' || s.state || '|'
              || a.hash)
FROM skp s JOIN unit u ON u.id = s.unit_id
JOIN auditevent a ON a.entity_type = 'skp' AND a.entity_id = s.id AND a.seq = s.version
WHERE s.cycle_id = :cycle AND s.state IN ('drafted', 'cascaded') AND u.timezone = :tz
"""

BUMP_SQL = """
UPDATE skp SET version = version + 1
WHERE cycle_id = :cycle AND state IN ('drafted', 'cascaded') AND unit_id IN (SELECT id FROM unit WHERE timezone = :tz)
"""


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def hand_sql(db: Engine, cycle_id: int, as_of: datetime) -> None:
    """One INSERT … SELECT per table and one UPDATE per zone, in one transaction; hashes computed by the database
    (PostgreSQL's sha256, a registered function on SQLite)."""
    pg = db.dialect.name == "postgresql"
    with Session(db) as s, s.begin():
        ctx, units = load_context(s, cycle_id, as_of)
        hr = ctx.hr[0]
        ladder = ctx.policy.deadlines.rule(KEY).ladder
        if not pg:
            s.connection().connection.driver_connection.create_function(  # type: ignore[union-attr]
                "sha256hex", 1, _sha256, deterministic=True
            )
        hash_fn = "sha256hex" if not pg else "sha256_hex"
        hash_sql = AUDIT_SQL.format(hash=hash_fn)
        if pg:
            hash_sql = hash_sql.replace("sha256_hex(", "encode(sha256(convert_to(").replace(
                "|| a.hash)\nFROM", "|| a.hash, 'UTF8')), 'hex')\nFROM"
            )
        for tz in sorted({u[2] for u in units}):
            due = due_date(ctx.policy, KEY, cycle_year=ctx.year, tz=tz)
            reached = steps_due(ctx.policy, KEY, due, as_of)
            rows, params = [], {}
            for i, step in enumerate(reached):
                auto = f"'{step.auto_action.value}'" if step.auto_action else "CAST(NULL AS VARCHAR(32))"
                notified = "false" if step.action is LadderAction.REMINDER else "true"
                rows.append(
                    f"SELECT {i} AS i, '{step.action.value}' AS action, {auto} AS auto, :at{i} AS at, "
                    f"{notified} AS notified"
                )
                params[f"at{i}"] = due + timedelta(days=ladder[i].offset_days)
            steps_sql = text(STEPS_SQL.format(ladder=" UNION ALL ".join(rows))).bindparams(
                *[bindparam(k, type_=UtcDateTime()) for k in [*params, "due", "as_of"]]
            )
            common = {"cycle": cycle_id, "instansi": ctx.instansi_id, "key": KEY.value, "tz": tz, "as_of": as_of}
            s.execute(steps_sql, {**common, **params, "due": due})
            deadline = messages.local_time(due - timedelta(minutes=1), calendar.zone(ctx.policy.calendar, tz))
            s.execute(
                text(OUTBOX_SQL).bindparams(bindparam("as_of", type_=UtcDateTime())),
                {
                    **common,
                    "prefix": f"deadline:{KEY.value}:skp:",
                    "subject": "[SKP] Batas waktu: Persetujuan (penetapan) SKP — ",
                    "nl": "\n",
                    "footer": "Pesan ini dikirim otomatis oleh skpflow.",
                    "lead_notice": f"Batas waktu persetujuan (penetapan) skp untuk {ctx.cycle_name} ({deadline}) telah "
                    "terlewati.",
                    "lead_escalate": f"Persetujuan (penetapan) SKP untuk {ctx.cycle_name} terlambat 3 hari dari batas "
                    f"waktu {deadline}. Mohon ditindaklanjuti.",
                    "lead_auto": f"Persetujuan (penetapan) SKP untuk {ctx.cycle_name}, batas waktu {deadline}. "
                    f"{messages.AUTO_NOTE[ladder[-1].auto_action]}"
                    if ladder[-1].auto_action
                    else "",
                    "hr_ref": hr.ref,
                    "hr_name": hr.name,
                    "hr_email": hr.email,
                },
            )
            at = audit.canonical_time(as_of)
            note = "Pengelola kinerja dipersilakan menyusun SKP ini."
            digest = audit.digest({"deadline": KEY.value})
            s.execute(
                text(hash_sql).bindparams(bindparam("as_of", type_=UtcDateTime())),
                {
                    **common,
                    "actor": SWEEP.ref,
                    "note": note,
                    "digest": digest,
                    "fixed": f"{ctx.instansi_id}|{at}|{SWEEP.ref}|system|hr_drafts|{note}|{digest}",
                },
            )
            s.execute(text(BUMP_SQL), {"cycle": cycle_id, "tz": tz})


# --- the naive path -------------------------------------------------------------------------------------------------


def naive(db: Engine, cycle_id: int, as_of: datetime, ids: list[int]) -> None:
    """Per SKP, its own transaction: load the row and the people, compute its due instant, add each reached step and
    its messages as ORM objects, record the automatic action through the engine (version bump, chain head lookup,
    audit append), commit."""
    with Session(db) as s:
        ctx, _ = load_context(s, cycle_id, as_of)
    ladder = ctx.policy.deadlines.rule(KEY).ladder
    for skp_id in ids:
        with Session(db, expire_on_commit=False) as s, s.begin():
            skp = s.get_one(Skp, skp_id)
            if skp.state not in PENDING:
                continue
            unit = s.get_one(Unit, skp.unit_id)
            owner = s.get_one(Pegawai, skp.pegawai_id)
            penilai = s.get(Pegawai, skp.penilai_id) if skp.penilai_id else None
            atasan = s.get(Pegawai, skp.atasan_penilai_id) if skp.atasan_penilai_id else None
            due = due_date(ctx.policy, KEY, cycle_year=ctx.year, tz=unit.timezone)
            taken = s.scalars(
                select(col(DeadlineStep.step_index)).where(
                    col(DeadlineStep.entity_type) == "skp", col(DeadlineStep.entity_id) == skp_id
                )
            ).all()
            for i, step in enumerate(steps_due(ctx.policy, KEY, due, as_of)):
                if i in taken:
                    continue
                notified = step.action is not LadderAction.REMINDER
                s.add(
                    DeadlineStep(
                        cycle_id=cycle_id,
                        instansi_id=ctx.instansi_id,
                        unit_id=skp.unit_id,
                        deadline_key=KEY.value,
                        entity_type="skp",
                        entity_id=skp_id,
                        step_index=i,
                        action=step.action.value,
                        auto_action=step.auto_action.value if step.auto_action else None,
                        due_at=due,
                        step_at=due + timedelta(days=ladder[i].offset_days),
                        taken_at=as_of,
                        notified=notified,
                    )
                )
                if not notified:
                    continue
                people = {
                    "pegawai": [(f"nip:{owner.nip}", owner.name, owner.email)],
                    "penilai": [(f"nip:{penilai.nip}", penilai.name, penilai.email)] if penilai else [],
                    "atasan_penilai": [(f"nip:{atasan.nip}", atasan.name, atasan.email)] if atasan else [],
                    "hr": [(p.ref, p.name, p.email) for p in ctx.hr],
                }
                for ref, name, email in {
                    p[0]: p for who in step.notify for p in people[who.value] or people["hr"]
                }.values():
                    s.add(
                        Outbox(
                            dedupe_key=f"deadline:{KEY.value}:skp:{skp_id}:{i}:{ref}",
                            recipient=email or ref,
                            subject=f"[SKP] {messages.LABEL[step.action]}: Persetujuan (penetapan) SKP — {owner.name}",
                            body=f"Yth. {name},\n\n…\n\nPegawai: {owner.name} (NIP {owner.nip})\nStatus: {skp.state}",
                            status="pending" if email else messages.NO_ADDRESS,
                            created_at=as_of,
                            instansi_id=ctx.instansi_id,
                            unit_id=skp.unit_id,
                            entity_type="skp",
                            entity_id=skp_id,
                            deadline_key=KEY.value,
                            action=step.action.value,
                        )
                    )
                if step.auto_action is not None:
                    engine.record(
                        s,
                        skp,
                        step.auto_action.value,
                        actor=SWEEP,
                        role=Role.SYSTEM.value,
                        now=as_of,
                        note=messages.AUTO_NOTE[step.auto_action],
                        payload={"deadline": KEY.value},
                    )


def first_ids(db: Engine, cycle_id: int, n: int) -> list[int]:
    with Session(db) as s:
        return list(s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == cycle_id).order_by(col(Skp.id)).limit(n)))


def audit_rows(db: Engine) -> int:
    with Session(db) as s:
        return len(s.scalars(select(col(AuditEvent.id)).where(col(AuditEvent.trigger) == "hr_drafts")).all())


if __name__ == "__main__":
    _, command, url, cycle, as_of, chunk = sys.argv
    assert command == "sweep"
    print(json.dumps(sweep(url, int(cycle), datetime.fromisoformat(as_of), int(chunk))))
