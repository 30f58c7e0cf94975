"""Events on `crm.interactions.v1`: one per customer interaction on any channel, from any service."""

from typing import Literal

from crm_shared.events.base import Event, register
from crm_shared.topics import INTERACTIONS


@register(INTERACTIONS.name, "interaction")
class InteractionRecordedV1(Event):
    """A customer interacted with the company (a form post, a call, an email, a visit, a ticket reply).

    The aggregate id is the interaction's own id; the customer is named by whichever of lead, contact,
    account, email and phone the producer knows; `source_service` and `record_id` point at the record."""

    event_type: Literal["interactions.interaction.recorded"] = "interactions.interaction.recorded"
    channel: str  # web | phone | email | chat | visit | meeting | other
    kind: str  # e.g. form_submission, call, email, meeting, note
    lead_id: str | None = None
    contact_id: str | None = None
    account_id: str | None = None
    email: str | None = None
    phone: str | None = None
    summary: str = ""
    source_service: str
    record_id: str
