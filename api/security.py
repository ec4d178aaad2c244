"""Access tokens: signed (HS256), expiring, naming the actor; the key comes from settings or a kept file."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


@dataclass(frozen=True)
class Claims:
    """What a valid token says: who (`subject`), the account's token version when it was issued (a bumped version
    ends it), whether it was issued only to change an initial password, its id (`jti`, what logging out revokes)
    and when it expires."""

    subject: str
    version: int
    change_password: bool
    jti: str
    expires: datetime


def issue(
    subject: str, *, key: str, now: datetime, minutes: int, version: int = 0, change_password: bool = False
) -> str:
    claims: dict[str, object] = {
        "sub": subject,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": secrets.token_hex(8),
        "ver": version,
    }
    if change_password:
        claims["pwc"] = True
    return jwt.encode(claims, key, algorithm=ALGORITHM)


def claims_of(token: str, *, key: str, now: datetime) -> Claims | None:
    """The token's claims if it is ours, intact and unexpired as of `now`; None otherwise. Whether its version is
    still the account's is the caller's to check, against the database on every request (`actor_for`)."""
    checked = _claims(token, key)
    if checked is None:
        return None
    claims, issued, expires = checked
    if issued > now.timestamp() + 60:
        return None  # issued in the future of the clock
    if now.timestamp() >= expires:  # against the injected clock, so simulated time expires tokens too
        return None
    return claims


@lru_cache(maxsize=4096)
def _claims(token: str, key: str) -> tuple[Claims, float, float] | None:
    """The claims, iat and exp of a token whose signature and claims check out, else None. A token never changes,
    so its signature is checked once per process (the HMAC and the decoding cost more than the rest of a
    request's authentication); the times are checked against the clock, and the version against the account,
    on every use, so this cache never lets an expired or revoked token through."""
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],  # never trust the token's own 'alg' (no 'none', no key confusion)
            # exp and iat against the injected clock in claims_of, so simulated time works for both
            options={"require": ["sub", "exp", "iat", "ver", "jti"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidTokenError:
        return None
    subject, issued, expires, version = claims.get("sub"), claims.get("iat"), claims.get("exp"), claims.get("ver")
    if not isinstance(subject, str) or not isinstance(expires, int | float) or not isinstance(issued, int | float):
        return None
    jti = claims.get("jti")
    if not isinstance(version, int) or isinstance(version, bool) or not isinstance(jti, str) or not 0 < len(jti) <= 32:
        return None
    try:
        until = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return Claims(subject, version, claims.get("pwc") is True, jti, until), issued, expires
