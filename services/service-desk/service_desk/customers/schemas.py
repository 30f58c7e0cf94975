"""The screen-pop card's shape: the customer, their company, open tickets and last interactions."""

from pydantic import BaseModel, Field

from service_desk.clock import UtcDatetime


class ContactCard(BaseModel):
    """Who the customer is."""

    id: str
    name: str
    title: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    local: bool = False


class AccountCard(BaseModel):
    """Their company, its tier and the sales rep who owns it."""

    id: str
    name: str
    tier: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None


class TicketLine(BaseModel):
    """An open ticket on the card."""

    id: str
    subject: str
    status: str
    priority: str
    channel: str
    sla_due_at: UtcDatetime | None = None
    assignee_id: str | None = None


class InteractionLine(BaseModel):
    """A recent interaction: a call or a message on a ticket."""

    kind: str
    channel: str
    at: UtcDatetime
    summary: str = ""
    ticket_id: str | None = None


class CustomerCard(BaseModel):
    """The screen-pop; `known` is False for an unknown number, whose card offers create or link."""

    known: bool
    phone: str | None = None
    contact: ContactCard | None = None
    account: AccountCard | None = None
    other_matches: list[ContactCard] = Field(default_factory=list)
    open_tickets: list[TicketLine] = Field(default_factory=list)
    other_open_tickets: int = 0  # open tickets in queues the agent does not see
    last_interactions: list[InteractionLine] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
