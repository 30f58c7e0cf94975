"""Reporting's Kafka handlers: thin translators into projection use cases, then a live notification."""

from crm_shared.events.base import Event
from crm_shared.messaging.consumer import EventHandlers
from crm_shared.messaging.uow import UnitOfWork
from reporting import projections
from reporting.live.hub import notify_after_commit

handlers = EventHandlers(consumer="reporting")


async def on_event(event: Event, uow: UnitOfWork) -> None:
    """Folds the event into the projections; dashboards hear of it once the transaction commits."""
    await projections.apply_events(uow=uow, events=[event])
    notify_after_commit(uow, event)


for _event_cls in projections.PROJECTED:
    handlers.on(_event_cls)(on_event)
