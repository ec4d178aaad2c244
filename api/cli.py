"""The `skpflow` command line: serve, migrate, seed a demo, verify the audit trail, check policies, draw diagrams."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from api.diagram import mermaid, svg
from policies.loader import PolicyError, available_presets, content_hash, load_policy_file, load_preset
from states import LIFECYCLES
from workflows import audit, cycle, policy_store
from workflows.actors import Actor
from workflows.db import make_engine, upgrade
from workflows.demo import demo_logins, generate_kabupaten
from workflows.organisation import import_org
from workflows.settings import get_settings
from workflows.tables import Cycle, Pegawai
from workflows.uow import reading, unit_of_work
from workflows.users import ensure_first_admin

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
) -> None:
    """Migrate, create the first admin from SKPFLOW_ADMIN_USER/SKPFLOW_ADMIN_PASSWORD, and serve the API."""
    import uvicorn

    from api.app import create_app

    settings = get_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if settings.admin_user and settings.admin_password:
        with unit_of_work(engine) as s:
            created = ensure_first_admin(s, settings.admin_user, settings.admin_password.get_secret_value(), now=_now())
        if created:
            console.print(f"created the first admin '{settings.admin_user}' (password from SKPFLOW_ADMIN_PASSWORD)")
    base = f"http://{host}:{port}"
    console.print(f"[bold]skpflow[/bold] on {settings.database_url}")
    console.print(f"  API docs:   {base}/docs  (OpenAPI at {base}/openapi.json; log in at {base}/auth/token)")
    console.print("  web UI:     not built yet (issue 7)")
    console.print("  Prefect UI: not served yet (issue 4: the flows exist, their schedules are not served)")
    uvicorn.run(create_app(settings=settings, engine=engine), host=host, port=port, log_level="info")


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
        if if_empty and (s.scalar(select(func.count()).select_from(Pegawai)) or 0) > 0:
            console.print("demo data present; nothing to do")
            return
    payload = generate_kabupaten(pegawai=pegawai, seed=seed)
    root = Actor.admin("seed-demo")
    now = _now()
    with unit_of_work(engine) as s:
        result = import_org(s, payload, actor=root, now=now)
        pv = policy_store.preset(s, get_settings().policy, now=now)
        name = f"SKP {year}"
        existing = s.scalar(select(Cycle).where(col(Cycle.instansi_id) == result.instansi_id, col(Cycle.name) == name))
        cycle_id = (
            existing.id
            if existing
            else cycle.create(
                s, instansi_id=result.instansi_id, year=year, name=name, policy_version_id=pv.id, actor=root, now=now
            ).id
        )
    assert cycle_id is not None
    opened = cycle.open_cycle(lambda: Session(engine, expire_on_commit=False), cycle_id, actor=root, now=now)
    console.print(
        f"imported {result.units_created} units and {result.pegawai_created} pegawai; "
        f"cycle '{name}' is {opened.cycle.state} with {opened.drafted + opened.already} SKPs"
    )
    table = Table("NIP", "name", "who", title="demo logins (password: demo)")
    for nip, person, description in demo_logins(payload):
        table.add_row(nip, person, description)
    console.print(table)


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify every audit chain; exit 1 and name the first bad event if any."""
    with reading(make_engine(get_settings().database_url)) as s:
        result = audit.verify(s)
    if result.ok:
        console.print(f"[green]audit trail verified[/green]: {result.checked} events")
        return
    console.print(f"[red]audit trail broken[/red]: {len(result.problems)} problem(s) in {result.checked} events")
    console.print(f"first bad: {result.first_bad}")
    for problem in result.problems[1:20]:
        console.print(f"  {problem}")
    raise typer.Exit(1)


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
