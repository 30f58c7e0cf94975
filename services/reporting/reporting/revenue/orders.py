"""Orders: keep every order snapshot as a fact (insert-only, replica-safe); ordered sales as of a date."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import OrderCreatedV1, OrderSnapshot
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.kinds import of_kind
from reporting.models import OrderFact
from reporting.revenue.domain import Sale
from reporting.versions import utc_naive, version_of

NOT_SOLD = frozenset({"draft", "cancelled"})


@dataclass(frozen=True)
class OrderState:
    """One order snapshot as the projection stored it."""

    order_id: str
    version: str
    occurred_at: datetime
    owner_id: str | None
    team_id: str | None
    amount: Decimal
    status: str
    account_id: str | None = None
    event_id: str | None = None
    currency: str | None = None
    opportunity_id: str | None = None  # the deal it was ordered from, directly or through a contract


async def record_order_facts(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Store the order snapshots among `events` (a fact already stored is left as it is)."""
    rows = [{"order_id": e.aggregate_id, "event_id": e.id_text,
             "version": version_of(e, 0 if isinstance(e, OrderCreatedV1) else 1),
             "occurred_at": utc_naive(e.occurred_at), "owner_id": e.owner_id, "team_id": e.team_id,
             "account_id": e.account_id, "amount": e.amount, "currency": e.currency, "status": e.status,
             "opportunity_id": e.opportunity_id}
            for e in of_kind(events, OrderSnapshot)]
    if rows:
        insert = dialect_insert(uow.session)(OrderFact.__table__).on_conflict_do_nothing()
        await execute_many(uow.session, insert, rows)
        from reporting.revenue.order_counters import refresh_orders  # it imports NOT_SOLD from here

        await refresh_orders(uow, {row["order_id"] for row in rows})


def ordered_sales(states: Iterable[OrderState], visible: Callable[[OrderState], bool]) -> list[Sale]:
    """Orders whose latest state is neither draft nor cancelled, dated when first placed; each keeps the
    deal it was ordered from (its lead origin's key)."""
    history: dict[str, list[OrderState]] = defaultdict(list)
    for state in states:
        history[state.order_id].append(state)
    sales = []
    for order in history.values():
        latest = max(order, key=lambda s: s.version)
        if latest.status not in NOT_SOLD and visible(latest):
            placed = min((s for s in order if s.status not in NOT_SOLD), key=lambda s: s.version).occurred_at
            sales.append(Sale(latest.owner_id, latest.team_id, placed, latest.amount, latest.account_id,
                              event_id=latest.event_id, currency=latest.currency,
                              opportunity_id=latest.opportunity_id))
    return sales
