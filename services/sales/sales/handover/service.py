"""Handover: a manager moves everything a leaving rep owns to another rep in one transaction, with an
event for every moved record."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.events.sales import (
    AccountUpdatedV1,
    ActivityUpdatedV1,
    ContactUpdatedV1,
    ContractUpdatedV1,
    InvoiceUpdatedV1,
    OpportunityUpdatedV1,
    OrderUpdatedV1,
)
from crm_shared.http.problems import InvalidError
from crm_shared.messaging.uow import UnitOfWork
from sales.activities.models import Activity
from sales.activities.service import activity_snapshot
from sales.customers.accounts import account_snapshot
from sales.customers.contacts import contact_snapshot
from sales.customers.models import Account, Contact
from sales.orders.contracts import contract_snapshot
from sales.orders.invoices import invoice_snapshot
from sales.orders.models import Contract, Invoice, Order
from sales.orders.orders import order_snapshot
from sales.ownership import resolve_owner
from sales.pipeline import records
from sales.pipeline.models import Opportunity


class HandoverCreate(BaseModel):
    """Move everything `from_user_id` owns to `to_user_id`."""

    model_config = ConfigDict(extra="forbid")

    from_user_id: str
    to_user_id: str


class HandoverRead(BaseModel):
    """What moved, by kind."""

    account_ids: list[str]
    contact_ids: list[str]
    opportunity_ids: list[str]
    task_ids: list[str]
    contract_ids: list[str]
    order_ids: list[str]
    invoice_ids: list[str]


async def hand_over(
    *, uow: UnitOfWork, principal: Principal, data: HandoverCreate, now: datetime
) -> HandoverRead:
    """Move the accounts, contacts, open opportunities, open tasks, contracts, orders and open invoices of
    one rep to another (both must be people the caller manages); every moved record emits its updated
    event."""
    if data.from_user_id == data.to_user_id:
        raise InvalidError("hand over to someone else", field="to_user_id")
    await resolve_owner(uow, principal, data.from_user_id, field="from_user_id")
    to_owner, to_team = await resolve_owner(uow, principal, data.to_user_id, field="to_user_id")
    moved = HandoverRead(
        account_ids=[], contact_ids=[], opportunity_ids=[], task_ids=[], contract_ids=[], order_ids=[],
        invoice_ids=[],
    )
    mine = data.from_user_id
    for account in await _all(
        uow, select(Account).where(Account.owner_id == mine, Account.deleted_at.is_(None))
    ):
        changed = _reassign(account, to_owner, to_team, now)
        uow.emit(
            AccountUpdatedV1(
                aggregate_id=account.id, occurred_at=now, changed_fields=changed, **account_snapshot(account)
            )
        )
        moved.account_ids.append(account.id)
    for contact in await _all(
        uow, select(Contact).where(Contact.owner_id == mine, Contact.deleted_at.is_(None))
    ):
        changed = _reassign(contact, to_owner, to_team, now)
        uow.emit(
            ContactUpdatedV1(
                aggregate_id=contact.id, occurred_at=now, changed_fields=changed, **contact_snapshot(contact)
            )
        )
        moved.contact_ids.append(contact.id)
    for deal in await _all(
        uow, select(Opportunity).where(Opportunity.owner_id == mine, Opportunity.status == "open")
    ):
        changed = _reassign(deal, to_owner, to_team, now)
        uow.emit(
            OpportunityUpdatedV1(occurred_at=now, changed_fields=changed, **await records.snapshot(uow, deal))
        )
        moved.opportunity_ids.append(deal.id)
    for task in await _all(
        uow, select(Activity).where(Activity.owner_id == mine, Activity.done_at.is_(None))
    ):
        changed = _reassign(task, to_owner, to_team, now)
        uow.emit(
            ActivityUpdatedV1(
                aggregate_id=task.id, occurred_at=now, changed_fields=changed, **activity_snapshot(task)
            )
        )
        moved.task_ids.append(task.id)
    for contract in await _all(uow, select(Contract).where(Contract.owner_id == mine)):
        changed = _reassign(contract, to_owner, to_team, now)
        uow.emit(
            ContractUpdatedV1(
                aggregate_id=contract.id,
                occurred_at=now,
                changed_fields=changed,
                **contract_snapshot(contract),
            )
        )
        moved.contract_ids.append(contract.id)
    for order in await _all(uow, select(Order).where(Order.owner_id == mine)):
        changed = _reassign(order, to_owner, to_team, now)
        uow.emit(
            OrderUpdatedV1(
                aggregate_id=order.id,
                occurred_at=now,
                changed_fields=changed,
                **await order_snapshot(uow, order),
            )
        )
        moved.order_ids.append(order.id)
    for invoice in await _all(
        uow, select(Invoice).where(Invoice.owner_id == mine, Invoice.status == "open")
    ):
        changed = _reassign(invoice, to_owner, to_team, now)
        uow.emit(
            InvoiceUpdatedV1(
                aggregate_id=invoice.id, occurred_at=now, changed_fields=changed, **invoice_snapshot(invoice)
            )
        )
        moved.invoice_ids.append(invoice.id)
    await uow.commit()
    return moved


def _reassign(record, owner_id: str, team_id: str | None, now: datetime) -> list[str]:
    changed = ["owner_id"] + (["team_id"] if record.team_id != team_id else [])
    record.owner_id, record.team_id, record.updated_at = owner_id, team_id, now
    return changed


async def _all(uow: UnitOfWork, query) -> list:
    return list((await uow.session.execute(query.order_by("created_at"))).scalars())
