"""Reporting settings: `REPORTING_*` environment variables."""

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings


class ReportingSettings(BaseServiceSettings):
    """Settings of the reporting service."""

    model_config = SettingsConfigDict(env_prefix="REPORTING_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "reporting"
    database_url: str = "sqlite+aiosqlite:///./var/reporting.db"
    port: int = 8004
    sales_url: str = "http://127.0.0.1:8002"  # where POST /session forwards a login (sales owns passwords)
    stream_poll_s: float = 2.0  # a stream also re-reads on this tick: changes applied by other replicas
    # a stream ticket opens `GET /stream` within this many seconds (the EventSource reconnects with a new one)
    stream_ticket_ttl_s: int = Field(default=60, ge=5, le=3600)
    dashboard_days: int = 14
    base_currency: str = "CNY"  # money figures' currency until a rate event names sales' base currency
