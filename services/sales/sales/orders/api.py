"""HTTP routes of contracts, orders, invoices and payments, and the chain walk."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.orders import chain, contracts, invoices, orders, renewals
from sales.orders.schemas import (
    ChainRead,
    ContractCreate,
    ContractRead,
    ContractUpdate,
    InvoiceCreate,
    InvoiceRead,
    OrderCreate,
    OrderRead,
    OrderUpdate,
    PaymentCreate,
)
from sales.paging import CursorQuery, LimitQuery, Page

contracts_router = APIRouter(prefix="/contracts", tags=["contracts"])
orders_router = APIRouter(prefix="/orders", tags=["orders"])
invoices_router = APIRouter(prefix="/invoices", tags=["invoices"])
chain_router = APIRouter(prefix="/chain", tags=["chain"])
routers = [contracts_router, orders_router, invoices_router, chain_router]

ContractFilterDep = Annotated[contracts.ContractFilter, Depends(contracts.ContractFilter)]
OrderFilterDep = Annotated[orders.OrderFilter, Depends(orders.OrderFilter)]
InvoiceFilterDep = Annotated[invoices.InvoiceFilter, Depends(invoices.InvoiceFilter)]


@contracts_router.post("", status_code=201)
async def create_contract(
    data: ContractCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ContractRead:
    """Create a contract from a won opportunity, or directly for an account."""
    async with uow:
        contract = await contracts.create_contract(uow=uow, principal=principal, data=data, now=clock.now())
        return ContractRead.model_validate(contract)


@contracts_router.get("")
async def list_contracts(
    uow: UowDep,
    principal: PrincipalDep,
    filters: ContractFilterDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[ContractRead]:
    """The contracts the caller may see."""
    async with uow:
        return await contracts.list_contracts(
            uow=uow, principal=principal, filters=filters, cursor=cursor, limit=limit
        )


@contracts_router.get("/{contract_id}")
async def read_contract(contract_id: str, uow: UowDep, principal: PrincipalDep) -> ContractRead:
    """One contract the caller may see."""
    async with uow:
        contract = await contracts.get_contract(uow=uow, principal=principal, contract_id=contract_id)
        return ContractRead.model_validate(contract)


@contracts_router.patch("/{contract_id}")
async def update_contract(
    contract_id: str, data: ContractUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ContractRead:
    """Change a contract's term, status or renewal."""
    async with uow:
        contract = await contracts.update_contract(
            uow=uow, principal=principal, contract_id=contract_id, data=data, now=clock.now()
        )
        return ContractRead.model_validate(contract)


@contracts_router.post("/{contract_id}/renew", status_code=201)
async def renew_contract(
    contract_id: str, data: renewals.ContractRenew, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ContractRead:
    """Renew a contract: a new contract for the next term, linked to this one (now "renewed")."""
    async with uow:
        contract = await renewals.renew_contract(
            uow=uow, principal=principal, contract_id=contract_id, data=data, now=clock.now()
        )
        return ContractRead.model_validate(contract)


@orders_router.post("", status_code=201)
async def create_order(data: OrderCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> OrderRead:
    """Place an order from a contract, a won opportunity, or directly for an account."""
    async with uow:
        return await orders.create_order(uow=uow, principal=principal, data=data, now=clock.now())


@orders_router.get("")
async def list_orders(
    uow: UowDep,
    principal: PrincipalDep,
    filters: OrderFilterDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[OrderRead]:
    """The orders the caller may see."""
    async with uow:
        return await orders.list_orders(
            uow=uow, principal=principal, filters=filters, cursor=cursor, limit=limit
        )


@orders_router.get("/{order_id}")
async def read_order(order_id: str, uow: UowDep, principal: PrincipalDep) -> OrderRead:
    """One order the caller may see."""
    async with uow:
        order = await orders.get_order(uow=uow, principal=principal, order_id=order_id)
        return (await orders.read_orders(uow, [order]))[0]


@orders_router.patch("/{order_id}")
async def update_order(
    order_id: str, data: OrderUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> OrderRead:
    """Change an order's status."""
    async with uow:
        return await orders.update_order(
            uow=uow, principal=principal, order_id=order_id, data=data, now=clock.now()
        )


@orders_router.post("/{order_id}/invoices", status_code=201)
async def issue_invoice(
    order_id: str, data: InvoiceCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> InvoiceRead:
    """Invoice (part of) an order; payment is due on `due_on`."""
    async with uow:
        invoice = await invoices.issue_invoice(
            uow=uow, principal=principal, order_id=order_id, data=data, now=clock.now()
        )
        return invoices.read_invoice(invoice, clock.now().date())


@invoices_router.get("")
async def list_invoices(
    uow: UowDep,
    principal: PrincipalDep,
    filters: InvoiceFilterDep,
    clock: ClockDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[InvoiceRead]:
    """The invoices the caller may see; `overdue=true` lists the unpaid ones past their due date."""
    async with uow:
        return await invoices.list_invoices(
            uow=uow,
            principal=principal,
            filters=filters,
            cursor=cursor,
            limit=limit,
            today=clock.now().date(),
        )


@invoices_router.get("/{invoice_id}")
async def read_invoice(invoice_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> InvoiceRead:
    """One invoice the caller may see."""
    async with uow:
        invoice = await invoices.get_invoice(uow=uow, principal=principal, invoice_id=invoice_id)
        return invoices.read_invoice(invoice, clock.now().date())


@invoices_router.post("/{invoice_id}/payments", status_code=201)
async def record_payment(
    invoice_id: str, data: PaymentCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> InvoiceRead:
    """Record a payment against an invoice."""
    async with uow:
        invoice = await invoices.record_payment(
            uow=uow, principal=principal, invoice_id=invoice_id, data=data, now=clock.now()
        )
        return invoices.read_invoice(invoice, clock.now().date())


@chain_router.get("/{record_type}/{record_id}")
async def walk_chain(
    record_type: Literal["lead", "opportunity", "contract", "order"],
    record_id: str,
    uow: UowDep,
    principal: PrincipalDep,
) -> ChainRead:
    """The lead -> opportunity -> contract -> order chain of any of its records, back and forward."""
    async with uow:
        return await chain.walk_chain(
            uow=uow, principal=principal, record_type=record_type, record_id=record_id
        )
