"""Leads settings: `LEADS_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings


class LeadsSettings(BaseServiceSettings):
    """Settings of the leads service."""

    model_config = SettingsConfigDict(env_prefix="LEADS_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "leads"
    database_url: str = "sqlite+aiosqlite:///./var/leads.db"
    port: int = 8001
