"""Sales events about targets (quotas), exchange rates and about how a converted lead was applied."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from crm_shared.events.base import Event, register
from crm_shared.topics import SALES_ACCOUNT, SALES_EXCHANGE_RATE, SALES_QUOTA


@register(SALES_QUOTA.name, "quota")
class QuotaSetV1(Event):
    """A target for one user or one team (exactly one of `user_id`, `team_id`) over a period.

    `period` is "2026", "2026-Q2" or "2026-05"; `starts_on`/`ends_on` are its first and last day.
    A later event for the same aggregate id replaces the amount (a corrected target)."""

    event_type: Literal["sales.quota.set"] = "sales.quota.set"
    user_id: str | None = None
    team_id: str | None = None
    period: str
    starts_on: date
    ends_on: date
    amount: Decimal
    currency: str = "CNY"


@register(SALES_EXCHANGE_RATE.name, "currency")
class ExchangeRateSetV1(Event):
    """An admin set (or corrected) what one unit of `currency` is worth in `base_currency`.

    `aggregate_id` is the currency. The rate applies from `effective_at` (the time it was set) until
    the next rate of the same currency; amounts in the base currency itself are never converted."""

    event_type: Literal["sales.exchange-rate.set"] = "sales.exchange-rate.set"
    currency: str
    base_currency: str
    rate: Decimal
    effective_at: datetime


@register(SALES_ACCOUNT.name, "account")
class LeadConversionAppliedV1(Event):
    """Sales applied a `leads.lead.converted`: the records the lead now stands behind.

    Emitted on every application that changes something, also when only existing records were
    linked (no created event then), so leads can store its back-links. `aggregate_id` is the
    account id (per-account order); `lead_id` names the lead."""

    event_type: Literal["sales.lead.conversion-applied"] = "sales.lead.conversion-applied"
    lead_id: str
    account_id: str
    contact_id: str | None = None
    opportunity_id: str | None = None
    account_created: bool = False
    contact_created: bool = False
