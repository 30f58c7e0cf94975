"""The customer 360 card: an account or contact with everything around it, as far as the caller sees."""

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select

from crm_shared.auth import Principal
from crm_shared.http.problems import NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from sales.activities.models import Activity
from sales.activities.schemas import ActivityRead
from sales.customers.accounts import get_account
from sales.customers.contacts import get_contact
from sales.customers.models import Contact
from sales.customers.schemas import AccountRead, ContactRead
from sales.health.service import AccountHealth, account_health
from sales.models import AppUser
from sales.orders.invoices import read_invoice
from sales.orders.models import Invoice, Order
from sales.orders.orders import read_orders
from sales.orders.schemas import InvoiceRead, OrderRead
from sales.ownership import visible
from sales.pipeline import records
from sales.pipeline.models import Opportunity, OpportunityContact
from sales.pipeline.schemas import OpportunityRead
from sales.relations.service import PositionRead, RelationRead, positions, relations_of

RECENT_ACTIVITIES = 20


class Owner(BaseModel):
    """Who owns the record."""

    id: str
    name: str
    email: str


class AccountCard(BaseModel):
    """An account's 360 view."""

    account: AccountRead
    owner: Owner | None
    contacts: list[ContactRead]
    open_opportunities: list[OpportunityRead]
    past_opportunities: list[OpportunityRead]
    orders: list[OrderRead]
    invoices: list[InvoiceRead]
    health: AccountHealth
    relations: list[RelationRead]
    recent_activities: list[ActivityRead]


class ContactCard(BaseModel):
    """A contact's 360 view: the contact, its account's card and the deals it has a role in."""

    contact: ContactRead
    owner: Owner | None
    opportunities: list[OpportunityRead]
    relations: list[RelationRead]
    history: list[PositionRead]
    recent_activities: list[ActivityRead]
    account: AccountCard | None


async def account_card(
    *, uow: UnitOfWork, principal: Principal, account_id: str, now: datetime
) -> AccountCard:
    """The account with its contacts, opportunities, orders, invoices, ticket health and activities."""
    account = await get_account(uow=uow, principal=principal, account_id=account_id)
    contacts = await _all(
        uow,
        visible(Contact, principal)
        .where(Contact.account_id == account.id)
        .order_by(Contact.created_at, Contact.id),
    )
    deals = await _all(
        uow,
        visible(Opportunity, principal)
        .where(Opportunity.account_id == account.id)
        .order_by(Opportunity.created_at, Opportunity.id),
    )
    orders = await _all(
        uow,
        visible(Order, principal).where(Order.account_id == account.id).order_by(Order.created_at, Order.id),
    )
    invoices = await _all(
        uow,
        visible(Invoice, principal)
        .where(Invoice.account_id == account.id)
        .order_by(Invoice.due_on, Invoice.id),
    )
    activities = await _all(
        uow,
        visible(Activity, principal)
        .where(Activity.account_id == account.id)
        .order_by(Activity.created_at.desc(), Activity.id)
        .limit(RECENT_ACTIVITIES),
    )
    deal_reads = await records.read_many(uow, deals, now)
    return AccountCard(
        account=AccountRead.model_validate(account),
        owner=await _owner(uow, account.owner_id),
        contacts=[ContactRead.model_validate(c) for c in contacts],
        open_opportunities=[d for d in deal_reads if d.status == "open"],
        past_opportunities=[d for d in deal_reads if d.status != "open"],
        orders=await read_orders(uow, orders),
        invoices=[read_invoice(i, now.date()) for i in invoices],
        health=await account_health(uow=uow, principal=principal, account_id=account.id, now=now),
        relations=[
            RelationRead.model_validate(r)
            for r in await relations_of(
                uow=uow, principal=principal, record_type="account", record_id=account.id
            )
        ],
        recent_activities=[ActivityRead.model_validate(a) for a in activities],
    )


async def contact_card(
    *, uow: UnitOfWork, principal: Principal, contact_id: str, now: datetime
) -> ContactCard:
    """The contact, the deals it has a role in, its activities and its account's card (if visible)."""
    contact = await get_contact(uow=uow, principal=principal, contact_id=contact_id)
    roles = select(OpportunityContact.opportunity_id).where(OpportunityContact.contact_id == contact.id)
    deals = await _all(
        uow,
        visible(Opportunity, principal)
        .where(Opportunity.id.in_(roles))
        .order_by(Opportunity.created_at, Opportunity.id),
    )
    activities = await _all(
        uow,
        visible(Activity, principal)
        .where(Activity.contact_id == contact.id)
        .order_by(Activity.created_at.desc(), Activity.id)
        .limit(RECENT_ACTIVITIES),
    )
    account = None
    if contact.account_id:
        account = await _visible_card(uow, principal, contact.account_id, now)
    return ContactCard(
        contact=ContactRead.model_validate(contact),
        owner=await _owner(uow, contact.owner_id),
        opportunities=await records.read_many(uow, deals, now),
        relations=[
            RelationRead.model_validate(r)
            for r in await relations_of(
                uow=uow, principal=principal, record_type="contact", record_id=contact.id
            )
        ],
        history=[
            PositionRead.model_validate(p)
            for p in await positions(uow=uow, principal=principal, contact_id=contact.id)
        ],
        recent_activities=[ActivityRead.model_validate(a) for a in activities],
        account=account,
    )


async def _visible_card(uow: UnitOfWork, principal: Principal, account_id: str, now: datetime):
    try:
        return await account_card(uow=uow, principal=principal, account_id=account_id, now=now)
    except NotFoundError:  # the contact is the caller's, the account someone else's
        return None


async def _owner(uow: UnitOfWork, user_id: str | None) -> Owner | None:
    user = await uow.session.get(AppUser, user_id) if user_id else None
    return Owner(id=user.id, name=user.name, email=user.email) if user else None


async def _all(uow: UnitOfWork, query) -> list:
    return list((await uow.session.execute(query)).scalars())
