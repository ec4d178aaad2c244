"""Every refusal a request can meet says itself in Bahasa Indonesia and English (issue 20, issue 17 item 8): each
`InvalidInput(...)` in states/, policies/, workflows/ and api/ is built from catalogue messages (`Problem.say`, or a
function typed to return them, so mypy checks the rest), each `NotPermitted(...)` names an entity, an action and
roles the catalogue has labels for, and pydantic's form errors read `validation.<type>`."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel, Field, ValidationError

from api.errors import validation_problem
from states import LIFECYCLES
from states.errors import InvalidInput, NotFound, NotPermitted
from states.messages import Problem, catalogue, label
from states.roles import Role

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("states", "policies", "workflows", "api")
NOT_YET_SAID = {
    "workflows/cases/org/files/cells.py": "the organisation import's sheet and cell problems (with their row labels) "
    "are still English sentences; the import page shows them in English",
    "workflows/cases/org/files/reading.py": "the organisation import's file problems (type, encoding, size) are still "
    "English sentences; the import page shows them in English",
    "workflows/cases/org/imports/upsert.py": "the organisation import's row problems (unknown parent, duplicate NIP), "
    "named by RowLabels in English",
    "workflows/cases/policy_store.py": "a policy overlay's problems come from policies/loader.PolicyError (pydantic's "
    "and the schema validators' English): `overrides.<problem>`",
}
"""Files whose InvalidInput problems are not yet catalogue messages, and why; a file that no longer needs its place
here fails the test, so the list only shrinks."""


def modules() -> Iterator[tuple[str, ast.Module]]:
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def returns_problems() -> dict[str, bool]:
    """Each function defined in the scanned code, by its name and by `<module>.<name>`: whether every definition of
    it is annotated to return `Problem`s (`list[Problem]`, `Problem | None`, …)."""
    found: dict[str, bool] = {}
    for path, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                said = node.returns is not None and "Problem" in ast.unparse(node.returns)
                for name in (node.name, f"{Path(path).stem}.{node.name}"):
                    found[name] = found.get(name, True) and said
    return found


RETURNS = returns_problems()


def _returns_problems(call: ast.Call) -> bool:
    """`limits.plan(…)` by the function `plan` of a module `limits`, else any function of its name."""
    qualified = ".".join(ast.unparse(call.func).rsplit(".", 2)[-2:])
    return RETURNS.get(qualified, RETURNS.get(qualified.rsplit(".", 1)[-1], False))


def _is_say(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Problem.say")


class Checker:
    """Whether an expression is a list of catalogue messages, within the function it is written in."""

    def __init__(self, function: ast.AST) -> None:
        self.function = function

    def element(self, node: ast.expr) -> bool:
        if _is_say(node):
            return True
        if isinstance(node, ast.Call):
            return _returns_problems(node)
        if isinstance(node, ast.Starred):
            return self.problems(node.value)
        return False

    def problems(self, node: ast.expr) -> bool:
        if isinstance(node, ast.List | ast.Tuple):
            return all(self.element(e) for e in node.elts)
        if isinstance(node, ast.ListComp | ast.GeneratorExp):
            return self.element(node.elt)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.problems(node.left) and self.problems(node.right)
        if isinstance(node, ast.Call):
            return _returns_problems(node)
        if isinstance(node, ast.NamedExpr):
            return self.problems(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        return False

    def name(self, name: str) -> bool:
        """A variable annotated `list[Problem]` (mypy checks what goes in), or one only ever given messages."""
        annotated = [
            a.annotation
            for a in ast.walk(self.function)
            if isinstance(a, ast.arg) and a.arg == name and a.annotation is not None
        ] + [
            a.annotation
            for a in ast.walk(self.function)
            if isinstance(a, ast.AnnAssign) and isinstance(a.target, ast.Name) and a.target.id == name
        ]
        if annotated:
            return all("Problem" in ast.unparse(a) for a in annotated)
        writes: list[bool] = []
        for n in ast.walk(self.function):
            if self._writes(n, name):
                writes.append(self.problems(n.value))  # type: ignore[attr-defined]
            elif (
                isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == name
                and n.func.attr in ("append", "insert", "extend")
            ):
                given = n.args[-1]
                writes.append(self.problems(given) if n.func.attr == "extend" else self.element(given))
        return bool(writes) and all(writes)

    @staticmethod
    def _writes(n: ast.AST, name: str) -> bool:
        """An assignment to `name`: `name = …`, `name := …` or `name += …`."""
        if isinstance(n, ast.Assign):
            return any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
        if isinstance(n, ast.NamedExpr | ast.AugAssign):
            return isinstance(n.target, ast.Name) and n.target.id == name
        return False


def raises(name: str) -> Iterator[tuple[str, int, ast.AST, ast.Call]]:
    """Each call of `name` with the function it is in."""
    for path, tree in modules():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
                    yield path, node.lineno, function, node


def test_every_invalid_input_is_built_from_catalogue_messages() -> None:
    unsaid: dict[str, list[int]] = {}
    seen = 0
    for path, line, function, call in raises("InvalidInput"):
        seen += 1
        if not (call.args and Checker(function).problems(call.args[0])):
            unsaid.setdefault(path, []).append(line)
    assert seen > 100
    unexpected = {p: lines for p, lines in unsaid.items() if p not in NOT_YET_SAID}
    assert not unexpected, f"InvalidInput problems that are not Problem.say messages: {unexpected}"
    settled = sorted(set(NOT_YET_SAID) - set(unsaid))
    assert not settled, f"these files say every problem now; take them off NOT_YET_SAID: {settled}"


def test_the_checker_tells_a_message_from_an_english_string() -> None:
    tree = ast.parse(
        "def f(x):\n"
        "    a: list[Problem] = []\n"
        "    b = []\n"
        "    b.append(Problem.say('k'))\n"
        "    c = []\n"
        "    c.append(f'x: {x}')\n"
        "    return InvalidInput(a), InvalidInput(b), InvalidInput(c), InvalidInput(['x: y'])\n"
    )
    function = tree.body[0]
    calls = [n for n in ast.walk(function) if isinstance(n, ast.Call) and ast.unparse(n.func) == "InvalidInput"]
    assert [Checker(function).problems(c.args[0]) for c in calls] == [True, True, False, False]


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def test_every_permission_refusal_names_what_the_catalogue_labels() -> None:
    """Entities, actions and roles named literally at a raise site, and every lifecycle's, have an Indonesian
    label; the sentence built from them is Indonesian, the English the API's `detail` as it always was."""
    ids = catalogue("id")
    named: set[tuple[str, str]] = set()
    for _, _, _, call in raises("NotPermitted"):
        entity, action = _literal(call.args[0]), _literal(call.args[1])
        if entity:
            named.add(("entity", entity))
        if action:
            named.add(("trigger", action))
        elif isinstance(call.args[1], ast.JoinedStr):  # `f"{action} (force)"`: the quality gate's forced steps
            named |= {("trigger", f"{a} (force)") for a in ("open", "open_period", "start_assessment")}
        if isinstance(call.args[2], ast.List):
            named |= {("role", r) for r in map(_literal, call.args[2].elts) if r}
    assert len(named) > 40
    named |= {("entity", lc.name) for lc in LIFECYCLES.values()}
    named |= {("trigger", r.trigger) for lc in LIFECYCLES.values() for r in lc.rows}
    named |= {("role", r.value) for r in Role}
    unlabelled = sorted(f"{kind}:{code}" for kind, code in named if label(kind, code)["id"] == code and code not in ids)
    assert not unlabelled, f"no Indonesian label (entity_/trigger_/role_<code>) for {unlabelled}"

    only = NotPermitted("cycle", "create", ["admin", "auditor"])
    assert str(only) == "cycle: 'create' may not be fired by admin, auditor"  # the API's detail, unchanged
    assert only.said() == {
        "id": 'Siklus: tindakan "Catat" hanya boleh dilakukan oleh Admin SDM atau Auditor',
        "en": "cycle: 'create' may not be fired by admin, auditor",
    }
    held = NotPermitted("skp", "agree", ["pegawai"], held=True)
    assert str(held) == "skp: 'agree' may not be fired by pegawai"
    assert held.said()["id"] == 'SKP: tindakan "Setujui" tidak dapat Anda lakukan sebagai Pegawai'
    assert str(NotPermitted("skp", "agree", [])) == "skp: 'agree' may not be fired by no role"
    free = NotPermitted("sessions", "revoke", ["admin of the instansi"])
    assert free.said()["id"] == 'Sesi login: tindakan "Cabut" hanya boleh dilakukan oleh Admin SDM instansi ini'
    unknown = NotPermitted("nowhere", "frobnicate", ["someone"])  # no labels: the codes, never nothing
    assert unknown.said()["id"] == 'nowhere: tindakan "frobnicate" hanya boleh dilakukan oleh someone'


def test_not_found_and_invalid_input_say_themselves() -> None:
    assert NotFound("skp", 7).said() == {"id": "SKP 7 tidak ditemukan", "en": "skp 7 not found"}
    assert NotFound("instansi").said() == {"id": "Instansi tidak ditemukan", "en": "instansi not found"}
    refused = InvalidInput([Problem.say("input.required", field=label("field", "reason")), "plain: english"])
    assert refused.problems == ["reason: required", "plain: english"]  # the API's problems, unchanged
    assert refused.messages() == [
        {"id": "Alasan: wajib diisi", "en": "reason: required"},
        {"id": "plain: english", "en": "plain: english"},  # not (yet) a catalogue message: English in both
    ]


class _Form(BaseModel):
    text: str = Field(min_length=1)
    target: float = Field(ge=0)
    count: int


@pytest.mark.parametrize(
    ("data", "english", "indonesian"),
    [
        (
            {"text": "", "target": 1, "count": 1},
            "text: String should have at least 1 character",
            "Teks: minimal 1 karakter",
        ),
        (
            {"text": "x", "target": -1, "count": 1},
            "target: Input should be greater than or equal to 0",
            "Target: harus sama dengan atau lebih dari 0",
        ),
        ({"text": "x", "target": 1}, "count: Field required", "Banyaknya: wajib diisi"),
        (
            {"text": "x", "target": 1, "count": "lots"},
            "count: Input should be a valid integer, unable to parse string as an integer",
            "Banyaknya: harus berupa bilangan bulat",
        ),
    ],
)
def test_a_pydantic_error_is_said_by_its_type(data: dict[str, object], english: str, indonesian: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _Form.model_validate(data)
    (problem,) = [validation_problem(e) for e in refused.value.errors()]
    assert problem == english  # as `problems` always said it
    assert problem.said() == {"id": indonesian, "en": english}


def test_every_pydantic_error_type_the_catalogue_names_is_one_pydantic_has() -> None:
    from pydantic_core import core_schema

    known = set(core_schema.ErrorType.__args__)  # type: ignore[attr-defined]
    named = {k.removeprefix("validation.") for k in catalogue("en") if k.startswith("validation.")} - {"other"}
    assert named <= known, named - known
    assert {"missing", "string_too_short", "greater_than_equal", "int_parsing", "enum"} <= named
