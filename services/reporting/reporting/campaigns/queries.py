"""Campaign ROI as of a date: cost against the leads captured and converted and the deals won."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from reporting.campaigns.models import CampaignCard, DealOrigin
from reporting.leads.queries import FunnelQuery, lead_funnel
from reporting.models import LeadCard, OpportunityFact
from reporting.period import ALWAYS, Period, among
from reporting.versions import utc_naive


async def campaign_roi(*, uow: UnitOfWork, principal: Principal, as_of: datetime,
                       period: Period = ALWAYS) -> dict:
    """Per campaign (named by leads, costed by its snapshot): cost, leads captured and converted, deals
    won and their amount in the campaign's currency, cost per lead, cost per won deal, and ROI. `period`
    keeps the leads captured and the deals first won in it (the cost stays the campaign's whole cost)."""
    at = utc_naive(as_of)
    query = FunnelQuery(as_of=at, group_by="campaign", captured_from=period.start, captured_to=period.end)
    funnel = await lead_funnel(uow=uow, principal=principal, query=query)
    leads = {row["key"]: row for row in funnel["rows"] if row["key"]}
    costs: dict[str, tuple[Decimal, str, str | None]] = {}
    for card in (await uow.session.execute(select(CampaignCard).order_by(CampaignCard.version))).scalars():
        costs[card.name] = (card.cost, card.currency, card.channel)  # one name, one campaign: the newest
    won = await _won_per_campaign(uow, at, period)
    rows = [_row(name, costs.get(name), leads.get(name), won.get(name, {}))
            for name in sorted(set(costs) | set(leads) | set(won))]
    return {"as_of": at.isoformat() + "Z", "rows": rows}


def _row(name: str, cost: tuple | None, funnel: dict | None, won: dict[str, list]) -> dict:
    amount, currency, channel = cost if cost else (None, None, None)
    captured = funnel["captured"] if funnel else 0
    converted = funnel["converted"] if funnel else 0
    deals = sum(count for count, _ in won.values())
    in_currency = won.get(currency, [0, Decimal(0)]) if currency else [0, Decimal(0)]
    return {
        "campaign": name, "channel": channel,
        "cost": None if amount is None else str(amount), "currency": currency,
        "leads": captured, "converted": converted,
        "conversion_rate": round(converted / captured, 4) if captured else None,
        "won_deals": deals, "won_amount": str(in_currency[1]),
        "won_in_other_currencies": deals - in_currency[0],  # not added to an amount in another currency
        "cost_per_lead": _ratio(amount, captured), "cost_per_won_deal": _ratio(amount, in_currency[0]),
        "roi": (None if not amount else
                str(((in_currency[1] - amount) / amount).quantize(Decimal("0.0001")))),
    }


def _first_won_in(uow: UnitOfWork, period: Period, at: datetime):
    """The deals first won in the period, as known by `at`: those with a won fact in it (through the index
    on the facts' event time) whose earliest won fact is in it."""
    won = OpportunityFact.status == "won"
    candidates = select(OpportunityFact.opportunity_id).where(
        won, OpportunityFact.occurred_at <= at, *period.conditions(OpportunityFact.occurred_at))
    return (select(OpportunityFact.opportunity_id)
            .where(won, OpportunityFact.occurred_at <= at,
                   among(uow, OpportunityFact.opportunity_id, candidates))
            .group_by(OpportunityFact.opportunity_id)
            .having(*period.conditions(func.min(OpportunityFact.occurred_at))))


def _ratio(amount: Decimal | None, count: int) -> str | None:
    return None if amount is None or not count else str((amount / count).quantize(Decimal("0.01")))


async def _won_per_campaign(uow: UnitOfWork, at: datetime, period: Period) -> dict[str, dict[str, list]]:
    """Deals opened from a lead and won as of `at` (their latest snapshot by then), first won in the
    period, per the lead's campaign and the deal's currency: [count, amount]."""
    latest = (
        select(OpportunityFact.opportunity_id, func.max(OpportunityFact.version).label("version"))
        .join(DealOrigin, DealOrigin.opportunity_id == OpportunityFact.opportunity_id)
        .where(OpportunityFact.occurred_at <= at)
        .group_by(OpportunityFact.opportunity_id)
    )
    if period:
        latest = latest.where(among(uow, OpportunityFact.opportunity_id, _first_won_in(uow, period, at)))
    latest = latest.subquery()
    query = (
        select(LeadCard.campaign, OpportunityFact.currency, func.count(), func.sum(OpportunityFact.amount))
        .join(latest, (OpportunityFact.opportunity_id == latest.c.opportunity_id)
              & (OpportunityFact.version == latest.c.version))
        .join(DealOrigin, DealOrigin.opportunity_id == OpportunityFact.opportunity_id)
        .join(LeadCard, LeadCard.lead_id == DealOrigin.lead_id)
        .where(OpportunityFact.status == "won", LeadCard.campaign.is_not(None))
        .group_by(LeadCard.campaign, OpportunityFact.currency)
    )
    won: dict[str, dict[str, list]] = {}
    for campaign, currency, count, amount in await uow.session.execute(query):
        won.setdefault(campaign, {})[currency] = [count, Decimal(amount or 0)]
    return won
