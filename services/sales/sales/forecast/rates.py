"""Exchange rates: admin-maintained, each one the worth of one unit of a currency in the base currency;
the forecast converts every amount to the currency asked for through them."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from crm_shared.events.sales import ExchangeRateSetV1
from crm_shared.http.problems import InvalidError
from crm_shared.messaging.uow import UnitOfWork
from sales.forecast.models import ExchangeRate
from sales.schemas import UtcDatetime

CENT = Decimal("0.01")


class RateUpdate(BaseModel):
    """One unit of the currency in the base currency (e.g. USD: 7.1 when the base is CNY)."""

    model_config = ConfigDict(extra="forbid")

    rate: Decimal = Field(gt=0, max_digits=18, decimal_places=8)


class RateRead(BaseModel):
    """An exchange rate as the API shows it."""

    currency: str
    rate: Decimal
    base_currency: str
    updated_at: UtcDatetime | None = None


async def set_rate(
    *, uow: UnitOfWork, currency: str, base: str, data: RateUpdate, user_id: str, now: datetime
) -> ExchangeRate:
    """Set (or correct) the rate of a currency against the base currency; `sales.exchange-rate.set` goes
    out through the outbox in the same transaction (the rate applies from `now` on)."""
    if currency == base:
        raise InvalidError(f"{base} is the base currency: its rate is 1", field="currency")
    rate = await uow.session.get(ExchangeRate, currency)
    if rate is None:
        rate = ExchangeRate(currency=currency)
        uow.session.add(rate)
    rate.rate, rate.updated_at, rate.updated_by = data.rate, now, user_id
    uow.emit(ExchangeRateSetV1(aggregate_id=currency, occurred_at=now, changed_fields=["rate"],
                               currency=currency, base_currency=base, rate=data.rate, effective_at=now))
    await uow.commit()
    return rate


async def list_rates(*, uow: UnitOfWork) -> list[ExchangeRate]:
    """Every rate, by currency."""
    return list((await uow.session.execute(select(ExchangeRate).order_by(ExchangeRate.currency))).scalars())


class Converter:
    """Converts amounts to one currency; `missing` collects the currencies without a rate."""

    def __init__(self, rates: dict[str, Decimal], base: str, target: str):
        self.rates, self.target = {**rates, base: Decimal(1)}, target
        self.missing: set[str] = set()

    def __call__(self, amount: Decimal, currency: str) -> Decimal:
        """The amount in the target currency, rounded to the cent (half up)."""
        if currency == self.target:
            return amount
        if currency not in self.rates or self.target not in self.rates:
            self.missing.update(c for c in (currency, self.target) if c not in self.rates)
            return Decimal(0)
        return (amount * self.rates[currency] / self.rates[self.target]).quantize(CENT, ROUND_HALF_UP)

    def check(self) -> None:
        """Refuse the figures if any amount could not be converted (a clear 422, never a wrong sum)."""
        if self.missing:
            names = ", ".join(sorted(self.missing))
            raise InvalidError(
                f"no exchange rate for {names}: an admin sets it with PUT /exchange-rates/{{currency}}",
                field="currency",
            )


async def converter(*, uow: UnitOfWork, base: str, target: str) -> Converter:
    """A converter to `target` over the stored rates."""
    rates = {r.currency: r.rate for r in await list_rates(uow=uow)}
    return Converter(rates, base, target)
