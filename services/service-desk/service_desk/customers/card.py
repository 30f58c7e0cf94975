"""The screen-pop card: who is calling, their company, tier, owner rep, open tickets, last interactions."""

from pydantic import BaseModel, Field
from sqlalchemy import func, literal, select

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.models import Call
from service_desk.clock import UtcDatetime, as_utc
from service_desk.customers.models import Account, Contact, CustomerPhone
from service_desk.customers.service import account_by_phone
from service_desk.models import Agent
from service_desk.tickets.domain import DONE
from service_desk.tickets.models import Ticket, TicketEntry
from service_desk.tickets.visibility import tickets_visible_to


class ContactCard(BaseModel):
    """Who the customer is."""

    id: str
    name: str
    title: str | None = None
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    local: bool = False


class AccountCard(BaseModel):
    """Their company, its tier and the sales rep who owns it."""

    id: str
    name: str
    tier: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None


class TicketLine(BaseModel):
    """An open ticket on the card."""

    id: str
    subject: str
    status: str
    priority: str
    channel: str
    sla_due_at: UtcDatetime | None = None
    assignee_id: str | None = None


class InteractionLine(BaseModel):
    """A recent interaction: a call or a message on a ticket."""

    kind: str
    channel: str
    at: UtcDatetime
    summary: str = ""
    ticket_id: str | None = None


class CustomerCard(BaseModel):
    """The screen-pop; `known` is False for an unknown number, whose card offers create or link."""

    known: bool
    phone: str | None = None
    contact: ContactCard | None = None
    account: AccountCard | None = None
    other_matches: list[ContactCard] = Field(default_factory=list)
    open_tickets: list[TicketLine] = Field(default_factory=list)
    other_open_tickets: int = 0  # open tickets in queues the agent does not see
    last_interactions: list[InteractionLine] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)


def _account_card(account: Account | None, owner_name: str | None) -> AccountCard | None:
    if account is None:
        return None
    return AccountCard(
        id=account.id, name=account.name, tier=account.tier, owner_id=account.owner_id, owner_name=owner_name
    )


async def _owner_name(uow: UnitOfWork, account: Account | None) -> str | None:
    owner = await uow.session.get(Agent, account.owner_id) if account and account.owner_id else None
    return owner.name if owner else None


async def card_for_phone(*, uow: UnitOfWork, principal: Principal, phone: str) -> CustomerCard:
    """The card of whoever has this number: a contact, else an account's switchboard, else unknown."""
    matches = (
        await uow.session.execute(
            select(Contact, Account, Agent.name)
            .select_from(CustomerPhone)
            .join(Contact, (Contact.id == CustomerPhone.party_id) & (CustomerPhone.party_type == "contact"))
            .outerjoin(Account, Account.id == Contact.account_id)
            .outerjoin(Agent, Agent.id == Account.owner_id)
            .where(CustomerPhone.phone == phone)
            .order_by(Contact.updated_at.desc())
            .limit(5)
        )
    ).all()
    if matches:
        contact, account, owner_name = matches[0]
        others = [other for other, _, _ in matches[1:]]
        return await _contact_card(uow, principal, contact, _account_card(account, owner_name), phone, others)
    account = await account_by_phone(uow=uow, phone=phone)
    if account is not None:
        card = await _story(uow, principal, Ticket.account_id == account.id, None)
        card.account = _account_card(account, await _owner_name(uow, account))
        card.phone, card.known = phone, True
        card.actions = ["create_contact", "link_contact"]
        return card
    return CustomerCard(known=False, phone=phone, actions=["create_contact", "link_contact"])


async def card_for_contact(
    *, uow: UnitOfWork, principal: Principal, contact: Contact, phone: str | None = None
) -> CustomerCard:
    """The card of a known contact."""
    account = await uow.session.get(Account, contact.account_id) if contact.account_id else None
    account_card = _account_card(account, await _owner_name(uow, account))
    return await _contact_card(uow, principal, contact, account_card, phone, [])


async def _contact_card(
    uow: UnitOfWork,
    principal: Principal,
    contact: Contact,
    account: AccountCard | None,
    phone: str | None,
    others: list[Contact],
) -> CustomerCard:
    card = await _story(uow, principal, Ticket.contact_id == contact.id, contact.id)
    card.known, card.phone, card.account = True, phone, account
    card.contact = ContactCard(
        id=contact.id,
        name=contact.name,
        title=contact.title,
        emails=contact.emails,
        phones=contact.phones,
        local=contact.local,
    )
    card.other_matches = [ContactCard(id=c.id, name=c.name, title=c.title) for c in others]
    return card


async def _story(
    uow: UnitOfWork, principal: Principal, whose, contact_id: str | None, limit: int = 5
) -> CustomerCard:
    found = await uow.session.execute(
        select(Ticket, tickets_visible_to(principal).label("visible"))
        .where(whose, Ticket.status.not_in(DONE))
        .order_by(Ticket.sla_due_at.is_(None), Ticket.sla_due_at)
        .limit(200)
    )
    tickets = found.all()
    open_tickets = [TicketLine.model_validate(t, from_attributes=True) for t, visible in tickets if visible]
    total = len(tickets)
    history = select(
        (TicketEntry.author_type + "_message").label("kind"),
        TicketEntry.channel.label("channel"),
        TicketEntry.created_at.label("at"),
        func.substr(TicketEntry.body, 1, 140).label("summary"),
        TicketEntry.ticket_id.label("ticket_id"),
    ).join(Ticket, Ticket.id == TicketEntry.ticket_id).where(whose, TicketEntry.kind == "reply")
    if contact_id:
        calls = select(
            literal("call"), literal("phone"), Call.started_at, literal("call ") + Call.status, Call.ticket_id
        ).where(Call.contact_id == contact_id)
        history = history.union_all(calls)
    recent = history.subquery()
    rows = await uow.session.execute(select(recent).order_by(recent.c.at.desc()).limit(limit))
    lines = [
        InteractionLine(kind=kind, channel=channel, at=as_utc(at), summary=summary, ticket_id=ticket_id)
        for kind, channel, at, summary, ticket_id in rows
    ]
    return CustomerCard(
        known=True,
        open_tickets=open_tickets,
        other_open_tickets=total - len(open_tickets),
        last_interactions=lines[:limit],
    )
