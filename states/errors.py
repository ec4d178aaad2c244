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

from states.messages import Problem, refusal


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
    """The actor has no role that may fire this trigger."""

    def __init__(self, lifecycle: str, trigger: str, roles: Sequence[str]) -> None:
        self.lifecycle, self.trigger, self.roles = lifecycle, trigger, list(roles)
        who = ", ".join(roles) or "no role"
        super().__init__(f"{lifecycle}: '{trigger}' may not be fired by {who}")


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
    """The input is malformed; each problem names the field."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(problems))


class NotFound(SkpflowError):
    """No such record (or the actor may not know it exists)."""

    def __init__(self, entity: str, key: object = None) -> None:
        # `key` is what the caller asked by (an id in their URL, a code), never an id they did not send
        self.entity, self.key = entity, key
        super().__init__(f"{entity} not found" if key is None else f"{entity} {key} not found")


class TooManyAttempts(SkpflowError):
    """Too many failed logins for this account from this address; retry after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after} seconds")
