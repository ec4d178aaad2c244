"""Passwords: hashing with Argon2id (argon2-cffi) and the one policy every password set must meet (zxcvbn)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from states.messages import Problem

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("skpflow: no such user")
_LONGEST = 200  # zxcvbn's cost grows with the length; nobody types more
_ESTIMATED = 72  # zxcvbn refuses longer input (ValueError): a longer password is judged on its first 72 characters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time and refuse (no user enumeration by timing)."""
    try:
        return _hasher.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class PasswordPolicy:
    """What a new password must be: at least `min_length` characters and a zxcvbn score of at least `min_score`
    (0 = guessable in under 10^3 tries … 4 = over 10^10), judged with the account's own names as known words."""

    min_length: int = 10
    min_score: int = 3

    def problems(self, password: str, *, known: Iterable[str] = ()) -> list[Problem]:
        """Why `password` is refused (empty when it is accepted); never repeats the password."""
        if len(password) < self.min_length:
            return [Problem.say("input.password.too_short", n=self.min_length)]
        if len(password) > _LONGEST:
            return [Problem.say("input.password.too_long", n=_LONGEST)]
        if self.min_score <= 0:
            return []
        words = [w for w in known if w]
        estimate = zxcvbn(password[:_ESTIMATED], user_inputs=words)
        if estimate["score"] >= self.min_score:
            return []
        feedback = estimate["feedback"]
        hint = " ".join(filter(None, [feedback.get("warning"), *feedback.get("suggestions", [])]))
        # zxcvbn's hint is English only: the Indonesian sentence leaves it out
        said_hint = {"id": "", "en": f": {hint}" if hint else ""}
        return [Problem.say("input.password.guessable", score=estimate["score"], least=self.min_score, hint=said_hint)]


DEMO = PasswordPolicy(min_length=1, min_score=0)
"""What `skpflow seed-demo` imports its demo accounts under (their password is `demo`); nothing else uses it."""
