"""Exchange rates as reporting knows them (`sales.exchange-rate.set`), and money in the base currency.

A rate applies from its effective time until the next rate of the same currency; a rate set after
`as_of` is not known at `as_of`. Amounts are summed per currency and rate period first, then converted
(one multiplication per aggregate, rounded to the cent half up); an amount in a currency with no rate in
effect at its time is not added in but reported, unconverted, per currency.
"""

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select

from crm_shared.db import dialect_insert
from crm_shared.events.base import Event
from crm_shared.events.sales import ExchangeRateSetV1
from crm_shared.messaging.uow import UnitOfWork
from reporting.bulk import execute_many
from reporting.kinds import of_kind
from reporting.models import ExchangeRateFact
from reporting.versions import utc_naive, version_of

CENT = Decimal("0.01")
DEFAULT_BASE = "CNY"  # when no rate was ever set (settings: REPORTING_BASE_CURRENCY)


async def record_exchange_rates(*, uow: UnitOfWork, events: Sequence[Event]) -> None:
    """Store the rates set among `events` (insert-only: the history is kept)."""
    rows = [{"currency": e.currency, "event_id": e.id_text, "version": version_of(e),
             "effective_at": utc_naive(e.effective_at), "base_currency": e.base_currency, "rate": e.rate}
            for e in of_kind(events, ExchangeRateSetV1)]
    if rows:
        insert = dialect_insert(uow.session)(ExchangeRateFact.__table__).on_conflict_do_nothing()
        await execute_many(uow.session, insert, rows)


class Rates:
    """The rates known at one time: per currency, the (effective time, rate) history in order."""

    def __init__(self, base: str, history: dict[str, list[tuple[datetime, Decimal]]]):
        self.base = base
        self._times = {c: [t for t, _ in h] for c, h in history.items()}
        self._rates = {c: [r for _, r in h] for c, h in history.items()}

    def period(self, currency: str, at: datetime) -> int:
        """Which of the currency's rates is in effect at `at` (naive UTC): its index, or -1 if none."""
        return bisect_right(self._times.get(currency, ()), at) - 1

    def rate(self, currency: str, period: int) -> Decimal:
        """The rate of the currency numbered `period` (from `period`)."""
        return self._rates[currency][period]

    def target_value(self, amount: Decimal, currency: str | None, starts: datetime) -> Decimal | None:
        """A target's `amount` of `currency` in the base currency, at the rate in effect when its period
        `starts` (naive UTC), rounded to the cent half up: what was asked for a period is valued when the
        period began, so it does not move with the rate during the period. A period starting before the
        currency's first rate takes the latest rate known. None when the currency has no rate at all."""
        if currency in (None, self.base):
            return amount
        period = self.period(currency, starts)
        if period < 0:
            period = self.period(currency, datetime.max)
        if period < 0:
            return None
        return (amount * self.rate(currency, period)).quantize(CENT, ROUND_HALF_UP)

    def converter(self) -> "Money":
        """An accumulator of amounts in any currency, summed per rate period then converted."""
        return Money(self)


class Money:
    """Amounts added per (currency, rate period); `total` converts, `unconverted` lists what has no rate."""

    def __init__(self, rates: Rates):
        self.rates = rates
        self.parts: dict[tuple[str, int], Decimal] = defaultdict(Decimal)

    def add(self, amount: Decimal, currency: str | None, at: datetime) -> bool:
        """Add an amount of `currency` dated `at`; False when it cannot be converted (kept aside)."""
        currency = currency or self.rates.base
        period = 0 if currency == self.rates.base else self.rates.period(currency, at)
        self.parts[(currency, period)] += amount
        return period >= 0

    def total(self) -> Decimal:
        """The amounts with a rate, in the base currency."""
        total = Decimal(0)
        for (currency, period), amount in self.parts.items():
            if currency == self.rates.base:
                total += amount
            elif period >= 0:
                total += (amount * self.rates.rate(currency, period)).quantize(CENT, ROUND_HALF_UP)
        return total

    def unconverted(self) -> dict[str, Decimal]:
        """{currency: amount} of what had no rate at its time."""
        found: dict[str, Decimal] = defaultdict(Decimal)
        for (currency, period), amount in self.parts.items():
            if period < 0 and currency != self.rates.base:
                found[currency] += amount
        return dict(sorted(found.items()))


async def rates_as_of(uow: UnitOfWork, at: datetime, default_base: str = DEFAULT_BASE) -> Rates:
    """The rates known at `at` (naive UTC): those set by then. The base currency is the latest rate's
    (`default_base` when none was set)."""
    rows = (await uow.session.execute(
        select(ExchangeRateFact.currency, ExchangeRateFact.effective_at, ExchangeRateFact.rate,
               ExchangeRateFact.base_currency, ExchangeRateFact.version)
        .where(ExchangeRateFact.effective_at <= at)
        .order_by(ExchangeRateFact.currency, ExchangeRateFact.effective_at, ExchangeRateFact.version))).all()
    base = max(rows, key=lambda r: r.version).base_currency if rows else default_base
    history: dict[str, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for row in rows:
        if row.base_currency == base:  # a rate against a former base currency is not comparable
            history[row.currency].append((row.effective_at, row.rate))
    return Rates(base, dict(history))


async def foreign_amounts(uow: UnitOfWork, base: str) -> bool:
    """Whether any deal or order is in another currency than `base`: the lowest and highest currency of
    each fact table, four index end look-ups. The counters, which sum amounts without their currency,
    answer only when there is none (a foreign fact after `as_of` only sends the answer to the facts,
    which are right at any `as_of` too)."""
    from reporting.models import OpportunityFact, OrderFact

    for column in (OpportunityFact.currency, OrderFact.currency):
        lowest = await uow.session.scalar(select(func.min(column)))
        if lowest is None:
            continue
        if lowest != base or await uow.session.scalar(select(func.max(column))) != base:
            return True
    return False
