"""Request and response models of the tickets API."""

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service_desk.clock import UtcDatetime

Channel = Literal["phone", "web", "email", "chat", "wechat"]
Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["new", "open", "pending", "resolved", "closed", "reopened"]


class TicketCreate(BaseModel):
    """A ticket an agent opens (e.g. while the customer is on the line)."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20_000)
    channel: Channel = "phone"
    category: str | None = Field(default=None, max_length=100)
    priority: Priority = "normal"
    queue_id: str | None = None
    assignee_id: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    order_id: str | None = Field(default=None, max_length=36)
    skills: list[str] = Field(default_factory=list, max_length=20)
    call_id: str | None = None


class TicketUpdate(BaseModel):
    """Fields an agent may change; status, assignee and ids of the ticket itself are not among them."""

    model_config = ConfigDict(extra="forbid")

    subject: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=20_000)
    category: str | None = Field(default=None, max_length=100)
    priority: Priority | None = None
    queue_id: str | None = None
    contact_id: str | None = None
    order_id: str | None = Field(default=None, max_length=36)
    skills: list[str] | None = Field(default=None, max_length=20)


class StatusChange(BaseModel):
    """Move the ticket to another status."""

    model_config = ConfigDict(extra="forbid")

    status: Status


class MessageCreate(BaseModel):
    """A public reply or an internal note."""

    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=50_000)


class CostCreate(BaseModel):
    """Time spent (minutes), a part or an expense (quantity x unit cost)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["time", "part", "expense"]
    description: str = Field(min_length=1, max_length=300)
    minutes: int = Field(default=0, ge=0, le=100_000)
    quantity: Decimal = Field(default=Decimal("0"), ge=0, le=1_000_000, decimal_places=3)
    unit_cost: Decimal = Field(default=Decimal("0"), ge=0, le=10_000_000, decimal_places=2)


class Assignment(BaseModel):
    """Assign by hand (`assignee_id`) or let the queue's strategy (or the one named) pick."""

    model_config = ConfigDict(extra="forbid")

    assignee_id: str | None = None
    strategy: Literal["round_robin", "least_loaded", "skills"] | None = None


class EntryRead(BaseModel):
    """A reply or note."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    author_type: str
    author_id: str | None
    channel: str
    body: str
    created_at: UtcDatetime


class CostRead(BaseModel):
    """A cost line."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    description: str
    minutes: int
    quantity: Decimal
    unit_cost: Decimal
    amount: Decimal
    agent_id: str
    created_at: UtcDatetime


class TicketRead(BaseModel):
    """A ticket as the desk shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    subject: str
    description: str
    channel: str
    category: str | None
    priority: str
    status: str
    skills: list[str]
    account_id: str | None
    contact_id: str | None
    order_id: str | None
    queue_id: str | None
    assignee_id: str | None
    customer_tier: str | None
    requester: str | None
    opened_at: UtcDatetime
    updated_at: UtcDatetime
    first_response_at: UtcDatetime | None
    resolved_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    sla_policy_id: str | None
    sla_due_at: UtcDatetime | None
    time_spent_minutes: int
    service_cost: Decimal
    csat_rating: int | None
    csat_comment: str | None


class SlaClockRead(BaseModel):
    """One SLA target of the ticket."""

    model_config = ConfigDict(from_attributes=True)

    target: str
    target_minutes: int
    started_at: UtcDatetime
    due_at: UtcDatetime
    warn_at: UtcDatetime
    paused_at: UtcDatetime | None
    stopped_at: UtcDatetime | None
    warned_at: UtcDatetime | None
    breached_at: UtcDatetime | None


class TicketDetail(TicketRead):
    """A ticket with its messages, costs and SLA clocks."""

    entries: list[EntryRead] = Field(default_factory=list)
    costs: list[CostRead] = Field(default_factory=list)
    sla: list[SlaClockRead] = Field(default_factory=list)
    csat_url: str | None = None
