"""Service answers: the ticket facts known at a date, as the caller may see them."""

from datetime import datetime
from typing import Literal

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.accounts import load_accounts
from reporting.models import TicketFact as TicketFactRow
from reporting.period import ALWAYS, Period
from reporting.service.figures import TicketFact, service_figures
from reporting.service.sums import service_from_counters
from reporting.versions import utc_naive

ServiceGroupBy = Literal["agent", "queue", "channel", "priority", "none"]
_FIELDS = [TicketFactRow.__table__.c[name] for name in TicketFact.__dataclass_fields__]


async def service_figures_as_of(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, group_by: ServiceGroupBy = "none",
    queue_id: str | None = None, channel: str | None = None, account: dict[str, str | None] | None = None,
    period: Period = ALWAYS, assignee_id: str | None = None,
) -> dict:
    """Backlog, response and resolution times, SLA compliance and CSAT as they stood at `as_of`;
    `account` filters on the customer's region, industry and size; `period` keeps the tickets opened in it."""
    at = utc_naive(as_of)
    wanted = {name: value for name, value in (account or {}).items() if value is not None}
    if not wanted and not period:  # the counters know no customer nor opening: those fold the facts
        figures = await service_from_counters(uow=uow, principal=principal, at=at, group_by=group_by,
                                              queue_id=queue_id, channel=channel, assignee_id=assignee_id)
        return {"as_of": at.isoformat() + "Z", **figures}
    # every fact of a ticket carries its opening time: the period picks them through its index
    statement = select(*_FIELDS).where(TicketFactRow.occurred_at <= at,
                                       *period.conditions(TicketFactRow.opened_at))
    facts = [TicketFact(**row._mapping) for row in await uow.session.execute(statement)]

    cards = await load_accounts(uow) if wanted else {}

    def visible(fact: TicketFact) -> bool:
        card = cards.get(fact.account_id or "")
        customer = not wanted or (card is not None and all(getattr(card, k) == v for k, v in wanted.items()))
        return (customer and can_see(principal, fact.assignee_id) and queue_id in (None, fact.queue_id)
                and channel in (None, fact.channel) and assignee_id in (None, fact.assignee_id))

    return {"as_of": at.isoformat() + "Z", **service_figures(facts, visible, group_by)}
