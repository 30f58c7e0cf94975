"""Invoices and payments due: issue against an order, record payments, detect overdue ones."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from crm_shared.auth import Principal
from crm_shared.events.sales import InvoiceIssuedV1, PaymentRecordedV1
from crm_shared.http.problems import ConflictError, InvalidError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.orders.models import Invoice, Payment
from sales.orders.orders import get_order
from sales.orders.schemas import InvoiceCreate, InvoiceRead, PaymentCreate
from sales.ownership import get_visible, visible
from sales.paging import Page, keyset, page_of

INVOICE_FIELDS = (
    "order_id",
    "account_id",
    "owner_id",
    "team_id",
    "amount",
    "paid_amount",
    "currency",
    "issued_on",
    "due_on",
    "status",
)


@dataclass(frozen=True)
class InvoiceFilter:
    """List filters; `overdue=true` keeps unpaid invoices past their due date."""

    order_id: str | None = None
    account_id: str | None = None
    status: str | None = None
    overdue: bool | None = None


def is_overdue(invoice: Invoice, today: date) -> bool:
    """Whether the invoice is unpaid after its due date."""
    return invoice.status == "open" and invoice.due_on < today


def read_invoice(invoice: Invoice, today: date) -> InvoiceRead:
    """The invoice as the API shows it, with its overdue flag as of today."""
    overdue = is_overdue(invoice, today)
    return InvoiceRead(
        **{f: getattr(invoice, f) for f in INVOICE_FIELDS},
        id=invoice.id,
        overdue=overdue,
        days_overdue=(today - invoice.due_on).days if overdue else 0,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )


async def issue_invoice(
    *, uow: UnitOfWork, principal: Principal, order_id: str, data: InvoiceCreate, now: datetime
) -> Invoice:
    """Invoice (part of) an order, by default all that is not invoiced yet; emit `sales.invoice.issued`."""
    order = await get_order(uow=uow, principal=principal, order_id=order_id)
    if order.status == "cancelled":
        raise ConflictError(f"order {order_id} is cancelled")
    invoiced = (
        await uow.session.execute(
            select(func.coalesce(func.sum(Invoice.amount), 0)).where(
                Invoice.order_id == order.id, Invoice.status != "void"
            )
        )
    ).scalar_one()
    remainder = order.amount - Decimal(invoiced)
    amount = data.amount if data.amount is not None else remainder
    if amount <= 0 or amount > remainder:
        raise InvalidError(f"only {remainder} of the order is left to invoice", field="amount")
    issued_on = data.issued_on or now.date()
    if data.due_on < issued_on:
        raise InvalidError("due_on is before issued_on", field="due_on")
    invoice = Invoice(
        id=new_id(),
        order_id=order.id,
        account_id=order.account_id,
        owner_id=order.owner_id,
        team_id=order.team_id,
        amount=amount,
        paid_amount=Decimal("0.00"),
        currency=order.currency,
        issued_on=issued_on,
        due_on=data.due_on,
        status="open",
        created_at=now,
        updated_at=now,
    )
    uow.session.add(invoice)
    uow.emit(InvoiceIssuedV1(aggregate_id=invoice.id, occurred_at=now, **_snapshot(invoice)))
    await uow.commit()
    return invoice


async def record_payment(
    *, uow: UnitOfWork, principal: Principal, invoice_id: str, data: PaymentCreate, now: datetime
) -> Invoice:
    """Record money received (the invoice is paid once covered); emit `sales.invoice.payment-recorded`."""
    invoice = await get_invoice(uow=uow, principal=principal, invoice_id=invoice_id)
    if invoice.status != "open":
        raise ConflictError(f"invoice {invoice_id} is {invoice.status}")
    if data.amount > invoice.amount - invoice.paid_amount:
        raise InvalidError(f"only {invoice.amount - invoice.paid_amount} is still due", field="amount")
    payment = Payment(
        id=new_id(),
        invoice_id=invoice.id,
        amount=data.amount,
        paid_on=data.paid_on or now.date(),
        method=data.method,
        created_at=now,
    )
    uow.session.add(payment)
    invoice.paid_amount += data.amount
    invoice.status = "paid" if invoice.paid_amount >= invoice.amount else "open"
    invoice.updated_at = now
    uow.emit(
        PaymentRecordedV1(
            aggregate_id=invoice.id,
            occurred_at=now,
            changed_fields=["paid_amount", "status"],
            payment_id=payment.id,
            payment_amount=payment.amount,
            paid_on=payment.paid_on,
            **_snapshot(invoice),
        )
    )
    await uow.commit()
    return invoice


async def get_invoice(*, uow: UnitOfWork, principal: Principal, invoice_id: str) -> Invoice:
    """One invoice the caller may see, or not found."""
    return await get_visible(uow, Invoice, invoice_id, principal, "invoice")


async def list_invoices(
    *,
    uow: UnitOfWork,
    principal: Principal,
    filters: InvoiceFilter,
    cursor: str | None,
    limit: int,
    today: date,
) -> Page[InvoiceRead]:
    """The invoices the caller may see; `overdue` filters on unpaid past the due date as of today."""
    query = visible(Invoice, principal)
    for field in ("order_id", "account_id", "status"):
        if (value := getattr(filters, field)) is not None:
            query = query.where(getattr(Invoice, field) == value)
    if filters.overdue is True:
        query = query.where(Invoice.status == "open", Invoice.due_on < today)
    elif filters.overdue is False:
        query = query.where((Invoice.status != "open") | (Invoice.due_on >= today))
    rows = list((await uow.session.execute(keyset(query, Invoice, cursor, limit))).scalars())
    return page_of(rows, limit, lambda invoice: read_invoice(invoice, today))


def invoice_snapshot(invoice: Invoice) -> dict:
    """The invoice's fields as the events carry them."""
    return _snapshot(invoice)


def _snapshot(invoice: Invoice) -> dict:
    return {field: getattr(invoice, field) for field in INVOICE_FIELDS}
