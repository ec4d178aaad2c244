"""Domain errors of the lifecycles.

SkpflowError
├── TransitionNotAllowed   the trigger does not leave the current state (HTTP 409)
├── StaleVersion           the record changed since the caller read it (HTTP 409)
├── NotPermitted           the actor's roles may not fire this trigger (HTTP 403)
├── GuardFailed            the transition's preconditions are unmet; lists each problem (HTTP 422)
├── InvalidInput           the request itself is malformed (HTTP 422)
├── NotFound               no such record, or not visible to the actor (HTTP 404)
└── TooManyAttempts        too many failed logins from this address for this account (HTTP 429)
"""

from __future__ import annotations

from collections.abc import Sequence

from states.messages import LANGUAGES, Problem, Said, both, label, refusal, said


def _joined(items: Sequence[Said], conjunction: str) -> Said:
    """Several labels in one phrase: `a, b` in English as the API always joined them, `a, b atau c` in Indonesian
    (`conjunction`: "atau", "dan")."""
    ids = [i["id"] for i in items]
    return {
        "id": ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + f" {conjunction} " + ids[-1],
        "en": ", ".join(i["en"] for i in items),
    }


class SkpflowError(Exception):
    """Base of every error skpflow raises on purpose."""


class TransitionNotAllowed(SkpflowError):
    """The trigger is not allowed from the current state."""

    def __init__(
        self, lifecycle: str, trigger: str, state: str, allowed: Sequence[str], why: str | None = None
    ) -> None:
        self.lifecycle, self.trigger, self.state, self.allowed = lifecycle, trigger, state, list(allowed)
        said = f"{lifecycle}: '{trigger}' is not allowed from state '{state}'"
        super().__init__(f"{said}: {why}" if why else said)


class StaleVersion(SkpflowError):
    """The record's version is not the one the caller expected."""

    def __init__(self, entity: str, expected: int, actual: int, state: str, allowed: Sequence[str]) -> None:
        self.entity, self.expected, self.actual, self.state = entity, expected, actual, state
        self.allowed = list(allowed)
        super().__init__(f"{entity} is at version {actual}, not {expected}")


class NotPermitted(SkpflowError):
    """The actor has no role that may fire this trigger. `roles` names who may (`["admin"]`), or with `held` the
    roles the actor holds, none of which may."""

    def __init__(self, lifecycle: str, trigger: str, roles: Sequence[str], *, held: bool = False) -> None:
        self.lifecycle, self.trigger, self.roles, self.held = lifecycle, trigger, list(roles), held
        super().__init__(self.said()["en"])

    def said(self) -> Said:
        """The refusal in each language, built from its parts; the English is the API's `detail`."""
        entity, action = label("entity", self.lifecycle), label("trigger", self.trigger)
        if not self.roles:
            found = both("not_permitted.no_role", entity=entity, action=action)
        else:
            key = "not_permitted.held" if self.held else "not_permitted.only"
            roles = _joined([label("role", r) for r in self.roles], "dan" if self.held else "atau")
            found = both(key, entity=entity, action=action, roles=roles)
        english = f"{self.lifecycle}: '{self.trigger}' may not be fired by {', '.join(self.roles) or 'no role'}"
        return found or dict.fromkeys(LANGUAGES, english)  # a catalogue without the sentence: the API's English


class GuardFailed(SkpflowError):
    """The transition's guards are unmet; each problem names what is missing, and `rules` (one per problem) the
    rule that refused it: `<lifecycle>.<guard>` for a lifecycle's guard, or a policy rule's id. A problem that is
    a `states.messages.Problem` carries its catalogue message and the values it read; `policy_version`, when the
    refusal applied a policy, names the version."""

    def __init__(
        self,
        lifecycle: str,
        trigger: str,
        problems: Sequence[str],
        rules: Sequence[str] | None = None,
        *,
        policy_version: str | None = None,
    ) -> None:
        self.lifecycle, self.trigger, self.problems = lifecycle, trigger, list(problems)
        self.rules = list(rules) if rules is not None else [f"{lifecycle}.{trigger}"] * len(self.problems)
        self.policy_version = policy_version
        if len(self.rules) != len(self.problems):
            raise ValueError("GuardFailed: one rule per problem")
        super().__init__(f"{lifecycle}: '{trigger}' refused: " + "; ".join(problems))

    def messages(self) -> list[dict[str, str]]:
        """Each problem's sentence as `{"id": …, "en": …}`, from the catalogue (states/messages.py)."""
        return [refusal(r, p) for r, p in zip(self.rules, self.problems, strict=True)]

    def inputs(self) -> list[dict[str, str]]:
        """The values each problem's sentence names (empty for a sentence that names none)."""
        return [dict(p.params) if isinstance(p, Problem) else {} for p in self.problems]


class InvalidInput(SkpflowError):
    """The input is malformed; each problem names the field, and is a `Problem` carrying its catalogue message."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problems))

    def messages(self) -> list[Said]:
        """Each problem as `{"id": …, "en": …}`; the English is the problem as `problems` carries it."""
        return [said(p) for p in self.problems]


class NotFound(SkpflowError):
    """No such record (or the actor may not know it exists)."""

    def __init__(self, entity: str, key: object = None) -> None:
        # `key` is what the caller asked by (an id in their URL, a code), never an id they did not send
        self.entity, self.key = entity, key
        super().__init__(f"{entity} not found" if key is None else f"{entity} {key} not found")

    def said(self) -> Said:
        """The refusal in each language: the entity by its label, the key as the caller sent it."""
        entity = label("entity", self.entity)
        if self.key is None:
            return both("not_found.entity", entity=entity) or dict.fromkeys(LANGUAGES, str(self))
        return both("not_found.keyed", entity=entity, key=self.key) or dict.fromkeys(LANGUAGES, str(self))


class TooManyAttempts(SkpflowError):
    """Too many failed logins for this account from this address; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after} seconds")
