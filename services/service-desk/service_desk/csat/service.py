"""CSAT use cases: read the rating page's ticket, take the customer's rating once."""

from datetime import datetime

from crm_shared.events.service_desk import TicketCsatRatedV1
from crm_shared.http.problems import ConflictError, NotFoundError
from crm_shared.messaging.uow import UnitOfWork
from service_desk.config import ServiceDeskSettings
from service_desk.csat.tokens import InvalidCsatToken, verify
from service_desk.tickets.events import emit_ticket_event
from service_desk.tickets.models import Ticket


async def ticket_for_token(
    *, uow: UnitOfWork, settings: ServiceDeskSettings, token: str, now: datetime
) -> Ticket:
    """The resolved ticket a valid link rates; anything else is 404 (no hint what was wrong)."""
    try:
        ticket_id = verify(settings, token, now)
    except InvalidCsatToken as error:
        raise NotFoundError("this rating link is not valid") from error
    ticket = await uow.session.get(Ticket, ticket_id)
    if ticket is None or ticket.resolved_at is None:
        raise NotFoundError("this rating link is not valid")
    return ticket


async def rate(*, uow: UnitOfWork, ticket: Ticket, rating: int, comment: str | None, now: datetime) -> None:
    """Store the rating on the ticket and emit it; a second rating is refused."""
    if ticket.csat_rating is not None:
        raise ConflictError("this ticket has already been rated")
    ticket.csat_rating, ticket.csat_comment, ticket.csat_at = rating, comment or None, now
    await emit_ticket_event(
        uow,
        TicketCsatRatedV1,
        ticket,
        rating=rating,
        comment=comment or None,
        changed_fields=["csat_rating", "csat_comment"],
    )
