"""Event time as projections store it, and versions that order snapshots the same way everywhere."""

from datetime import UTC, datetime

from crm_shared.events.base import Event

_AWARE_EPOCH, _NAIVE_EPOCH = datetime(1970, 1, 1, tzinfo=UTC), datetime(1970, 1, 1)


def utc_naive(moment: datetime) -> datetime:
    """The moment in UTC without tzinfo (how the projections store and compare times).

    An aware moment's distance from the epoch (a subtraction of aware times takes each one's offset)
    added to the naive epoch: the same as `astimezone(UTC).replace(tzinfo=None)` at a third of the cost
    (`replace` alone cost 0.6 us, and a rebuild calls this twice an event)."""
    if moment.tzinfo is None:
        return moment
    return _NAIVE_EPOCH + (moment - _AWARE_EPOCH)


def month_text(moment: datetime) -> str:
    """The moment's month as text, `YYYY-MM` (`strftime("%Y-%m")` at a quarter of the cost)."""
    return f"{moment.year:04d}-{moment.month:02d}"


def version_of(event: Event, rank: int = 1) -> str:
    """A string ordering changes by event time (compare as strings); at the same instant a lower `rank`
    (e.g. the creation) comes first, and the event id breaks the remaining ties."""
    moment = event.occurred_at
    if moment.tzinfo is not None and not moment.utcoffset():  # UTC already: isoformat without its "+00:00"
        return f"{moment.isoformat(timespec='microseconds')[:-6]}|{rank}|{event.id_text}"
    return f"{utc_naive(moment).isoformat(timespec='microseconds')}|{rank}|{event.id_text}"
