"""The `skpflow` command line: serve, migrate, seed a demo, simulate a year, verify the audit trail, check policies,
draw diagrams."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import httpx
import typer
import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from api.diagram import mermaid, svg
from api.sealer import Sealer
from policies.loader import PolicyError, available_presets, content_hash, load_policy_file, load_preset
from states import LIFECYCLES
from states.errors import InvalidInput
from workflows.actors import Actor
from workflows.cases import audit_trail
from workflows.cases.org import lookup
from workflows.cases.users import ensure_first_admin
from workflows.flows import schedules
from workflows.simulation.demo import demo_logins, generate_kabupaten
from workflows.simulation.demo_walk import demo_accounts, seed_kabupaten
from workflows.store.db import make_engine, upgrade
from workflows.store.settings import Settings, get_settings, intervals, password_policy, seal_key
from workflows.store.uow import reading, unit_of_work

if TYPE_CHECKING:
    from api import embedded

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
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="Processes serving the API (uvicorn workers, each with its own SKPFLOW_DB_POOL connections and its "
            "own per-user rate limits). More than one needs PostgreSQL: SQLite serialises writers on one file lock.",
        ),
    ] = 1,
    seal: Annotated[
        bool,
        typer.Option(
            "--seal/--no-seal",
            help="With --no-scheduler, seal the audit trail in this process every SKPFLOW_AUDIT_SEAL_EVERY_SECONDS "
            "(--no-seal where a `skpflow worker` seals instead).",
        ),
    ] = True,
) -> None:
    """Migrate, create the first admin from SKPFLOW_ADMIN_USER/SKPFLOW_ADMIN_PASSWORD, and serve the API.

    The API and the pages listen at once; the Prefect server and the worker start beside them (a fresh Prefect
    server takes tens of seconds), and each part says when it is ready.
    """
    started = time.monotonic()

    from api import embedded
    from api.app import serving_engine

    def say(message: str) -> None:
        console.print(f"[dim]{time.monotonic() - started:5.1f} s[/dim]  {message}")

    settings = get_settings()
    _workers_need_postgresql(settings.database_url, workers)
    engine = serving_engine(settings)
    upgrade(engine)
    if settings.admin_user and settings.admin_password:
        password, policy = settings.admin_password.get_secret_value(), password_policy(settings)
        try:
            with unit_of_work(engine) as s:
                created = ensure_first_admin(s, settings.admin_user, password, now=_now(), policy=policy)
        except InvalidInput as exc:  # not a traceback: the operator has a setting to change
            console.print(
                f"[red]not starting[/red]: the first admin '{settings.admin_user}' would get a weak password. "
                + "; ".join(exc.problems)
                + ". Set SKPFLOW_ADMIN_PASSWORD to a stronger one (the policy: SKPFLOW_PASSWORD_MIN_LENGTH, "
                "SKPFLOW_PASSWORD_MIN_SCORE)."
            )
            raise typer.Exit(2) from exc
        if created:
            say(f"created the first admin '{settings.admin_user}' (password from SKPFLOW_ADMIN_PASSWORD)")
    background = None
    prefect_ui = "not running (--no-scheduler)"
    every = settings.audit_seal_every_seconds
    sealer = None if scheduler or not seal else Sealer(engine, every=every, key=seal_key(settings), clock=_now)
    if scheduler:
        background = embedded.Scheduler(
            say,
            home=Path(settings.prefect_home),
            port=prefect_port,
            api_url=os.environ.get("PREFECT_API_URL") or None,
            started_at=started,
        )
        prefect_ui = f"{background.api_url.removesuffix('/api')}  (answers once the Prefect server is ready)"
    base = f"http://{host}:{port}"
    console.print(f"[bold]skpflow[/bold] on {settings.database_url}")
    console.print(f"  web UI:     {base}/ui")
    console.print(f"  API docs:   {base}/docs  (OpenAPI at {base}/openapi.json; log in at {base}/auth/token)")
    console.print(f"  Prefect UI: {prefect_ui}")
    _say_who_seals(sealer, scheduler, every)
    run, ready = _server(settings, engine, host=host, port=port, workers=workers, say=say)
    say(f"waiting for the API to listen on {base}")
    if background is not None:
        say("the Prefect server and the worker start once the API listens (they do not hold it up)")
    threading.Thread(target=_announce, args=(ready, say, f"{base}/ui", engine, background), daemon=True).start()
    # uvicorn raises the signal it stopped on again once it is done; SIGTERM's default action would end the process
    # there, before the Prefect server and the worker are stopped (the worker, orphaned, hangs pausing its
    # deployments on a server that is gone). As an exception it unwinds through the `finally` below.
    if workers == 1:  # the supervisor of several workers stops them on SIGTERM itself, then returns from run()
        signal.signal(signal.SIGTERM, _exit_on_signal)
    if sealer is not None:
        sealer.start()
    try:
        run()
    finally:
        if sealer is not None:
            sealer.stop()
        if background is not None:
            background.stop()


def _say_who_seals(sealer: Sealer | None, scheduler: bool, every: int) -> None:
    if sealer is not None:
        console.print(f"  audit seal: every {every} s in this process (no scheduler)")
    elif not scheduler:
        console.print(
            "[bold red]  audit seal: NOTHING SEALS the audit trail here (--no-scheduler --no-seal): run a "
            "`skpflow worker` or `skpflow audit seal` on a schedule[/bold red]"
        )


def _exit_on_signal(signum: int, _: Any) -> None:
    raise SystemExit(128 + signum)


def _announce(
    ready: Callable[[], bool | None],
    say: Callable[[str], None],
    url: str,
    engine: Engine,
    background: embedded.Scheduler | None,
) -> None:
    """Say when the API answers (`ready`: True once it listens, None once it stopped without), then the accounts that
    still have a demo password, then start the scheduler: checking a password and importing Prefect take CPU the
    API's own start should not compete with."""
    while (state := ready()) is False:
        time.sleep(0.05)
    if not state:
        return
    say(f"[green]API and web UI ready[/green]: {url}")
    with reading(engine) as s:
        logins = demo_accounts(s)
    if logins:
        table = Table("login", "name", "who", "password", title="demo logins (change these passwords for real use)")
        for login in logins:
            table.add_row(login.login, login.name, login.what, login.password)
        console.print(table)
    if background is not None:
        background.start()


def _workers_need_postgresql(url: str, workers: int) -> None:
    if workers > 1 and url.startswith("sqlite"):
        console.print(
            f"[red]not starting[/red]: --workers {workers} needs PostgreSQL (SKPFLOW_DATABASE_URL); several processes "
            "writing one SQLite file wait on its lock. Use --workers 1 with SQLite."
        )
        raise typer.Exit(2)


def _server(
    settings: Settings, engine: Engine, *, host: str, port: int, workers: int, say: Callable[[str], None]
) -> tuple[Callable[[], None], Callable[[], bool | None]]:
    """How to run the API and how to tell it is up (True: it answers; None: it stopped without). One worker serves
    the app in this process; several are uvicorn's supervised worker processes, each building the app from the
    settings, the presets pinned here first so that none races another."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from api.app import create_app, pin_presets

    if workers == 1:
        server = uvicorn.Server(uvicorn.Config(create_app(settings=settings, engine=engine), host=host, port=port))

        def started() -> bool | None:  # uvicorn sets `started` once its sockets are bound
            return True if server.started else (None if server.should_exit else False)

        return server.run, started
    pin_presets(engine, _now())
    say(f"{workers} worker processes serve the API")
    config = uvicorn.Config("api.app:create_app", factory=True, host=host, port=port, workers=workers)
    supervisor = Multiprocess(config, sockets=[config.bind_socket()])
    return supervisor.run, lambda: _answers(f"http://127.0.0.1:{port}/health")


def _answers(url: str) -> bool:
    """Whether the API answers at `url` (a worker has started behind the supervisor's socket)."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


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
    agreed_levels: Annotated[
        int,
        typer.Option(
            min=0,
            help="Levels of the penilai chain, from the top (1: the Sekda), whose SKPs are planned, cascaded and "
            "agreed through the use cases, so an atasan below can cascade at once (`make run` uses 1).",
        ),
    ] = 0,
) -> None:
    """Import a demo kabupaten, create its cycle on the national preset, and open it (one SKP per pegawai)."""
    engine = make_engine(get_settings().database_url)
    upgrade(engine)
    with unit_of_work(engine) as s:
        if if_empty and lookup.any_pegawai(s):
            console.print("demo data present; nothing to do")
            return
    payload = generate_kabupaten(pegawai=pegawai, seed=seed)
    policy = get_settings().policy
    done = seed_kabupaten(engine, payload, year=year, policy=policy, agreed_levels=agreed_levels, now=_now())
    console.print(
        f"imported {done.imported.units_created} units and {done.imported.pegawai_created} pegawai; "
        f"cycle '{done.cycle_name}' is {done.opened.cycle.state} with {done.opened.drafted + done.opened.already} SKPs"
    )
    if agreed_levels:
        agreed = [f"level {lv.level}: {lv.skps}" for lv in done.levels if lv.agreed]
        console.print(f"planned and agreed the SKPs of the penilai chain's top levels ({', '.join(agreed)})")
    forced = "" if get_settings().demo else "; to be changed at first login outside SKPFLOW_DEMO"
    title = f"demo logins (password: demo{forced})"
    table = Table("NIP", "name", "who", title=title)
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
    row = audit_trail.seal_now(
        make_engine(settings.database_url), now=datetime.now(UTC), by="cli", key=seal_key(settings)
    )
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
