"""When each demo record happened: a year of history, drawn up front with the seeded RNG.

Each request of a record's story carries `X-Demo-Time` (crm_shared.democlock), so the services stamp
it, and every event it causes, with that time: the dashboard opens on a year of trends, not on one day.
A story's times only move forward and never pass the moment of seeding.
"""

import random
from datetime import UTC, date, datetime, time, timedelta

HEADER = "X-Demo-Time"
# what happens before a record's story starts (the customer base the year of deals is sold to)
HISTORY_STARTS_DAYS_AGO = 380


def at(when: datetime, headers: dict[str, str] | None = None) -> dict[str, str]:
    """`headers` plus the demo time `when`."""
    return {**(headers or {}), HEADER: when.isoformat()}


def days_ago(rng: random.Random, now: datetime, most: float, least: float = 0) -> datetime:
    """A moment between `most` and `least` days before `now`, in (UTC) office hours when that is past.

    It always draws the same count of numbers, whichever moment it gives: a seed run at another time of
    day builds the same company (the numbers drawn after this one are the same)."""
    day = now - timedelta(days=rng.uniform(least, most))
    moment = datetime.combine(day.date(), time(rng.randint(1, 10), rng.randint(0, 59)), UTC)
    recent = now - timedelta(minutes=rng.uniform(5, 60))  # for a moment still to come today
    return moment if moment < now - timedelta(minutes=5) else recent


def after(rng: random.Random, start: datetime, now: datetime, low_hours: float, high_hours: float
          ) -> datetime:
    """A moment `low_hours`..`high_hours` after `start`, held just before `now` (a story never ends in
    the future) and never before `start`."""
    moment = start + timedelta(hours=rng.uniform(low_hours, high_hours))
    return max(start + timedelta(seconds=1), min(moment, now - timedelta(seconds=30)))


def on(day: date, hour: int, now: datetime) -> datetime:
    """`hour` o'clock (UTC) on `day`, or just before `now` when that is still to come."""
    return min(datetime.combine(day, time(hour), UTC), now - timedelta(seconds=30))


def spread(start: datetime, end: datetime, steps: int) -> list[datetime]:
    """`steps` moments evenly between `start` and `end` (both excluded)."""
    return [start + (end - start) * (i + 1) / (steps + 1) for i in range(steps)]


# how far back a lead that ends so can have come in (days): untouched leads are recent
LEAD_AGE = {"new": 21, "contacted": 90}


def lead_times(rng: random.Random, outcome: str, now: datetime) -> list[datetime]:
    """Captured, first contact, qualified, closed (converted or disqualified): each after the last."""
    captured = days_ago(rng, now, LEAD_AGE.get(outcome, 360))
    contact = after(rng, captured, now, 0.1, 30)
    qualified = after(rng, contact, now, 24, 240)
    return [captured, contact, qualified, after(rng, qualified, now, 24, 400)]


def deal_times(rng: random.Random, closed: bool, close: date, moves: int, now: datetime) -> dict:
    """Created (weeks before a close, or any time this year for an open deal), the stage moves after
    it, and the close."""
    end = on(close, 15, now) if closed else now - timedelta(minutes=10)
    earliest = now - timedelta(days=365)
    if closed:
        created = max(earliest, end - timedelta(days=rng.uniform(20, 120)))
    else:
        created = days_ago(rng, now, 200, 3)
    created = min(created, end - timedelta(hours=moves + 1))
    return {"created": created, "moves": spread(created, end, moves), "closed": end, "seeded": now}
