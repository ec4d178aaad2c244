"""Settings from the environment (`SKPFLOW_*`) in one class."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SKPFLOW_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./var/skpflow.db",
        description="SQLAlchemy URL; sqlite:///path (embedded default) or postgresql://… (production).",
    )
    admin_user: str | None = Field(default=None, description="First admin, created at start when none exists.")
    admin_password: SecretStr | None = Field(default=None, description="Password of the first admin.")
    batch_chunk: int = Field(default=5000, ge=1, description="Rows per chunk in set-based batch transitions.")
    db_pool: int = Field(
        default=20,
        ge=1,
        description="Database connections the API server keeps open, and the synchronous requests it serves at "
        "once (its thread pool is sized to match, so no request waits for a connection and none is opened and "
        "closed under load: each new PostgreSQL connection starts a server process).",
    )
    policy: str = Field(default="permenpanrb-6-2022", description="Policy used by new cycles unless named.")
    secret_key: SecretStr | None = Field(
        default=None, description="Key that signs access tokens; without it one is kept in secret_file."
    )
    secret_file: str = Field(default="./var/secret.key", description="Where the generated signing key is kept.")
    token_minutes: int = Field(default=480, ge=1, description="Lifetime of an access token in minutes.")
    max_body_bytes: int = Field(default=1 << 20, ge=1024, description="Largest request body on ordinary routes.")
    notify_url: SecretStr | None = Field(
        default=None,
        description="Apprise URL of the mail server and sender, e.g. "
        "mailto://user:pass@host:587?from=skp@example.go.id (mailtos:// for TLS); unset, notifications stay queued.",
    )
    max_upload_bytes: int = Field(
        default=64 << 20, ge=1024, description="Largest request body on import and evidence upload routes."
    )
    evidence_dir: str = Field(
        default="./var/evidence", description="Directory of the content-addressed evidence store (bukti dukung)."
    )
    evidence_max_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1, description="Largest evidence file accepted, in bytes."
    )
    deliver_every_seconds: int = Field(
        default=300, ge=10, description="How often the scheduler drains the notification outbox (with notify_url)."
    )
    replan_every_seconds: int = Field(
        default=300, ge=5, description="How often the scheduler re-reads the running cycles' policies for schedules."
    )
    prefect_home: str = Field(
        default="./var/prefect", description="Where `skpflow serve` keeps its embedded Prefect server's database."
    )
    audit_seal_key: SecretStr | None = Field(
        default=None,
        description="Key of the audit seals' HMAC; keep it off the database server. Unset, seals are plain SHA-256 "
        "and their roots should be published (printed, sent to the inspectorate) to be worth anything.",
    )
    audit_seal_every_seconds: int = Field(
        default=3600, ge=60, description="How often the scheduler seals the audit trail (the `seal-audit` workflow)."
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per account and client address before the pair is locked."
    )
    login_window_seconds: int = Field(default=900, ge=1, description="Window in which failed logins are counted.")
    login_lockout_seconds: int = Field(default=900, ge=1, description="How long a locked pair is refused (429).")


def intervals(settings: Settings) -> dict[str, timedelta]:
    """The workflows the scheduler runs on an interval: the audit seal, and the outbox once mail is set up."""
    every = {"seal-audit": timedelta(seconds=settings.audit_seal_every_seconds)}
    if settings.notify_url is not None:
        every["deliver-notifications"] = timedelta(seconds=settings.deliver_every_seconds)
    return every


def seal_key(settings: Settings) -> bytes | None:
    return settings.audit_seal_key.get_secret_value().encode() if settings.audit_seal_key else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
