"""Sales events about opportunities and their stages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import Event, register
from crm_shared.topics import (
    SALES_OPPORTUNITY,
)


class OpportunityLine(BaseModel):
    """One product line of an opportunity."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    product: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class ContactRole(BaseModel):
    """A contact's role on an opportunity: decision_maker | influencer | user."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    contact_id: str
    role: str


class OpportunitySnapshot(Event):
    """The whole opportunity as it is after the change: what reporting needs for funnels and forecasts.
    `probability` is the one frozen when the opportunity entered its current stage."""

    name: str
    account_id: str
    owner_id: str | None = None
    team_id: str | None = None
    pipeline_id: str
    stage_id: str
    stage_name: str
    stage_type: str = "open"  # open | won | lost
    probability: int
    forecast_category: str  # pipeline | best_case | commit | closed | omitted
    status: str = "open"  # open | won | lost
    amount: Decimal = Decimal(0)
    currency: str = "CNY"
    expected_close_date: date | None = None
    lines: list[OpportunityLine] = Field(default_factory=list)
    contact_roles: list[ContactRole] = Field(default_factory=list)
    close_reason: str | None = None
    competitor: str | None = None
    closed_at: datetime | None = None
    source_type: str | None = None
    source_id: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


@register(SALES_OPPORTUNITY.name, "opportunity")
class OpportunityOpenedV1(OpportunitySnapshot):
    """An opportunity was opened (directly or from a converted lead)."""

    event_type: Literal["sales.opportunity.opened"] = "sales.opportunity.opened"


@register(SALES_OPPORTUNITY.name, "opportunity")
class OpportunityUpdatedV1(OpportunitySnapshot):
    """An opportunity's data changed (not its stage); `changed_fields` names what."""

    event_type: Literal["sales.opportunity.updated"] = "sales.opportunity.updated"


@register(SALES_OPPORTUNITY.name, "opportunity")
class OpportunityStageChangedV1(OpportunitySnapshot):
    """An open opportunity moved to another open stage; carries where it came from and how long it
    stayed there."""

    event_type: Literal["sales.opportunity.stage-changed"] = "sales.opportunity.stage-changed"
    from_stage_id: str
    from_stage_name: str
    to_stage_id: str
    to_stage_name: str
    seconds_in_previous_stage: float


@register(SALES_OPPORTUNITY.name, "opportunity")
class OpportunityWonV1(OpportunityStageChangedV1):
    """An opportunity was won (`close_reason` says why)."""

    event_type: Literal["sales.opportunity.won"] = "sales.opportunity.won"


@register(SALES_OPPORTUNITY.name, "opportunity")
class OpportunityLostV1(OpportunityStageChangedV1):
    """An opportunity was lost (`close_reason` says why, `competitor` to whom)."""

    event_type: Literal["sales.opportunity.lost"] = "sales.opportunity.lost"
