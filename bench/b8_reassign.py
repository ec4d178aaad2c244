"""B8: a departing atasan's open work handed to the new one (workflows.cases.reassign.reassign_open_work, what an
organisation import or a mutasi calls), for N bawahan each with steps pending: their own plan for this year's
cycle waiting on the atasan's agreement (the atasan's inbox, and the SKP-agreement ladder's penilai), and a
bawahan of their own whose last year's SKP has a keberatan waiting on the atasan as atasan penilai (its decision),
plus that bawahan's plan, whose atasan penilai the atasan also is. One transaction: the bawahan's atasan column
and every SKP step moved, each SKP audited once. Afterwards (not timed) the new atasan's inbox holds those steps,
the old one's none, and the deadline sweep's messages go to the new one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event, func, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from bench.common import arguments, say, scratch, timed, write
from workflows import audit
from workflows.actors import Actor
from workflows.audit.verify import verify
from workflows.cases import cycles, policy_store, reassign
from workflows.cases.org.imports import OrgImport, import_org
from workflows.flows import sweep
from workflows.queries import dashboard
from workflows.store.tables import AuditEvent, Cycle, Keberatan, Outbox, Pegawai, Skp
from workflows.store.uow import reading, unit_of_work

ROOT = Actor.admin("bench")
AT = datetime(2026, 1, 20, 2, 0, tzinfo=UTC)
HEAD, OLD, NEW = "196501011990031001", "197002021995031002", "197503032000031003"


def nip(kind: int, i: int) -> str:
    return f"{198000000000000000 + kind * 10**6 + i:018d}"


def org(n: int) -> OrgImport:
    """A root unit and two bidang: the old atasan heads the one where their n bawahan work, each rating one staff
    member of their own (by override); the new atasan heads the other."""

    def person(p: str, name: str, unit: str, jabatan: str, atasan: str | None = None) -> dict[str, Any]:
        return {
            "nip": p,
            "name": name,
            "jenis": "PNS",
            "jabatan_type": jabatan,
            "jabatan_name": name,
            "unit_code": unit,
            "email": f"{p}@bench.invalid",
            **({"atasan_nip": atasan} if atasan else {}),
        }

    pegawai = [
        person(HEAD, "Kepala Badan", "ROOT", "JPT"),
        person(OLD, "Kabid Lama", "LAMA", "ADMINISTRATOR"),
        person(NEW, "Kabid Baru", "BARU", "ADMINISTRATOR"),
    ]
    for i in range(n):
        pegawai.append(person(nip(1, i), f"Bawahan {i}", "LAMA", "PENGAWAS"))
        pegawai.append(person(nip(2, i), f"Staf {i}", "LAMA", "PELAKSANA", atasan=nip(1, i)))
    return OrgImport.model_validate(
        {
            "instansi": {"code": "BENCH-B8", "name": "Instansi B8"},
            "units": [
                {"code": "ROOT", "name": "Badan", "head_nip": HEAD},
                {"code": "LAMA", "name": "Bidang Lama", "parent_code": "ROOT", "head_nip": OLD},
                {"code": "BARU", "name": "Bidang Baru", "parent_code": "ROOT", "head_nip": NEW},
            ],
            "pegawai": pegawai,
        }
    )


def build(db: Engine, n: int) -> dict[str, Any]:
    """Last year's cycle in assessment (every SKP assessed, the staff's keberatan filed) and this year's being
    drafted (the bawahan's plans proposed): states written directly, outside the measurement."""
    with unit_of_work(db) as s:
        instansi_id = import_org(s, org(n), actor=ROOT, now=AT).instansi_id
        pv = policy_store.preset(s, "permenpanrb-6-2022", now=AT)
        made = {
            year: cycles.create(
                s, instansi_id=instansi_id, year=year, name=f"SKP {year}", policy_version_id=pv.id, actor=ROOT, now=AT
            ).id
            for year in (2025, 2026)
        }
    for cycle_id in made.values():
        assert cycle_id is not None
        cycles.open_cycle(lambda: Session(db, expire_on_commit=False), cycle_id, actor=ROOT, now=AT)
    with unit_of_work(db) as s:
        ids = {p: i for i, p in s.execute(select(col(Pegawai.id), col(Pegawai.nip)))}
        bawahan = [ids[nip(1, i)] for i in range(n)]
        staff = [ids[nip(2, i)] for i in range(n)]
        last, this = made[2025], made[2026]
        s.execute(update(Cycle).where(col(Cycle.id) == last).values(state="assessing"))
        s.execute(
            update(Skp)
            .where(col(Skp.cycle_id) == last)
            .values(state="assessed", predikat="BAIK", assessed_at=AT - timedelta(days=5))
        )
        objected = s.scalars(select(col(Skp.id)).where(col(Skp.cycle_id) == last, col(Skp.pegawai_id).in_(staff)))
        filed = s.scalars(
            insert(Keberatan).returning(col(Keberatan.id)),
            [
                {"skp_id": i, "state": "filed", "reason": "Predikat tidak sesuai", "filed_at": AT, "version": 1}
                for i in objected
            ],
        ).all()
        genesis = audit.EventDraft(
            entity_type="keberatan",
            instansi_id=instansi_id,
            at=AT,
            actor="bench",
            role="pegawai",
            trigger="file",
            from_state=None,
            to_state="filed",
        ).with_payload({})
        audit.insert_events(s, genesis.rows([i for i in filed if i is not None], 1, audit.GENESIS))
        s.execute(
            update(Skp)
            .where(col(Skp.cycle_id) == this, col(Skp.pegawai_id).in_(bawahan))
            .values(state="cascaded", proposed=True)
        )
        # the departing atasan's own plan is agreed: whatever the sweep sends them is about their bawahan
        s.execute(update(Skp).where(col(Skp.cycle_id) == this, col(Skp.pegawai_id) == ids[OLD]).values(state="agreed"))
    return {"ids": ids, "bawahan": bawahan, "this": this, "last": last}


def handover(db: Engine, w: dict[str, Any]) -> tuple[int, int]:
    """The measured transaction: the bawahan's atasan column and their open work, audited; (changes, statements)."""
    old, new = w["ids"][OLD], w["ids"][NEW]
    n = 0

    def count(*_: object) -> None:
        nonlocal n
        n += 1

    event.listen(db, "before_cursor_execute", count)
    try:
        with unit_of_work(db) as s:
            s.execute(update(Pegawai).where(col(Pegawai.id).in_(w["bawahan"])).values(atasan_id=new))
            moved = reassign.reassign_open_work(
                s,
                dict.fromkeys(w["bawahan"], (old, new)),
                actor=ROOT,
                now=AT,
                reason="Kabid Lama pensiun: pekerjaan terbuka ke Kabid Baru",
            )
    finally:
        event.remove(db, "before_cursor_execute", count)
    return len(moved), n


def events(db: Engine) -> int:
    with reading(db) as s:
        return s.scalar(select(func.count()).where(col(AuditEvent.trigger) == "reassigned")) or 0


def inbox(db: Engine, w: dict[str, Any], who: str) -> dict[str, int]:
    with reading(db) as s:
        items = dashboard.inbox(s, Actor.pegawai(w["ids"][who], who), now=AT)
    counts: dict[str, int] = {}
    for item in items:
        counts[item.waiting] = counts.get(item.waiting, 0) + 1
    return counts


def one(kind: str, n: int) -> dict[str, Any]:
    with scratch(kind) as (db, _):
        say(f"B8 {kind} {n}: the organisation, two cycles, the pending steps")
        w = build(db, n)
        before = inbox(db, w, OLD)
        say(f"B8 {kind} {n}: the handover")
        seconds, (changes, statements) = timed(lambda: handover(db, w))
        audited = events(db)
        with reading(db) as s:
            chains = verify(s, limit=10**6)
        # the set-up writes states without events ("chain ends in 'drafted', entity is in 'cascaded'"): every other
        # check (each event linked to the one before, each hash, each version's event) must hold
        broken = [p for p in chains.problems if not p.reason.startswith("chain ends in")]
        assert not broken, broken[:3]
        with reading(db) as s:
            steps = s.scalars(select(col(Skp.id)).where(col(Skp.penilai_id) == w["ids"][OLD]))
            still_old = sum(
                1 for skp in s.scalars(select(Skp).where(col(Skp.id).in_(list(steps)))) if skp.state in reassign.OPEN
            )
        after_old, after_new = inbox(db, w, OLD), inbox(db, w, NEW)
        late = AT + timedelta(days=40)  # past the SKP agreement's due date and its ladder's first steps
        sweep.enforce_deadlines(lambda: Session(db, expire_on_commit=False), as_of=late, cycle_id=w["this"])
        with reading(db) as s:
            to = {
                who: s.scalar(select(func.count()).where(col(Outbox.recipient) == f"{who}@bench.invalid")) or 0
                for who in (OLD, NEW)
            }
    distinct_skps = 3 * n  # the bawahan's plans, the staff's plans, the staff's objected SKPs
    assert audited == distinct_skps, f"{audited} reassigned events for {distinct_skps} SKPs"
    assert still_old == 0
    assert not after_old, after_old
    return {
        "database": kind,
        "bawahan": n,
        "seconds": seconds,
        "statements": statements,
        "steps_moved": changes,
        "skps_audited": audited,
        "transactions": 1,
        "audit_chains_linked": {"ok": not broken, "events": chains.checked},
        "inbox_old_before": before,
        "inbox_old_after": after_old,
        "inbox_new_after": after_new,
        "outbox_to_old": to[OLD],
        "outbox_to_new": to[NEW],
    }


def main() -> None:
    args = arguments(
        __doc__ or "",
        quick={"sqlite": [10], "postgresql": [10], "name": "b8"},
        full={"sqlite": [100], "postgresql": [100], "name": "b8"},
    )
    runs = []
    for kind, sizes in (("sqlite", args.sqlite), ("postgresql", args.postgresql)):
        for n in (n for n in sizes if n > 0):
            runs.append(one(kind, n))
            write(args.name, {"runs": runs})
    say("B8 done")


if __name__ == "__main__":
    main()
