"""Settings from the environment (`SKPFLOW_*`) in one class."""

from __future__ import annotations

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
    policy: str = Field(default="permenpanrb-6-2022", description="Policy used by new cycles unless named.")


@lru_cache
def get_settings() -> Settings:
    return Settings()
