"""Revenue answers: won deals and orders known at a date, as the caller may see them."""

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.accounts import load_accounts
from reporting.models import OpportunityFact, OrderFact
from reporting.opportunities.origin import from_leads, lead_origins
from reporting.opportunities.queries import load_facts, visibility
from reporting.period import ALWAYS, Period, among
from reporting.rates import DEFAULT_BASE, foreign_amounts, rates_as_of
from reporting.revenue.domain import ORIGIN_GROUPS, Sale, summarize, with_origins, won_sales
from reporting.revenue.lines import by_product
from reporting.revenue.orders import NOT_SOLD, OrderState, ordered_sales
from reporting.revenue.sums import COUNTED, revenue_from_counters
from reporting.versions import utc_naive

_ORDER_FIELDS = [OrderFact.__table__.c[name] for name in OrderState.__dataclass_fields__]


async def revenue_as_of(
    *, uow: UnitOfWork, principal: Principal, as_of: datetime, group_by: str, owner_id: str | None = None,
    team_id: str | None = None, account: dict[str, str | None] | None = None, period: Period = ALWAYS,
    origin: dict[str, str | None] | None = None, default_base: str = DEFAULT_BASE,
) -> dict:
    """Won and ordered revenue by rep, team, period, product, the customer's region, industry or size, or
    the lead source and campaign, as it stood at `as_of` (event time); `account` filters on the customer's
    and the product (a product filter keeps that product's share of each sale), `origin` on the `source`
    and `campaign` of the lead the deal was opened from (a won deal's own, an order's deal's: an order
    from no deal has none). `period` keeps the deals first won and the orders first placed in it.

    Amounts are in the base currency (`currency`): a won deal converted with the rate in effect when it
    was first won, an order with the rate in effect when it was first placed, among the rates known at
    `as_of`; those without a rate then are in `total.unconverted` of each kind instead."""
    at = utc_naive(as_of)
    wanted = {name: value for name, value in (account or {}).items() if value is not None}
    origin = {name: value for name, value in (origin or {}).items() if value is not None}
    months = period.months()  # the counters label each sale with its month: they answer whole months
    rates = await rates_as_of(uow, at, default_base)
    head = {"as_of": at.isoformat() + "Z", "group_by": group_by, "currency": rates.base}
    # the counters sum amounts without their currency: they answer when every sale is in the base one; they
    # know no customer, product or lead origin either: those answers fold the facts
    if (group_by in COUNTED and not wanted and not origin and months is not None
            and not await foreign_amounts(uow, rates.base)):
        sales = await revenue_from_counters(uow=uow, principal=principal, at=at, group_by=group_by,
                                            owner_id=owner_id, team_id=team_id, months=months)
        return {**head, **sales}
    won_in = _sold_in(OpportunityFact.opportunity_id, OpportunityFact, OpportunityFact.status == "won",
                      period, at)
    leads = from_leads(origin.get("source"), origin.get("campaign"))  # the deals from such leads, or None
    won = won_sales(await load_facts(uow, at, ids=[won_in, leads]), visibility(principal, owner_id, team_id))
    statement = select(*_ORDER_FIELDS).where(OrderFact.occurred_at <= at)
    if leads is not None:  # every fact of the orders from those deals (their latest snapshot decides)
        from_deals = select(OrderFact.order_id).where(among(uow, OrderFact.opportunity_id, leads))
        statement = statement.where(among(uow, OrderFact.order_id, from_deals))
    if period:
        placed_in = _sold_in(OrderFact.order_id, OrderFact, OrderFact.status.not_in(NOT_SOLD), period, at)
        statement = statement.where(among(uow, OrderFact.order_id, placed_in))
    states = [OrderState(**row._mapping) for row in await uow.session.execute(statement)]

    def visible(state: OrderState) -> bool:
        return (can_see(principal, state.owner_id, state.team_id)
                and owner_id in (None, state.owner_id) and team_id in (None, state.team_id))

    ordered = ordered_sales(states, visible)
    if period:  # the candidates had a sold fact in the period; keep those first sold in it
        won, ordered = ([sale for sale in part if period.holds(sale.at)] for part in (won, ordered))
    if origin or group_by in ORIGIN_GROUPS:
        origins = await lead_origins(uow, (sale.opportunity_id for sale in [*won, *ordered]))
        won, ordered = (with_origins(part, origins, origin) for part in (won, ordered))
    if wanted.get("product") or group_by == "product":
        won, ordered = await by_product(uow, won), await by_product(uow, ordered)
    if wanted or group_by in ("region", "industry", "size"):
        cards = await load_accounts(uow)
        won, ordered = (_with_accounts(part, cards, wanted) for part in (won, ordered))
    return {**head, "won": summarize(won, group_by, rates), "ordered": summarize(ordered, group_by, rates)}


def _sold_in(id_column, table, sold, period: Period, at: datetime):
    """The ids with a sold fact in the period, known by `at` (None without a period): a superset of those
    first sold in it, found through the index on the facts' event time."""
    if not period:
        return None
    return select(id_column).where(sold, table.occurred_at <= at, *period.conditions(table.occurred_at))


def _with_accounts(sales: list[Sale], cards: dict, wanted: dict[str, str]) -> list[Sale]:
    """The sales with their customer's region, industry and size, keeping those matching `wanted`."""
    kept = []
    for sale in sales:
        card = cards.get(sale.account_id)
        sale = replace(sale, region=card.region, industry=card.industry, size=card.size) if card else sale
        if all(getattr(sale, name) == value for name, value in wanted.items()):
            kept.append(sale)
    return kept
