"""The one message catalogue: every text skpflow shows, in Bahasa Indonesia and English.

The texts live in gettext catalogues, `states/locales/<lang>/LC_MESSAGES/messages.po`, which translators edit
(docs/i18n.md). Message ids are symbolic keys, not English sentences: `login`, `state_agreed`, … for the web pages,
and `refusal.<rule id>` (e.g. `refusal.skp.note_given`) for the sentence of a rule that refused a request, with
named placeholders (`{atasan}`) for the values it names; `explain.*` for the sentences of `GET /skps/{id}/explain`;
`policy_help:<English description>` for the policy editor's tooltips. The catalogues are read with Babel when
first asked for, straight from the `.po` (no compiled `.mo` that could go stale in a clone); both take some 50 ms.

The catalogue sits in `states/`, the lowest layer, because every layer speaks through it: the lifecycles' guards
(`states/`), the use cases' refusals (`workflows/cases/`) and the pages and error bodies (`api/`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Final

from babel.messages.pofile import read_po

LANGUAGES: Final = ("id", "en")
DEFAULT: Final = "id"
LOCALES: Final = Path(__file__).resolve().parent / "locales"
DOMAIN: Final = "messages"
REFUSAL: Final = "refusal."
"""The prefix of a refusal's message id: `refusal.<rule id>`, or `refusal.<rule id>.<variant>`."""


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> Mapping[str, str]:
    """One language's texts by message id; an untranslated (empty) or fuzzy entry is absent, so it falls back."""
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language '{lang}' (known: {', '.join(LANGUAGES)})")
    with po_path(lang).open("rb") as f:
        parsed = read_po(f, locale=lang, domain=DOMAIN)
    return {
        str(m.id): str(m.string)
        for m in parsed
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }


Said = dict[str, str]
"""A message in each language, `{"id": …, "en": …}`: the refusals' `message`, the explanation's sentences."""


def text(lang: str, key: str, /, **params: object) -> str | None:
    """The message in `lang` with its placeholders filled, or None when the catalogue has no such entry (or a
    placeholder the caller did not give: a text that would show `{atasan}` is not shown). A value that is itself
    a `Said` (a phrase of the catalogue) is filled in the same language."""
    lang = lang if lang in LANGUAGES else DEFAULT
    found = catalogue(lang).get(key)
    if found is None:
        return None
    if not params:
        return found
    values = {k: _filled(lang, v) for k, v in params.items()}
    try:
        return found.format_map(values)
    except (KeyError, IndexError, ValueError):
        return None


def _filled(lang: str, value: object) -> str:
    """A value as a text in `lang` shows it: a `Said` in that language, a `Problem` (a sentence inside a sentence,
    e.g. the password rule a field broke) by its own message, anything else as it is."""
    if isinstance(value, Mapping):
        return str(value.get(lang, ""))
    if isinstance(value, Problem):
        return text(lang, value.key, **value.values) or str(value)
    return str(value)


def label(kind: str, code: str) -> Said:
    """A code a message names (an entity, a trigger, a role, a field) as each language shows it: the Indonesian
    from the catalogue's `<kind>_<code>` label (`role_admin`, `entity_skp`; a free-text role such as "admin of the
    instansi" as `role_admin_of_the_instansi`), the code itself where it has none; the English is the code, as the
    API says it."""
    key = f"{kind}_" + re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")
    return {"id": text(DEFAULT, key) or code, "en": code}


def located(where: str | Sequence[str | int], /) -> Said:
    """Where in a request a problem is, in each language: `rhk[0].indikator[1].text` (or pydantic's location,
    `("body", "rhk", 0, "text")`) in Indonesian each field by its label (`field_<name>`, else the page word `<name>`)
    and each item counted from 1, `RHK 1 › Indikator 2 › Teks`; in English as the code named it."""
    if isinstance(where, str):
        english, parts = where, [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", where)]
    else:
        english, parts = ".".join(str(p) for p in where), list(where)
    shown: list[str] = []
    for p in parts:
        if isinstance(p, int) and shown:
            shown[-1] += f" {p + 1}"
        elif p not in ("body", "query", "path"):
            shown.append(text(DEFAULT, f"field_{p}") or text(DEFAULT, str(p)) or str(p))
    return {"id": " › ".join(shown), "en": english}


def both(key: str, /, **params: object) -> Said | None:
    """`{"id": …, "en": …}` for a message both catalogues have, else None."""
    id_text, en_text = text("id", key, **params), text("en", key, **params)
    if id_text is None or en_text is None:
        return None
    return {"id": id_text, "en": en_text}


def sentence(key: str, /, **params: object) -> Said:
    """`both`, for a text the code always says: a message missing from a catalogue shows as its id (a defect the
    catalogue test names), never as nothing."""
    return both(key, **params) or dict.fromkeys(LANGUAGES, key)


class Problem(str):
    """One unmet precondition: the English sentence itself (a `str`, as `problems` always carried), with the
    catalogue message that says it in each language and the values it names (the refusal's inputs).

    `Problem.say("skp.plan_complete.no_indicator", rhk="…")` takes its English text from the catalogue, so the
    sentence is written once, in `messages.po`. A value may be a `Said` or another `Problem`, filled in each
    language; `params` holds every value as the English names it (the refusal's inputs), `values` as given."""

    key: str
    params: dict[str, str]
    values: dict[str, object]

    def __new__(cls, english: str, key: str, params: Mapping[str, object] | None = None) -> Problem:
        made = super().__new__(cls, english)
        made.key = key
        made.values = dict(params or {})
        made.params = {k: _filled("en", v) for k, v in made.values.items()}
        return made

    def said(self) -> Said:
        """The problem in each language, the English as it is (`problems`); the English in both where the catalogue
        lacks the Indonesian."""
        return {"id": text(DEFAULT, self.key, **self.values) or str(self), "en": str(self)}

    @classmethod
    def say(cls, message: str, /, **params: object) -> Problem:
        """The refusal `refusal.<message>` in English, carrying its id and values; a message missing from the
        English catalogue is a defect the catalogue test names (tests/unit/test_messages.py), shown as its id."""
        key = REFUSAL + message
        english = text("en", key, **params)
        if english is None:  # shown as the id and its values, so the gap is visible rather than a crash
            english = key + "".join(f" {k}={v}" for k, v in sorted(params.items()))
        return cls(english, key, params)

    def __reduce__(self) -> tuple[object, ...]:  # a pickled problem (a flow's result) keeps its id and values
        return (Problem, (str(self), self.key, self.values))

    def __deepcopy__(self, _: object) -> Problem:
        return self  # immutable, like the str it is


def refusal(rule: str, problem: str) -> Said:
    """A refused rule's sentence in both languages: the problem's own message (a `Problem`) when the catalogue
    has it, else the rule's sentence `refusal.<rule>` in Indonesian beside the problem as the code said it in
    English; with neither, the English problem in both (a refusal never shows nothing)."""
    if isinstance(problem, Problem) and (said := both(problem.key, **problem.values)):
        return said
    english = str(problem)
    return {"id": text("id", REFUSAL + rule) or english, "en": english}


def said(problem: str) -> Said:
    """A problem in each language: a `Problem` by its message, a plain string (not yet in the catalogue) as the
    English it is, in both."""
    return problem.said() if isinstance(problem, Problem) else dict.fromkeys(LANGUAGES, str(problem))


def write_template(path: Path) -> int:
    """The catalogue's template (`messages.pot`) from the Indonesian catalogue, the source language: every message
    id with its comments and no text, for `pybabel update` to carry new ids into the other catalogues (the
    Makefile's `messages-update`). Returns the number of messages."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    with po_path(DEFAULT).open("rb") as f:
        source = read_po(f, locale=DEFAULT, domain=DOMAIN)
    template = Catalog(project="skpflow", version="0.1.0", fuzzy=False)
    for m in source:
        if m.id:
            template.add(m.id, "", auto_comments=m.auto_comments, user_comments=m.user_comments)
    with path.open("wb") as f:
        write_po(f, template, width=120, sort_output=False, omit_header=True)
    return len(template)


def add(texts: Mapping[str, Mapping[str, str]], *, comment: str = "") -> list[str]:
    """Add messages to the catalogues, `{key: {"id": …, "en": …}}`, each in every language (a merge of another
    branch's words, or `make messages-add`); a key already there is refused, nothing written. Returns the keys."""
    from babel.messages.pofile import write_po

    parsed = {}
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as f:
            parsed[lang] = read_po(f, locale=lang, domain=DOMAIN)
    problems = [f"{key}: already in the catalogue" for key in texts if key in parsed[DEFAULT]]
    problems += [f"{key}: no {lang} text" for key, t in texts.items() for lang in LANGUAGES if not t.get(lang)]
    if problems:
        raise ValueError("; ".join(problems))
    for lang in LANGUAGES:
        for key, t in texts.items():
            parsed[lang].add(key, t[lang], auto_comments=[comment] if comment else [])
        with po_path(lang).open("wb") as f:
            write_po(f, parsed[lang], width=120, sort_output=False)
    catalogue.cache_clear()
    return list(texts)
