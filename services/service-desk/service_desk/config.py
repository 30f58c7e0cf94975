"""Service-desk settings: `SERVICE_DESK_*` environment variables."""

from decimal import Decimal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings


class WebFormSettings(BaseModel):
    """Protections of the public web-to-ticket form (the same as the lead forms')."""

    max_body_bytes: int = 64 * 1024
    rate_limit: str = "10/minute"  # per client IP, `limits` notation
    honeypot_field: str = "website"


class CsatSettings(BaseModel):
    """Satisfaction links: signed with the auth secret for a distinct audience, valid this long."""

    audience: str = "crm:service-desk:csat"
    ttl_days: int = 30


class InboundSettings(BaseModel):
    """Secrets of the mail gateway and the chat/WeChat webhooks, which sign each request's timestamp and
    body; a post older (or newer) than `tolerance_s`, or one already received, is refused."""

    signature_header: str = "X-CRM-Signature"
    timestamp_header: str = "X-CRM-Timestamp"  # unix seconds, signed with the body
    tolerance_s: int = Field(default=300, ge=1)
    email_secret: SecretStr | None = None
    chat_secret: SecretStr | None = None  # chat and WeChat

    def secret_for(self, channel: str) -> str | None:
        """The channel's secret, if one is configured."""
        secret = self.email_secret if channel == "email" else self.chat_secret
        return secret.get_secret_value() if secret else None


class ServiceDeskSettings(BaseServiceSettings):
    """Settings of the service-desk service."""

    model_config = SettingsConfigDict(env_prefix="SERVICE_DESK_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "service-desk"
    database_url: str = "sqlite+aiosqlite:///./var/service-desk.db"
    port: int = 8003
    public_url: str = "http://127.0.0.1:8003"
    phone_region: str = "CN"  # how to read caller numbers that are not in E.164
    hourly_rate: Decimal = Decimal("60.00")  # what an hour of agent time costs a ticket
    sla_check_interval_s: float = 30.0
    webform: WebFormSettings = WebFormSettings()
    csat: CsatSettings = CsatSettings()
    inbound: InboundSettings = InboundSettings()
