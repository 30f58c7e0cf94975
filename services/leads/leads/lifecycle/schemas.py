"""Request and response models of the lead lifecycle."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from crm_shared.events.leads import ConvertedAccount, ConvertedContact, ConvertedOpportunity

Text = Annotated[str, Field(min_length=1, max_length=300)]
UtcTime = Annotated[AwareDatetime, AfterValidator(lambda moment: moment.astimezone(UTC))]


class StatusChange(BaseModel):
    """Move a lead to another status (a reason is required to disqualify)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["new", "contacted", "qualified", "disqualified"]
    reason: str | None = Field(default=None, max_length=2000)


class LeadUpdate(BaseModel):
    """The editable fields of a lead; only those sent change."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    website: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=200)
    region: str | None = Field(default=None, max_length=100)
    industry: str | None = Field(default=None, max_length=100)
    custom_fields: dict[str, str] | None = None


class Assignment(BaseModel):
    """A manual reassignment to a rep (the team follows the rep unless given)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: str = Field(min_length=1, max_length=36)
    team_id: str | None = Field(default=None, max_length=36)


class ConvertRequest(BaseModel):
    """What the converted lead becomes; defaults come from the lead itself."""

    model_config = ConfigDict(extra="forbid")

    account: ConvertedAccount | None = None
    contact: ConvertedContact | None = None
    opportunity: ConvertedOpportunity | None = None


class MergeRequest(BaseModel):
    """The lead to merge into this one."""

    model_config = ConfigDict(extra="forbid")

    other_lead_id: str = Field(min_length=1, max_length=36)


class ActivityCreate(BaseModel):
    """A call, email, meeting or note on a lead."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["call", "email", "meeting", "note"]
    subject: Text
    notes: str = Field(default="", max_length=10_000)
    occurred_at: UtcTime | None = None


class ActivityRead(BaseModel):
    """A logged activity."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    lead_id: str
    kind: str
    subject: str
    notes: str
    occurred_at: datetime
    created_by: str


class TaskCreate(BaseModel):
    """A follow-up with a due date."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    due_at: UtcTime
    owner_id: str | None = Field(default=None, max_length=36)


class TaskRead(BaseModel):
    """A follow-up."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    lead_id: str
    title: str
    due_at: datetime
    done: bool
    owner_id: str | None
    created_by: str
    created_at: datetime


class FirstContactTarget(BaseModel):
    """A team's first-contact target in minutes."""

    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(ge=1, le=60 * 24 * 30)
