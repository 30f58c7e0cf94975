"""Product lines: keep each snapshot's lines (insert-only facts); split sales into per-product shares."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import OpportunitySnapshot, OrderSnapshot
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.kinds import of_kind
from reporting.models import SaleLineFact
from reporting.revenue.domain import Sale


async def record_sale_lines(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Store the product lines of the opportunity and order snapshots among `events`."""
    rows = [{"event_id": e.id_text, "line_no": number, "record_id": e.aggregate_id,
             "product": line.product[:200], "amount": line.amount}
            for e in of_kind(events, OpportunitySnapshot | OrderSnapshot)
            for number, line in enumerate(e.lines)]
    if rows:
        insert = dialect_insert(uow.session)(SaleLineFact.__table__).on_conflict_do_nothing()
        await execute_many(uow.session, insert, rows)


async def by_product(uow: UnitOfWork, sales: list[Sale]) -> list[Sale]:
    """Each sale split into one share per product of its latest snapshot's lines (a sale without lines
    stays whole, its product unknown)."""
    ids = sorted({s.event_id for s in sales if s.event_id})
    lines: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        rows = await uow.session.execute(
            select(SaleLineFact.event_id, SaleLineFact.product, SaleLineFact.amount)
            .where(SaleLineFact.event_id.in_(chunk)))
        for event_id, product, amount in rows:
            lines[event_id][product] += amount
    shares = []
    for sale in sales:
        products = lines.get(sale.event_id or "")
        if not products:
            shares.append(sale)
        else:
            shares += [replace(sale, product=product, amount=amount)
                       for product, amount in sorted(products.items())]
    return shares
