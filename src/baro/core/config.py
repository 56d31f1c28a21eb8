"""Settings, read once from the environment (prefix ``BARO_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///baro.db"
DEFAULT_DATA_DIR = Path("../shared/data")


class Settings(BaseSettings):
    """Everything an operator may set. Defaults give a working embedded install."""

    model_config = SettingsConfigDict(env_prefix="BARO_", env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    cancel_window_minutes: int = Field(default=30, ge=0, le=60 * 24 * 30)
    # A delivered order may be returned (and is refunded in full) for this many days.
    return_window_days: int = Field(default=30, ge=0, le=365)
    idempotency_ttl_hours: int = Field(default=48, ge=24)
    max_order_quantity: int = Field(default=100, ge=1)
    data_dir: Path | None = None
    currency: str = "BRL"
    db_pool_size: int = Field(default=10, ge=1)
    worker_threads: int = Field(default=2, ge=1, le=200)
    # 1-Click presses placed together per transaction, at most, and how many such batches
    # each server process runs at once (see baro.core.batching).
    order_batch_max: int = Field(default=32, ge=1, le=1000)
    order_batches_in_flight: int = Field(default=1, ge=1, le=64)
    # Payment gateway calls of one batch made at once, at most.
    gateway_calls: int = Field(default=8, ge=1, le=256)
    # A placement in flight this long has lost its process (gateway calls time out sooner).
    abandoned_after_seconds: int = Field(default=120, ge=10)
    # The sandbox gateway writes down every answer here (for tests that audit the money).
    sandbox_ledger: Path | None = None
    # Failed API keys are counted here when set (redis://host:port/db), so that the limit
    # holds across worker processes; else in each process's memory.
    redis_url: str | None = None
    # Proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated,
    # "*" for any); none by default, so that a client cannot pick the address it is counted as.
    forwarded_allow_ips: str = ""
    # Request bodies larger than this are refused with 413.
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    # Failed authentications (unknown keys, wrong codes) a client address may make a minute
    # before it gets 429. Raised only for a fuzzer that sends invalid keys on purpose.
    failed_auth_per_minute: int = Field(default=20, ge=1, le=1_000_000)
    # Argon2id's cost for passwords: RFC 9106's second choice (64 MiB, 3 passes) by default.
    # Lower only for tests and benches that sign up many people.
    argon2_memory_kib: int = Field(default=65536, ge=32, le=4_194_304)
    argon2_time_cost: int = Field(default=3, ge=1, le=100)
    # Seconds between the platform's own ticks (locker returns and refunds, drone sorties,
    # recovery; baro.jobs) in each server process; 0: none. ``baro serve`` runs them every
    # 5 s; an app built in a test runs none unless asked, so its clock alone moves things.
    jobs_interval_seconds: float = Field(default=0, ge=0, le=3600)
    # Devices (baro.channels.devices): the MQTT broker appliances talk to (mqtt://host:port;
    # none: devices use HTTP only), how old a signed message may be, a new slot's price limit
    # (a rise above it holds the reorder), the delivery lead time assumed before a slot's
    # first order, and the margin before run-out that a reorder aims to arrive by.
    mqtt_url: str | None = None
    device_message_window_seconds: int = Field(default=300, ge=1, le=86_400)
    device_price_rise_limit_pct: int = Field(default=10, ge=0, le=1000)
    device_lead_days: float = Field(default=5.0, gt=0, le=60)
    device_reorder_margin_days: float = Field(default=1.0, ge=0, le=60)

    def resolved_data_dir(self) -> Path:
        """Where the public data sets are: ``BARO_DATA_DIR``, else ``../shared/data`` beside
        the project (the layout the team's machines and CI use)."""
        return self.data_dir if self.data_dir is not None else DEFAULT_DATA_DIR

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        """Plain ``postgresql://`` URLs are routed to psycopg 3, the driver baro ships with."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, code: str) -> str:
        return code.upper()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
