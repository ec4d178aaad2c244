"""B7: the data-quality report (`GET /cycles/{id}/quality`'s read model, workflows.queries.quality.report) over N
SKPs of a demo kabupaten, every rule given rows to find: each SKP an RHK Utama (every twentieth intervening
nothing) and an RHK Tambahan, an indicator per RHK (every fiftieth without a target), a rated first period with a
realisasi (every tenth without bukti dukung, every third period without umpan balik), an annual predikat of BAIK
for everyone under a capaian of BAIK (every unit breaks the curve). Timed cold and warm, with the statements it
sent counted by a `before_cursor_execute` listener; also the gate (the blocking rules only) that start_assessment
applies."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Engine, String, case, cast, event, func, insert, literal, select, update
from sqlalchemy.orm import aliased
from sqlmodel import col

from bench import world
from bench.common import arguments, say, scratch, tidy, timed, write
from workflows.cases import policy_store
from workflows.cases import quality as checks
from workflows.queries import quality
from workflows.store.tables import Capaian, Cycle, Evaluation, Evidence, Feedback, Indikator, Realisasi, Rhk, Skp, Unit
from workflows.store.uow import reading, unit_of_work


def plant(db: Engine, w: world.World) -> None:
    """The rows every rule reads, written set-based (INSERT … SELECT), outside the measurement."""
    in_cycle = col(Skp.cycle_id) == w.cycle_id
    with unit_of_work(db) as s:
        for position, jenis in ((1, "UTAMA"), (2, "TAMBAHAN")):
            s.execute(
                insert(Rhk).from_select(
                    ["skp_id", "position", "jenis", "text"],
                    select(
                        col(Skp.id),
                        literal(position),
                        literal(jenis),
                        literal(f"{jenis} kegiatan ") + cast(col(Skp.id) % 97, String),
                    ).where(in_cycle),
                )
            )
    tidy(db)  # statistics of the new rows, or PostgreSQL plans the correlated UPDATE below as a scan per row
    with unit_of_work(db) as s:
        me, boss, boss_rhk = aliased(Skp), aliased(Skp), aliased(Rhk)
        atasan_rhk = (
            select(col(boss_rhk.id))
            .join(boss, col(boss.id) == col(boss_rhk.skp_id))
            .join(me, col(me.penilai_id) == col(boss.pegawai_id))
            .where(col(me.id) == col(Rhk.skp_id), col(boss.cycle_id) == w.cycle_id, col(boss_rhk.position) == 1)
            .limit(1)
            .scalar_subquery()
        )
        cycle_skps = select(col(Skp.id)).where(in_cycle)
        s.execute(
            update(Rhk)
            .where(col(Rhk.position) == 1, col(Rhk.skp_id).in_(cycle_skps), col(Rhk.skp_id) % 20 != 0)
            .values(intervensi_rhk_id=atasan_rhk, cascade="DIRECT")
        )
        cycle_rhk = select(col(Rhk.id)).join(Skp, col(Skp.id) == col(Rhk.skp_id)).where(in_cycle)
        s.execute(
            insert(Indikator).from_select(
                ["rhk_id", "position", "text", "aspek", "target", "satuan"],
                select(
                    col(Rhk.id),
                    literal(1),
                    literal("Dokumen diselesaikan"),
                    literal("KUANTITAS"),
                    case((col(Rhk.id) % 50 == 0, None), else_=literal(12.0)),
                    literal("dokumen"),
                ).where(col(Rhk.id).in_(cycle_rhk)),
            )
        )
        s.execute(
            insert(Evaluation).from_select(
                ["skp_id", "period_no", "state", "version", "predikat"],
                select(col(Skp.id), literal(1), literal("evaluated"), literal(1), literal("BAIK")).where(in_cycle),
            )
        )
        s.execute(
            insert(Realisasi).from_select(
                ["evaluation_id", "indikator_id", "value", "text"],
                select(col(Evaluation.id), col(Indikator.id), literal(10.0), literal(""))
                .join(Rhk, col(Rhk.skp_id) == col(Evaluation.skp_id))
                .join(Indikator, col(Indikator.rhk_id) == col(Rhk.id))
                .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
                .where(in_cycle, col(Rhk.position) == 1),
            )
        )
        s.execute(
            insert(Evidence).from_select(
                ["realisasi_id", "filename", "content_type", "size", "sha256", "uri"],
                select(
                    col(Realisasi.id),
                    literal("bukti.pdf"),
                    literal("application/pdf"),
                    literal(1),
                    literal("0" * 64),
                    literal("bench://bukti"),
                )
                .join(Evaluation, col(Evaluation.id) == col(Realisasi.evaluation_id))
                .join(Skp, col(Skp.id) == col(Evaluation.skp_id))
                .where(in_cycle, col(Realisasi.id) % 10 != 0),
            )
        )
        s.execute(
            insert(Feedback).from_select(
                ["skp_id", "period_no", "author_id", "text", "at"],
                select(
                    col(Skp.id),
                    literal(1),
                    func.coalesce(col(Skp.penilai_id), col(Skp.pegawai_id)),
                    literal("Pertahankan"),
                    literal(world.BEGIN, Feedback.__table__.c.at.type),  # type: ignore[attr-defined]
                ).where(in_cycle, col(Skp.id) % 3 != 0),
            )
        )
        s.execute(update(Skp).where(in_cycle).values(predikat="BAIK"))
        s.execute(
            insert(Capaian).from_select(
                ["cycle_id", "unit_id", "period_no", "level", "state", "version"],
                select(
                    literal(w.cycle_id), col(Unit.id), literal(0), literal("BAIK"), literal("set"), literal(1)
                ).where(col(Unit.instansi_id) == w.instansi_id),
            )
        )


def measured(db: Engine, w: world.World) -> tuple[float, int, quality.QualityReport]:
    n = 0

    def count(*_: object) -> None:
        nonlocal n
        n += 1

    event.listen(db, "before_cursor_execute", count)
    try:

        def read() -> quality.QualityReport:
            with reading(db) as s:
                return quality.report(s, w.cycle_id, actor=world.ROOT)

        seconds, found = timed(read)
    finally:
        event.remove(db, "before_cursor_execute", count)
    return seconds, n, found


def gate(db: Engine, w: world.World) -> dict[str, int]:
    with reading(db) as s:
        cycle = s.get_one(Cycle, w.cycle_id)
        policy = policy_store.cycle_policy(s, cycle)
        found = checks.check(s, w.cycle_id, policy, checks.skp_rows(s, w.cycle_id), checks.blocking_rules(policy))
    return dict(Counter(p.rule for p in found))


def one(kind: str, n: int) -> dict[str, Any]:
    with scratch(kind) as (db, _):
        say(f"B7 {kind} {n}: importing the organisation and opening the cycle")
        w = world.build(db, n)
        world.open_cycle(db, w)
        say(f"B7 {kind} {n}: planting what the rules find")
        seconds_plant, _ = timed(lambda: plant(db, w))
        tidy(db)
        say(f"B7 {kind} {n}: the quality report")
        cold, statements, found = measured(db, w)
        warm, statements_again, _ = measured(db, w)
        gate_seconds, blocking = timed(lambda: gate(db, w))
    by_rule = Counter(p.rule for p in found.problems)
    assert statements == statements_again, "the report's statements differ between two runs"
    return {
        "database": kind,
        "skps": found.checked,
        "pegawai": n,
        "report_seconds": cold,
        "report_warm_seconds": warm,
        "statements": statements,
        "problems": len(found.problems),
        "by_rule": dict(sorted(by_rule.items())),
        "gate_seconds": gate_seconds,
        "gate_blocking": blocking,
        "plant_seconds": seconds_plant,
    }


def main() -> None:
    args = arguments(
        __doc__ or "",
        quick={"sqlite": [2000], "postgresql": [2000], "name": "b7"},
        full={"sqlite": [100_000], "postgresql": [100_000], "name": "b7"},
    )
    runs = []
    for kind, sizes in (("sqlite", args.sqlite), ("postgresql", args.postgresql)):
        for n in (n for n in sizes if n > 0):
            runs.append(one(kind, n))
            write(args.name, {"runs": runs})
    say("B7 done")


if __name__ == "__main__":
    main()
