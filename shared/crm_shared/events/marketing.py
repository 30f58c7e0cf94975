"""Marketing events of the leads service: campaigns (their cost, for ROI) and prospects from purchased
lists (what reporting counts of them, no personal data). On the leads topic, beside the lead events."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from crm_shared.events.base import Event, register
from crm_shared.topics import LEADS_LEAD


class CampaignSnapshot(Event):
    """The whole campaign after the change: what it cost, so reporting can compute its ROI."""

    name: str
    channel: str | None = None
    cost: Decimal = Decimal("0")
    currency: str = "CNY"
    starts_on: date | None = None
    ends_on: date | None = None


@register(LEADS_LEAD.name, "campaign")
class CampaignCreatedV1(CampaignSnapshot):
    """A marketing campaign was created (leads name it in their `campaign` field)."""

    event_type: Literal["leads.campaign.created"] = "leads.campaign.created"


@register(LEADS_LEAD.name, "campaign")
class CampaignUpdatedV1(CampaignSnapshot):
    """A campaign changed (e.g. its cost); `changed_fields` names what."""

    event_type: Literal["leads.campaign.updated"] = "leads.campaign.updated"


class ProspectFacts(Event):
    """What reporting counts of a prospect (an unverified person from a purchased list); no personal data."""

    list_name: str
    source: str = "purchased_list"  # the source of the lead a verified prospect becomes
    campaign: str | None = None
    region: str | None = None
    industry: str | None = None


@register(LEADS_LEAD.name, "prospect")
class ProspectImportedV1(ProspectFacts):
    """A person from a purchased list was imported as an unverified prospect."""

    event_type: Literal["leads.prospect.imported"] = "leads.prospect.imported"
    row_number: int | None = None


@register(LEADS_LEAD.name, "prospect")
class ProspectVerifiedV1(ProspectFacts):
    """A person confirmed the prospect: it became the lead `lead_id`, a new one (`new_lead`) or the existing
    lead it duplicates."""

    event_type: Literal["leads.prospect.verified"] = "leads.prospect.verified"
    lead_id: str
    new_lead: bool = True
    verified_by: str | None = None
    imported_at: datetime | None = None  # when the prospect was imported (also for lists imported before
    # leads.prospect.imported existed)
