"""Revenue answers: won deals and orders known at a date, as the caller may see them."""

from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.models import OrderFact
from reporting.opportunities.queries import load_facts, visibility
from reporting.revenue.domain import summarize, won_sales
from reporting.revenue.orders import OrderState, ordered_sales
from reporting.versions import utc_naive

_ORDER_FIELDS = [OrderFact.__table__.c[name] for name in OrderState.__dataclass_fields__]


async def revenue_as_of(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, group_by: str, owner_id: str | None = None,
    team_id: str | None = None,
) -> dict:
    """Won and ordered revenue by rep, team or period as it stood at `as_of` (event time)."""
    at = utc_naive(as_of)
    won = won_sales(await load_facts(uow, at), visibility(principal, owner_id, team_id))
    statement = select(*_ORDER_FIELDS).where(OrderFact.occurred_at <= at)
    states = [OrderState(**row._mapping) for row in await uow.session.execute(statement)]

    def visible(state: OrderState) -> bool:
        return (can_see(principal, state.owner_id, state.team_id)
                and owner_id in (None, state.owner_id) and team_id in (None, state.team_id))

    return {"as_of": at.isoformat() + "Z", "group_by": group_by,
            "won": summarize(won, group_by), "ordered": summarize(ordered_sales(states, visible), group_by)}
