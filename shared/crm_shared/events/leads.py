"""Events published by the leads service."""

from typing import Literal

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
