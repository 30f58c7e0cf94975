"""Revenue and per-rep sales as of X from the sale counters (opportunities/counters.py,
revenue/order_counters.py)."""

from datetime import datetime
from decimal import Decimal

from crm_shared.auth import Principal
from crm_shared.messaging.uow import UnitOfWork
from reporting.counter_sums import sums_as_of
from reporting.opportunities.counters import SPEC
from reporting.opportunities.sums import owned
from reporting.revenue.domain import period_key, summarize_totals

GROUPS = {"owner": "owner_id", "team": "team_id"}
COUNTED = frozenset({"owner", "team", "month", "quarter", "year"})  # what the counters can group by


async def sales_per_group(uow: UnitOfWork, principal: Principal, at: datetime, group_by: str, *,
                          owner_id: str | None = None, team_id: str | None = None,
                          measures: tuple[str, ...] = ("won", "ordered"),
                          months: tuple[str | None, str | None] = (None, None)) -> dict[str, dict]:
    """{measure: {group: [count, amount]}} of the deals won and the orders placed, as of `at`; `months`
    ("YYYY-MM" or None each) keeps those first won or placed in [first, last) month."""
    first, stop = months

    def on_key(table) -> list:
        conditions = [table.c.measure.in_(measures)]
        if first is not None:
            conditions.append(table.c.label >= first)
        if stop is not None:
            conditions.append(table.c.label < stop)
        return conditions

    sums = await sums_as_of(uow, SPEC, at, group=GROUPS.get(group_by),
                            on_groups=owned(principal, owner_id, team_id), on_key=on_key)
    found: dict[str, dict] = {measure: {} for measure in measures}
    for (group, measure, _stage, label, _value), (n, cents, _micros) in sums.items():
        key = group if group_by in GROUPS else period_key(label, group_by)
        into = found[measure].setdefault(key, [0, Decimal(0)])
        into[0] += n
        into[1] += Decimal(cents).scaleb(-2)
    return found


async def revenue_from_counters(*, uow: UnitOfWork, principal: Principal, at: datetime, group_by: str,
                                owner_id: str | None, team_id: str | None,
                                months: tuple[str | None, str | None] = (None, None)) -> dict:
    """The same answer as summarizing the won and ordered sales known at `at` (naive UTC)."""
    found = await sales_per_group(uow, principal, at, group_by, owner_id=owner_id, team_id=team_id,
                                  months=months)
    return {kind: summarize_totals(found[kind], group_by) for kind in ("won", "ordered")}
