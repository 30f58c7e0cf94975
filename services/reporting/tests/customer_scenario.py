"""Hand-checked customers: five buyers A-E (orders at noon UTC), tickets with costs and ratings, contacts.

Orders (amount, day): A 200 2025-06-01, 300 2026-03-20; B 300 2026-02-01; C 100 2025-11-01;
D 40 2025-10-01, 20 2025-12-01; E 40 2026-03-30; F 500 placed then cancelled; G 900 but G's account
was deleted. Accounts: A, C, E rep-a/team-n/east; B, D rep-b/team-s/west.
Tickets: A T0 opened 2025-09-01 rated 5 (2025-09-02); A T1 opened 2026-03-01, breached, rated 2 (03-05),
cost 150; A T2 opened 2026-03-10 rated 4 (03-12); C T3 opened 2025-11-05 rated 5 (11-06), cost 120.
Interactions: B 2025-11-20; E 2026-03-29.
"""

from datetime import UTC, datetime
from decimal import Decimal

from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.sales import AccountCreatedV1, AccountDeletedV1, OrderCreatedV1, OrderUpdatedV1
from crm_shared.events.service_desk import TicketCsatRatedV1, TicketOpenedV1, TicketSlaBreachedV1

NORTH, SOUTH = ("rep-a", "team-n", "east"), ("rep-b", "team-s", "west")
ACCOUNTS = {"A": (*NORTH, "retail", "large"), "B": (*SOUTH, "tech", "small"),
            "C": (*NORTH, "tech", "small"), "D": (*SOUTH, "retail", "small"),
            "E": (*NORTH, "retail", "large"), "F": (*NORTH, "tech", "small"), "G": (*NORTH, "tech", "small")}


def noon(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def account(key: str) -> AccountCreatedV1:
    owner, team, region, industry, size = ACCOUNTS[key]
    return AccountCreatedV1(aggregate_id=f"acc-{key}", name=f"Customer {key}", owner_id=owner, team_id=team,
                            region=region, industry=industry, size=size, occurred_at=noon("2025-01-01"))


def order(number: str, key: str, amount: int, day: str, status: str = "confirmed", cls=OrderCreatedV1):
    owner, team, *_ = ACCOUNTS[key]
    return cls(aggregate_id=f"ord-{number}", account_id=f"acc-{key}", owner_id=owner, team_id=team,
               amount=Decimal(amount), status=status, occurred_at=noon(day))


def ticket(cls, number: str, key: str, opened: str, day: str, cost: int = 0, rating: int | None = None,
           **extra):
    fields = {"aggregate_id": f"T{number}", "subject": "Help", "channel": "phone", "priority": "normal",
              "status": "open" if rating is None else "resolved", "account_id": f"acc-{key}",
              "opened_at": noon(opened), "service_cost": Decimal(cost), "csat_rating": rating,
              "occurred_at": noon(day), **extra}
    if rating is not None:
        fields["rating"] = rating
    return cls(**fields)


def contact(number: str, key: str, day: str) -> InteractionRecordedV1:
    return InteractionRecordedV1(aggregate_id=f"int-{number}", channel="phone", kind="call",
                                 account_id=f"acc-{key}", source_service="sales", record_id=f"call-{number}",
                                 occurred_at=noon(day))


def customers() -> list:
    return [
        *(account(key) for key in ACCOUNTS),
        AccountDeletedV1(aggregate_id="acc-G", name="Customer G", occurred_at=noon("2026-01-05")),
        order("1", "A", 200, "2025-06-01"), order("2", "A", 300, "2026-03-20"),
        order("3", "B", 300, "2026-02-01"), order("4", "C", 100, "2025-11-01"),
        order("5", "D", 40, "2025-10-01"), order("6", "D", 20, "2025-12-01"),
        order("7", "E", 40, "2026-03-30"), order("8", "F", 500, "2026-01-10"),
        order("8", "F", 500, "2026-01-11", "cancelled", OrderUpdatedV1), order("9", "G", 900, "2026-01-02"),
        ticket(TicketOpenedV1, "0", "A", "2025-09-01", "2025-09-01"),
        ticket(TicketCsatRatedV1, "0", "A", "2025-09-01", "2025-09-02", rating=5),
        ticket(TicketOpenedV1, "1", "A", "2026-03-01", "2026-03-01"),
        ticket(TicketSlaBreachedV1, "1", "A", "2026-03-01", "2026-03-02", cost=100, sla_target="resolution",
               due_at=noon("2026-03-02"), target_minutes=60),
        ticket(TicketCsatRatedV1, "1", "A", "2026-03-01", "2026-03-05", cost=150, rating=2),
        ticket(TicketOpenedV1, "2", "A", "2026-03-10", "2026-03-10"),
        ticket(TicketCsatRatedV1, "2", "A", "2026-03-10", "2026-03-12", rating=4),
        ticket(TicketOpenedV1, "3", "C", "2025-11-05", "2025-11-05"),
        ticket(TicketCsatRatedV1, "3", "C", "2025-11-05", "2025-11-06", cost=120, rating=5),
        contact("1", "B", "2025-11-20"), contact("2", "E", "2026-03-29"),
    ]
