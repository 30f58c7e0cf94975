"""Events published by the leads service."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

from crm_shared.events.base import Event, register
from crm_shared.topics import LEADS_LEAD


@register(LEADS_LEAD.name, "lead")
class LeadCapturedV1(Event):
    """A new lead entered the CRM, from a form, an import or a person."""

    event_type: Literal["leads.lead.captured"] = "leads.lead.captured"
    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    source: str
    campaign: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    status: str = "new"


class ConvertedAccount(BaseModel):
    """The account a converted lead becomes, or links to (`existing_account_id`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    existing_account_id: str | None = None
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    region: str | None = None


class ConvertedContact(BaseModel):
    """The contact a converted lead becomes, or links to (`existing_contact_id`)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    existing_contact_id: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None  # E.164
    title: str | None = None


class ConvertedOpportunity(BaseModel):
    """The opportunity to open on conversion, when asked for."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    name: str
    amount: Decimal | None = None
    currency: str = "CNY"
    expected_close_date: date | None = None
    pipeline_id: str | None = None


@register(LEADS_LEAD.name, "lead")
class LeadConvertedV1(Event):
    """A qualified lead was converted: sales creates or links the account and contact, and opens
    the opportunity when one is given, each keeping source type "lead" and this lead's id."""

    event_type: Literal["leads.lead.converted"] = "leads.lead.converted"
    account: ConvertedAccount
    contact: ConvertedContact
    opportunity: ConvertedOpportunity | None = None
    owner_id: str | None = None
    team_id: str | None = None
    source: str | None = None
    campaign: str | None = None
