"""Revenue rules, no I/O: sales (won deals, orders) summed by rep, team or period, with shares and changes."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from reporting.opportunities.funnel import Fact
from reporting.rates import CENT, DEFAULT_BASE, Rates

PERIODS = {"month": 12, "quarter": 4, "year": 1}
ACCOUNT_GROUPS = ("region", "industry", "size", "product")
ORIGIN_GROUPS = ("source", "campaign")  # of the lead the sale's deal was opened from


@dataclass(frozen=True)
class Sale:
    """One won deal or one order: who, when (won or placed) and how much."""

    owner_id: str | None
    team_id: str | None
    at: datetime
    amount: Decimal
    account_id: str | None = None
    region: str | None = None  # the customer account's, where known
    industry: str | None = None
    size: str | None = None
    event_id: str | None = None  # the snapshot that holds its product lines
    product: str | None = None  # set on a per-product share of the sale
    currency: str | None = None  # None: the base currency
    opportunity_id: str | None = None  # the won deal, or the deal the order came from
    source: str | None = None  # of the lead that deal was opened from, where known
    campaign: str | None = None


def won_sales(facts: Iterable[Fact], visible: Callable[[Fact], bool]) -> list[Sale]:
    """Deals whose latest state is won, dated by when they were first won, at their latest amount."""
    history: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        history[fact.opportunity_id].append(fact)
    sales = []
    for deal in history.values():
        latest = max(deal, key=lambda f: f.version)
        if latest.status == "won" and visible(latest):
            won_at = min((f for f in deal if f.status == "won"), key=lambda f: f.version).occurred_at
            sales.append(Sale(latest.owner_id, latest.team_id, won_at, latest.amount, latest.account_id,
                              event_id=latest.event_id, currency=latest.currency,
                              opportunity_id=latest.opportunity_id))
    return sales


def with_origins(sales: Iterable[Sale], origins: dict[str, tuple[str | None, str | None]],
                 wanted: dict[str, str]) -> list[Sale]:
    """The sales with the source and campaign of their deal's lead (`origins`: {deal: (source, campaign)}),
    keeping those matching `wanted`. A deal opened from no lead, or an order from no deal, has neither:
    it matches no source or campaign asked and groups under the null key."""
    kept = []
    for sale in sales:
        source, campaign = origins.get(sale.opportunity_id or "", (None, None))
        sale = replace(sale, source=source, campaign=campaign)
        if all(getattr(sale, name) == value for name, value in wanted.items()):
            kept.append(sale)
    return kept


def in_base(sale: Sale, rates: Rates) -> Sale | None:
    """The sale with its amount in the base currency at the rate in effect when it is dated (`Sale.at`),
    rounded to the cent (half up); None when its currency has no rate then."""
    if sale.currency in (None, rates.base):
        return sale
    period = rates.period(sale.currency, sale.at)
    if period < 0:
        return None
    amount = (sale.amount * rates.rate(sale.currency, period)).quantize(CENT, ROUND_HALF_UP)
    return replace(sale, amount=amount, currency=rates.base)


def summarize(sales: Iterable[Sale], group_by: str, rates: Rates | None = None) -> dict:
    """Count, amount and share of the total per group; per period also the change against the period
    before and the same period a year before.

    Amounts are in the base currency of `rates`: each sale converted with the rate in effect at the time
    it is dated with (`Sale.at`), summed per currency and rate first. A sale in a currency without a rate
    then is left out of the counts and amounts and shown in `total.unconverted` per currency."""
    rates = rates or Rates(DEFAULT_BASE, {})
    groups: dict[str | None, list] = defaultdict(lambda: [0, rates.converter()])
    aside = rates.converter()
    for sale in sales:
        into = groups[_key(sale, group_by)]
        if into[1].add(sale.amount, sale.currency, sale.at):
            into[0] += 1
        else:
            aside.add(sale.amount, sale.currency, sale.at)
    totals = {key: [count, found.total()] for key, (count, found) in groups.items() if count}
    return summarize_totals(totals, group_by, aside.unconverted())


def summarize_totals(totals: dict[str | None, list], group_by: str,
                     unconverted: dict[str, Decimal] | None = None) -> dict:
    """`summarize` of the sales already counted and summed per group: {key: [count, amount]}, amounts in
    the base currency; `unconverted`: {currency: amount} of those that could not be converted."""
    grand = sum((amount for _, amount in totals.values()), Decimal(0))
    rows = []
    for key, (count, amount) in sorted(totals.items(), key=lambda item: (item[0] is None, item[0] or "")):
        row = {"key": key, "count": count, "amount": str(amount),
               "share": round(float(amount / grand), 4) if grand else None}
        if group_by in PERIODS and key is not None:
            row["vs_previous"] = _change(amount, totals.get(_shift(key, group_by, 1)))
            row["vs_year_before"] = _change(amount, totals.get(_shift(key, group_by, PERIODS[group_by])))
        rows.append(row)
    return {"rows": rows, "total": {"count": sum(c for c, _ in totals.values()), "amount": str(grand),
                                    "unconverted": {c: str(a) for c, a in (unconverted or {}).items()}}}


def period_key(month: str, group_by: str) -> str:
    """The period ("YYYY-MM", "YYYY-Qn" or "YYYY") holding a month given as "YYYY-MM"."""
    year, number = month.split("-")
    if group_by == "month":
        return month
    return f"{year}-Q{(int(number) - 1) // 3 + 1}" if group_by == "quarter" else year


def _key(sale: Sale, group_by: str) -> str | None:
    if group_by == "owner":
        return sale.owner_id
    if group_by == "team":
        return sale.team_id
    if group_by in ACCOUNT_GROUPS or group_by in ORIGIN_GROUPS:
        return getattr(sale, group_by)
    if group_by == "month":
        return f"{sale.at.year:04d}-{sale.at.month:02d}"
    if group_by == "quarter":
        return f"{sale.at.year:04d}-Q{(sale.at.month - 1) // 3 + 1}"
    return f"{sale.at.year:04d}"


def _shift(key: str, group_by: str, back: int) -> str:
    """The period `back` periods before `key`."""
    if group_by == "year":
        return f"{int(key) - back:04d}"
    year, part = key.split("-")
    index = int(year) * PERIODS[group_by] + (int(part.lstrip("Q")) - 1) - back
    year, part = divmod(index, PERIODS[group_by])
    return f"{year:04d}-{part + 1:02d}" if group_by == "month" else f"{year:04d}-Q{part + 1}"


def _change(amount: Decimal, before: list | None) -> float | None:
    if not before or not before[1]:
        return None
    return round(float((amount - before[1]) / before[1]), 4)
