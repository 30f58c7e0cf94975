"""CTI use cases: a new call pops the caller's card; answered, hung up; link or create a contact."""

from datetime import datetime

from crm_shared.auth import Principal, Role
from crm_shared.http.problems import ConflictError, ForbiddenError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from service_desk.channels.models import Call
from service_desk.channels.schemas import ContactLink
from service_desk.customers import service as customers
from service_desk.customers.capture import announce_linked_phone, capture_contact
from service_desk.customers.card import CustomerCard, card_for_contact, card_for_phone
from service_desk.dispatch.service import desk_agent
from service_desk.interactions import record_interaction
from service_desk.models import Agent
from service_desk.tickets.models import Ticket


async def start_call(
    *,
    uow: UnitOfWork,
    principal: Principal,
    caller: str,
    agent_id: str | None,
    region: str | None,
    now: datetime,
) -> tuple[Call, CustomerCard]:
    """Record a ringing call and return the caller's card at once."""
    phone = customers.normalize_phone(caller, region)
    agent_id = agent_id or principal.user_id
    if principal.role is Role.AGENT and agent_id != principal.user_id:
        raise ForbiddenError("an agent takes only their own calls")
    if agent_id != principal.user_id:  # the caller's own token already says they work the desk
        await desk_agent(uow, agent_id, field="agent_id")
    card = await card_for_phone(uow=uow, principal=principal, phone=phone)
    call = Call(
        id=new_id(),
        caller=phone,
        agent_id=agent_id,
        status="ringing",
        started_at=now,
        contact_id=card.contact.id if card.contact else None,
        account_id=card.account.id if card.account else None,
    )
    uow.session.add(call)
    record_interaction(
        uow=uow,
        channel="phone",
        kind="call",
        record_id=call.id,
        phone=phone,
        contact_id=call.contact_id,
        account_id=call.account_id,
        summary=f"call to agent {agent_id}",
    )
    return call, card


async def get_call(*, uow: UnitOfWork, principal: Principal, call_id: str) -> Call:
    """A call the principal may see (their own, their team's for a manager, all for an admin), or 404."""
    call = await uow.session.get(Call, call_id)
    if call is None or not await _can_see(uow, principal, call):
        raise NotFoundError(f"call {call_id} not found")
    return call


async def _can_see(uow: UnitOfWork, principal: Principal, call: Call) -> bool:
    if principal.role is Role.ADMIN or call.agent_id == principal.user_id:
        return True
    if principal.role is Role.MANAGER and principal.team_id:
        agent = await uow.session.get(Agent, call.agent_id)
        return agent is not None and agent.team_id == principal.team_id
    return False


async def answer_call(*, uow: UnitOfWork, call: Call, now: datetime) -> None:
    """The agent picked up."""
    if call.status != "ringing":
        raise ConflictError(f"a call that is {call.status} cannot be answered")
    call.status, call.answered_at = "answered", now


async def hang_up(*, uow: UnitOfWork, call: Call, now: datetime) -> None:
    """The call ended (answered or not)."""
    if call.status == "ended":
        raise ConflictError("the call has already ended")
    call.status, call.ended_at = "ended", now


async def link_contact(
    *, uow: UnitOfWork, principal: Principal, call: Call, data: ContactLink, now: datetime
) -> CustomerCard:
    """Link the caller to an existing contact (their number is remembered, and told to sales, which owns
    contacts) or create one (announced to sales); the new card."""
    if data.contact_id:
        contact = await customers.get_contact(uow=uow, contact_id=data.contact_id, field="contact_id")
        if await customers.link_phone(uow=uow, contact=contact, phone=call.caller):
            announce_linked_phone(
                uow=uow,
                contact=contact,
                phone=call.caller,
                linked_by=principal.user_id,
                call_id=call.id,
                now=now,
            )
    elif data.name:
        contact = await capture_contact(
            uow=uow,
            name=data.name,
            phone=call.caller,
            email=data.email,
            account_id=data.account_id,
            captured_by=principal.user_id,
            now=now,
        )
    else:
        raise InvalidError("give contact_id to link, or name to create", field="contact_id")
    call.contact_id, call.account_id = contact.id, contact.account_id
    await uow.session.flush()
    return await card_for_contact(uow=uow, principal=principal, contact=contact, phone=call.caller)


async def attach_ticket(*, uow: UnitOfWork, principal: Principal, call_id: str, ticket: Ticket) -> None:
    """The ticket opened during the call belongs to it."""
    call = await uow.session.get(Call, call_id)
    if call is None or not await _can_see(uow, principal, call):
        raise InvalidError(f"call {call_id} not found", field="call_id")
    call.ticket_id = ticket.id
