"""The chain lead -> opportunity -> contract -> order, walked back to its start and forward again from
any of its records."""

from sqlalchemy import false, or_

from crm_shared.auth import Principal
from crm_shared.http.problems import InvalidError
from crm_shared.messaging.uow import UnitOfWork
from sales.orders.contracts import get_contract
from sales.orders.models import Contract, Order
from sales.orders.orders import get_order
from sales.orders.schemas import ChainRead
from sales.ownership import visible
from sales.pipeline.models import Opportunity
from sales.pipeline.opportunities import get_opportunity

RECORD_TYPES = ("lead", "opportunity", "contract", "order")


async def walk_chain(*, uow: UnitOfWork, principal: Principal, record_type: str, record_id: str) -> ChainRead:
    """The chain the record belongs to, as far as the caller may see; the record itself must be visible."""
    opportunity_ids: set[str] = set()
    contract_ids: set[str] = set()
    order_ids: set[str] = set()
    lead_id = record_id if record_type == "lead" else None
    if record_type == "order":
        order = await get_order(uow=uow, principal=principal, order_id=record_id)
        order_ids.add(order.id)
        contract_ids |= {order.contract_id} - {None}
        opportunity_ids |= {order.opportunity_id} - {None}
    elif record_type == "contract":
        contract = await get_contract(uow=uow, principal=principal, contract_id=record_id)
        contract_ids.add(contract.id)
        opportunity_ids |= {contract.opportunity_id} - {None}
    elif record_type == "opportunity":
        opportunity_ids.add(
            (await get_opportunity(uow=uow, principal=principal, opportunity_id=record_id)).id
        )
    elif record_type != "lead":
        raise InvalidError(f"record type must be one of {', '.join(RECORD_TYPES)}", field="record_type")

    opportunities = await _all(
        uow,
        visible(Opportunity, principal).where(
            or_(
                Opportunity.id.in_(opportunity_ids),
                (Opportunity.source_type == "lead") & (Opportunity.source_id == lead_id)
                if lead_id
                else false(),
            )
        ),
        Opportunity,
    )
    opportunity_ids |= {o.id for o in opportunities}
    lead_id = lead_id or next((o.source_id for o in opportunities if o.source_type == "lead"), None)
    contracts = await _all(
        uow,
        visible(Contract, principal).where(
            or_(Contract.id.in_(contract_ids), Contract.opportunity_id.in_(opportunity_ids))
        ),
        Contract,
    )
    contracts = await _with_renewals(uow, principal, contracts)
    contract_ids |= {c.id for c in contracts}
    orders = await _all(
        uow,
        visible(Order, principal).where(
            or_(
                Order.id.in_(order_ids),
                Order.contract_id.in_(contract_ids),
                Order.opportunity_id.in_(opportunity_ids),
            )
        ),
        Order,
    )
    return ChainRead(
        lead_id=lead_id,
        opportunity_ids=[o.id for o in opportunities],
        contract_ids=[c.id for c in contracts],
        order_ids=[o.id for o in orders],
    )


async def _with_renewals(uow: UnitOfWork, principal: Principal, contracts: list[Contract]) -> list[Contract]:
    """The contracts and every renewal before or after them (a renewal's source is the contract it renews)."""
    found = {c.id: c for c in contracts}
    frontier = set(found)
    while frontier:
        linked = await _all(
            uow,
            visible(Contract, principal).where(
                or_(
                    (Contract.source_type == "contract") & Contract.source_id.in_(frontier),
                    Contract.id.in_(
                        {c.source_id for c in found.values() if c.source_type == "contract"} - set(found)
                    ),
                )
            ),
            Contract,
        )
        frontier = {c.id for c in linked} - set(found)
        found.update({c.id: c for c in linked})
    return sorted(found.values(), key=lambda c: (c.created_at, c.id))


async def _all(uow: UnitOfWork, query, model) -> list:
    return list((await uow.session.execute(query.order_by(model.created_at, model.id))).scalars())
