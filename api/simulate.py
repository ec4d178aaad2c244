"""`skpflow simulate`: run a simulated year, write its report (Markdown, JSON, a PNG chart), check it against the
database, and say so."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from policies.schema import Policy
from states.enums import Predikat
from workflows.cases import policy_store
from workflows.simulation.figures import differences, from_database, from_ledger, why_open
from workflows.simulation.simulator import Ledger, Simulation
from workflows.store.db import make_engine, upgrade
from workflows.store.uow import reading

COLOURS = {
    Predikat.SANGAT_BAIK.value: "#1a7f37",
    Predikat.BAIK.value: "#7ec27e",
    Predikat.BUTUH_PERBAIKAN.value: "#f2c12e",
    Predikat.KURANG.value: "#e8793a",
    Predikat.SANGAT_KURANG.value: "#c62828",
}
CHART_UNITS = 40


def fresh_sqlite(url: str) -> None:
    """Delete a SQLite database file and its WAL companions, so the simulation starts from nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(parsed.database + suffix).unlink(missing_ok=True)


def scratch(engine: Engine) -> None:
    """The simulation's own SQLite file is thrown away once the report is written, so it skips fsync
    (synchronous=OFF: a crash may lose the file, never a real database's data) and keeps more pages in memory."""

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=OFF")
        dbapi_connection.execute("PRAGMA cache_size=-131072")  # 128 MiB instead of 2


def simulate(pegawai: int, year: int, seed: int, out: Path, database_url: str | None, console: Console) -> int:
    """Run the simulation and write its report; the exit code: 0, or 1 when the audit or the figures fail."""
    out.mkdir(parents=True, exist_ok=True)
    url = database_url or f"sqlite:///{out / 'simulate.db'}"
    fresh_sqlite(url)
    engine = make_engine(url)
    if database_url is None:
        scratch(engine)
    started = time.perf_counter()  # the simulation's own runtime; simulated time never reads the clock
    cpu = time.process_time()  # on a shared machine its CPU time says more than its wall time
    upgrade(engine)
    with Progress(
        TextColumn("[bold]simulating[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(f"{year} with {pegawai} pegawai", total=None)

        def progress(done: int, total: int, label: str) -> None:
            bar.update(task, completed=done, total=total, description=f"{label} ({pegawai} pegawai)")

        sim = Simulation(engine, pegawai=pegawai, year=year, seed=seed, progress=progress)
        ledger = sim.run()
    simulated = time.perf_counter() - started
    policy = cycle_policy(engine, ledger.cycle_id)
    report = from_ledger(engine, ledger, policy, year, len(sim.sender.sent))
    database = from_database(engine, ledger.cycle_id, policy, year)
    problems = differences(report, database)
    if not report["audit"]["ok"]:
        problems.insert(0, f"the audit trail does not verify: {report['audit']['first_bad']}")
    total = time.perf_counter() - started
    report = {
        "pegawai": pegawai,
        "year": year,
        "seed": seed,
        "database": make_url(url).render_as_string(hide_password=True),
        "cycle_id": ledger.cycle_id,
        "cycle_state": ledger.cycle_state,
        "cycle_not_closed": ledger.cycle_not_closed,
        "open_because": why_open(engine, ledger.cycle_id, report["units_violating"])
        if ledger.cycle_not_closed
        else None,
        "mutasi": ledger.mutasi,
        "refused": dict(ledger.refused),
        "refusals": ledger.refusals,
        "not_performed_beyond_horizon": ledger.beyond_horizon,
        "seconds": {
            "simulation": round(simulated, 1),
            "total": round(total, 1),
            "cpu": round(time.process_time() - cpu, 1),
            "by_work": {k: round(v, 1) for k, v in sorted(ledger.seconds.items(), key=lambda kv: -kv[1]) if v >= 0.05},
            "per_call_ms": {  # the use cases performed in chunks, most frequent first: own time per call
                name: {
                    "calls": n,
                    "ms": round(1000 * ledger.call_seconds[name] / n, 3),
                    "statements": round(ledger.call_statements[name] / n, 1),
                }
                for name, n in ledger.calls.most_common()
            },
        },
        **report,
        "consistent_with_database": not problems,
        "problems": problems,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    chart = out / "distribution.png"
    write_chart(report["distribution"], chart, pegawai, year)
    (out / "report.md").write_text(markdown(report, ledger, chart.name))
    summary(console, report, out)
    return 0 if not problems else 1


def cycle_policy(engine: Engine, cycle_id: int) -> Policy:
    with reading(engine) as s:
        return policy_store.pinned_policy(s, cycle_id)


# --- the chart ---------------------------------------------------------------------------------------------------


def write_chart(distribution: Mapping[str, Mapping[str, Any]], path: Path, pegawai: int, year: int) -> None:
    """Stacked predikat shares of the largest units, violators marked; matplotlib's Agg backend, no display."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sized = sorted(distribution.items(), key=lambda kv: (-sum(kv[1]["counts"].values()), kv[0]))[:CHART_UNITS]
    sized.reverse()
    fig, ax = plt.subplots(figsize=(11, max(4.0, 0.28 * len(sized) + 1.8)), dpi=110)
    lefts = [0.0] * len(sized)
    for p in Predikat:
        shares = []
        for _, d in sized:
            n = sum(d["counts"].values()) or 1
            shares.append(d["counts"][p.value] / n)
        ax.barh(range(len(sized)), shares, left=lefts, color=COLOURS[p.value], label=p.value.replace("_", " ").title())
        lefts = [a + b for a, b in zip(lefts, shares, strict=True)]
    labels = [
        f"{code} ({sum(d['counts'].values())}, {d['level'] or '-'})" + ("  ✗" if d["violations"] else "")
        for code, d in sized
    ]
    ax.set_yticks(range(len(sized)), labels, fontsize=7)
    for tick, (_, d) in zip(ax.get_yticklabels(), sized, strict=True):
        if d["violations"]:
            tick.set_color("#c62828")
    ax.axvline(0.7, color="#333", linestyle="--", linewidth=0.8)
    ax.text(0.7, len(sized) - 0.3, " 70% cap", fontsize=7, va="bottom")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the unit's SKPs")
    violating = sum(1 for d in distribution.values() if d["violations"])
    ax.set_title(
        f"Predikat per unit, {year} — simulated kabupaten of {pegawai} pegawai\n"
        f"largest {len(sized)} of {len(distribution)} units (size, capaian); red ✗: breaks the curve "
        f"({violating} units in all)",
        fontsize=9,
    )
    ax.legend(ncol=5, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


# --- the report ------------------------------------------------------------------------------------------------


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    return [
        "| " + " | ".join(head) + " |",
        "|" + "|".join("---" for _ in head) + "|",
        *("| " + " | ".join(str(c) for c in row) + " |" for row in rows),
    ]


def _open_because(counts: Mapping[str, int]) -> str:
    return (
        f"{counts['assessed_in_units_breaking_the_curve']} assessed in units whose predikat break the curve, which "
        f"holds their follow-up back; {counts['assessed_elsewhere']} assessed elsewhere; {counts['not_assessed']} "
        "never assessed"
    )


def markdown(report: Mapping[str, Any], ledger: Ledger, chart: str) -> str:
    states = sorted({s for counts in report["states_over_time"].values() for s in counts} | set(report["final_states"]))
    lines = [
        f"# Simulated SKP year {report['year']}: {report['pegawai']} pegawai (seed {report['seed']})",
        "",
        f"Cycle {report['cycle_id']} ends the simulation in **{report['cycle_state']}**"
        + (
            f" ({report['cycle_not_closed']}: {_open_because(report['open_because'])})"
            if report["cycle_not_closed"]
            else ""
        )
        + f". Simulated in {report['seconds']['simulation']} s; with the report and its checks "
        f"{report['seconds']['total']} s.",
        "",
        "**Audit chain**: "
        + (
            f"verified, {report['audit']['events']} events."
            if report["audit"]["ok"]
            else f"BROKEN: {report['audit']['first_bad']}"
        ),
        "",
        "**Figures against the database**: "
        + (
            "every figure below was recomputed from the database with independent SQL and agrees."
            if report["consistent_with_database"]
            else "DISAGREE:\n\n" + "\n".join(f"- {p}" for p in report["problems"])
        ),
        "",
        "## SKP states at each month's end",
        "",
        *_table(
            ["month", *states],
            [[m, *(c.get(s, 0) for s in states)] for m, c in report["states_over_time"].items()]
            + [["end", *(report["final_states"].get(s, 0) for s in states)]],
        ),
        "",
        "## Deadline compliance",
        "",
        "On time: done before the due instant (00:00 of the day after the due day, in the unit's zone); late: done at "
        "or after it; pending: not done by the end of the simulation.",
        "",
        *_table(
            ["deadline", "on time", "late", "pending"],
            [[k, t["on_time"], t["late"], t["pending"]] for k, t in report["compliance_totals"].items()],
        ),
        "",
        f"Deadline sweeps took {report['deadline_steps']['steps']} ladder steps; notifications by action: "
        + ", ".join(f"{k} {v}" for k, v in report["deadline_steps"]["notified"].items())
        + "; automatic actions: "
        + (", ".join(f"{k} {v}" for k, v in report["deadline_steps"]["auto_actions"].items()) or "none")
        + f". {report['notifications_delivered']} notifications were delivered (a recording sender; pegawai "
        "without an e-mail address get a `no_address` row instead).",
        "",
        "### Per unit (on time / late / pending)",
        "",
    ]
    keys = list(report["compliance"])
    units = sorted({u for per_unit in report["compliance"].values() for u in per_unit})
    lines += _table(
        ["unit", *keys],
        [
            [
                u,
                *(
                    "{on_time}/{late}/{pending}".format(**report["compliance"][k][u])
                    if u in report["compliance"][k]
                    else "-"
                    for k in keys
                ),
            ]
            for u in units
        ],
    )
    predikat = [p.value for p in Predikat]
    dist = report["distribution"]
    lines += [
        "",
        "## Predikat distribution against the curve",
        "",
        f"![predikat per unit]({chart})",
        "",
        *_table(["", *predikat], [["all units", *(report["distribution_totals"][p] for p in predikat)]]),
        "",
        f"{len(report['units_violating'])} of {len(dist)} rated units break the curve for their capaian level "
        "(the national preset's mode is hard: their SKPs stay assessed, their follow-up is refused).",
        "",
        *_table(
            ["unit", "capaian", *predikat, "violations"],
            [
                [u, d["level"] or "-", *(d["counts"][p] for p in predikat), "; ".join(d["violations"]) or "—"]
                for u, d in dist.items()
            ],
        ),
        "",
        "## Follow-up cases opened",
        "",
        *_table(["kind", "cases"], [[k, v] for k, v in report["follow_up_cases"].items()] or [["none", 0]]),
        "",
        "## What the people did",
        "",
        *_table(["action", "times"], [[k, v] for k, v in report["actions"].items()]),
        "",
        *everyday_cases(report),
        "Mutasi: "
        + (
            "; ".join(
                f"{m['nip']} to {m['to_unit']} (SKP {m['from_skp']} assessed, SKP {m['new_skp']} drafted)"
                for m in ledger.mutasi
            )
            or "none"
        ),
        "",
        f"Use-case calls refused: {sum(report['refused'].values())}"
        + (" (" + ", ".join(f"{k} {v}" for k, v in report["refused"].items()) + ")" if report["refused"] else "")
        + f"; actions drawn for after the simulated horizon: {report['not_performed_beyond_horizon']}.",
        "",
    ]
    return "\n".join(lines)


def everyday_cases(report: Mapping[str, Any]) -> list[str]:
    """The regulation's everyday cases the simulation ran, each counted and checked against the database."""
    st, mid, pk, ac = report["status_periods"], report["mid_year_skps"], report["pppk_contracts"], report["acting"]
    i3, qp, dk = report["input_360"], report["quality_planted"], report["dialog_kinerja"]
    lines = [
        "## Everyday cases, checked against the database",
        "",
        *_table(
            ["case", "count", "checked"],
            [
                [
                    "away all year (tugas belajar, CLTN from before the cycle)",
                    st["out_all_year"]["pegawai"],
                    f"{st['out_all_year']['skps']} SKPs drafted for them (none expected)",
                ],
                [
                    "status starting in July (CLTN)",
                    st["starting"]["pegawai"],
                    f"{st['starting']['closed_the_day_before']} SKPs closed the day before it starts",
                ],
                [
                    "status ending in October (tugas belajar)",
                    st["ending"]["pegawai"],
                    f"{st['ending']['drafted_the_day_after']} SKPs drafted from the day after",
                ],
                [
                    "mid-year SKPs (mutasi, status ended)",
                    mid["skps"],
                    f"{mid['agreement_steps']} agreement steps, {mid['steps_due_as_policy']} due from the SKP's own "
                    f"start; {mid['overdue_on_first_day']} overdue on their first day",
                ],
            ],
        ),
        "",
        f"Plt by SK (a head of another unit, keeping their own post): {ac['sks']} SK; {ac['skps_moved']} SKPs of the "
        f"unit's staff moved to the Plt when it began, {ac['moved_back']} moved back when it ended, "
        f"{ac['reverted_to_head']} rated by their head again; {ac['reassigned_events']} `reassigned` events; "
        f"{ac['rated_by_official']} periodic ratings by the Plt while it ran, "
        f"{ac['rated_by_others_while_running']} by anyone else.",
        "",
        f"360 input in {i3['units']} unit: pemberi pertimbangan named {i3['named']} times for the annual perilaku of "
        f"{i3['skps']} SKPs, {i3['submitted']} answered (audited: {i3['audited_named']} named, "
        f"{i3['audited_submitted']} submitted).",
        "",
        f"The qualitative approach in {report['qualitative']['units']} unit: {report['qualitative']['skps']} SKPs "
        f"planned with a qualitative indikator (an ekspektasi, no target); {report['qualitative']['rated']} of its "
        "periodic realisasi rated by the pejabat penilai against it.",
        "",
        f"Dialog kinerja (umpan balik due every {dk['every_weeks']} weeks): {dk['steps']} nudge steps taken, "
        + ", ".join(f"{n} {action}" for action, n in dk["notified"].items())
        + f" sent, about {dk['skps_nudged']} SKPs whose umpan balik had lapsed; {dk['answered']} umpan balik given "
        f"after a nudge. Sent though umpan balik had been given: {dk['nudged_despite_feedback']}; lapsed at the last "
        f"sweep without its nudge: {dk['lapsed_without_nudge']}.",
        "",
        f"Quality problems planted: {qp['orphan_rhk_planted']} heads' SKPs with an RHK Utama no bawahan intervenes; "
        f"the quality report names {qp['orphan_rhk_found']} of them (orphan_atasan_rhk).",
        "",
        f"PPPK contracts: {pk['contracts']} recorded, {pk['opening_passed']} whose recommendation opened within the "
        f"horizon, {pk['with_case']} with a recommendation case ({pk['case_before_opening']} before their opening, "
        f"{pk['opening_passed_without_case']} missing); PPPK on the PNS sanction path: {pk['pppk_sanction_cases']}.",
        "",
        "TPP export per period (rows against the evaluations with a periodic predikat): "
        + ", ".join(f"{n}: {t['rows']}/{t['rated']}" for n, t in report["tpp_export"].items())
        + ".",
        "",
    ]
    return lines


def summary(console: Console, report: Mapping[str, Any], out: Path) -> None:
    table = Table("deadline", "on time", "late", "pending", title="deadline compliance")
    for k, t in report["compliance_totals"].items():
        table.add_row(k, str(t["on_time"]), str(t["late"]), str(t["pending"]))
    console.print(table)
    dist = Table(*["", *(p.value for p in Predikat)], title="predikat")
    dist.add_row("all units", *(str(report["distribution_totals"][p.value]) for p in Predikat))
    console.print(dist)
    console.print(
        f"units breaking the curve: {len(report['units_violating'])} of {len(report['distribution'])}; "
        f"follow-up cases: {report['follow_up_cases'] or 'none'}; cycle ends in {report['cycle_state']}"
    )
    audit = report["audit"]
    console.print(
        f"[green]audit trail verified[/green]: {audit['events']} events"
        if audit["ok"]
        else f"[red]audit trail broken[/red]: {audit['first_bad']}"
    )
    if report["consistent_with_database"]:
        console.print("[green]report consistent with the database[/green]")
    else:
        console.print("[red]report and database disagree[/red]:")
        for p in report["problems"][:20]:
            console.print(f"  {p}")
    console.print(
        f"simulated in {report['seconds']['simulation']} s ({report['seconds']['total']} s with report and checks, "
        f"{report['seconds']['cpu']} s of CPU); "
        f"wrote {out / 'report.md'}, {out / 'report.json'}, {out / 'distribution.png'}"
    )
