"""Moving tickets and calls from one contact to another (a captured contact taken on by sales)."""

from datetime import datetime

from sqlalchemy import select, update

from crm_shared.events.service_desk import TicketUpdatedV1
from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.models import Call
from service_desk.customers.models import Account
from service_desk.sla import service as sla
from service_desk.tickets.domain import DONE
from service_desk.tickets.events import emit_ticket_event
from service_desk.tickets.models import Ticket


async def move_contact(
    *, uow: UnitOfWork, from_id: str, to_id: str, account_id: str | None, now: datetime
) -> list[str]:
    """Point the tickets and calls of `from_id` at `to_id`; a ticket without an account takes the
    contact's (and its tier, which re-picks the SLA policy). Each moved ticket emits its update."""
    account = await uow.session.get(Account, account_id) if account_id else None
    await uow.session.execute(
        update(Call)
        .where(Call.contact_id == from_id)
        .values(contact_id=to_id, **({"account_id": account.id} if account else {}))
        .execution_options(synchronize_session=False)
    )
    found = await uow.session.execute(select(Ticket).where(Ticket.contact_id == from_id))
    moved = []
    for ticket in found.scalars():
        changed = ["contact_id"]
        ticket.contact_id, ticket.updated_at = to_id, now
        if ticket.account_id is None and account is not None:
            ticket.account_id, ticket.customer_tier = account.id, account.tier
            changed += ["account_id", "customer_tier"]
            if ticket.status not in DONE:
                await sla.retarget_sla(uow=uow, ticket=ticket, now=now)
        await emit_ticket_event(uow, TicketUpdatedV1, ticket, changed_fields=changed)
        moved.append(ticket.id)
    return moved
