"""In-process pub/sub: projections announce committed changes, dashboard streams wake up.

A commit announces which families of events it applied (leads, deals, tickets...) and when it committed,
so a stream recomputes only the dashboard sections those families feed, and can say how long after the
commit its push left (the reporting-side part of the dashboard's freshness).
"""

import asyncio
import time

from sqlalchemy import event as sa_event

from crm_shared.events.base import Event
from crm_shared.messaging.uow import UnitOfWork

EVERYTHING = "*"  # a change of unknown extent: every section is recomputed
_PENDING = "reporting.live.families"  # session.info key: the families the open transaction applied


class Subscription:
    """One stream's pending wake-up: the families changed and the earliest commit not yet pushed."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.families: set[str] = set()
        self.since: float | None = None  # wall-clock time (time.time()) of the earliest unpushed commit

    def note(self, families: frozenset[str], committed_at: float) -> None:
        """Remember a change (wake-ups coalesce while the stream works)."""
        self.families |= families
        self.since = committed_at if self.since is None else min(self.since, committed_at)
        self.wake.set()

    def take(self) -> tuple[set[str], float | None]:
        """The changes noted since the last take, and the time of the earliest of them; clears them."""
        families, since = self.families, self.since
        self.families, self.since = set(), None
        self.wake.clear()
        return families, since


class Hub:
    """Wakes every subscriber with what changed."""

    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        self.published = 0

    def subscribe(self) -> Subscription:
        """A new subscription."""
        subscription = Subscription()
        self._subscribers.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        """End a subscription."""
        self._subscribers.discard(subscription)

    def publish(self, families: frozenset[str] = frozenset({EVERYTHING}), committed_at: float | None = None
                ) -> None:
        """Something changed: wake every subscriber."""
        self.published += 1
        at = time.time() if committed_at is None else committed_at
        for subscription in self._subscribers:
            subscription.note(families, at)

    @property
    def subscriber_count(self) -> int:
        """How many streams listen."""
        return len(self._subscribers)


hub = Hub()


def family(event: Event) -> str:
    """The family of an event: its topic (`crm.leads.lead.v1` and so on)."""
    return event.topic


def notify_after_commit(uow: UnitOfWork, event: Event) -> None:
    """Publish to the hub once the unit of work's transaction commits (never on a rollback); one
    publication per transaction, however many events it applied."""
    info = uow.session.info
    pending = info.get(_PENDING)
    if pending is None:
        pending = info[_PENDING] = set()
        session = uow.session.sync_session
        sa_event.listen(session, "after_commit", lambda _s: _published(info), once=True)
        sa_event.listen(session, "after_rollback", lambda _s: info.pop(_PENDING, None), once=True)
    pending.add(family(event))


def _published(info: dict) -> None:
    families = info.pop(_PENDING, None)
    if families:
        hub.publish(frozenset(families), time.time())
