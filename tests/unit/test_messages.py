"""The one message catalogue (states/locales/*/messages.po): both languages name the same messages with the same
placeholders; every rule a refusal can name, and every refusal sentence the code says, has its Indonesian and
English text; lookups fall back to the English problem, never to nothing."""

from __future__ import annotations

import ast
import copy
import json
import pickle
import re
import shutil
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.web.i18n import translator
from policies.schema import QualityRule
from states import LIFECYCLES, messages
from states.enums import CONTRACT_KINDS, FollowUpKind
from states.errors import GuardFailed
from states.lifecycle import TriggerInput
from states.messages import REFUSAL, Problem, both, catalogue, refusal, text
from states.roles import Role
from states.skp import SKP, SkpFacts, SkpState

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("states", "policies", "workflows", "api")
DYNAMIC_RULES = {"quality.": [r.value for r in QualityRule]}
"""Rule ids built from a prefix at run time (`f"quality.{rule}"`), by the values they take."""


def placeholders(message: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(message) if name}


def calls(name: str) -> Iterator[tuple[Path, ast.Call]]:
    """Every call of `name` (`GuardFailed(…)`, `Problem.say(…)`, …) in states/, policies/, workflows/ and api/."""
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Call) and ast.unparse(node.func).endswith(name):
                    yield path, node


def literal(node: ast.expr, where: str) -> str:
    assert isinstance(node, ast.Constant) and isinstance(node.value, str), f"{where}: not a literal message id"
    return node.value


def raised_rules() -> set[str]:
    """The rule ids a refusal can carry: each lifecycle's guards, and each GuardFailed raised by hand."""
    rules = {f"{lc.name}.{guard}" for lc in LIFECYCLES.values() for guard in lc.guards}
    for path, call in calls("GuardFailed"):
        where = f"{path.relative_to(ROOT)}:{call.lineno}"
        if path.name == "lifecycle.py":  # the lifecycle's own raise: its guards' rules, listed above
            continue
        if len(call.args) < 4:  # the default rule, `<lifecycle>.<trigger>`
            rules.add(f"{literal(call.args[0], where)}.{literal(call.args[1], where)}")
            continue
        source = ast.unparse(call.args[3])
        prefix = next((p for p in DYNAMIC_RULES if f"'{p}" in source or f'"{p}' in source), None)
        assert prefix, f"{where}: rules {source} are neither literal nor a known family; add them to DYNAMIC_RULES"
        rules |= {prefix + value for value in DYNAMIC_RULES[prefix]}
    return rules


def said_messages() -> dict[str, set[str]]:
    """Each `Problem.say` message id with the names of the values the code gives it."""
    said: dict[str, set[str]] = {}
    for path, call in calls("Problem.say"):
        key = literal(call.args[0], f"{path.relative_to(ROOT)}:{call.lineno}")
        said.setdefault(key, set()).update(k.arg for k in call.keywords if k.arg)
    return said


def test_both_catalogues_name_the_same_messages_with_the_same_placeholders() -> None:
    ids, ens = catalogue("id"), catalogue("en")
    assert set(ids) == set(ens), set(ids) ^ set(ens)
    assert all(ids.values()) and all(ens.values())
    differing = {k for k in ids if placeholders(ids[k]) != placeholders(ens[k])}
    assert not differing, differing


def test_every_rule_a_refusal_can_name_has_both_sentences() -> None:
    rules = raised_rules()
    assert {"skp.note_given", "keberatan.file", "quality.target_missing", "input_360.window_open"} <= rules
    missing = sorted(r for r in rules if both(REFUSAL + r) is None)
    assert not missing, f"no id/en text for the rules {missing} in states/locales/*/messages.po"
    generic = {r for r in rules if placeholders(catalogue("en")[REFUSAL + r])}
    assert not generic, f"a rule's own sentence stands alone, without values: {generic}"


def test_every_sentence_the_code_says_has_both_texts_and_its_values() -> None:
    said = said_messages()
    assert len(said) > 40 and "skp.plan_complete.no_indicator" in said
    for key, given in sorted(said.items()):
        assert both(REFUSAL + key, **dict.fromkeys(given, "x")) is not None, f"{key}: no id/en text"
        assert placeholders(catalogue("en")[REFUSAL + key]) == given, f"{key}: placeholders differ from {given}"


def test_every_explanation_sentence_has_both_texts_and_its_values() -> None:
    """`GET /skps/{id}/explain` speaks through the same catalogue (`sentence("explain.…")`)."""
    keys: dict[str, set[str]] = {}
    for path, call in calls("sentence"):
        if path.name == "messages.py" or isinstance(call.args[0], ast.JoinedStr):
            continue  # built keys: their families are listed below
        keys.setdefault(literal(call.args[0], f"{path.name}:{call.lineno}"), set()).update(
            k.arg for k in call.keywords if k.arg
        )
    opened = set(FollowUpKind) - CONTRACT_KINDS  # a predikat never opens a contract kind directly
    keys |= {f"explain.follow_up.{k.value}": set() for k in opened} | {"explain.follow_up.none": set()}
    keys |= {f"explain.curve.broken.{mode}": {"unit", "capaian", "n"} for mode in ("hard", "soft")}
    assert "explain.kuadran" in keys and "explain.deadline.auto" in keys
    for key, given in sorted(keys.items()):
        assert both(key) is not None, f"{key}: no id/en text"
        assert placeholders(catalogue("en")[key]) == given, f"{key}: placeholders differ from {given}"
    explained = {k for k in catalogue("en") if k.startswith("explain.")}
    assert explained == set(keys), explained ^ set(keys)


def test_no_refusal_text_is_left_over() -> None:
    used = raised_rules() | set(said_messages())
    unused = sorted(k for k in catalogue("en") if k.startswith(REFUSAL) and k.removeprefix(REFUSAL) not in used)
    assert not unused, f"catalogue entries no code says: {unused}"


def test_a_guard_says_its_english_problem_and_carries_its_message() -> None:
    facts = SkpFacts(rhk_utama=1, rhk_utama_without_indicator=("Meningkatnya cakupan",), proposed=True)
    box = type("Box", (), {"state": SkpState.cascaded})()
    with pytest.raises(GuardFailed) as refused:
        SKP.fire(box, "agree", {Role.PENILAI}, facts, TriggerInput())
    (problem,) = refused.value.problems
    assert problem == "RHK Utama 'Meningkatnya cakupan' has no indicator"  # the API's `problems`, as before
    assert isinstance(problem, Problem) and problem.params == {"rhk": "Meningkatnya cakupan"}
    assert refused.value.rules == ["skp.plan_complete"]
    assert refused.value.messages() == [
        {
            "id": "RHK Utama 'Meningkatnya cakupan' belum memiliki indikator",
            "en": "RHK Utama 'Meningkatnya cakupan' has no indicator",
        }
    ]
    assert refused.value.inputs() == [{"rhk": "Meningkatnya cakupan"}]


def test_a_problem_survives_pickling_copying_and_json() -> None:
    said = Problem.say("skp.plan_complete.no_indicator", rhk="Meningkatnya cakupan")
    for again in (pickle.loads(pickle.dumps(said)), copy.deepcopy(said), copy.copy(said)):
        assert isinstance(again, Problem) and again == said
        assert (again.key, again.params) == ("refusal.skp.plan_complete.no_indicator", {"rhk": "Meningkatnya cakupan"})
    assert json.loads(json.dumps({"refused": [said]})) == {
        "refused": ["RHK Utama 'Meningkatnya cakupan' has no indicator"]
    }


def test_lookups_fill_placeholders_and_fall_back_to_nothing_shown_wrong() -> None:
    assert text("id", "login") == "Masuk" and text("en", "login") == "Log in"
    assert text("id", "no-such-message") is None
    assert text("xx", "login") == "Masuk"  # an unknown language reads Bahasa Indonesia
    assert text("id", REFUSAL + "keberatan.file.window_closed", closes="2027-02-01") == (
        "Masa pengajuan keberatan berakhir pada 2027-02-01"
    )
    assert text("id", REFUSAL + "keberatan.file.window_closed") == "Masa pengajuan keberatan berakhir pada {closes}"
    assert text("id", REFUSAL + "keberatan.file.window_closed", other="x") is None  # never a half-filled text
    # a phrase of the catalogue as a value is filled in the same language
    case = both("explain.follow_up.COACHING")
    assert case and text("id", "explain.follow_up", predikat="P", jenis="PNS", jabatan="J", case=case) == (
        "Predikat P untuk PNS dalam J membuka tindak lanjut: pembinaan (coaching)."
    )
    assert messages.sentence("no-such-message") == {"id": "no-such-message", "en": "no-such-message"}
    with pytest.raises(ValueError, match="no catalogue"):
        catalogue("fr")


def test_a_refusal_without_a_text_of_its_own_still_says_the_english_problem() -> None:
    # a plain problem under a known rule: the rule's sentence in Indonesian, the problem itself in English
    assert refusal("skp.distribution_holds", "the unit's distribution does not hold: BAIK over 0.7") == {
        "id": "Distribusi predikat unit tidak memenuhi kurva kebijakan",
        "en": "the unit's distribution does not hold: BAIK over 0.7",
    }
    # an unknown rule: the English problem in both, never nothing
    assert refusal("nowhere.unknown", "something is off") == {"id": "something is off", "en": "something is off"}
    # a message the catalogue lacks: shown as its id, so the gap is visible, with the rule's sentence in Indonesian
    lost = Problem.say("skp.no_such_variant", x=1)
    assert lost == "refusal.skp.no_such_variant x=1"
    assert refusal("skp.note_given", lost) == {"id": "Catatan wajib diisi", "en": "refusal.skp.no_such_variant x=1"}
    # the default rule of a GuardFailed raised by hand
    failed = GuardFailed("keberatan", "file", ["too late"], policy_version="4")
    assert failed.messages() == [{"id": "Keberatan tidak dapat diajukan", "en": "too late"}]
    assert (failed.inputs(), failed.policy_version) == ([{}], "4")


def test_the_pages_translator_reads_the_same_catalogue() -> None:
    t = translator("id")
    assert (t("login"), translator("en")("login"), translator("de")("login")) == ("Masuk", "Log in", "Masuk")
    assert t("no_such_key") == "no_such_key"  # a missing entry shows itself
    assert t.label("state", "agreed") == catalogue("id")["state_agreed"]
    assert messages.po_path("id").is_file() and messages.po_path("en").is_file()


def test_every_tooltip_of_the_policy_editor_is_in_indonesian() -> None:
    """The editor's fields carry the schema's English descriptions; each one of the preset's has its Indonesian
    text, so a description changed in policies/schema.py fails here until it is translated again."""
    from api.web import policy_form
    from policies.loader import available_presets, load_preset

    described = {
        f.description
        for name in available_presets()
        for f in policy_form.fields(load_preset(name).model_dump(mode="json"))
        if f.description
    }
    assert len(described) > 80
    untranslated = sorted(d for d in described if translator("id").help(d) == d)
    assert not untranslated, untranslated
    assert all(translator("en").help(d) == d for d in described)
    assert translator("id").help("") == "" and translator("id").help("not a description") == "not a description"


def test_the_po_files_are_what_babel_writes() -> None:
    """A hand edit that breaks the format (an unescaped quote, a lost msgstr) fails here, not on a page."""
    from babel.messages.pofile import read_po

    for lang in messages.LANGUAGES:
        with messages.po_path(lang).open("rb") as f:
            parsed = read_po(f, locale=lang, abort_invalid=True)
        assert not [m.id for m in parsed if m.id and m.fuzzy], "fuzzy entries are not shown; settle them"
        assert re.search(r'"Language: ' + lang, messages.po_path(lang).read_text())


def test_adding_a_message_writes_both_catalogues_or_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(messages.LOCALES, tmp_path / "locales")
    monkeypatch.setattr(messages, "LOCALES", tmp_path / "locales")
    try:
        assert messages.add({"test_new": {"id": "Baru {n}", "en": "New {n}"}}, comment="a test") == ["test_new"]
        assert (text("id", "test_new", n=1), text("en", "test_new", n=1)) == ("Baru 1", "New 1")
        before = {lang: messages.po_path(lang).read_bytes() for lang in messages.LANGUAGES}
        with pytest.raises(ValueError, match=r"login: already in the catalogue; other: no en text"):
            messages.add({"login": {"id": "x", "en": "x"}, "other": {"id": "y"}})
        assert before == {lang: messages.po_path(lang).read_bytes() for lang in messages.LANGUAGES}
    finally:
        monkeypatch.undo()
        catalogue.cache_clear()
    assert text("id", "test_new") is None
