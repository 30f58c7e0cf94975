"""Load the customers known at a date, as the caller may see them: sales, contacts, tickets, account card."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import select

from crm_shared.auth import Principal, can_see
from crm_shared.messaging.uow import UnitOfWork
from reporting.accounts import load_accounts
from reporting.customers.book import Customer, Ticket
from reporting.models import InteractionFact, OrderFact, TicketFact
from reporting.opportunities.queries import load_facts
from reporting.rates import Rates
from reporting.revenue.domain import Sale, in_base, won_sales
from reporting.revenue.orders import OrderState, ordered_sales

Basis = Literal["ordered", "won"]
_ORDER_FIELDS = [OrderFact.__table__.c[name] for name in OrderState.__dataclass_fields__]
_CSAT = "service-desk.ticket.csat-rated"
_BREACHED = "service-desk.ticket.sla-breached"


@dataclass(frozen=True)
class CustomerFilter:
    """Who the answer is about: the account's owner, team, region, industry and size (None: any)."""

    owner_id: str | None = None
    team_id: str | None = None
    region: str | None = None
    industry: str | None = None
    size: str | None = None

    def matches(self, customer: Customer) -> bool:
        """Whether the customer passes every filter given."""
        return all(wanted is None or getattr(customer, name) == wanted
                   for name, wanted in vars(self).items())


async def sales_at(uow: UnitOfWork, at: datetime, basis: Basis) -> list[Sale]:
    """Every won deal or every order (not draft or cancelled) as known at `at`, whoever owns it."""
    if basis == "won":
        return won_sales(await load_facts(uow, at), lambda _: True)
    rows = await uow.session.execute(select(*_ORDER_FIELDS).where(OrderFact.occurred_at <= at))
    return ordered_sales([OrderState(**row._mapping) for row in rows], lambda _: True)


async def load_customers(*, uow: UnitOfWork, principal: Principal, at: datetime, basis: Basis,
                         only: CustomerFilter, rates: Rates | None = None) -> list[Customer]:
    """Every customer with a sale, contact or ticket by `at` that the caller may see and the filter keeps.

    With `rates`, sale amounts are in their base currency: a won deal at the rate in effect when first
    won, an order when first placed; a sale without a rate then is kept out of the sales and listed in the
    customer's `unconverted` per currency.

    A customer's owner and team are its account's; before the account is known, its latest sale's. A rep
    sees the customers they own, a manager their team's, an admin all."""
    customers: dict[str, Customer] = {}

    def customer(account_id: str) -> Customer:
        return customers.setdefault(account_id, Customer(account_id))

    for sale in sorted(await sales_at(uow, at, basis), key=lambda s: s.at):
        if sale.account_id:
            found = customer(sale.account_id)
            converted = in_base(sale, rates) if rates else sale
            if converted is None:
                aside = found.unconverted
                aside[sale.currency] = aside.get(sale.currency, Decimal(0)) + sale.amount
            else:
                found.sales.append(converted)
            found.owner_id, found.team_id = sale.owner_id, sale.team_id
    contacts = await uow.session.execute(
        select(InteractionFact.account_id, InteractionFact.occurred_at)
        .where(InteractionFact.occurred_at <= at, InteractionFact.account_id.is_not(None)))
    for account_id, occurred_at in contacts:
        customer(account_id).contacts.append(occurred_at)
    for account_id, ticket in await _tickets(uow, at):
        customer(account_id).tickets.append(ticket)
    cards = await load_accounts(uow)
    for account_id, found in list(customers.items()):
        card = cards.get(account_id)
        if card is not None and card.deleted:
            del customers[account_id]
        elif card is not None:
            found.name, found.owner_id, found.team_id = card.name, card.owner_id, card.team_id
            found.region, found.industry, found.size = card.region, card.industry, card.size
    return [c for _, c in sorted(customers.items())
            if can_see(principal, c.owner_id, c.team_id) and only.matches(c)]


async def _tickets(uow: UnitOfWork, at: datetime) -> list[tuple[str, Ticket]]:
    rows = await uow.session.execute(
        select(TicketFact.ticket_id, TicketFact.version, TicketFact.occurred_at, TicketFact.event_type,
               TicketFact.account_id, TicketFact.opened_at, TicketFact.csat_rating, TicketFact.service_cost)
        .where(TicketFact.occurred_at <= at, TicketFact.account_id.is_not(None)))
    history = defaultdict(list)
    for row in rows:
        history[row.ticket_id].append(row)
    tickets = []
    for ticket_id, facts in sorted(history.items()):
        latest = max(facts, key=lambda f: f.version)
        rated = [f for f in facts if f.event_type == _CSAT]
        rated_at = max(rated, key=lambda f: f.version).occurred_at if rated else None
        tickets.append((latest.account_id, Ticket(
            ticket_id, latest.opened_at, any(f.event_type == _BREACHED for f in facts),
            latest.csat_rating if rated_at else None, rated_at, latest.service_cost or Decimal(0))))
    return tickets
