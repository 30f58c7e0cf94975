"""Events published by the service desk: the ticket lifecycle, its SLA clocks and satisfaction ratings."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field

from crm_shared.events.base import Event, register
from crm_shared.topics import SERVICE_DESK_TICKET


class TicketSnapshot(Event):
    """The whole ticket as it is after the change; `aggregate_id` is the ticket id.

    Carries what reporting needs to compute SLA figures without asking: the times of the
    lifecycle and the SLA targets (business minutes) with their current due times.
    """

    subject: str
    channel: str  # phone | web | email | chat | wechat
    category: str | None = None
    priority: str  # low | normal | high | urgent
    status: str  # new | open | pending | resolved | closed | reopened
    account_id: str | None = None
    contact_id: str | None = None
    order_id: str | None = None
    queue_id: str | None = None
    assignee_id: str | None = None
    customer_tier: str | None = None
    opened_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    sla_policy_id: str | None = None
    first_response_target_minutes: int | None = None
    next_update_target_minutes: int | None = None
    resolution_target_minutes: int | None = None
    first_response_due_at: datetime | None = None
    next_update_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_paused: bool = False
    time_spent_minutes: int = 0
    service_cost: Decimal = Decimal("0")
    csat_rating: int | None = None


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketOpenedV1(TicketSnapshot):
    """A ticket was opened, on any channel."""

    event_type: Literal["service-desk.ticket.opened"] = "service-desk.ticket.opened"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketUpdatedV1(TicketSnapshot):
    """A ticket changed (fields, reply, note, cost, status); `changed_fields` names what."""

    event_type: Literal["service-desk.ticket.updated"] = "service-desk.ticket.updated"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketAssignedV1(TicketSnapshot):
    """A ticket got an assignee; `strategy` is how (manual, round_robin, least_loaded, skills, escalation)."""

    event_type: Literal["service-desk.ticket.assigned"] = "service-desk.ticket.assigned"
    strategy: str
    reason: str
    previous_assignee_id: str | None = None


class SlaSignal(TicketSnapshot):
    """An SLA clock crossed a line: which target, and when it is (or was) due."""

    sla_target: str  # first_response | next_update | resolution
    due_at: datetime
    target_minutes: int
    escalated_to: str | None = None


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketSlaWarningV1(SlaSignal):
    """An SLA clock used up its warning share of the target."""

    event_type: Literal["service-desk.ticket.sla-warning"] = "service-desk.ticket.sla-warning"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketSlaBreachedV1(SlaSignal):
    """An SLA clock passed its due time; `escalated_to` is the manager the ticket went to, if any."""

    event_type: Literal["service-desk.ticket.sla-breached"] = "service-desk.ticket.sla-breached"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketResolvedV1(TicketSnapshot):
    """A ticket was resolved."""

    event_type: Literal["service-desk.ticket.resolved"] = "service-desk.ticket.resolved"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketClosedV1(TicketSnapshot):
    """A ticket was closed."""

    event_type: Literal["service-desk.ticket.closed"] = "service-desk.ticket.closed"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketReopenedV1(TicketSnapshot):
    """A resolved or closed ticket was reopened (by the customer writing again or by an agent)."""

    event_type: Literal["service-desk.ticket.reopened"] = "service-desk.ticket.reopened"


@register(SERVICE_DESK_TICKET.name, "ticket")
class TicketCsatRatedV1(TicketSnapshot):
    """The customer rated the service of a resolved ticket (1-5, once)."""

    event_type: Literal["service-desk.ticket.csat-rated"] = "service-desk.ticket.csat-rated"
    rating: int
    comment: str | None = None


@register(SERVICE_DESK_TICKET.name, "desk-contact")
class ContactCapturedV1(Event):
    """An agent recorded a caller or writer sales does not know yet (from the unknown-caller card).

    Sales owns contacts: it creates (or links by phone and email) the contact with source type
    "service-desk" and this event's `aggregate_id` (the desk's own contact id) as source id, and
    announces it with `sales.contact.created`/`updated`, which the desk uses to link its record."""

    event_type: Literal["service-desk.contact.captured"] = "service-desk.contact.captured"
    name: str
    account_id: str | None = None
    company: str | None = None
    title: str | None = None
    emails: list[str] = Field(default_factory=list)  # lower-cased
    phones: list[str] = Field(default_factory=list)  # E.164
    captured_by: str | None = None


@register(SERVICE_DESK_TICKET.name, "desk-contact")
class ContactPhoneLinkedV1(Event):
    """An agent linked a caller's number to a contact sales owns (from the unknown-caller card), or a
    number linked to a captured contact was not among those sales took on with it.

    `aggregate_id` is the sales contact id. Sales adds the number to the contact's phones (kept beside
    the ones it has) and announces the change with `sales.contact.updated`; a number it already has, or
    a contact it deleted, changes nothing."""

    event_type: Literal["service-desk.contact.phone-linked"] = "service-desk.contact.phone-linked"
    phone: str  # E.164
    linked_by: str | None = None  # the desk user who linked it (none: the desk itself)
    call_id: str | None = None  # the call it was linked from
