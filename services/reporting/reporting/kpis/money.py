"""Rep KPIs' money in the base currency when some deals or orders are in another currency.

The counters sum amounts without their currency, so then the won and ordered amounts come from the
facts (revenue/queries.py): a deal converted at the rate in effect when first won, an order when first
placed; what has no rate then is reported per currency in `unconverted`. Targets (quotas) in another
currency are converted at the rate in effect when their year starts (else the latest known), as
`/reports/targets` converts them.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from reporting.opportunities.queries import load_facts
from reporting.period import ALWAYS, Period
from reporting.rates import Rates
from reporting.revenue.domain import summarize, won_sales
from reporting.revenue.queries import revenue_as_of


async def converted_sales(uow: UnitOfWork, principal: Principal, at: datetime, team_id: str | None,
                          period: Period, default_base: str) -> tuple[dict, list[dict], dict]:
    """({owner: won amount}, ordered rows by owner, {"won": unconverted, "ordered": unconverted}) as of
    `at`."""
    sold = await revenue_as_of(uow=uow, principal=principal, as_of=at, group_by="owner", team_id=team_id,
                               period=period or ALWAYS, default_base=default_base)
    won = {row["key"]: Decimal(row["amount"]) for row in sold["won"]["rows"]}
    unconverted = {kind: sold[kind]["total"]["unconverted"] for kind in ("won", "ordered")}
    return won, sold["ordered"]["rows"], unconverted


async def won_in_year(uow: UnitOfWork, at: datetime, owners: set[str],
                      rates: Rates) -> dict[str | None, Decimal]:
    """What these owners won (first won) in the year of `at`, as of `at`, in the base currency."""
    sales = [sale for sale in won_sales(await load_facts(uow, at), lambda fact: fact.owner_id in owners)
             if sale.at.year == at.year]
    return {row["key"]: Decimal(row["amount"]) for row in summarize(sales, "owner", rates)["rows"]}


def target_in_base(amounts: list[tuple[Decimal, str | None]], rates: Rates, at: datetime) -> Decimal | None:
    """The sum of the yearly quota amounts of the year of `at` in the base currency, each at the rate in
    effect when the year starts, as `/reports/targets` values them (`Rates.target_value`); None when one
    has no rate at all."""
    total = Decimal(0)
    for amount, currency in amounts:
        value = rates.target_value(amount, currency, datetime(at.year, 1, 1))
        if value is None:
            return None
        total += value
    return total


def group_targets(rows) -> dict[str, list[tuple[Decimal, str | None]]]:
    """{user_id: [(amount, currency)]} of the yearly quotas."""
    found: dict[str, list] = defaultdict(list)
    for user_id, amount, currency in rows:
        found[user_id].append((amount, currency))
    return found
