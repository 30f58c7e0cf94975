"""Events published by the leads service."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import Event, register
from crm_shared.topics import LEADS_LEAD, LEADS_SUBMISSION


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


@register(LEADS_SUBMISSION.name, "submission")
class SubmissionReceivedV1(Event):
    """A web form submission was stored durably; leads processes it into a lead (a quarantined one
    carries `quarantine_reason` and is not processed until released, which emits it again)."""

    event_type: Literal["leads.submission.received"] = "leads.submission.received"
    form_id: str
    form_name: str | None = None  # the form's name when stored or released (timelines say it, not the id)
    fields: dict[str, str] = Field(default_factory=dict)  # lead field -> value, as posted
    custom_fields: dict[str, str] = Field(default_factory=dict)
    source: str = "web_form"
    campaign: str | None = None
    default_team_id: str | None = None
    utm: dict[str, str] = Field(default_factory=dict)
    referrer: str | None = None
    page_url: str | None = None
    visitor_id: str | None = None
    quarantine_reason: str | None = None
    released: bool = False


@register(LEADS_SUBMISSION.name, "submission")
class SubmissionMatchedCustomerV1(Event):
    """A processed submission came from a known customer (a sales contact by email or phone, or an
    account by company domain and name): no lead was made; it is recorded as an interaction on that
    customer and linked to it. `owner_id`/`team_id` are the customer's owner, who should follow up."""

    event_type: Literal["leads.submission.customer-matched"] = "leads.submission.customer-matched"
    form_id: str
    matched_by: str  # e.g. "contact email", "contact phone", "account domain and name"
    contact_id: str | None = None
    account_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    summary: str = ""


class ScorePoint(BaseModel):
    """One line of a score breakdown: the rule that gave the points and why."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    rule_id: str
    kind: str
    points: int
    reason: str


@register(LEADS_LEAD.name, "lead")
class LeadScoredV1(Event):
    """A lead's score was (re)computed; every point of the breakdown has a reason."""

    event_type: Literal["leads.lead.scored"] = "leads.lead.scored"
    score: int
    previous_score: int | None = None
    breakdown: list[ScorePoint] = Field(default_factory=list)
    trigger: str = "captured"  # captured | submission | behaviour | merge | rules


class RoutingCandidate(BaseModel):
    """A rep considered by routing, with the load and capacity that made them eligible or not."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    user_id: str
    load: int
    capacity: int  # 0 = no limit
    eligible: bool
    reason: str = ""


@register(LEADS_LEAD.name, "lead")
class LeadAssignedV1(Event):
    """A lead got a team and (when one had capacity) a rep: the rule, inputs and candidates say why."""

    event_type: Literal["leads.lead.assigned"] = "leads.lead.assigned"
    owner_id: str | None = None
    team_id: str | None = None
    previous_owner_id: str | None = None
    rule_id: str | None = None
    rule_name: str | None = None
    strategy: str | None = None  # round_robin | least_loaded | manual
    inputs: dict[str, Any] = Field(default_factory=dict)
    candidates: list[RoutingCandidate] = Field(default_factory=list)
    reason: str = ""
    assigned_by: str | None = None  # a user id for a manual reassignment


class LeadSnapshot(Event):
    """The whole lead as it is after the change."""

    name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    company_domain: str | None = None
    title: str | None = None
    region: str | None = None
    industry: str | None = None
    source: str
    campaign: str | None = None
    status: str
    score: int = 0
    owner_id: str | None = None
    team_id: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    # the sales records a converted lead stands behind, once sales confirmed them
    account_id: str | None = None
    contact_id: str | None = None
    opportunity_id: str | None = None


@register(LEADS_LEAD.name, "lead")
class LeadUpdatedV1(LeadSnapshot):
    """A lead changed (edited, or a submission merged into it); `changed_fields` names what."""

    event_type: Literal["leads.lead.updated"] = "leads.lead.updated"


@register(LEADS_LEAD.name, "lead")
class LeadStatusChangedV1(LeadSnapshot):
    """A lead moved from `previous_status` to `status`."""

    event_type: Literal["leads.lead.status-changed"] = "leads.lead.status-changed"
    previous_status: str
    changed_by: str | None = None


@register(LEADS_LEAD.name, "lead")
class LeadDisqualifiedV1(LeadSnapshot):
    """A lead was disqualified, with the reason."""

    event_type: Literal["leads.lead.disqualified"] = "leads.lead.disqualified"
    reason: str
    changed_by: str | None = None


@register(LEADS_LEAD.name, "lead")
class LeadMergedV1(Event):
    """`merged_lead_id` was merged into this lead (`aggregate_id`): its interactions, activities and
    links moved here, and it is closed."""

    event_type: Literal["leads.lead.merged"] = "leads.lead.merged"
    merged_lead_id: str
    merged_by: str | None = None


@register(LEADS_LEAD.name, "lead")
class LeadFirstContactWarnedV1(Event):
    """A new lead is close to its team's first-contact target without being contacted."""

    event_type: Literal["leads.lead.first-contact-warned"] = "leads.lead.first-contact-warned"
    owner_id: str | None = None
    team_id: str | None = None
    due_at: datetime


@register(LEADS_LEAD.name, "lead")
class LeadFirstContactBreachedV1(Event):
    """A new lead passed its team's first-contact target without being contacted."""

    event_type: Literal["leads.lead.first-contact-breached"] = "leads.lead.first-contact-breached"
    owner_id: str | None = None
    team_id: str | None = None
    due_at: datetime
