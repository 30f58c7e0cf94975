"""Event time as projections store it, and versions that order snapshots the same way everywhere."""

from datetime import datetime

from crm_shared.events.base import Event


def utc_naive(moment: datetime) -> datetime:
    """The moment in UTC without tzinfo (how the projections store and compare times)."""
    if moment.tzinfo is None:
        return moment
    offset, naive = moment.utcoffset(), moment.replace(tzinfo=None)
    return naive - offset if offset else naive  # the same as astimezone(UTC), at half the cost


def version_of(event: Event, rank: int = 1) -> str:
    """A string ordering changes by event time (compare as strings); at the same instant a lower `rank`
    (e.g. the creation) comes first, and the event id breaks the remaining ties."""
    moment = event.occurred_at
    if moment.tzinfo is not None and not moment.utcoffset():  # UTC already: isoformat without its "+00:00"
        return f"{moment.isoformat(timespec='microseconds')[:-6]}|{rank}|{event.event_id}"
    return f"{utc_naive(moment).isoformat(timespec='microseconds')}|{rank}|{event.event_id}"
