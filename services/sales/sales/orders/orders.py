"""Order use cases: from a contract, an opportunity or direct; lines, amount, currency, status."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select

from crm_shared.auth import Principal
from crm_shared.events.sales import OpportunityLine, OrderCreatedV1, OrderUpdatedV1
from crm_shared.http.problems import ConflictError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.customers.accounts import get_account
from sales.orders.contracts import get_contract, referenced
from sales.orders.models import Order, OrderLine
from sales.orders.schemas import OrderCreate, OrderRead, OrderUpdate
from sales.ownership import get_visible, resolve_owner, visible
from sales.paging import Page, encode_cursor, keyset
from sales.pipeline.models import OpportunityLineItem
from sales.pipeline.opportunities import get_opportunity
from sales.pipeline.schemas import LineIn, LineRead

CENT = Decimal("0.01")
ORDER_FIELDS = (
    "account_id",
    "contract_id",
    "opportunity_id",
    "owner_id",
    "team_id",
    "amount",
    "currency",
    "status",
    "source_type",
    "source_id",
)


@dataclass(frozen=True)
class OrderFilter:
    """List filters."""

    account_id: str | None = None
    contract_id: str | None = None
    opportunity_id: str | None = None
    status: str | None = None
    owner_id: str | None = None


async def create_order(
    *, uow: UnitOfWork, principal: Principal, data: OrderCreate, now: datetime
) -> OrderRead:
    """Place an order and emit `sales.order.created` in the same transaction."""
    lines = list(data.lines)
    if data.contract_id:
        contract = await referenced(
            get_contract(uow=uow, principal=principal, contract_id=data.contract_id), "contract_id"
        )
        if contract.status != "active":
            raise ConflictError(f"contract {contract.id} is {contract.status}, not active")
        base = {
            "account_id": contract.account_id,
            "contract_id": contract.id,
            "opportunity_id": contract.opportunity_id,
            "currency": contract.currency,
            "source_type": "contract",
            "source_id": contract.id,
        }
        owner_id, default_amount = contract.owner_id, contract.value
    elif data.opportunity_id:
        opportunity = await referenced(
            get_opportunity(uow=uow, principal=principal, opportunity_id=data.opportunity_id),
            "opportunity_id",
        )
        if opportunity.status != "won":
            raise ConflictError(f"opportunity {opportunity.id} is {opportunity.status}, not won")
        base = {
            "account_id": opportunity.account_id,
            "opportunity_id": opportunity.id,
            "currency": opportunity.currency,
            "source_type": "opportunity",
            "source_id": opportunity.id,
        }
        owner_id, default_amount = opportunity.owner_id, opportunity.amount
        lines = lines or await _opportunity_lines(uow, opportunity.id)
    else:
        account = await referenced(
            get_account(uow=uow, principal=principal, account_id=data.account_id), "account_id"
        )
        base = {"account_id": account.id, "currency": "CNY", "source_type": "direct"}
        owner_id, default_amount = account.owner_id, Decimal(0)
    # the order belongs to whoever owns what it came from (the caller for an unowned account)
    owner, team = await resolve_owner(uow, None if owner_id else principal, owner_id)
    amount = (
        data.amount
        if data.amount is not None
        else (
            sum((line.quantity * line.unit_price for line in lines), Decimal(0)).quantize(CENT)
            if lines
            else default_amount
        )
    )
    order = Order(
        id=new_id(),
        owner_id=owner,
        team_id=team,
        amount=amount,
        status=data.status,
        created_at=now,
        updated_at=now,
        **{**base, **({"currency": data.currency} if data.currency else {})},
    )
    uow.session.add(order)
    await uow.session.flush()
    await _set_lines(uow, order.id, lines)
    uow.emit(OrderCreatedV1(aggregate_id=order.id, occurred_at=now, **await _snapshot(uow, order)))
    await uow.commit()
    return (await read_orders(uow, [order]))[0]


async def update_order(
    *, uow: UnitOfWork, principal: Principal, order_id: str, data: OrderUpdate, now: datetime
) -> OrderRead:
    """Change the order's status; emit `sales.order.updated`."""
    order = await get_order(uow=uow, principal=principal, order_id=order_id)
    changes = data.changes()
    if "status" in changes and changes["status"] != order.status:
        order.status, order.updated_at = changes["status"], now
        uow.emit(
            OrderUpdatedV1(
                aggregate_id=order.id,
                occurred_at=now,
                changed_fields=["status"],
                **await _snapshot(uow, order),
            )
        )
        await uow.commit()
    return (await read_orders(uow, [order]))[0]


async def get_order(*, uow: UnitOfWork, principal: Principal, order_id: str) -> Order:
    """One order the caller may see, or not found."""
    return await get_visible(uow, Order, order_id, principal, "order")


async def list_orders(
    *, uow: UnitOfWork, principal: Principal, filters: OrderFilter, cursor: str | None, limit: int
) -> Page[OrderRead]:
    """The orders the caller may see, filtered, oldest first, a page at a time."""
    query = visible(Order, principal)
    for field in ("account_id", "contract_id", "opportunity_id", "status", "owner_id"):
        if (value := getattr(filters, field)) is not None:
            query = query.where(getattr(Order, field) == value)
    rows = list((await uow.session.execute(keyset(query, Order, cursor, limit))).scalars())
    more, rows = len(rows) > limit, rows[:limit]
    return Page(
        items=await read_orders(uow, rows),
        next_cursor=encode_cursor(rows[-1].created_at, rows[-1].id) if more else None,
    )


async def read_orders(uow: UnitOfWork, orders: list[Order]) -> list[OrderRead]:
    """Orders as the API shows them, with their lines (one query)."""
    lines: dict[str, list] = {}
    found = await uow.session.execute(
        select(OrderLine).where(OrderLine.order_id.in_([o.id for o in orders])).order_by(OrderLine.position)
    )
    for line in found.scalars():
        lines.setdefault(line.order_id, []).append(LineRead.model_validate(line))
    return [
        OrderRead(
            **{f: getattr(o, f) for f in ORDER_FIELDS},
            id=o.id,
            lines=lines.get(o.id, []),
            created_at=o.created_at,
            updated_at=o.updated_at,
        )
        for o in orders
    ]


async def order_snapshot(uow: UnitOfWork, order: Order) -> dict:
    """The order's fields (and lines) as the events carry them."""
    return await _snapshot(uow, order)


async def _snapshot(uow: UnitOfWork, order: Order) -> dict:
    [read] = await read_orders(uow, [order])
    return {
        **{f: getattr(order, f) for f in ORDER_FIELDS},
        "lines": [OpportunityLine(**line.model_dump()) for line in read.lines],
    }


async def _set_lines(uow: UnitOfWork, order_id: str, lines: list[LineIn]) -> None:
    await uow.session.execute(delete(OrderLine).where(OrderLine.order_id == order_id))
    for position, line in enumerate(lines):
        uow.session.add(
            OrderLine(
                order_id=order_id,
                position=position,
                product=line.product,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=(line.quantity * line.unit_price).quantize(CENT),
            )
        )
    await uow.session.flush()


async def _opportunity_lines(uow: UnitOfWork, opportunity_id: str) -> list[LineIn]:
    found = await uow.session.execute(
        select(OpportunityLineItem)
        .where(OpportunityLineItem.opportunity_id == opportunity_id)
        .order_by(OpportunityLineItem.position)
    )
    return [
        LineIn(product=line.product, quantity=line.quantity, unit_price=line.unit_price)
        for line in found.scalars()
    ]
