"""Imports point one way: api → workflows → policies → states (shared/style.md); inside workflows, room by room.

The rooms of `workflows/`, lowest first: `store` (tables, migrations, sessions, settings, files), `audit` (the hash
chains and their seals), `engine` (the only writer of a lifecycle state), `cases` (the use cases), `queries` (read
models), `flows` (the time-driven workflows and their scheduling), `simulation` (a simulated year and the demo). A
room imports only from itself and the rooms below it; `workflows.actors` (who calls) belongs to every room.
`api/` calls the use cases, the read models, the simulation, and of the flows the workflows by name (`runs`) and their
scheduling (`schedules`, `scheduler`), never the sweep or the outbox delivery behind them; of the store it sees only
the edges a request or a command opens (the unit of work, the settings, the database engine, the evidence files).
Inside `flows/`, lowest first: the work (the deadline sweep, the outbox delivery) and the schedule plan, the workflows
by name, the Prefect flows that run them, the scheduler that deploys those. A package with a face (`flows/sweep/`,
`queries/exports/`) is entered through it: what lies behind the face is the package's own to rearrange.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["states", "policies", "workflows", "api"]
FRAMEWORKS = {"sqlmodel", "sqlalchemy", "fastapi", "prefect", "alembic", "starlette", "typer", "uvicorn"}
ROOMS = ["store", "audit", "engine", "cases", "queries", "flows", "simulation"]
SHARED = {"workflows.actors"}
API_SEES = (
    "workflows.cases",
    "workflows.queries",
    "workflows.simulation",
    "workflows.flows.runs",  # a workflow run now (`POST /workflows/{name}/run`, the web's buttons)
    "workflows.flows.schedules",  # what the policies schedule (`skpflow schedule`)
    "workflows.flows.scheduler",  # serving those schedules (`skpflow worker`, `skpflow serve`)
)
FLOW_LEVELS = [
    {"workflows.flows.sweep", "workflows.flows.notify", "workflows.flows.schedules"},
    {"workflows.flows.runs"},
    {"workflows.flows"},  # the Prefect flows, each deployment's entrypoint
    {"workflows.flows.scheduler"},
]
"""The modules of `flows/`, lowest first; a module imports only its own level and the levels below it."""
FACES = ("workflows.flows.sweep", "workflows.queries.exports")
"""Packages whose `__init__` is their face: outside the package, `workflows/` and `api/` import only the face."""
API_EDGES = {
    "workflows.store.uow": None,  # the transaction a request or a command opens
    "workflows.store.settings": None,
    "workflows.store.db": {"make_engine", "upgrade"},
    "workflows.store.evidence": None,  # the files behind `GET /evidence/{id}` and uploads
    "workflows.store.tables": {"MAX_ID"},  # the bound of an id in a path or a body, not a table
    "workflows.store.passwords": {"PasswordPolicy", "DEMO"},  # the password rules an import applies: values
}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def violations(package: str) -> list[str]:
    above = set(LAYERS[LAYERS.index(package) + 1 :])
    forbidden = above | (FRAMEWORKS if package in ("states", "policies") else set())
    return [
        f"{path.relative_to(ROOT)} imports {sorted(bad)}"
        for path in sorted((ROOT / package).rglob("*.py"))
        if (bad := imported_roots(path) & forbidden)
    ]


@pytest.mark.parametrize("package", LAYERS)
def test_packages_import_only_downwards(package: str) -> None:
    assert violations(package) == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from workflows.engine import fire\nimport sqlmodel\n")
    assert imported_roots(bad) & ({"workflows"} | FRAMEWORKS) == {"workflows", "sqlmodel"}


# --- the rooms of workflows/ ----------------------------------------------------------------------------------


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> Iterator[tuple[str, set[str] | None, int]]:
    """(module, the names taken from it or None for all of it, line) for each workflows module `path` imports."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("workflows."):
                    yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module != "workflows" and not node.module.startswith("workflows."):
                continue
            names = {alias.name for alias in node.names}
            submodules = {n for n in names if is_module(f"{node.module}.{n}")}
            for n in submodules:
                yield f"{node.module}.{n}", None, node.lineno
            if names - submodules:
                yield node.module, names - submodules, node.lineno


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ROOMS else None


def sources(package: str) -> list[Path]:
    return [p for p in sorted((ROOT / package).rglob("*.py")) if "migrations" not in p.parts]


def room_violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        room = room_of(module_of(path))
        if room is None:
            continue
        for module, _, line in imports_of(path):
            target = room_of(module)
            if module in SHARED or module == "workflows":
                continue
            if target is None or ROOMS.index(target) > ROOMS.index(room):
                found.append(f"{path.relative_to(ROOT)}:{line} ({room}) imports {module} ({target})")
    return found


def api_violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        for module, names, line in imports_of(path):
            if module in SHARED or module.startswith(API_SEES):
                continue
            if module in API_EDGES and (API_EDGES[module] is None or (names and names <= (API_EDGES[module] or set()))):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line} imports {module} {sorted(names or [])}")
    return found


def cycles(paths: list[Path]) -> list[list[str]]:
    """The import cycles among the modules of `paths`, lazy imports inside functions included."""
    graph: dict[str, set[str]] = {module_of(p): set() for p in paths}
    for path in paths:
        graph[module_of(path)] = {m for m, _, _ in imports_of(path) if m in graph and m != module_of(path)}
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                found.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def flow_level(module: str) -> int | None:
    """The level in FLOW_LEVELS of the longest name `module` is or lies under (None: not a module of flows/)."""
    found = [
        (len(name), i)
        for i, names in enumerate(FLOW_LEVELS)
        for name in names
        if module == name or module.startswith(name + ".")
    ]
    return max(found)[1] if found else None


def flow_violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        level = flow_level(module_of(path))
        if level is None:
            continue
        for module, _, line in imports_of(path):
            target = flow_level(module)
            if target is not None and target > level:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}, a level above it in flows/")
    return found


def face_violations(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        here = module_of(path)
        for module, _, line in imports_of(path):
            for face in FACES:
                inside = here == face or here.startswith(face + ".")
                if module.startswith(face + ".") and not inside:
                    found.append(f"{path.relative_to(ROOT)}:{line} imports {module}, behind the face {face}")
    return found


def test_every_module_of_workflows_lives_in_a_room() -> None:
    homeless = [
        module_of(p)
        for p in sources("workflows")
        if room_of(module_of(p)) is None and module_of(p) not in SHARED | {"workflows", "workflows.engine"}
    ]
    assert homeless == []


def test_rooms_import_only_themselves_and_the_rooms_below() -> None:
    assert room_violations(sources("workflows")) == []


def test_api_calls_use_cases_and_queries_not_the_store() -> None:
    assert api_violations(sources("api")) == []


def test_flows_import_only_their_level_and_below() -> None:
    assert flow_violations(sources("workflows")) == []


def test_packages_with_a_face_are_entered_through_it() -> None:
    assert face_violations(sources("workflows") + sources("api")) == []


def test_no_module_imports_itself_round_about() -> None:
    assert cycles(sources("workflows") + sources("api")) == []


def test_the_room_checks_catch_a_skipped_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    for name in ["workflows/store", "workflows/cases", "workflows/queries", "api"]:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "__init__.py").write_text("")
    (tmp_path / "workflows/store/tables.py").write_text("MAX_ID = 1\n")
    (tmp_path / "workflows/store/uow.py").write_text("")
    (tmp_path / "workflows/cases/a.py").write_text("from workflows.queries import b\n")
    (tmp_path / "workflows/queries/b.py").write_text("from workflows.cases import a\nfrom workflows.store import uow\n")
    route = tmp_path / "api/route.py"
    route.write_text(
        "from workflows.store.tables import MAX_ID\nfrom workflows.store.uow import reading\n"
        "from workflows.store.tables import Unit\nfrom workflows.store import tables\n"
    )
    assert room_violations(sources("workflows")) == [
        "workflows/cases/a.py:1 (cases) imports workflows.queries.b (queries)"
    ]
    assert api_violations([route]) == [
        "api/route.py:3 imports workflows.store.tables ['Unit']",
        "api/route.py:4 imports workflows.store.tables []",
    ]
    assert cycles(sources("workflows")) == [["workflows.cases.a", "workflows.queries.b", "workflows.cases.a"]]


def test_the_flow_and_face_checks_catch_a_reach_past_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    for name in ["workflows/flows/sweep", "workflows/queries/exports", "api"]:
        (tmp_path / name).mkdir(parents=True)
        (tmp_path / name / "__init__.py").write_text("")
    for name in ["flows/runs", "flows/notify", "flows/sweep/ladder", "queries/exports/tpp"]:
        (tmp_path / f"workflows/{name}.py").write_text("")
    (tmp_path / "workflows/flows/sweep/steps.py").write_text(
        "from workflows.flows.sweep import ladder\nfrom workflows.flows import runs\n"
        "from workflows.flows import notify\n"
    )
    (tmp_path / "workflows/flows/runs.py").write_text("from workflows.flows import sweep\n")
    route = tmp_path / "api/route.py"
    route.write_text(
        "from workflows.flows import runs\nfrom workflows.flows import notify\n"
        "from workflows.queries import exports\nfrom workflows.queries.exports.tpp import tpp_rows\n"
    )
    assert flow_violations(sources("workflows")) == [
        "workflows/flows/sweep/steps.py:2 imports workflows.flows.runs, a level above it in flows/"
    ]
    assert face_violations([*sources("workflows"), route]) == [
        "api/route.py:4 imports workflows.queries.exports.tpp, behind the face workflows.queries.exports"
    ]
    assert api_violations([route]) == ["api/route.py:2 imports workflows.flows.notify []"]
