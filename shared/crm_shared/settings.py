"""Settings base: each service reads its own `<SERVICE>_*` environment variables, nothing else does."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_JWT_SECRET = "dev-only-insecure-secret-change-me-0123456789"


class KafkaSettings(BaseModel):
    """How to reach Kafka, and the consumer tuning that matters for latency (DESIGN §3)."""

    bootstrap_servers: str = "127.0.0.1:9092"
    fetch_max_wait_ms: int = 10
    max_batch: int = 500
    create_topics: bool = True
    replication_factor: int = 1
    watchdog_interval_s: float = 2.0
    session_timeout_ms: int = 6000
    heartbeat_interval_ms: int = 1000
    producer_idempotence: bool = False
    # > 0: topics this service creates get at most this many partitions. The dev stack sets 1 on its
    # embedded broker: one process per service reads every partition anyway, and each partition costs
    # the broker and every consumer on each fetch (polled every `fetch_max_wait_ms`). 0: the registry's.
    topic_partitions: int = Field(default=0, ge=0)


class AuthSettings(BaseModel):
    """Token verification: every service checks tokens itself with the shared secret."""

    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_algorithm: str = "HS256"
    token_ttl_minutes: int = 60 * 8
    issuer: str = "crm"


class OutboxSettings(BaseModel):
    """The relay's batch size, linger, idle poll and how long sent rows are kept for replay.

    `relay=false` runs a process without its relay: a web worker that only takes requests while another
    process on the same database (with `relay=true`) publishes its outbox rows. That process learns of
    the commits by polling, so give it a short `poll_interval_s` (e.g. 0.02).
    """

    relay: bool = True
    batch_size: int = 500
    linger_ms: float = 10.0  # when busy, gather the commits of the next few ms into one batch
    poll_interval_s: float = 1.0
    retention_hours: float = 24.0


class BaseServiceSettings(BaseSettings):
    """What every service has: a database, Kafka, auth, outbox and a mode."""

    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    service_name: str = "service"
    mode: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./var/service.db"
    host: str = "127.0.0.1"
    port: int = 8000
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    outbox: OutboxSettings = Field(default_factory=OutboxSettings)
    run_migrations: bool = True
    sqlite_checkpoint_interval_s: float = 1.0  # WAL checkpoints off the request path (checkpoint.py)
    demo_clock: bool = False  # X-Demo-Time backdates a request (crm_shared.democlock); development only
    # FastAPI's own OpenTelemetry (spans, metrics, logs to the global providers): off unless asked for, as
    # its per-request check for configured providers costs a few % of a hot path's CPU even with none
    telemetry: bool = False
    # the largest request body a route takes unless it sets its own (a CSV upload): beyond it a 413 problem,
    # before the body is read (Content-Length) or as soon as a streamed body passes it
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _refuse_default_secrets_in_production(self) -> "BaseServiceSettings":
        if self.mode == "production" and self.auth.jwt_secret == DEFAULT_JWT_SECRET:
            raise ValueError("production mode needs auth.jwt_secret set; the default secret is refused")
        if self.mode == "production" and self.demo_clock:
            raise ValueError("demo_clock backdates records: it is refused in production mode")
        return self
