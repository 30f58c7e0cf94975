"""Opportunity funnel answers: the facts known at a date, as the caller may see them."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.accounts import load_accounts
from reporting.models import OpportunityFact
from reporting.opportunities.funnel import Fact, opportunity_funnel
from reporting.opportunities.sums import funnel_from_counters
from reporting.versions import utc_naive

_FIELDS = [OpportunityFact.__table__.c[name] for name in Fact.__dataclass_fields__]


async def load_facts(uow: UnitOfWork, at: datetime, pipeline_id: str | None = None) -> list[Fact]:
    """Every opportunity fact that had happened by `at` (naive UTC)."""
    statement = select(*_FIELDS).where(OpportunityFact.occurred_at <= at)
    if pipeline_id is not None:
        statement = statement.where(OpportunityFact.pipeline_id == pipeline_id)
    return [Fact(**row._mapping) for row in await uow.session.execute(statement)]


def visibility(principal: Principal, owner_id: str | None, team_id: str | None) -> Callable[[Fact], bool]:
    """Whether the caller may see a deal in the state a fact shows, and it matches the filters."""

    def visible(fact: Fact) -> bool:
        return (can_see(principal, fact.owner_id, fact.team_id)
                and owner_id in (None, fact.owner_id) and team_id in (None, fact.team_id))

    return visible


async def opportunity_funnel_as_of(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, pipeline_id: str | None = None,
    owner_id: str | None = None, team_id: str | None = None, account: dict[str, str | None] | None = None,
) -> dict:
    """The funnel as it stood at `as_of` (event time); filters apply to each opportunity's state then,
    `account` to its customer's region, industry and size."""
    at = utc_naive(as_of)
    wanted = {name: value for name, value in (account or {}).items() if value is not None}
    if pipeline_id is None and not wanted:  # the counters know no pipeline or customer: those fold facts
        funnel = await funnel_from_counters(uow=uow, principal=principal, at=at, owner_id=owner_id,
                                            team_id=team_id)
        return {"as_of": at.isoformat() + "Z", **funnel}
    facts = await load_facts(uow, at, pipeline_id)
    visible = visibility(principal, owner_id, team_id)
    if wanted:
        cards, seen = await load_accounts(uow), visible

        def visible(fact: Fact) -> bool:
            card = cards.get(fact.account_id or "")
            return seen(fact) and card is not None and all(getattr(card, k) == v for k, v in wanted.items())

    funnel = opportunity_funnel(facts, visible)
    return {"as_of": at.isoformat() + "Z", **funnel}

