"""Service-desk settings: `SERVICE_DESK_*` environment variables."""

from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings


class ServiceDeskSettings(BaseServiceSettings):
    """Settings of the service-desk service."""

    model_config = SettingsConfigDict(env_prefix="SERVICE_DESK_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "service-desk"
    database_url: str = "sqlite+aiosqlite:///./var/service-desk.db"
    port: int = 8003
