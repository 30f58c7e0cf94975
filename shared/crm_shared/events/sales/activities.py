"""Sales events about follow-ups: tasks, calls, meetings and notes on any record."""

from datetime import datetime
from typing import Literal

from crm_shared.events.base import Event, register
from crm_shared.topics import SALES_OPPORTUNITY


class ActivitySnapshot(Event):
    """The whole activity after the change; `record_type`/`record_id` name the record it is on."""

    kind: str  # task | call | meeting | note
    subject: str
    record_type: str  # account | contact | opportunity | contract | order
    record_id: str
    account_id: str | None = None
    contact_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    due_at: datetime | None = None
    remind_at: datetime | None = None
    done_at: datetime | None = None


@register(SALES_OPPORTUNITY.name, "activity")
class ActivityCreatedV1(ActivitySnapshot):
    """An activity was planned or logged."""

    event_type: Literal["sales.activity.created"] = "sales.activity.created"


@register(SALES_OPPORTUNITY.name, "activity")
class ActivityUpdatedV1(ActivitySnapshot):
    """An activity changed (its subject, dates, owner, or reopened); `changed_fields` names what."""

    event_type: Literal["sales.activity.updated"] = "sales.activity.updated"


@register(SALES_OPPORTUNITY.name, "activity")
class ActivityCompletedV1(ActivitySnapshot):
    """A task was marked done (`done_at`); `changed_fields` names what changed with it."""

    event_type: Literal["sales.activity.completed"] = "sales.activity.completed"
