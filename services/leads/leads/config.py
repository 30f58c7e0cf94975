"""Leads settings: `LEADS_*` environment variables."""

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from crm_shared.settings import BaseServiceSettings


class IntakeSettings(BaseModel):
    """The public intake's protections (`LEADS_INTAKE__*`)."""

    max_body_bytes: int = 64 * 1024
    per_ip_limit: str = "60/minute"  # the `limits` notation, a sliding window per client address
    per_form_limit: str = "100/second"  # the default of a form without its own `rate_limit`
    track_per_ip_limit: str = "600/minute"
    trust_forwarded_for: bool = False  # only behind a proxy that sets X-Forwarded-For
    visitor_cookie: str = "crm_vid"


class SpeedToLeadSettings(BaseModel):
    """First-contact targets (`LEADS_SPEED_TO_LEAD__*`); a team may set its own target."""

    default_target_minutes: int = 60
    warn_fraction: float = Field(default=0.75, gt=0, lt=1)
    check_interval_s: float = 30.0


class LeadsSettings(BaseServiceSettings):
    """Settings of the leads service."""

    model_config = SettingsConfigDict(env_prefix="LEADS_", env_nested_delimiter="__", extra="ignore")

    service_name: str = "leads"
    database_url: str = "sqlite+aiosqlite:///./var/leads.db"
    port: int = 8001
    default_region: str = "CN"  # phone numbers without a country code are read in this region
    # False makes an intake/API-only replica with no Kafka consumer (submissions are processed, and the
    # directory replica kept, by the replicas where it is on): keeps form posts off the processing CPU.
    consume: bool = True
    intake: IntakeSettings = Field(default_factory=IntakeSettings)
    speed_to_lead: SpeedToLeadSettings = Field(default_factory=SpeedToLeadSettings)
