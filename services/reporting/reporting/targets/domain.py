"""Target and forecast rules, no I/O: attainment, period-end projections, weighted forecast by category.

Money is in the base currency of the rates given: sales at the rate of their time (`in_base`), open deals
at the rate of the answer's date (`deal_in_base`), a quota at the rate of its period's start
(`quota_in_base`). What has no rate is left out of the sums and listed per currency by the callers.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from reporting.rates import CENT, Rates
from reporting.revenue.domain import Sale

CATEGORIES = ("closed", "commit", "best_case", "pipeline", "omitted")
UNSCHEDULED = "unscheduled"


@dataclass(frozen=True)
class Quota:
    """A target of one user (user_id) or one team (team_id) over [starts_on, ends_on]."""

    quota_id: str
    user_id: str | None
    team_id: str | None
    period: str
    starts_on: date
    ends_on: date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Deal:
    """An opportunity's latest state at the answer's date."""

    opportunity_id: str
    owner_id: str | None
    team_id: str | None
    status: str
    probability: int
    forecast_category: str
    amount: Decimal
    expected_close_date: date | None
    currency: str | None = None  # None: the base currency

    @property
    def in_pipeline(self) -> bool:
        """Still open and not left out of the forecast."""
        return self.status == "open" and self.forecast_category != "omitted"

    @property
    def weighted(self) -> Decimal:
        """The amount weighted by the stage probability."""
        return self.amount * self.probability / 100


def deal_in_base(deal: Deal, rates: Rates, at: datetime) -> Deal | None:
    """The deal with its amount in the base currency at the rate in effect at `at` (naive UTC, the
    answer's `as_of`), rounded to the cent half up; None when its currency has no rate then.

    An open deal is not sold yet, so it is worth what its amount is worth today: not the rate of when it
    was opened or last changed (a won deal is a sale: `in_base` at the rate of when it was won)."""
    if deal.currency in (None, rates.base):
        return deal
    period = rates.period(deal.currency, at)
    if period < 0:
        return None
    amount = (deal.amount * rates.rate(deal.currency, period)).quantize(CENT, ROUND_HALF_UP)
    return replace(deal, amount=amount, currency=rates.base)


def deals_in_base(deals: Iterable[Deal], rates: Rates, at: datetime,
                  listed: Callable[[Deal], bool]) -> tuple[list[Deal], dict[str, Decimal]]:
    """The deals converted by `deal_in_base`, and {currency: amount} of those without a rate at `at`
    that `listed` keeps (what the answer would have counted): left out of every figure, named instead."""
    kept, aside = [], defaultdict(Decimal)
    for deal in deals:
        converted = deal_in_base(deal, rates, at)
        if converted is not None:
            kept.append(converted)
        elif listed(deal):
            aside[deal.currency] += deal.amount
    return kept, dict(sorted(aside.items()))


def quota_in_base(quota: Quota, rates: Rates) -> Decimal | None:
    """The quota's target in the base currency, at the rate in effect when its period starts (midnight
    UTC of `starts_on`, `Rates.target_value`); None when its currency has no rate at all."""
    return rates.target_value(quota.amount, quota.currency, datetime.combine(quota.starts_on, time()))


def _covers(quota: Quota, owner_id: str | None, team_id: str | None) -> bool:
    return owner_id == quota.user_id if quota.user_id else team_id == quota.team_id


def projection(actual: Decimal, starts_on: date, ends_on: date, today: date) -> tuple[float, Decimal | None]:
    """The share of the period gone by `today` (whole days, today included) and the run-rate projection
    to the period's end (what was sold so far, scaled to the whole period; None before it starts)."""
    total = (ends_on - starts_on).days + 1
    elapsed = max(0, min(total, (today - starts_on).days + 1))
    if not elapsed:
        return 0.0, None
    return round(elapsed / total, 4), (actual * total / elapsed).quantize(Decimal("0.01"))


def attainment(quota: Quota, sales: Iterable[Sale], deals: Iterable[Deal], today: date, rates: Rates) -> dict:
    """What the quota's user or team sold in its period, against the target; where it is heading at the
    current pace, and with the weighted open pipeline (not "omitted") expected to close in the period.

    `sales` and `deals` are in the base currency already; the target is converted by `quota_in_base`.
    The row's `currency` is the target's: the base one, or the quota's own when it has no rate, and then
    every attainment is null with a `reason` (money in two currencies is never divided)."""
    target = quota_in_base(quota, rates)
    actual = sum((s.amount for s in sales if _covers(quota, s.owner_id, s.team_id)
                  and quota.starts_on <= s.at.date() <= quota.ends_on), Decimal(0))
    pipeline = sum((d.weighted for d in deals
                    if d.in_pipeline and _covers(quota, d.owner_id, d.team_id) and d.expected_close_date
                    and quota.starts_on <= d.expected_close_date <= quota.ends_on), Decimal(0))
    elapsed, run_rate = projection(actual, quota.starts_on, quota.ends_on, today)
    with_pipeline = actual + pipeline
    return {"quota_id": quota.quota_id, "user_id": quota.user_id, "team_id": quota.team_id,
            "period": quota.period, "starts_on": quota.starts_on.isoformat(),
            "ends_on": quota.ends_on.isoformat(),
            "currency": quota.currency if target is None else rates.base,
            "target": str(quota.amount if target is None else target), "actual": str(actual),
            "attainment": _share(actual, target), "elapsed": elapsed,
            "projection": None if run_rate is None else str(run_rate),
            "projected_attainment": None if run_rate is None else _share(run_rate, target),
            "weighted_pipeline": str(pipeline.quantize(Decimal("0.01"))),
            "projection_with_pipeline": str(with_pipeline.quantize(Decimal("0.01"))),
            "attainment_with_pipeline": _share(with_pipeline, target),
            "quota_amount": str(quota.amount), "quota_currency": quota.currency,
            "reason": None if target is not None else
            f"no {quota.currency} rate to {rates.base} known: the target is not compared with sales"}


def year_end(sales: Sequence[Sale], deals: Sequence[Deal], today: date) -> dict:
    """This year so far, and where it ends at the current pace and with the weighted open pipeline (sales
    and deals in the base currency already)."""
    starts, ends = date(today.year, 1, 1), date(today.year, 12, 31)
    actual = sum((s.amount for s in sales if starts <= s.at.date() <= ends), Decimal(0))
    pipeline = sum((d.weighted for d in deals if d.in_pipeline and d.expected_close_date
                    and today <= d.expected_close_date <= ends), Decimal(0))
    elapsed, run_rate = projection(actual, starts, ends, today)
    return {"year": str(today.year), "actual": str(actual), "elapsed": elapsed,
            "projection": None if run_rate is None else str(run_rate),
            "weighted_pipeline": str(pipeline.quantize(Decimal("0.01"))),
            "projection_with_pipeline": str((actual + pipeline).quantize(Decimal("0.01")))}


def forecast(deals: Iterable[Deal], won: Iterable[Sale], group_by: str,
             visible: Callable[[str | None, str | None], bool]) -> dict:
    """Per period (of the expected close date; won deals by when they were won) and forecast category:
    count, amount and probability-weighted amount. Won deals are "closed" at full weight; open deals
    count in their own category; the total leaves out "omitted". Amounts are summed as they are: the
    caller gives them in one currency (`in_base`, `deals_in_base`)."""
    cells: dict[str, dict[str, list]] = defaultdict(
        lambda: {c: [0, Decimal(0), Decimal(0)] for c in CATEGORIES})
    for sale in won:
        if visible(sale.owner_id, sale.team_id):
            _add(cells[period_of(sale.at.date(), group_by)]["closed"], sale.amount, sale.amount)
    for deal in deals:
        if deal.status == "open" and visible(deal.owner_id, deal.team_id):
            category = deal.forecast_category if deal.forecast_category in CATEGORIES else "pipeline"
            _add(cells[period_of(deal.expected_close_date, group_by)][category], deal.amount, deal.weighted)
    rows = [{"period": period, "categories": {c: _cell(v) for c, v in categories.items()},
             "total": _total(categories)}
            for period, categories in sorted(cells.items(), key=lambda i: (i[0] == UNSCHEDULED, i[0]))]
    everything = {c: [sum(r[c][i] for r in cells.values()) for i in range(3)] for c in CATEGORIES}
    return {"group_by": group_by, "rows": rows,
            "total": {"categories": {c: _cell(v) for c, v in everything.items()},
                      "total": _total(everything)}}


def period_of(day: date | None, group_by: str) -> str:
    """The month ("2026-04"), quarter ("2026-Q2") or year ("2026") of a day."""
    if day is None:
        return UNSCHEDULED
    if group_by == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if group_by == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def _add(cell: list, amount: Decimal, weighted: Decimal) -> None:
    cell[0] += 1
    cell[1] += amount
    cell[2] += weighted


def _cell(cell: list) -> dict:
    return {"count": cell[0], "amount": str(Decimal(cell[1]).quantize(Decimal("0.01"))),
            "weighted": str(Decimal(cell[2]).quantize(Decimal("0.01")))}


def _total(categories: dict[str, list]) -> dict:
    kept = [v for c, v in categories.items() if c != "omitted"]
    return _cell([sum(v[0] for v in kept), sum((v[1] for v in kept), Decimal(0)),
                  sum((v[2] for v in kept), Decimal(0))])


def _share(part: Decimal, whole: Decimal | None) -> float | None:
    return round(float(part / whole), 4) if whole else None
