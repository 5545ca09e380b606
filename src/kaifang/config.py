"""Settings: the only reader of the environment. Built once and passed down."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

INSECURE_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    """Every setting, read from ``KAIFANG_*`` environment variables (see docs/settings.md)."""

    model_config = SettingsConfigDict(env_prefix="KAIFANG_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("./var")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""

    secret_key: SecretStr = SecretStr(INSECURE_SECRET)
    fingerprint_key: SecretStr = SecretStr("")
    fingerprint_previous_keys: SecretStr = SecretStr("")
    pseudonym_key: SecretStr = SecretStr("")

    redis_url: str = ""
    queue_backend: Literal["auto", "sqlite", "redis", "memory"] = "auto"
    worker_in_process: bool = True

    storage_backend: Literal["local", "s3", "memory"] = "local"
    s3_endpoint_url: str = ""
    s3_bucket: str = "kaifang"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_region: str = "us-east-1"

    audit_hash: Literal["sha256", "sm3"] = "sha256"

    max_body_bytes: int = 2 * 1024 * 1024
    max_upload_bytes: int = 1024 * 1024 * 1024
    showcase_screenshot_max_bytes: int = Field(default=2 * 1024 * 1024, ge=1)
    fetch_allow_networks: list[str] = Field(default_factory=list)
    fetch_allow_any_port: bool = False
    fetch_timeout_seconds: float = 120.0
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    session_max_age_seconds: int = 8 * 3600
    token_default_days: int = 90
    trusted_proxies: list[str] = Field(default_factory=list)
    rate_limit_anonymous_per_minute: int = 120
    rate_limit_key_per_minute: int = Field(default=600, ge=1)

    access_accept_working_days: int = Field(default=5, ge=1, le=60)
    access_decide_working_days: int = Field(default=15, ge=1, le=120)
    access_remind_within_working_days: int = Field(default=1, ge=0, le=30)
    access_report_remind_days: int = Field(default=7, ge=0, le=90)
    access_report_grace_days: int = Field(default=0, ge=0, le=90)
    access_review_chain: Literal["provider,bureau", "provider"] = "provider,bureau"
    daily_jobs_hour: int = Field(default=1, ge=0, le=23)
    feedback_answer_working_days: int = 5
    feedback_per_hour_anonymous: int = 5
    feedback_per_hour_user: int = 20
    home_cache_seconds: int = 30
    search_cache_entries: int = 2000
    search_cache_seconds: int = 600
    search_cache_refresh_top: int = 20

    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    catalog_code_template: str = "{region}-{klass}-{seq:05d}"
    query_time_budget_ms: int = 1000
    sqlite_busy_timeout_ms: int = 5000
    report_schedule_formats: tuple[Literal["html", "pdf", "xlsx"], ...] = ("pdf", "xlsx")

    harvest_trusted_hosts: list[str] = Field(default_factory=list)
    harvest_max_page_bytes: int = 20 * 1024 * 1024
    link_check_interval_days: int = Field(default=7, ge=1)
    link_check_batch: int = Field(default=500, ge=1)

    @model_validator(mode="after")
    def _refuse_insecure_secrets(self) -> Settings:
        if self.env == "production":
            if self.secret_key.get_secret_value() in ("", INSECURE_SECRET):
                raise ValueError("KAIFANG_SECRET_KEY must be set to a random value in production")
            if len(self.secret_key.get_secret_value()) < 32:
                raise ValueError("KAIFANG_SECRET_KEY must be at least 32 characters")
            self._refuse_insecure_fingerprint_key()
        return self

    def _refuse_insecure_fingerprint_key(self) -> None:
        key = self.fingerprint_key.get_secret_value()
        if len(key) < 32 or key in (INSECURE_SECRET, self.secret_key.get_secret_value()):
            raise ValueError(
                "KAIFANG_FINGERPRINT_KEY must be set in production: at least 32 random "
                "characters, different from KAIFANG_SECRET_KEY"
            )

    def fingerprint_keys(self) -> list[bytes]:
        """Fingerprint keys, current first: new extracts use it, tracing tries them all.

        Outside production an unset key is derived from the secret key (development only).
        """
        current = self.fingerprint_key.get_secret_value()
        keys = [current.encode() if current else self.derived_key("fingerprint")]
        previous = self.fingerprint_previous_keys.get_secret_value()
        keys += [k.strip().encode() for k in previous.split(",") if k.strip()]
        return keys

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kaifang.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_queue_backend(self) -> str:
        """The job queue in use: Redis when a Redis URL is given, else SQLite."""
        if self.queue_backend != "auto":
            return self.queue_backend
        return "redis" if self.redis_url else "sqlite"

    def derived_key(self, purpose: str) -> bytes:
        """A key for one purpose derived from the secret key (HKDF-like, SHA-256)."""
        import hashlib
        import hmac

        return hmac.new(
            self.secret_key.get_secret_value().encode(), purpose.encode(), hashlib.sha256
        ).digest()


def load_settings(**overrides: object) -> Settings:
    """Read the environment once; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]


def random_secret() -> str:
    return secrets.token_urlsafe(48)
