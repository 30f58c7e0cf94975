"""Overdue detection: an open invoice past its due date emits `sales.invoice.overdue`, once."""

from datetime import datetime

from sqlalchemy import select, update

from crm_shared.events.sales import InvoiceOverdueV1
from crm_shared.messaging.uow import UnitOfWork
from sales.orders.invoices import invoice_snapshot
from sales.orders.models import Invoice


async def flag_overdue_invoices(*, uow: UnitOfWork, now: datetime) -> int:
    """Mark every open invoice due before today and not flagged yet, with its event (no commit); how many.
    The conditional update makes a concurrent run (another replica, the manual trigger) flag it once."""
    today = now.date()
    due = await uow.session.execute(
        select(Invoice)
        .where(Invoice.status == "open", Invoice.due_on < today, Invoice.overdue_at.is_(None))
        .order_by(Invoice.due_on, Invoice.id)
    )
    count = 0
    for invoice in list(due.scalars()):
        flagged = await uow.session.execute(
            update(Invoice)
            .where(  # still open and unflagged: a payment or another run may have come in between
                Invoice.id == invoice.id, Invoice.overdue_at.is_(None), Invoice.status == "open",
                Invoice.due_on < today,
            )
            .values(overdue_at=now)
            .execution_options(synchronize_session=False)
        )
        if flagged.rowcount != 1:
            continue
        await uow.session.refresh(invoice)  # the event carries the invoice as it is now
        uow.emit(
            InvoiceOverdueV1(
                aggregate_id=invoice.id,
                occurred_at=now,
                days_overdue=(today - invoice.due_on).days,
                **invoice_snapshot(invoice),
            )
        )
        count += 1
    return count
