"""Request and response models of the leads API."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Source = Literal["web_form", "hotline", "event", "purchased_list", "referral", "manual", "import"]


class LeadCreate(BaseModel):
    """A lead entered by a person; only these fields are accepted."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    source: Source = "manual"
    campaign: str | None = Field(default=None, max_length=100)
    title: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=300)
    region: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)


class ScoreLine(BaseModel):
    """One line of a score breakdown."""

    rule_id: str
    kind: str
    points: int
    reason: str


class LeadRead(BaseModel):
    """A lead as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str | None
    phone: str | None
    company: str | None
    source: str
    campaign: str | None
    status: str
    owner_id: str | None
    team_id: str | None
    created_at: datetime
    company_domain: str | None = None
    website: str | None = None
    title: str | None = None
    region: str | None = None
    industry: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    score: int = 0
    score_breakdown: list[ScoreLine] = Field(default_factory=list)
    disqualify_reason: str | None = None
    locked: bool = False
    merged_into_id: str | None = None
    account_id: str | None = None
    contact_id: str | None = None
    opportunity_id: str | None = None
    first_contacted_at: datetime | None = None
    first_contact_due_at: datetime | None = None
    updated_at: datetime | None = None


class InteractionRead(BaseModel):
    """Something that happened with a lead."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    channel: str
    kind: str
    summary: str
    submission_id: str | None
    data: dict
    occurred_at: datetime
