"""Which SLA policy applies to a ticket, and when a target is due and warned (no I/O)."""

from dataclasses import dataclass
from datetime import datetime

from service_desk.sla.calendar import BusinessCalendar, add_business_minutes, business_minutes_between

TARGETS = ("first_response", "next_update", "resolution")


@dataclass(frozen=True)
class PolicyTerms:
    """A policy as the rules need it."""

    id: str
    priority: str | None
    tier: str | None
    first_response_minutes: int | None
    next_update_minutes: int | None
    resolution_minutes: int | None
    warning_share: float

    def minutes(self, target: str) -> int | None:
        """The target in business minutes, or None when the policy sets none."""
        return getattr(self, f"{target}_minutes")


def choose_policy(policies: list[PolicyTerms], *, priority: str, tier: str | None) -> PolicyTerms | None:
    """The most specific policy matching priority and tier (exact beats "any"; priority beats tier)."""

    def rank(policy: PolicyTerms) -> int | None:
        if policy.priority not in (None, priority) or policy.tier not in (None, tier):
            return None
        return (2 if policy.priority else 0) + (1 if policy.tier else 0)

    ranked = [(score, p.id, p) for p in policies if (score := rank(p)) is not None]
    return max(ranked, key=lambda item: (item[0], item[1]))[2] if ranked else None


@dataclass(frozen=True)
class Deadline:
    """When a target is due and when it should warn."""

    due_at: datetime
    warn_at: datetime


def plan(calendar: BusinessCalendar, *, start: datetime, minutes: float, share: float) -> Deadline:
    """A target of `minutes` business minutes from `start`, warning at `share` of it."""
    return Deadline(
        add_business_minutes(calendar, start, minutes), add_business_minutes(calendar, start, minutes * share)
    )


def resume(
    calendar: BusinessCalendar, *, paused_at: datetime, now: datetime, due_at: datetime, warn_at: datetime
) -> Deadline:
    """Shift a paused target: the business time left at the pause counts again from `now`."""
    left_to_due = business_minutes_between(calendar, paused_at, due_at)
    left_to_warn = business_minutes_between(calendar, paused_at, warn_at)
    return Deadline(
        add_business_minutes(calendar, now, left_to_due), add_business_minutes(calendar, now, left_to_warn)
    )


def retarget(
    calendar: BusinessCalendar,
    *,
    started_at: datetime,
    ref: datetime,
    paused_minutes: float,
    new_minutes: float,
    share: float,
) -> Deadline:
    """A target under a new policy: the business time already used (pauses excluded) counts against it.

    `ref` is now for a running clock, the pause time for a paused one (as `resume` counts from there).
    A target already used up is due at `ref`."""
    used = business_minutes_between(calendar, started_at, ref) - paused_minutes
    return Deadline(
        add_business_minutes(calendar, ref, max(0.0, new_minutes - used)),
        add_business_minutes(calendar, ref, max(0.0, new_minutes * share - used)),
    )
