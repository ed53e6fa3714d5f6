"""One typed settings object, read once from the environment or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REFERRALDESK_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        secrets_dir=None,
    )

    database_url: str = "sqlite:///var/referraldesk.db"
    redis_url: str | None = None
    # huey's SQLite queue file; used when no Redis URL is set.
    queue_path: Path = Path("var/queue.db")

    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str = "gpt-4o-mini"
    llm_timeout_seconds: float = 8.0
    llm_max_tool_steps: int = 6

    brain: str = Field(default="guided", pattern="^(guided|llm)$")
    analyzer: str = Field(default="embedded", pattern="^(embedded|llm)$")

    twilio_auth_token: SecretStr | None = None
    twilio_account_sid: str | None = None
    public_url: str = "http://127.0.0.1:8000"

    encryption_key: SecretStr | None = None
    session_secret: SecretStr = SecretStr("change-me-in-production-referraldesk")
    # The dashboard signs a user out after this long without a request.
    admin_idle_timeout_seconds: int = Field(default=900, ge=60, le=24 * 3600)

    # Public chat: new conversations per client address per 10 minutes. A clinic
    # behind one NAT address, or a load test, may need more.
    chat_starts_per_10_minutes: int = Field(default=20, ge=1)

    # The largest request body any route takes; referrals and messages are kilobytes.
    max_request_bytes: int = Field(default=1_000_000, ge=10_000)
    # Addresses of reverse proxies whose X-Forwarded-For may be believed (comma
    # separated). Empty: the socket's address is the client, whatever headers say.
    trusted_proxies: str = ""

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"REFERRALDESK_DATABASE_URL={value!r} is not supported: "
                "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db"
            )
        if value.startswith("postgresql://"):
            # SQLAlchemy would pick psycopg2, which we do not install.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    get_settings.cache_clear()
