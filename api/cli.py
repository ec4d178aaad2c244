"""The `skpflow` command line: serve, migrate, seed a demo, simulate a year, verify the audit trail, check policies,
draw diagrams."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import httpx
import typer
import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from api.diagram import mermaid, svg
from policies.loader import PolicyError, available_presets, content_hash, load_policy_file, load_preset
from states import LIFECYCLES
from workflows.actors import Actor
from workflows.cases import audit_trail, cycles, policy_store
from workflows.cases.org import lookup
from workflows.cases.org.imports import import_org
from workflows.cases.users import ensure_first_admin
from workflows.flows import schedules
from workflows.simulation.demo import demo_logins, generate_kabupaten
from workflows.store.db import make_engine, upgrade
from workflows.store.settings import get_settings, intervals
from workflows.store.uow import reading, unit_of_work

app = typer.Typer(help="skpflow: the SKP cycle as persisted, audited state machines.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
policy_app = typer.Typer(help="Policies: the national preset and instansi versions.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(policy_app, name="policy")
console = Console()


def _now() -> datetime:
    return datetime.now(UTC)  # the edge of the system: everything below receives `now`


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    upgrade(make_engine(get_settings().database_url))
    console.print(f"[green]database at head[/green] ({get_settings().database_url})")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    scheduler: Annotated[
        bool,
        typer.Option(
            "--scheduler/--no-scheduler",
            help="Also run the schedules: a `skpflow worker` against PREFECT_API_URL, or against a local Prefect "
            "server started here when PREFECT_API_URL is not set.",
        ),
    ] = True,
    prefect_port: Annotated[int, typer.Option(help="Port of the local Prefect server (and its UI).")] = 4200,
) -> None:
    """Migrate, create the first admin from SKPFLOW_ADMIN_USER/SKPFLOW_ADMIN_PASSWORD, and serve the API."""
    import uvicorn

    from api import embedded
    from api.app import create_app, serving_engine

    settings = get_settings()
    engine = serving_engine(settings)
    upgrade(engine)
    if settings.admin_user and settings.admin_password:
        with unit_of_work(engine) as s:
            created = ensure_first_admin(s, settings.admin_user, settings.admin_password.get_secret_value(), now=_now())
        if created:
            console.print(f"created the first admin '{settings.admin_user}' (password from SKPFLOW_ADMIN_PASSWORD)")
    children = []
    prefect_ui = "not running (--no-scheduler)"
    try:
        if scheduler:
            api_url = os.environ.get("PREFECT_API_URL")
            if not api_url:
                console.print(f"starting a local Prefect server on port {prefect_port} (log: {settings.prefect_home})")
                children.append(embedded.prefect_server(Path(settings.prefect_home), prefect_port))
                api_url = f"http://127.0.0.1:{prefect_port}/api"
                embedded.wait_healthy(api_url, children[0])
            children.append(embedded.worker(api_url))
            prefect_ui = api_url.removesuffix("/api")
        base = f"http://{host}:{port}"
        console.print(f"[bold]skpflow[/bold] on {settings.database_url}")
        console.print(f"  API docs:   {base}/docs  (OpenAPI at {base}/openapi.json; log in at {base}/auth/token)")
        console.print(f"  web UI:     {base}/ui  (demo logins: skpflow seed-demo prints them; HR: SKPFLOW_ADMIN_USER)")
        console.print(f"  Prefect UI: {prefect_ui}  (the schedules: `skpflow schedule`)")
        uvicorn.run(create_app(settings=settings, engine=engine), host=host, port=port, log_level="info")
    finally:
        embedded.stop(children)


def _plan_now() -> list[schedules.Planned]:
    engine = make_engine(get_settings().database_url)
    try:
        with reading(engine) as s:
            return schedules.plan(s)
    finally:
        engine.dispose()


@app.command("schedule")
def schedule_show(as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False) -> None:
    """The schedules the running cycles' policies ask for: workflow, zone, cron, cycles and the next run."""
    from croniter import croniter

    plan = _plan_now()
    now = _now()
    rows: list[dict[str, Any]] = [
        {
            "workflow": p.workflow,
            "zone": p.zone,
            "cron": p.cron,
            "cycles": list(p.cycles),
            "next_run": croniter(p.cron, now.astimezone(ZoneInfo(p.zone))).get_next(datetime).isoformat(),
        }
        for p in plan
    ]
    for workflow, interval in sorted(intervals(get_settings()).items()):
        rows.append({"workflow": workflow, "zone": "-", "cron": f"every {int(interval.total_seconds())} s"})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("workflow", "zone", "cron", "cycles", "next run", title="schedules from the running cycles' policies")
    for r in rows:
        table.add_row(
            r["workflow"], r["zone"], r["cron"], ", ".join(map(str, r.get("cycles", []))), r.get("next_run", "")
        )
    console.print(table if rows else "no running cycle: nothing is scheduled")


@app.command()
def worker(
    pool: Annotated[
        str | None,
        typer.Option(help="A process work pool: deploy the schedules there and poll it. Without: serve them here."),
    ] = None,
    deploy: Annotated[
        bool, typer.Option("--deploy/--no-deploy", help="With --pool: (re)deploy the schedules; extra workers skip it.")
    ] = True,
) -> None:
    """Run the schedules of the running cycles' policies against the Prefect server at PREFECT_API_URL.

    Every few minutes (SKPFLOW_REPLAN_EVERY_SECONDS) the plan is read again: new schedules are deployed, ones no
    longer needed are paused. Flow runs read and write SKPFLOW_DATABASE_URL.
    """
    from prefect.settings import PREFECT_API_URL

    from workflows.flows import scheduler

    if not PREFECT_API_URL.value():
        console.print(
            "[red]PREFECT_API_URL is not set[/red]: point it at a Prefect server (e.g. http://127.0.0.1:4200/api), "
            "or use `skpflow serve`, which starts one."
        )
        raise typer.Exit(2)
    settings = get_settings()
    every, replan = intervals(settings), float(settings.replan_every_seconds)
    if pool is None:
        job = scheduler.serve(_plan_now, every=every, replan_every=replan)
    else:
        job = scheduler.work(_plan_now, pool, every=every, replan_every=replan, deploy=deploy)

    async def until_stopped() -> None:  # SIGTERM (from `skpflow serve` or a supervisor) ends it quietly
        main = asyncio.current_task()
        assert main is not None
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await job

    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(until_stopped())
    except httpx.ConnectError as exc:  # not a traceback: the operator has a URL to check
        console.print(f"[red]cannot reach the Prefect API at {PREFECT_API_URL.value()}[/red]: {exc}")
        raise typer.Exit(2) from exc


@app.command("seed-demo")
def seed_demo(
    pegawai: Annotated[int, typer.Option(help="Number of pegawai in the demo kabupaten.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same organisation.")] = 2026,
    year: Annotated[int, typer.Option(help="Year of the demo cycle.")] = 2026,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when pegawai exist already.")] = False,
) -> None:
    """Import a demo kabupaten, create its cycle on the national preset, and open it (one SKP per pegawai)."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    with unit_of_work(engine) as s:
        if if_empty and lookup.any_pegawai(s):
            console.print("demo data present; nothing to do")
            return
    payload = generate_kabupaten(pegawai=pegawai, seed=seed)
    root = Actor.admin("seed-demo")
    now = _now()
    with unit_of_work(engine) as s:
        result = import_org(s, payload, actor=root, now=now)
        pv = policy_store.preset(s, get_settings().policy, now=now)
        name = f"SKP {year}"
        existing = cycles.named(s, result.instansi_id, name)
        cycle_id = (
            existing.id
            if existing
            else cycles.create(
                s, instansi_id=result.instansi_id, year=year, name=name, policy_version_id=pv.id, actor=root, now=now
            ).id
        )
    assert cycle_id is not None
    opened = cycles.open_cycle(lambda: Session(engine, expire_on_commit=False), cycle_id, actor=root, now=now)
    console.print(
        f"imported {result.units_created} units and {result.pegawai_created} pegawai; "
        f"cycle '{name}' is {opened.cycle.state} with {opened.drafted + opened.already} SKPs"
    )
    table = Table("NIP", "name", "who", title="demo logins (password: demo)")
    for nip, person, description in demo_logins(payload):
        table.add_row(nip, person, description)
    console.print(table)


@app.command("simulate")
def simulate_year(
    pegawai: Annotated[int, typer.Option(min=1, help="Number of pegawai in the demo kabupaten.")] = 2000,
    year: Annotated[int, typer.Option(min=2000, max=2099, help="The cycle year simulated.")] = 2026,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same year.")] = 2026,
    out: Annotated[Path, typer.Option(help="Folder for report.md, report.json and distribution.png.")] = Path(
        "var/simulate"
    ),
    database_url: Annotated[
        str | None, typer.Option(help="Database to simulate in (default: a fresh sqlite:///<out>/simulate.db).")
    ] = None,
) -> None:
    """Simulate a whole cycle year of a demo kabupaten through the real use cases and workflows; report it."""
    from api.simulate import simulate

    code = simulate(pegawai, year, seed, out, database_url, console)
    if code:
        raise typer.Exit(code)


@audit_app.command("verify")
def audit_verify(
    expect: Annotated[
        str | None, typer.Option(help="A seal's mac or root you published earlier: verification fails without it.")
    ] = None,
) -> None:
    """Verify every audit chain and the seals; exit 1 and name the first bad event if any."""
    settings = get_settings()
    with reading(make_engine(settings.database_url)) as s:
        result = audit_trail.verify_for(s, Actor.admin("cli"), audit_trail.checks(settings, datetime.now(UTC), expect))
    if result.ok:
        console.print(f"[green]audit trail verified[/green]: {result.checked} events")
        return
    console.print(f"[red]audit trail broken[/red]: {len(result.problems)} problem(s) in {result.checked} events")
    console.print(f"first bad: {result.first_bad}")
    for problem in result.problems[1:20]:
        console.print(f"  {problem}")
    raise typer.Exit(1)


@audit_app.command("seal")
def audit_seal_now() -> None:
    """Seal the audit trail as it stands and print the root to publish (keyed with SKPFLOW_AUDIT_SEAL_KEY)."""
    settings = get_settings()
    row = audit_trail.seal_now(make_engine(settings.database_url), now=datetime.now(UTC), by="cli", settings=settings)
    kind = "HMAC-SHA256" if row.keyed else "SHA-256, unkeyed: publish the root"
    console.print(f"seal #{row.id}: {row.chains} chains, {row.events} events up to audit id {row.watermark}")
    console.print(f"root {row.root}")
    console.print(f"mac  {row.mac} ({kind})")


@policy_app.command("validate")
def policy_validate(path: Path) -> None:
    """Validate a policy file (a full policy or an instansi overlay on a preset)."""
    try:
        policy = load_policy_file(path)
    except PolicyError as exc:
        console.print(f"[red]invalid policy[/red] {path}:\n{exc}")
        raise typer.Exit(1) from exc
    console.print(f"[green]valid[/green]: {policy.name} {policy.version} (base {policy.base or '-'})")


@policy_app.command("show")
def policy_show(
    name: Annotated[str, typer.Argument(help="A preset name or a policy file.")] = "permenpanrb-6-2022",
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of YAML.")] = False,
) -> None:
    """Print a policy fully resolved (overlays applied), with its content hash."""
    try:
        policy = load_policy_file(name) if Path(name).exists() else load_preset(name)
    except (PolicyError, FileNotFoundError, KeyError) as exc:
        console.print(f"[red]{exc}[/red] (presets: {', '.join(available_presets())})")
        raise typer.Exit(1) from exc
    document = policy.model_dump(mode="json")
    text = (
        json.dumps(document, indent=2, ensure_ascii=False)
        if as_json
        else yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    )
    typer.echo(text)
    typer.echo(f"# content hash: {content_hash(policy)}")


@app.command()
def diagram(
    out: Annotated[Path, typer.Option(help="Folder for the diagrams.")] = Path("docs/diagrams"),
    render: Annotated[bool, typer.Option(help="Also render SVG with Graphviz.")] = True,
) -> None:
    """Draw every lifecycle from its transition table: Mermaid (.mmd) and SVG."""
    out.mkdir(parents=True, exist_ok=True)
    for name, lc in LIFECYCLES.items():
        (out / f"{name}.mmd").write_text(mermaid(lc))
        if render:
            (out / f"{name}.svg").write_bytes(svg(lc))
        console.print(f"drew {name}: {out / name}.mmd" + (" and .svg" if render else ""))
