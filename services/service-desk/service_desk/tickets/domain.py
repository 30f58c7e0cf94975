"""Ticket rules: channels, priorities, statuses and their transitions, and what a cost line costs (no I/O)."""

from decimal import ROUND_HALF_UP, Decimal

CHANNELS = ("phone", "web", "email", "chat", "wechat")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "pending", "resolved", "closed", "reopened")
DONE = ("resolved", "closed")
COST_KINDS = ("time", "part", "expense")

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"open", "pending", "resolved", "closed"}),
    "open": frozenset({"pending", "resolved", "closed"}),
    "pending": frozenset({"open", "resolved", "closed"}),
    "resolved": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),
    "reopened": frozenset({"open", "pending", "resolved", "closed"}),
}


class TransitionError(Exception):
    """The ticket cannot move from its status to the requested one."""


def check_transition(current: str, new: str) -> None:
    """Raise unless `current -> new` is a valid move."""
    if new not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        raise TransitionError(f"a {current} ticket cannot become {new} (allowed: {allowed})")


def status_after_customer_message(current: str) -> str | None:
    """The customer wrote: a ticket waiting on them opens again, a finished one is reopened."""
    return {"pending": "open", "resolved": "reopened", "closed": "reopened"}.get(current)


def status_after_agent_reply(current: str) -> str | None:
    """An agent answered publicly: a new or reopened ticket is now being worked."""
    return {"new": "open", "reopened": "open"}.get(current)


def is_active(status: str) -> bool:
    """Whether the ticket still needs work."""
    return status not in DONE


def cost_amount(
    *, kind: str, minutes: int, quantity: Decimal, unit_cost: Decimal, hourly_rate: Decimal
) -> Decimal:
    """What a cost line costs: time at the hourly rate, parts and expenses as quantity x unit cost."""
    if kind == "time":
        amount = hourly_rate * Decimal(minutes) / Decimal(60)
    else:
        amount = quantity * unit_cost
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
