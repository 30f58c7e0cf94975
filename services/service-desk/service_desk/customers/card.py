"""The screen-pop card: who is calling, their company, tier, owner rep, open tickets, last interactions.

One indexed lookup of the number finds the contact (or the account whose switchboard it is) with its
account and owner; one more round trip reads the story (`story.py`)."""

from sqlalchemy import bindparam, case, select

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from service_desk.customers.models import Account, Contact, CustomerPhone
from service_desk.customers.schemas import (
    AccountCard,
    ContactCard,
    CustomerCard,
    InteractionLine,
    TicketLine,
)
from service_desk.customers.story import story
from service_desk.models import Agent

__all__ = ["AccountCard", "ContactCard", "CustomerCard", "InteractionLine", "TicketLine"]


def _account_card(row) -> AccountCard | None:
    if row.account_id is None:
        return None
    return AccountCard(
        id=row.account_id,
        name=row.account_name,
        tier=row.tier,
        owner_id=row.owner_id,
        owner_name=row.owner_name,
    )


def _lookup(phone):
    """One indexed lookup of the number: its contacts (newest first), else the account whose switchboard
    it is, each with the account, its tier and owner rep's name (the contact's account for a contact)."""
    account_key = case(
        (CustomerPhone.party_type == "account", CustomerPhone.party_id), else_=Contact.account_id
    )
    return (
        select(
            CustomerPhone.party_type,
            Contact.id.label("contact_id"),
            Contact.name,
            Contact.title,
            Contact.emails,
            Contact.phones,
            Contact.local,
            Account.id.label("account_id"),
            Account.name.label("account_name"),
            Account.tier,
            Account.owner_id,
            Agent.name.label("owner_name"),
        )
        .select_from(CustomerPhone)
        .outerjoin(Contact, (CustomerPhone.party_type == "contact") & (Contact.id == CustomerPhone.party_id))
        .outerjoin(Account, Account.id == account_key)
        .outerjoin(Agent, Agent.id == Account.owner_id)
        .where(CustomerPhone.phone == phone)
        .order_by(CustomerPhone.party_type.desc(), Contact.updated_at.desc())  # contacts before accounts
        .limit(6)
    )


LOOKUP = _lookup(bindparam("phone"))  # built once: a call pays neither construction nor compilation


def _contact_line(row) -> ContactCard:
    return ContactCard(
        id=row.contact_id,
        name=row.name,
        title=row.title,
        emails=row.emails or [],
        phones=row.phones or [],
        local=bool(row.local),
    )


async def card_for_phone(*, uow: UnitOfWork, principal: Principal, phone: str) -> CustomerCard:
    """The card of whoever has this number: a contact, else an account's switchboard, else unknown."""
    rows = (await uow.session.execute(LOOKUP, {"phone": phone})).all()
    contacts = [row for row in rows if row.party_type == "contact" and row.contact_id is not None]
    if contacts:
        first = contacts[0]
        others = [ContactCard(id=r.contact_id, name=r.name, title=r.title) for r in contacts[1:5]]
        return await _contact_card(uow, principal, _contact_line(first), _account_card(first), phone, others)
    if account := next((row for row in rows if row.party_type == "account" and row.account_id), None):
        card = await story(uow=uow, principal=principal, account_id=account.account_id)
        card.account = _account_card(account)
        card.phone, card.known = phone, True
        card.actions = ["create_contact", "link_contact"]
        return card
    return CustomerCard(known=False, phone=phone, actions=["create_contact", "link_contact"])


async def card_for_contact(
    *, uow: UnitOfWork, principal: Principal, contact: Contact, phone: str | None = None
) -> CustomerCard:
    """The card of a known contact."""
    account_card = None
    if contact.account_id:
        found = await uow.session.execute(
            select(
                Account.id.label("account_id"),
                Account.name.label("account_name"),
                Account.tier,
                Account.owner_id,
                Agent.name.label("owner_name"),
            )
            .outerjoin(Agent, Agent.id == Account.owner_id)
            .where(Account.id == contact.account_id)
        )
        account_card = _account_card(row) if (row := found.first()) else None
    line = ContactCard(
        id=contact.id,
        name=contact.name,
        title=contact.title,
        emails=contact.emails,
        phones=contact.phones,
        local=contact.local,
    )
    return await _contact_card(uow, principal, line, account_card, phone, [])


async def _contact_card(
    uow: UnitOfWork,
    principal: Principal,
    contact: ContactCard,
    account: AccountCard | None,
    phone: str | None,
    others: list[ContactCard],
) -> CustomerCard:
    card = await story(uow=uow, principal=principal, contact_id=contact.id)
    card.known, card.phone, card.account = True, phone, account
    card.contact, card.other_matches = contact, others
    return card
