"""Order counters: what each order adds to revenue and rep KPIs over time (counter_store.py).

An order whose latest snapshot is neither draft nor cancelled adds, in the group of that snapshot
(owner, team), one order with its amount, labelled with the month it was first placed.
"""

from decimal import Decimal

from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_store import Spec, refresh
from reporting.models import OrderFact, SaleDay, SaleDelta, SaleTotal
from reporting.opportunities.counters import DIMENSIONS, KEY, SUMS
from reporting.revenue.orders import NOT_SOLD
from reporting.versions import month_text

FACT_COLUMNS = ("version", "occurred_at", "owner_id", "team_id", "amount", "status")


def measures(known: list[dict]) -> dict[tuple, list[int]]:
    """What an order adds given the facts known of it: {(owner, team, "ordered", None, month, None): sums}."""
    latest = max(known, key=lambda f: f["version"])
    if latest["status"] in NOT_SOLD:
        return {}
    placed = min((f for f in known if f["status"] not in NOT_SOLD), key=lambda f: f["version"])["occurred_at"]
    cents = int(Decimal(latest["amount"]) * 100)
    return {(latest["owner_id"], latest["team_id"], "ordered", None, month_text(placed), None):
            [1, cents, 0]}


SPEC = Spec(kind="order", facts=OrderFact.__table__, id_column="order_id", fact_columns=FACT_COLUMNS,
            measures=measures, dims=DIMENSIONS, key=KEY, sums=SUMS,
            delta=SaleDelta.__table__, total=SaleTotal.__table__, day=SaleDay.__table__)


async def refresh_orders(uow: UnitOfWork, order_ids: set[str]) -> None:
    """Recompute the changes of these orders from all their facts."""
    await refresh(uow, SPEC, order_ids)
