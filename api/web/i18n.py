"""The pages' words: a thin lookup over the one message catalogue (`states/messages.py`, gettext `.po` files
under `states/locales/`), Bahasa Indonesia by default; domain terms stay Indonesian."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from states.messages import DEFAULT, LANGUAGES, Problem, catalogue

__all__ = ["CATALOGUE", "DEFAULT", "EN", "ID", "LANGUAGES", "Translate", "translator"]

ID: Final[Mapping[str, str]] = catalogue("id")
EN: Final[Mapping[str, str]] = catalogue("en")
HELP: Final = "policy_help:"
CATALOGUE: Final[Mapping[str, Mapping[str, str]]] = {"id": ID, "en": EN}


def translator(lang: str) -> Translate:
    return Translate(CATALOGUE.get(lang, ID), lang if lang in CATALOGUE else DEFAULT)


class Translate:
    """`t("key")`; an unknown key shows itself, so a missing entry is visible on the page and in tests."""

    def __init__(self, messages: Mapping[str, str], lang: str = DEFAULT) -> None:
        self.messages, self.lang = messages, lang

    def problem(self, said: str) -> str:
        """A domain sentence (a `Problem`, e.g. a distribution violation) in the page's language; a plain string as
        it is."""
        return said.said()[self.lang] if isinstance(said, Problem) else said

    def __call__(self, key: str) -> str:
        return self.messages.get(key, key)

    def help(self, description: str) -> str:
        """A policy setting's description (the policy editor's tooltip, written in English in the schema) in the
        page's language: its msgid is `policy_help:` + the English text, so a changed description shows in English
        until it is translated again (tests/unit/test_messages.py names it)."""
        return self.messages.get(HELP + description, description) if description else ""

    def label(self, kind: str, value: str) -> str:
        """A value's label (`t.label("state", "agreed")`), or the value itself where the catalogue has none
        (the states of evaluations and keberatan are shown as the API names them)."""
        return self.messages.get(f"{kind}_{value}", value)

    def code(self, value: str) -> str:
        """Any enum value of the domain by its name (predikat, rating, capaian, jenjang, …), else the value."""
        for prefix in CODE_PREFIXES:
            if prefix + value in self.messages:
                return self.messages[prefix + value]
        return value

    def state(self, lifecycle: str, value: str) -> str:
        """A lifecycle state's name (`t.state("cycle", "drafting")`); SKP states keep their `state_` keys."""
        for each in ENTITY_LIFECYCLES.get(lifecycle, (lifecycle,)):
            key = f"state_{value}" if each == "skp" else f"{each}_state_{value}"
            if key in self.messages:
                return self.messages[key]
        return value

    def entity_state(self, entity_type: str, value: str | None) -> str:
        """The state an audit event names, by the entity's lifecycle (a follow-up case runs one of two)."""
        if not value:
            return ""
        return self.label("capaian", value) if entity_type == "capaian" else self.state(entity_type, value)


CODE_PREFIXES: Final = (
    "",
    "capaian_",
    "fukind_",
    "jenis_",
    "aspek_",
    "cascade_",
    "period_",
    "jenjang_",
    "jabatan_",
    "approach_",
    "pstatus_",
)
ENTITY_LIFECYCLES: Final[dict[str, tuple[str, ...]]] = {"follow_up_case": ("follow_up", "sanction", "kontrak")}
"""Entity types (of the audit trail) whose states come from more than one lifecycle, or another name."""
