"""B1: the `enforce-deadlines` sweep over N drafted SKPs whose whole SKP-agreement ladder is due, against the
hand-written SQL for the same rows and the naive per-SKP path on a sample. Also records `open-cycle` at each size
(how the SKPs are made), which B5 reads."""

from __future__ import annotations

from typing import Any

from bench import deadline_paths as paths
from bench import world
from bench.common import BENCH, arguments, child, say, scratch, tidy, timed, write


def one(kind: str, n: int, sample: int, chunk: int, profile: bool) -> dict[str, Any]:
    with scratch(kind) as (db, url):
        say(f"B1 {kind} {n}: importing the organisation")
        w = world.build(db, n)
        tidy(db)  # as B3 does: open-cycle timed on analysed tables, not racing autovacuum over the fresh import
        seconds_open, opened = timed(lambda: world.open_cycle(db, w))
        skps = world.skp_count(db, w)
        tidy(db)
        as_of = world.agreement_overdue(db, w)
        say(f"B1 {kind} {n}: {skps} SKPs drafted in {seconds_open:.1f} s; hand-written SQL")
        seconds_sql, _ = timed(lambda: paths.hand_sql(db, w.cycle_id, as_of))
        by_sql = paths.produced(db)
        paths.undo(db, w.cycle_id)
        tidy(db)
        ids = paths.first_ids(db, w.cycle_id, sample)
        say(f"B1 {kind} {n}: naive path on {len(ids)} SKPs")
        seconds_naive, _ = timed(lambda: paths.naive(db, w.cycle_id, as_of, ids))
        by_naive = paths.produced(db)
        paths.undo(db, w.cycle_id)
        tidy(db)
        say(f"B1 {kind} {n}: skpflow sweep")
        swept = child("bench.deadline_paths", "sweep", url, str(w.cycle_id), as_of.isoformat(), str(chunk))
        by_sweep = paths.produced(db)
        rerun = child("bench.deadline_paths", "sweep", url, str(w.cycle_id), as_of.isoformat(), str(chunk))
        profile_path = None
        if profile:
            paths.undo(db, w.cycle_id)
            tidy(db)
            profile_path = BENCH / "profiles" / f"b1_{kind}_{n}.html"
            say(f"B1 {kind} {n}: the sweep again under pyinstrument")
            child(
                "bench.deadline_paths",
                "sweep",
                url,
                str(w.cycle_id),
                as_of.isoformat(),
                str(chunk),
                profile=profile_path,
            )
    naive_per_skp = seconds_naive / max(len(ids), 1)
    return {
        "database": kind,
        "skps": skps,
        "open_cycle_seconds": seconds_open,
        "open_cycle_drafted": opened["drafted"],
        "sweep_seconds": swept["seconds"],
        "sweep_rss_mb": swept["rss_mb"],
        "sweep_rss_before_mb": swept["rss_before_mb"],
        "sweep_rerun_seconds": rerun["seconds"],
        "sweep_rerun_steps": rerun["steps"],
        "hand_sql_seconds": seconds_sql,
        "naive_sample": len(ids),
        "naive_sample_seconds": seconds_naive,
        "naive_extrapolated_seconds": naive_per_skp * skps,
        "rows_sweep": by_sweep,
        "rows_hand_sql": by_sql,
        "rows_naive_sample": by_naive,
        "ratio_to_hand_sql": swept["seconds"] / seconds_sql,
        "speedup_over_naive": naive_per_skp * skps / swept["seconds"],
        "profile": str(profile_path.relative_to(BENCH)) if profile_path else None,
    }


def main() -> None:
    args = arguments(
        __doc__ or "",
        quick={
            "sqlite": [2000],
            "postgresql": [1000, 3000],
            "sample": 100,
            "chunk": 5000,
            "profile_at": 0,
            "name": "b1",
        },
        full={
            "sqlite": [100_000],
            "postgresql": [10_000, 100_000, 1_000_000],
            "sample": 1000,
            "chunk": 5000,
            "profile_at": 100_000,
            "name": "b1",
        },
    )
    runs = []
    for kind, sizes in (("sqlite", args.sqlite), ("postgresql", args.postgresql)):
        for n in (n for n in sizes if n > 0):
            runs.append(one(kind, n, args.sample, args.chunk, profile=n == args.profile_at))
            write(args.name, {"runs": runs})
    say("B1 done")


if __name__ == "__main__":
    main()
