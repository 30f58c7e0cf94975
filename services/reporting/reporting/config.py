"""Reporting settings: `REPORTING_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings


class ReportingSettings(BaseServiceSettings):
    """Settings of the reporting service."""

    model_config = SettingsConfigDict(env_prefix="REPORTING_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "reporting"
    database_url: str = "sqlite+aiosqlite:///./var/reporting.db"
    port: int = 8004
