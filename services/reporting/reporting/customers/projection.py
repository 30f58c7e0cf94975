"""Keep every interaction as a fact (insert-only, keyed by the interaction id: replica-safe)."""

from collections.abc import Sequence

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.customers.identity import normal_email, normal_phone
from reporting.kinds import of_kind
from reporting.models import InteractionFact
from reporting.versions import utc_naive


async def record_interactions(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Store the interactions among `events` (one already stored is left as it is)."""
    rows = [{"interaction_id": e.aggregate_id, "occurred_at": utc_naive(e.occurred_at), "channel": e.channel,
             "kind": e.kind, "lead_id": e.lead_id, "contact_id": e.contact_id, "account_id": e.account_id,
             "email": normal_email(e.email), "phone": normal_phone(e.phone), "summary": e.summary[:2000],
             "source_service": e.source_service, "record_id": e.record_id}
            for e in of_kind(events, InteractionRecordedV1)]
    if rows:
        insert = dialect_insert(uow.session)(InteractionFact.__table__).on_conflict_do_nothing()
        await execute_many(uow.session, insert, rows)
