"""One typed settings object, read once from the environment or `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The default every install once shared: a secret only in name.
PUBLIC_SESSION_SECRET = "change-me-in-production-referraldesk"
MIN_SESSION_SECRET_CHARS = 32
# Secrets every process must share, each as (its value's setting, its file's setting).
SHARED_KEYS = (
    ("encryption_key", "encryption_key_file"),
    ("audit_key", "audit_key_file"),
    ("session_secret", "session_secret_file"),
)


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
    # The queue's name in Redis: deployments (or test runs) sharing one Redis server
    # need different names, or their workers take each other's jobs.
    queue_name: str = Field(default="referraldesk", pattern=r"^[A-Za-z0-9_.-]+$")
    # PostgreSQL connections per process. Pool plus overflow should cover the web
    # server's worker threads (40), or requests queue for a connection.
    db_pool_size: int = Field(default=20, ge=1)
    db_max_overflow: int = Field(default=25, ge=0)
    # How long a request waits for the database (a pooled connection, SQLite's write
    # lock) before it is answered 503 with Retry-After instead of hanging.
    db_wait_seconds: float = Field(default=15.0, gt=0)
    # Requests of one web process using the database at once; the rest wait on the
    # event loop. Below the server's 40 threads, so the requests that hold a lock
    # always have a thread to finish in, and twice it (a rate count takes a second,
    # short connection) within the pool.
    web_max_active_requests: int = Field(default=20, ge=1, le=200)
    # Ended conversations still unanalysed after this long are queued again (a worker
    # killed mid-job loses the job it held).
    analysis_sweep_after_minutes: int = Field(default=10, ge=0)

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

    # Fernet keys (`referraldesk keys generate`). Unset: a key is made once into
    # encryption_key_file, for development and the demo only.
    encryption_key: SecretStr | None = None
    # Keys being rotated out, comma separated: still read, never written with.
    encryption_old_keys: SecretStr | None = None
    encryption_key_file: Path = Path("var/encryption.key")
    # Signs sign-in forms, calendar links and feed tokens, and salts rate-limit keys.
    # Unset: one is made once into session_secret_file, for development and the demo;
    # several web instances need the same one, so production sets it.
    session_secret: SecretStr | None = None
    session_secret_file: Path = Path("var/session.secret")
    # Keys each audit record's hash (an HMAC), kept out of the database; the same on
    # every instance and never changed once records exist (audit/key.py). Unset: one
    # is made once into audit_key_file, for development and the demo.
    audit_key: SecretStr | None = None
    audit_key_file: Path = Path("var/audit.key")
    # The chain's newest record as last verified, sealed with the audit key. Several
    # machines: a path on storage they all mount (audit/checkpoint.py).
    audit_checkpoint_file: Path = Path("var/audit.checkpoint")
    # The dashboard signs a user out after this long without a request.
    admin_idle_timeout_seconds: int = Field(default=900, ge=60, le=24 * 3600)

    # Public chat: new conversations per client address per 10 minutes. A clinic
    # behind one NAT address, or a load test, may need more.
    chat_starts_per_10_minutes: int = Field(default=20, ge=1)

    # The largest request body any route takes; referrals and messages are kilobytes.
    max_request_bytes: int = Field(default=1_000_000, ge=10_000)
    # A faxed referral as a PDF: scanned pages are images, a few hundred KB each.
    max_pdf_bytes: int = Field(default=10_000_000, ge=100_000)
    # A scanned page is rendered for OCR within this many pixels (2550x3300 is a
    # letter page at 300 dpi): a huge page is scaled down, not rendered at 1 GB.
    ocr_max_page_pixels: int = Field(default=2550 * 3300, ge=100_000)
    # Tesseract on one page gets this long; a stuck page fails the entry, not the server.
    ocr_page_timeout_seconds: float = Field(default=30.0, gt=0)
    # Addresses of reverse proxies whose X-Forwarded-For may be believed (comma
    # separated). Empty: the socket's address is the client, whatever headers say.
    trusted_proxies: str = ""

    # Days an ended conversation keeps its transcript (turns, the brain's frame, tool-call
    # contents, analyses) and its recording link; 0 keeps them. Seven years by default:
    # California's floor for adult medical records (Health & Safety Code 123145), which a
    # scheduling transcript may be part of; a practice that treats them as non-records
    # can shorten it. The nightly job purges them in batches of `retention_batch_size`.
    retention_transcript_days: int = Field(default=2555, ge=0)
    retention_recording_days: int = Field(default=2555, ge=0)
    retention_batch_size: int = Field(default=200, ge=1, le=10_000)

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

    @field_validator("encryption_key", "session_secret", "audit_key", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        # The deploy example leaves `REFERRALDESK_SESSION_SECRET=` and the audit key empty.
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _strong_secret_over_https(self) -> Settings:
        problem = session_secret_problem(self.session_secret)
        if problem and self.public_url.lower().startswith("https://"):
            raise ValueError(
                f"REFERRALDESK_SESSION_SECRET {problem}, and anyone who knows it can forge "
                "calendar links, feed tokens and sign-in forms of this https site: set it to "
                f"at least {MIN_SESSION_SECRET_CHARS} random characters, e.g. the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        return self

    @model_validator(mode="after")
    def _shared_keys_with_a_shared_database(self) -> Settings:
        # On PostgreSQL several processes, often on several hosts, read and write the
        # same rows; a key each host made for itself under var/ would leave one unable
        # to read, verify or accept what another wrote. A key's value or a file path
        # chosen on purpose (storage they all mount) is required instead.
        if self.is_sqlite:
            return self
        missing = [
            f"REFERRALDESK_{value_setting.upper()} (or REFERRALDESK_{file_setting.upper()})"
            for value_setting, file_setting in SHARED_KEYS
            if getattr(self, value_setting) is None and file_setting not in self.model_fields_set
        ]
        if missing:
            raise ValueError(
                "REFERRALDESK_DATABASE_URL is PostgreSQL, which several processes share, so "
                f"every process needs the same keys: set {', '.join(missing)} "
                "(deploy/referraldesk.env.example says how to make each)"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def session_secret_problem(secret: SecretStr | None) -> str | None:
    """What makes a configured session secret unsafe, or None (unset is not a problem)."""
    if secret is None:
        return None
    value = secret.get_secret_value()
    if value == PUBLIC_SESSION_SECRET:
        return "is the old default published with the source"
    if len(value) < MIN_SESSION_SECRET_CHARS:
        return f"is {len(value)} characters long"
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests change the environment between runs)."""
    get_settings.cache_clear()
