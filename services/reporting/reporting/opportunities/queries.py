"""Opportunity funnel answers: the facts known at a date, as the caller may see them."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.accounts import load_accounts
from reporting.models import OpportunityFact
from reporting.opportunities.funnel import Fact, opportunity_funnel
from reporting.opportunities.origin import from_leads, snapshots_selling, with_product
from reporting.opportunities.sums import funnel_from_counters
from reporting.period import ALWAYS, Period, among
from reporting.rates import DEFAULT_BASE, foreign_amounts, rates_as_of
from reporting.versions import utc_naive

_FIELDS = [OpportunityFact.__table__.c[name] for name in Fact.__dataclass_fields__]


async def load_facts(uow: UnitOfWork, at: datetime, pipeline_id: str | None = None, ids=None) -> list[Fact]:
    """Every opportunity fact that had happened by `at` (naive UTC); of the opportunities `ids` (a select
    of opportunity ids, or a list of them: those in each) only, when given."""
    statement = select(*_FIELDS).where(OpportunityFact.occurred_at <= at)
    if pipeline_id is not None:
        statement = statement.where(OpportunityFact.pipeline_id == pipeline_id)
    for chosen in ids if isinstance(ids, list) else [ids]:
        if chosen is not None:
            statement = statement.where(among(uow, OpportunityFact.opportunity_id, chosen))
    return [Fact(**row._mapping) for row in await uow.session.execute(statement)]


def visibility(principal: Principal, owner_id: str | None, team_id: str | None) -> Callable[[Fact], bool]:
    """Whether the caller may see a deal in the state a fact shows, and it matches the filters."""

    def visible(fact: Fact) -> bool:
        return (can_see(principal, fact.owner_id, fact.team_id)
                and owner_id in (None, fact.owner_id) and team_id in (None, fact.team_id))

    return visible


def active_in(period: Period, at: datetime):
    """The opportunities with a fact in the period known by `at` (None without a period): a superset of
    those created in it (their first fact is in it), found through the index on the facts' event time."""
    if not period:
        return None
    return select(OpportunityFact.opportunity_id).where(OpportunityFact.occurred_at <= at,
                                                        *period.conditions(OpportunityFact.occurred_at))


def created_in(facts: list[Fact], period: Period) -> list[Fact]:
    """The facts of the opportunities whose first fact is in the period."""
    created: dict[str, datetime] = {}
    for fact in facts:
        first = created.get(fact.opportunity_id)
        if first is None or fact.occurred_at < first:
            created[fact.opportunity_id] = fact.occurred_at
    return [fact for fact in facts if period.holds(created[fact.opportunity_id])]


async def opportunity_funnel_as_of(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, pipeline_id: str | None = None,
    owner_id: str | None = None, team_id: str | None = None, account: dict[str, str | None] | None = None,
    period: Period = ALWAYS, origin: dict[str, str | None] | None = None, default_base: str = DEFAULT_BASE,
) -> dict:
    """The funnel as it stood at `as_of` (event time); filters apply to each opportunity's state then,
    `account` to its customer's region, industry and size; `period` keeps the opportunities created (their
    first fact) in it; `origin` those opened from a lead of a `source` and `campaign`, and those whose
    latest snapshot sells a `product`. Amounts are in the base currency (`currency`): see
    `opportunity_funnel` for the rate each is converted with."""
    at = utc_naive(as_of)
    wanted = {name: value for name, value in (account or {}).items() if value is not None}
    origin = {name: value for name, value in (origin or {}).items() if value is not None}
    rates = await rates_as_of(uow, at, default_base)
    head = {"as_of": at.isoformat() + "Z", "currency": rates.base}
    if (pipeline_id is None and not wanted and not period and not origin  # the counters know no pipeline,
            and not await foreign_amounts(uow, rates.base)):  # customer, creation, origin, currency
        funnel = await funnel_from_counters(uow=uow, principal=principal, at=at,
                                            owner_id=owner_id, team_id=team_id)
        return {**head, **funnel}
    chosen = [active_in(period, at), from_leads(origin.get("source"), origin.get("campaign")),
              with_product(origin.get("product"))]
    facts = await load_facts(uow, at, pipeline_id, ids=chosen)
    if period:
        facts = created_in(facts, period)
    visible = visibility(principal, owner_id, team_id)
    if origin.get("product"):
        selling, owned = await snapshots_selling(uow, origin["product"]), visible

        def visible(fact: Fact) -> bool:
            return owned(fact) and fact.event_id in selling
    if wanted:
        cards, seen = await load_accounts(uow), visible

        def visible(fact: Fact) -> bool:
            card = cards.get(fact.account_id or "")
            return seen(fact) and card is not None and all(getattr(card, k) == v for k, v in wanted.items())

    funnel = opportunity_funnel(facts, visible, rates)
    return {**head, **funnel}

