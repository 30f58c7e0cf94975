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
