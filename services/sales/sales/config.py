"""Sales settings: `SALES_*` environment variables."""

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings

DEFAULT_ADMIN_PASSWORD = "admin-change-me"


class SalesSettings(BaseServiceSettings):
    """Settings of the sales service, including the first admin created on an empty directory."""

    model_config = SettingsConfigDict(env_prefix="SALES_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "sales"
    database_url: str = "sqlite+aiosqlite:///./var/sales.db"
    port: int = 8002
    bootstrap_admin_email: str = "admin@example.com"
    bootstrap_admin_password: str = Field(default=DEFAULT_ADMIN_PASSWORD, min_length=8)
    bootstrap_admin_name: str = "Administrator"
    # false runs an API-only replica that joins no consumer group (and lets tests skip the ~5 s join)
    consume_events: bool = True
    # exchange rates are kept against this currency (the company's own); the forecast converts through it
    base_currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    # how often the periodic checker looks for invoices gone overdue and contracts due for renewal
    check_interval_s: float = Field(default=300.0, gt=0)
    run_checker: bool = True

    @model_validator(mode="after")
    def _refuse_default_admin_password_in_production(self) -> "SalesSettings":
        if self.mode == "production" and self.bootstrap_admin_password == DEFAULT_ADMIN_PASSWORD:
            raise ValueError(
                "production mode needs bootstrap_admin_password set; the default password is refused"
            )
        return self
