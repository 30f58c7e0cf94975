"""Request and response models of forms, submissions and the quarantine."""

from datetime import datetime
from typing import Annotated, Literal

from limits import parse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from leads.forms.domain import LEAD_FIELDS

Url = Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)]
Origin = Annotated[str, Field(pattern=r"^https?://[^/\s]+$", max_length=300)]
FieldName = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-\[\]]+$")]


def _check_targets(mapping: dict[str, str]) -> dict[str, str]:
    for form_field, target in mapping.items():
        if target not in LEAD_FIELDS and not (target.startswith("custom.") and len(target) > 7):
            raise ValueError(f"{form_field}: target {target!r} is neither a lead field nor custom.<name>")
    return mapping


def _check_limit(value: str | None) -> str | None:
    # limits raises ValueError on a bad string; pydantic reports it on the field
    if value is not None and parse(value).amount < 1:
        raise ValueError("a rate limit lets at least one post through; deactivate the form to stop posts")
    return value


class FormBase(BaseModel):
    """What an admin configures on a form."""

    model_config = ConfigDict(extra="forbid")

    allowed_origins: list[Origin] = Field(default_factory=list, max_length=50)
    field_mapping: Annotated[dict[FieldName, str], AfterValidator(_check_targets)] = Field(
        default_factory=dict
    )
    required_fields: list[FieldName] = Field(default_factory=list)
    honeypot_field: FieldName | None = None
    min_fill_seconds: int = Field(default=0, ge=0, le=3600)
    thank_you_url: Url | None = None
    error_url: Url | None = None
    source: Literal["web_form", "hotline", "event", "purchased_list", "referral", "manual", "import"] = (
        "web_form"
    )
    campaign: str | None = Field(default=None, max_length=100)
    default_team_id: str | None = Field(default=None, max_length=36)
    rate_limit: Annotated[str | None, AfterValidator(_check_limit)] = Field(default=None, max_length=50)
    active: bool = True


class FormCreate(FormBase):
    """A new form."""

    name: str = Field(min_length=1, max_length=200)


class FormUpdate(FormBase):
    """A form's full configuration (PUT replaces it)."""

    name: str = Field(min_length=1, max_length=200)


class FormRead(FormBase):
    """A form as the API shows it."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    id: str
    name: str
    created_at: datetime
    updated_at: datetime


class SubmissionAccepted(BaseModel):
    """The answer to an API post: the submission's id (the same one for a retried post)."""

    id: str
    status: Literal["accepted"] = "accepted"
    duplicate: bool = False


class SubmissionRead(BaseModel):
    """A stored submission (the quarantine list shows these)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    form_id: str
    status: str
    quarantine_reason: str | None
    fields: dict[str, str]
    custom_fields: dict[str, str]
    utm: dict[str, str]
    referrer: str | None
    page_url: str | None
    visitor_id: str | None
    client_ip: str | None
    lead_id: str | None
    matched_by: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    customer_owner_id: str | None = None
    received_at: datetime
