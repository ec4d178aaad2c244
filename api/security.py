"""Access tokens: signed (HS256), expiring, naming the actor; the key comes from settings or a kept file."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

import jwt

from workflows.store.settings import Settings

ALGORITHM = "HS256"


def signing_key(settings: Settings) -> str:
    """The configured key, or one generated once and kept (mode 0600) so tokens survive a restart."""
    if settings.secret_key is not None:
        key = settings.secret_key.get_secret_value()
        if len(key) < 32:
            raise ValueError("SKPFLOW_SECRET_KEY must be at least 32 characters (HS256 needs a 256-bit key)")
        return key
    path = Path(settings.secret_file)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def issue(subject: str, *, key: str, now: datetime, minutes: int) -> str:
    claims = {"sub": subject, "iat": now, "exp": now + timedelta(minutes=minutes), "jti": secrets.token_hex(8)}
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def subject_of(token: str, *, key: str, now: datetime) -> str | None:
    """The token's subject if it is ours, intact and unexpired as of `now`; None otherwise."""
    claims = _claims(token, key)
    if claims is None:
        return None
    subject, issued, expires = claims
    if issued > now.timestamp() + 60:
        return None  # issued in the future of the clock
    if now.timestamp() >= expires:  # against the injected clock, so simulated time expires tokens too
        return None
    return subject


@lru_cache(maxsize=4096)
def _claims(token: str, key: str) -> tuple[str, float, float] | None:
    """The subject, iat and exp of a token whose signature and claims check out, else None. A token never changes,
    so its signature is checked once per process (the HMAC and the decoding cost more than the rest of a
    request's authentication); the times are checked against the clock on every use."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # never trust the token's own 'alg' (no 'none', no key confusion)
            # exp and iat against the injected clock in subject_of, so simulated time works for both
            options={"require": ["sub", "exp", "iat"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        return None
    subject, issued, expires = claims.get("sub"), claims.get("iat"), claims.get("exp")
    if not isinstance(subject, str) or not isinstance(expires, int | float) or not isinstance(issued, int | float):
        return None
    return subject, issued, expires
