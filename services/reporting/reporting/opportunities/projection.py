"""Keep every opportunity snapshot as a fact (insert-only, keyed by event id: replica-safe, commutative)."""

from collections.abc import Sequence

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import OpportunitySnapshot, OpportunityStageChangedV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.kinds import of_kind
from reporting.models import OpportunityFact
from reporting.opportunities.counters import refresh_opportunities
from reporting.versions import utc_naive, version_of

_RANK = {"sales.opportunity.opened": 0, "sales.opportunity.updated": 1, "sales.opportunity.stage-changed": 2,
         "sales.opportunity.won": 3, "sales.opportunity.lost": 3}


def fact_row(event: OpportunitySnapshot) -> dict:
    """The fact an opportunity snapshot becomes."""
    moved = isinstance(event, OpportunityStageChangedV1)
    at = utc_naive(event.occurred_at)
    return {
        "opportunity_id": event.aggregate_id, "event_id": event.id_text,
        "version": version_of(event, _RANK.get(event.event_type, 1)),
        "occurred_at": at, "event_type": event.event_type, "owner_id": event.owner_id,
        "team_id": event.team_id, "account_id": event.account_id, "pipeline_id": event.pipeline_id,
        "stage_id": event.stage_id, "stage_name": event.stage_name, "stage_type": event.stage_type,
        "status": event.status, "probability": event.probability,
        "forecast_category": event.forecast_category,
        "amount": event.amount, "currency": event.currency,
        "from_stage_id": event.from_stage_id if moved else None,
        "from_stage_name": event.from_stage_name if moved else None,
        "seconds_in_previous_stage": event.seconds_in_previous_stage if moved else None,
        "close_reason": event.close_reason, "expected_close_date": event.expected_close_date,
    }


async def record_opportunity_facts(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Store the snapshots among `events` (a fact already stored is left as it is)."""
    rows = [fact_row(e) for e in of_kind(events, OpportunitySnapshot)]
    if rows:
        insert = dialect_insert(uow.session)(OpportunityFact.__table__).on_conflict_do_nothing()
        await execute_many(uow.session, insert, rows)
        await refresh_opportunities(uow, {row["opportunity_id"] for row in rows})
