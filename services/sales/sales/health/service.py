"""Account health from the service desk's ticket events: open tickets, SLA breaches, satisfaction."""

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import case, func, select

from crm_shared.auth import Principal
from crm_shared.events.service_desk import TicketCsatRatedV1, TicketSlaBreachedV1, TicketSnapshot
from crm_shared.messaging.uow import UnitOfWork
from sales.customers.accounts import get_account
from sales.health.models import AccountTicket
from sales.pipeline.domain import aware

OPEN_STATUSES = ("new", "open", "pending", "reopened")
RECENT = timedelta(days=30)


class AccountHealth(BaseModel):
    """How an account's service is going."""

    account_id: str
    open_tickets: int
    sla_breaches: int
    sla_breaches_30d: int
    last_breach_at: datetime | None
    csat_average: float | None
    csat_count: int
    health: str  # good | at_risk | poor


async def apply_ticket_event(*, uow: UnitOfWork, event: TicketSnapshot) -> None:
    """Keep the account's copy of the ticket in step (no commit: the consumer commits with its inbox row)."""
    if not event.account_id:
        return
    ticket = await uow.session.get(AccountTicket, event.aggregate_id)
    if ticket is None:
        ticket = AccountTicket(ticket_id=event.aggregate_id, breaches=0, updated_at=event.occurred_at)
        uow.session.add(ticket)
    ticket.account_id, ticket.subject, ticket.status = event.account_id, event.subject[:300], event.status
    ticket.is_open = event.status in OPEN_STATUSES
    ticket.updated_at = event.occurred_at
    if event.csat_rating is not None:
        ticket.csat_rating = event.csat_rating
    if isinstance(event, TicketCsatRatedV1):
        ticket.csat_rating = event.rating
    if isinstance(event, TicketSlaBreachedV1):
        ticket.breaches += 1
        ticket.last_breach_at = event.occurred_at


async def account_health(
    *, uow: UnitOfWork, principal: Principal, account_id: str, now: datetime
) -> AccountHealth:
    """The account's open tickets, SLA breaches (all and last 30 days), average satisfaction and a verdict."""
    await get_account(uow=uow, principal=principal, account_id=account_id)
    tickets = list(
        (
            await uow.session.execute(select(AccountTicket).where(AccountTicket.account_id == account_id))
        ).scalars()
    )
    recent = [t for t in tickets if t.last_breach_at and aware(t.last_breach_at) >= now - RECENT]
    ratings = [t.csat_rating for t in tickets if t.csat_rating is not None]
    average = round(sum(ratings) / len(ratings), 2) if ratings else None
    breaches_30d = len(recent)
    health = verdict(open_tickets=sum(t.is_open for t in tickets), breaches_30d=breaches_30d, csat=average)
    last = max((aware(t.last_breach_at) for t in tickets if t.last_breach_at), default=None)
    return AccountHealth(
        account_id=account_id,
        open_tickets=sum(t.is_open for t in tickets),
        sla_breaches=sum(t.breaches for t in tickets),
        sla_breaches_30d=breaches_30d,
        last_breach_at=last,
        csat_average=average,
        csat_count=len(ratings),
        health=health,
    )


def verdict(*, open_tickets: int, breaches_30d: int, csat: float | None) -> str:
    """poor: two or more tickets breached in 30 days, or satisfaction under 3; at risk: any recent
    breach, satisfaction under 4, or more than two open tickets; good otherwise."""
    if breaches_30d >= 2 or (csat is not None and csat < 3):
        return "poor"
    if breaches_30d or (csat is not None and csat < 4) or open_tickets > 2:
        return "at_risk"
    return "good"


async def accounts_needing_attention(uow: UnitOfWork, account_ids: list[str], now: datetime) -> list[dict]:
    """Of these accounts, those with an open ticket or an SLA breach in the last 7 days."""
    if not account_ids:
        return []
    since = now - timedelta(days=7)
    found = await uow.session.execute(
        select(
            AccountTicket.account_id,
            func.sum(case((AccountTicket.is_open, 1), else_=0)),
            func.max(AccountTicket.last_breach_at),
        )
        .where(AccountTicket.account_id.in_(account_ids))
        .group_by(AccountTicket.account_id)
    )
    rows = []
    for account_id, open_count, last_breach in found.all():
        recent = last_breach is not None and aware(last_breach) >= since
        if open_count or recent:
            rows.append(
                {
                    "account_id": account_id,
                    "open_tickets": int(open_count or 0),
                    "last_breach_at": aware(last_breach) if last_breach else None,
                }
            )
    return rows
