"""Customer figures, no I/O: what one account bought, when it was in touch, and how its tickets went."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from reporting.revenue.domain import Sale

DAY = timedelta(days=1)


@dataclass(frozen=True)
class Ticket:
    """One of a customer's tickets as it stood at the answer's date."""

    ticket_id: str
    opened_at: datetime
    breached: bool
    csat: int | None
    rated_at: datetime | None
    service_cost: Decimal


@dataclass
class Customer:
    """One account with its sales (won deals or orders), contacts (interactions, tickets) and tickets."""

    account_id: str
    name: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    region: str | None = None
    industry: str | None = None
    size: str | None = None
    sales: list[Sale] = field(default_factory=list)
    contacts: list[datetime] = field(default_factory=list)
    tickets: list[Ticket] = field(default_factory=list)
    unconverted: dict[str, Decimal] = field(default_factory=dict)  # sales with no rate then, per currency

    def revenue(self, start: datetime | None = None, end: datetime | None = None) -> Decimal:
        """Sales in [start, end) (open ends: unbounded)."""
        return sum((s.amount for s in self.sales if _within(s.at, start, end)), Decimal(0))

    def service_cost(self, start: datetime | None = None, end: datetime | None = None) -> Decimal:
        """The service cost of the tickets opened in [start, end)."""
        return sum((t.service_cost for t in self.tickets if _within(t.opened_at, start, end)), Decimal(0))

    def last_purchase(self) -> datetime | None:
        """When the customer last bought."""
        return max((s.at for s in self.sales), default=None)

    def last_contact(self) -> datetime | None:
        """When the customer was last in touch: an interaction on any channel or a ticket opened."""
        return max([*self.contacts, *(t.opened_at for t in self.tickets)], default=None)

    def card(self) -> dict:
        """Who the customer is, for every answer's rows."""
        return {"account_id": self.account_id, "name": self.name, "owner_id": self.owner_id,
                "team_id": self.team_id, "region": self.region, "industry": self.industry, "size": self.size}


def _within(moment: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or moment >= start) and (end is None or moment < end)


def days_between(earlier: datetime | None, later: datetime) -> int | None:
    """Whole days from `earlier` to `later` (None when there is no earlier moment)."""
    return None if earlier is None else (later - earlier) // DAY


def stamp(moment: datetime | None) -> str | None:
    """A naive UTC time as ISO text with Z."""
    return None if moment is None else moment.isoformat() + "Z"


def ratio(part, whole, digits: int = 4) -> float | None:
    """part / whole rounded, None when whole is zero."""
    return round(float(part) / float(whole), digits) if whole else None
