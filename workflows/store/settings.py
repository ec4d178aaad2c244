"""Settings from the environment (`SKPFLOW_*`) in one class."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from limits import parse
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.store.passwords import PasswordPolicy


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
    instansi_code: str = Field(
        default="INSTANSI",
        min_length=1,
        max_length=32,
        description="Code of the instansi the first `POST /org/import` creates when it names none and the database "
        "holds none (a one-instansi install never has to name it); set it before that import, a code stays.",
    )
    instansi_name: str = Field(
        default="Instansi Pemerintah",
        min_length=1,
        max_length=200,
        description="Name of that instansi; an import naming the instansi's code with another name renames it.",
    )
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
        default=3600,
        ge=5,
        description="How often the audit trail is sealed: by the scheduler (the `seal-audit` workflow), or by "
        "`skpflow serve --no-scheduler` itself.",
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins per account and client address before the pair is locked."
    )
    login_window_seconds: int = Field(default=900, ge=1, description="Window in which failed logins are counted.")
    login_lockout_seconds: int = Field(default=900, ge=1, description="How long a locked pair is refused (429).")
    password_min_length: int = Field(
        default=10, ge=1, le=200, description="Shortest password accepted wherever a password is set."
    )
    password_min_score: int = Field(
        default=3,
        ge=0,
        le=4,
        description="Lowest zxcvbn strength score (0-4) accepted wherever a password is set; 3 means guessing it takes "
        "over 10^8 tries. The account's NIP, name and username count as known words.",
    )
    demo: bool = Field(
        default=False,
        description="Demo mode (`make run` sets it): nobody is made to change an initial password at first login, so "
        "the demo accounts of `skpflow seed-demo` log in with `demo`. Never on a real install.",
    )
    pdf_rate: str = Field(
        default="20/minute",
        description="How many PDFs (skp.pdf, evaluasi.pdf) one user may fetch, e.g. '20/minute' or '100/hour'; more "
        "are refused with 429 and Retry-After. Counted per server process.",
    )
    page_rate: str = Field(
        default="120/minute",
        description="How many heavy pages (an SKP, the matriks, the cycle dashboard and distribution, the audit "
        "search and exports) one user may fetch at that rate; more are refused with 429 and Retry-After.",
    )

    @field_validator("pdf_rate", "page_rate")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate like '20/minute': {value!r}") from exc
        return value


def intervals(settings: Settings) -> dict[str, timedelta]:
    """The workflows the scheduler runs on an interval: the audit seal, and the outbox once mail is set up."""
    every = {"seal-audit": timedelta(seconds=settings.audit_seal_every_seconds)}
    if settings.notify_url is not None:
        every["deliver-notifications"] = timedelta(seconds=settings.deliver_every_seconds)
    return every


def password_policy(settings: Settings) -> PasswordPolicy:
    return PasswordPolicy(min_length=settings.password_min_length, min_score=settings.password_min_score)


def seal_key(settings: Settings) -> bytes | None:
    return settings.audit_seal_key.get_secret_value().encode() if settings.audit_seal_key else None


@lru_cache
def get_settings() -> Settings:
    return Settings()
