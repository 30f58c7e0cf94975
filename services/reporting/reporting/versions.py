"""Event time as projections store it, and versions that order snapshots the same way everywhere."""

from datetime import UTC, datetime

from crm_shared.events.base import Event


def utc_naive(moment: datetime) -> datetime:
    """The moment in UTC without tzinfo (how the projections store and compare times)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def version_of(event: Event, rank: int = 1) -> str:
    """A string ordering changes by event time (compare as strings); at the same instant a lower `rank`
    (e.g. the creation) comes first, and the event id breaks the remaining ties."""
    return f"{utc_naive(event.occurred_at).isoformat(timespec='microseconds')}|{rank}|{event.event_id}"
