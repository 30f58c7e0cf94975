"""Request and response models of activities and "my day"."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from sales.orders.schemas import ContractRead, InvoiceRead
from sales.pipeline.schemas import OpportunityRead
from sales.schemas import Name, UtcDatetime, _Patch

Kind = Literal["task", "call", "meeting", "note"]
RecordType = Literal["account", "contact", "opportunity", "contract", "order"]
Notes = Annotated[str, StringConstraints(max_length=10_000)]


class ActivityCreate(BaseModel):
    """A follow-up or a logged interaction on a record the caller sees; owner: the caller unless given."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    subject: Name
    notes: Notes | None = None
    record_type: RecordType
    record_id: str
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = None
    owner_id: str | None = None


class ActivityUpdate(_Patch):
    """A change to an activity; `done: true` completes it."""

    not_null = ("subject", "done")

    subject: Name | None = None
    notes: Notes | None = None
    due_at: UtcDatetime | None = None
    remind_at: UtcDatetime | None = None
    done: bool | None = None


class ActivityRead(BaseModel):
    """An activity as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    subject: str
    notes: str | None
    record_type: str
    record_id: str
    account_id: str | None
    contact_id: str | None
    owner_id: str | None
    team_id: str | None
    due_at: UtcDatetime | None
    remind_at: UtcDatetime | None
    done_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class CustomerAttention(BaseModel):
    """One of the caller's accounts with an open ticket or an SLA breach in the last 7 days."""

    account_id: str
    open_tickets: int
    last_breach_at: UtcDatetime | None


class MyDay(BaseModel):
    """What the caller should do today."""

    overdue_tasks: list[ActivityRead]
    due_today: list[ActivityRead]
    reminders: list[ActivityRead]
    stale_deals: list[OpportunityRead]
    closing_this_month: list[OpportunityRead]
    overdue_invoices: list[InvoiceRead]
    renewals_due: list[ContractRead] = []
    customers_with_tickets: list[CustomerAttention]
