"""Reporting's Kafka handlers: thin translators into projection use cases, then a live notification."""

from crm_shared.events.base import Event
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from reporting import projections
from reporting.live.hub import notify_after_commit

handlers = EventHandlers(consumer="reporting")


async def on_events(events: list[Event], uow: UnitOfWork) -> None:
    """Folds a run of events into the projections at once (as the rebuild does: the projections give
    the same rows whatever the grouping); dashboards hear of them once the transaction commits."""
    await projections.apply_events(uow=uow, events=events)
    for event in events:
        notify_after_commit(uow, event)


for _event_cls in projections.PROJECTED:  # one batch handler: a run spans every projected event type
    handlers.on_batch(_event_cls)(on_events)
