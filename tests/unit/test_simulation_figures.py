"""The simulation's database-side figures are SQLAlchemy statements over the table classes, never SQL in strings
(issue 15): a renamed table or column then fails at import or type check, not in a report run."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest
from sqlalchemy import Select, make_url

from workflows.simulation import everyday, figures

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "workflows" / "simulation" / "figures.py"
EVERYDAY = ROOT / "workflows" / "simulation" / "everyday.py"
MODULES = [(FIGURES, figures), (EVERYDAY, everyday)]
STRING_SQL_CALLS = {"text", "literal_column", "exec_driver_sql"}
SQL_IN_A_STRING = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+INTO|UPDATE\b.*\bSET|DELETE\s+FROM)\b", re.DOTALL)


def string_sql(source: str) -> list[str]:
    """Where `source` builds SQL from a string: a call of `text(…)` and kin, or a string literal holding a query."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name in STRING_SQL_CALLS:
                found.append(f"line {node.lineno}: {name}(…)")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sqlalchemy"):
            found += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name in STRING_SQL_CALLS]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_IN_A_STRING.search(node.value):
            found.append(f"line {node.lineno}: {node.value[:40]!r}")
    return found


@pytest.mark.parametrize("path", [FIGURES, EVERYDAY], ids=["figures", "everyday"])
def test_figures_hold_no_string_sql(path: Path) -> None:
    assert string_sql(path.read_text()) == []


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import text\n",
        "import sqlalchemy as sa\nq = sa.text('SELECT 1')\n",
        "def f(c):\n    return c.exec_driver_sql('DELETE FROM skp')\n",
        'EVALUATIONS = "SELECT e.id FROM evaluation e WHERE e.skp_id = :s"\n',
        "Q = ('UPDATE skp '\n     'SET state = :s')\n",
    ],
)
def test_the_scan_catches_string_sql(source: str) -> None:
    assert string_sql(source) != []


def test_the_scan_lets_statements_and_prose_through() -> None:
    source = (
        '"""Select the SKPs from the cycle; update nothing."""\n'
        "from sqlalchemy import select\n"
        "Q = select(col(Rhk.text)).where(col(Rhk.text) == 'x')\n"
    )
    assert string_sql(source) == []


def statements() -> list[tuple[str, Select[tuple[object, ...]]]]:
    """The named statements each module defines (not those it imports from the other)."""
    return [
        (name, value)
        for path, module in MODULES
        for name, value in vars(module).items()
        if isinstance(value, Select) and f"\n{name} = " in path.read_text()
    ]


def test_every_statement_says_what_it_counts() -> None:
    """Each named statement is followed by its one-line docstring (read from the module's source)."""
    documented = set()
    pairs = [pair for path, _ in MODULES for pair in itertools.pairwise(ast.parse(path.read_text()).body)]
    for node, after in pairs:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str):
            documented |= {t.id for t in targets if isinstance(t, ast.Name)}
    names = [name for name, _ in statements()]
    assert len(names) >= 30
    assert [n for n in names if n not in documented] == []


@pytest.mark.parametrize("url", ["sqlite://", "postgresql://"])
def test_every_statement_compiles(url: str) -> None:
    dialect = make_url(url).get_dialect()()
    for name, statement in statements():
        assert "FROM" in str(statement.compile(dialect=dialect)), name
