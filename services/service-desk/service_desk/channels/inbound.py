"""Inbound email and chat: a new message opens a ticket, a reply threads into its ticket."""

import re
from datetime import datetime

from sqlalchemy import select

from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.schemas import InboundChat, InboundEmail
from service_desk.customers.service import contact_by_email
from service_desk.interactions import record_interaction
from service_desk.tickets.domain import DONE
from service_desk.tickets.messages import add_customer_message
from service_desk.tickets.models import Ticket, TicketEntry
from service_desk.tickets.schemas import TicketCreate
from service_desk.tickets.service import open_ticket

TICKET_TAG = re.compile(r"\[#([0-9a-fA-F-]{36})\]")


def ticket_tag(ticket_id: str) -> str:
    """The tag a subject carries so that replies find their ticket: `[#<ticket id>]`."""
    return f"[#{ticket_id}]"


async def _ticket_of_message(uow: UnitOfWork, message_ids: list[str]) -> Ticket | None:
    if not message_ids:
        return None
    found = await uow.session.execute(
        select(Ticket)
        .join(TicketEntry, TicketEntry.ticket_id == Ticket.id)
        .where(TicketEntry.message_id.in_(message_ids))
        .limit(1)
    )
    return found.scalars().first()


async def thread_of(uow: UnitOfWork, mail: InboundEmail) -> Ticket | None:
    """The ticket an email answers: by In-Reply-To / References, else by the ticket tag in the subject."""
    ticket = await _ticket_of_message(uow, [m for m in [mail.in_reply_to, *mail.references] if m])
    if ticket is None and (tag := TICKET_TAG.search(mail.subject)):
        ticket = await uow.session.get(Ticket, tag.group(1).lower())
    return ticket


async def receive_email(*, uow: UnitOfWork, mail: InboundEmail, now: datetime) -> tuple[Ticket, bool]:
    """Thread the email into its ticket or open one; the same Message-ID twice lands once."""
    if ticket := await _ticket_of_message(uow, [mail.message_id]):
        return ticket, False
    contact = await contact_by_email(uow=uow, email=mail.sender)
    ticket = await thread_of(uow, mail)
    created = ticket is None
    if ticket is None:
        data = TicketCreate(
            subject=mail.subject or "(no subject)",
            description=mail.body,
            channel="email",
            queue_id=mail.queue_id,
            contact_id=contact.id if contact else None,
        )
        ticket = await open_ticket(uow=uow, data=data, now=now, requester=mail.sender.lower())
    await add_customer_message(
        uow=uow,
        ticket=ticket,
        channel="email",
        author=mail.sender.lower(),
        body=mail.body,
        now=now,
        message_id=mail.message_id,
    )
    record_interaction(
        uow=uow,
        channel="email",
        kind="email",
        record_id=ticket.id,
        summary=mail.subject,
        email=mail.sender.lower(),
        contact_id=ticket.contact_id,
        account_id=ticket.account_id,
    )
    return ticket, created


async def receive_chat(*, uow: UnitOfWork, chat: InboundChat, now: datetime) -> tuple[Ticket, bool]:
    """Thread the message into the sender's active conversation on that channel, or open one."""
    requester = f"{chat.channel}:{chat.sender_id}"
    message_id = f"{requester}:{chat.message_id}" if chat.message_id else None
    if message_id and (ticket := await _ticket_of_message(uow, [message_id])):
        return ticket, False
    found = await uow.session.execute(
        select(Ticket)
        .where(Ticket.requester == requester, Ticket.channel == chat.channel, Ticket.status.not_in(DONE))
        .order_by(Ticket.opened_at.desc())
        .limit(1)
    )
    ticket = found.scalars().first()
    created = ticket is None
    if ticket is None:
        subject = f"{chat.channel} from {chat.sender_name or chat.sender_id}: {chat.text[:80]}"
        data = TicketCreate(
            subject=subject, description=chat.text, channel=chat.channel, queue_id=chat.queue_id
        )
        ticket = await open_ticket(uow=uow, data=data, now=now, requester=requester)
    await add_customer_message(
        uow=uow,
        ticket=ticket,
        channel=chat.channel,
        author=requester,
        body=chat.text,
        now=now,
        message_id=message_id,
    )
    record_interaction(
        uow=uow,
        channel=chat.channel,
        kind="chat_message",
        record_id=ticket.id,
        summary=chat.text,
        contact_id=ticket.contact_id,
        account_id=ticket.account_id,
    )
    return ticket, created
