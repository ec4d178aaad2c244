"""Users who are not pegawai (HR admins, auditors), and the bootstrap admin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from workflows.passwords import hash_password
from workflows.tables import AppUser


def ensure_first_admin(session: Session, username: str, password: str, *, now: datetime) -> bool:
    """Create the super-admin when no admin exists yet; say whether one was created."""
    if session.scalar(select(col(AppUser.id)).where(col(AppUser.role) == "admin").limit(1)) is not None:
        return False
    session.add(AppUser(username=username, password_hash=hash_password(password), role="admin", created_at=now))
    return True
