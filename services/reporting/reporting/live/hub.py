"""In-process pub/sub: projections announce committed changes, dashboard streams wake up."""

import asyncio

from sqlalchemy import event as sa_event

from crm_shared.events.base import Event
from crm_shared.messaging.uow import UnitOfWork


class Hub:
    """Wakes every subscriber; a subscriber is an asyncio.Event (wake-ups coalesce while it works)."""

    def __init__(self) -> None:
        self._subscribers: set[asyncio.Event] = set()
        self.published = 0

    def subscribe(self) -> asyncio.Event:
        """A new subscription."""
        wake = asyncio.Event()
        self._subscribers.add(wake)
        return wake

    def unsubscribe(self, wake: asyncio.Event) -> None:
        """End a subscription."""
        self._subscribers.discard(wake)

    def publish(self) -> None:
        """Something changed: wake every subscriber."""
        self.published += 1
        for wake in self._subscribers:
            wake.set()

    @property
    def subscriber_count(self) -> int:
        """How many streams listen."""
        return len(self._subscribers)


hub = Hub()


def notify_after_commit(uow: UnitOfWork, _event: Event) -> None:
    """Publish to the hub once the unit of work's transaction commits (never on a rollback)."""
    sa_event.listen(uow.session.sync_session, "after_commit", lambda _session: hub.publish(), once=True)
