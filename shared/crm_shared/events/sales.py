"""Events published by the sales service: the org directory, customers and opportunities."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from crm_shared.events.base import Event, register
from crm_shared.topics import (
    SALES_ACCOUNT,
    SALES_CONTACT,
    SALES_OPPORTUNITY,
    SALES_ORDER,
    SALES_TEAM,
    SALES_USER,
)


class UserSnapshot(Event):
    """The whole user record as it is after the change (replicas upsert it)."""

    name: str
    email: str
    phone: str | None = None
    role: str
    team_id: str | None = None
    region: str | None = None
    active: bool = True
    capacity: int = 0


@register(SALES_USER.name, "user")
class UserCreatedV1(UserSnapshot):
    """A user joined the org directory."""

    event_type: Literal["sales.user.created"] = "sales.user.created"


@register(SALES_USER.name, "user")
class UserUpdatedV1(UserSnapshot):
    """A user's record changed; `changed_fields` names what."""

    event_type: Literal["sales.user.updated"] = "sales.user.updated"


class TeamSnapshot(Event):
    """The whole team record as it is after the change."""

    name: str
    manager_id: str | None = None
    region: str | None = None


@register(SALES_TEAM.name, "team")
class TeamCreatedV1(TeamSnapshot):
    """A team was created."""

    event_type: Literal["sales.team.created"] = "sales.team.created"


@register(SALES_TEAM.name, "team")
class TeamUpdatedV1(TeamSnapshot):
    """A team changed; `changed_fields` names what."""

    event_type: Literal["sales.team.updated"] = "sales.team.updated"


class AccountSnapshot(Event):
    """The whole account as it is after the change (replicas upsert it). `source_type`/`source_id`
    name the record it came from (e.g. "lead" and the lead id), for walking the chain back."""

    name: str
    domain: str | None = None
    industry: str | None = None
    size: str | None = None
    region: str | None = None
    tier: str | None = None
    status: str = "verified"  # prospect | verified
    owner_id: str | None = None
    team_id: str | None = None
    parent_account_id: str | None = None
    phones: list[str] = Field(default_factory=list)  # E.164
    source_type: str | None = None
    source_id: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


@register(SALES_ACCOUNT.name, "account")
class AccountCreatedV1(AccountSnapshot):
    """An account was created (directly, by import, or from a converted lead)."""

    event_type: Literal["sales.account.created"] = "sales.account.created"


@register(SALES_ACCOUNT.name, "account")
class AccountUpdatedV1(AccountSnapshot):
    """An account changed; `changed_fields` names what."""

    event_type: Literal["sales.account.updated"] = "sales.account.updated"


class ContactSnapshot(Event):
    """The whole contact as it is after the change."""

    account_id: str | None = None
    name: str
    title: str | None = None
    emails: list[str] = Field(default_factory=list)  # lower-cased
    phones: list[str] = Field(default_factory=list)  # E.164
    key_person: bool = False
    owner_id: str | None = None
    team_id: str | None = None
    source_type: str | None = None
    source_id: str | None = None
    custom_fields: dict[str, Any] = Field(default_factory=dict)


@register(SALES_CONTACT.name, "contact")
class ContactCreatedV1(ContactSnapshot):
    """A contact was created."""

    event_type: Literal["sales.contact.created"] = "sales.contact.created"


@register(SALES_CONTACT.name, "contact")
class ContactUpdatedV1(ContactSnapshot):
    """A contact changed; `changed_fields` names what."""

    event_type: Literal["sales.contact.updated"] = "sales.contact.updated"


@register(SALES_ACCOUNT.name, "account")
class AccountDeletedV1(Event):
    """An account was deleted (soft: it no longer shows anywhere); replicas drop it."""

    event_type: Literal["sales.account.deleted"] = "sales.account.deleted"
    name: str
    owner_id: str | None = None
    team_id: str | None = None


@register(SALES_CONTACT.name, "contact")
class ContactDeletedV1(Event):
    """A contact was deleted (soft); replicas drop it."""

    event_type: Literal["sales.contact.deleted"] = "sales.contact.deleted"
    account_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None


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


class ContractSnapshot(Event):
    """The whole contract after the change; `source_type`/`source_id` name what it came from
    ("opportunity" and its id, or "direct")."""

    account_id: str
    opportunity_id: str | None = None
    name: str
    owner_id: str | None = None
    team_id: str | None = None
    value: Decimal
    currency: str = "CNY"
    start_date: date | None = None
    end_date: date | None = None
    status: str = "active"  # draft | active | expired | terminated
    auto_renew: bool = False
    source_type: str | None = None
    source_id: str | None = None


@register(SALES_ORDER.name, "contract")
class ContractCreatedV1(ContractSnapshot):
    """A contract was created, from a won opportunity or directly."""

    event_type: Literal["sales.contract.created"] = "sales.contract.created"


@register(SALES_ORDER.name, "contract")
class ContractUpdatedV1(ContractSnapshot):
    """A contract changed; `changed_fields` names what."""

    event_type: Literal["sales.contract.updated"] = "sales.contract.updated"


class OrderSnapshot(Event):
    """The whole order after the change; `source_type`/`source_id` name what it came from
    ("contract", "opportunity" or "direct")."""

    account_id: str
    contract_id: str | None = None
    opportunity_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    amount: Decimal
    currency: str = "CNY"
    status: str = "confirmed"  # draft | confirmed | fulfilled | cancelled
    lines: list[OpportunityLine] = Field(default_factory=list)
    source_type: str | None = None
    source_id: str | None = None


@register(SALES_ORDER.name, "order")
class OrderCreatedV1(OrderSnapshot):
    """An order was placed."""

    event_type: Literal["sales.order.created"] = "sales.order.created"


@register(SALES_ORDER.name, "order")
class OrderUpdatedV1(OrderSnapshot):
    """An order changed (e.g. its status); `changed_fields` names what."""

    event_type: Literal["sales.order.updated"] = "sales.order.updated"


class InvoiceSnapshot(Event):
    """The whole invoice after the change: what is owed, by when, and how much is paid."""

    order_id: str
    account_id: str
    owner_id: str | None = None
    team_id: str | None = None
    amount: Decimal
    paid_amount: Decimal = Decimal(0)
    currency: str = "CNY"
    issued_on: date
    due_on: date
    status: str = "open"  # open | paid | void


@register(SALES_ORDER.name, "invoice")
class InvoiceIssuedV1(InvoiceSnapshot):
    """An invoice was issued for an order; the payment is due on `due_on`."""

    event_type: Literal["sales.invoice.issued"] = "sales.invoice.issued"


@register(SALES_ORDER.name, "invoice")
class PaymentRecordedV1(InvoiceSnapshot):
    """A payment against the invoice was recorded (`payment_amount` on `paid_on`)."""

    event_type: Literal["sales.invoice.payment-recorded"] = "sales.invoice.payment-recorded"
    payment_id: str
    payment_amount: Decimal
    paid_on: date
