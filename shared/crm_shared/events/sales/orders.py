"""Sales events about contracts, orders, invoices and payments."""

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field

from crm_shared.events.base import Event, register
from crm_shared.events.sales.opportunities import OpportunityLine
from crm_shared.topics import SALES_ORDER


class ContractSnapshot(Event):
    """The whole contract after the change; `source_type`/`source_id` name what it came from
    ("opportunity" and its id, or "direct")."""

    account_id: str
    opportunity_id: str | None = None
    name: str
    owner_id: str | None = None
    team_id: str | None = None
    value: Decimal
    currency: str = "CNY"
    start_date: date | None = None
    end_date: date | None = None
    status: str = "active"  # draft | active | expired | terminated
    auto_renew: bool = False
    source_type: str | None = None
    source_id: str | None = None


@register(SALES_ORDER.name, "contract")
class ContractCreatedV1(ContractSnapshot):
    """A contract was created, from a won opportunity or directly."""

    event_type: Literal["sales.contract.created"] = "sales.contract.created"


@register(SALES_ORDER.name, "contract")
class ContractUpdatedV1(ContractSnapshot):
    """A contract changed; `changed_fields` names what."""

    event_type: Literal["sales.contract.updated"] = "sales.contract.updated"


class OrderSnapshot(Event):
    """The whole order after the change; `source_type`/`source_id` name what it came from
    ("contract", "opportunity" or "direct")."""

    account_id: str
    contract_id: str | None = None
    opportunity_id: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    amount: Decimal
    currency: str = "CNY"
    status: str = "confirmed"  # draft | confirmed | fulfilled | cancelled
    lines: list[OpportunityLine] = Field(default_factory=list)
    source_type: str | None = None
    source_id: str | None = None


@register(SALES_ORDER.name, "order")
class OrderCreatedV1(OrderSnapshot):
    """An order was placed."""

    event_type: Literal["sales.order.created"] = "sales.order.created"


@register(SALES_ORDER.name, "order")
class OrderUpdatedV1(OrderSnapshot):
    """An order changed (e.g. its status); `changed_fields` names what."""

    event_type: Literal["sales.order.updated"] = "sales.order.updated"


class InvoiceSnapshot(Event):
    """The whole invoice after the change: what is owed, by when, and how much is paid."""

    order_id: str
    account_id: str
    owner_id: str | None = None
    team_id: str | None = None
    amount: Decimal
    paid_amount: Decimal = Decimal(0)
    currency: str = "CNY"
    issued_on: date
    due_on: date
    status: str = "open"  # open | paid | void


@register(SALES_ORDER.name, "invoice")
class InvoiceIssuedV1(InvoiceSnapshot):
    """An invoice was issued for an order; the payment is due on `due_on`."""

    event_type: Literal["sales.invoice.issued"] = "sales.invoice.issued"


@register(SALES_ORDER.name, "invoice")
class PaymentRecordedV1(InvoiceSnapshot):
    """A payment against the invoice was recorded (`payment_amount` on `paid_on`)."""

    event_type: Literal["sales.invoice.payment-recorded"] = "sales.invoice.payment-recorded"
    payment_id: str
    payment_amount: Decimal
    paid_on: date


@register(SALES_ORDER.name, "invoice")
class InvoiceOverdueV1(InvoiceSnapshot):
    """An open invoice passed its due date unpaid (emitted once per invoice); `days_overdue` as of then."""

    event_type: Literal["sales.invoice.overdue"] = "sales.invoice.overdue"
    days_overdue: int = 1


@register(SALES_ORDER.name, "invoice")
class InvoiceUpdatedV1(InvoiceSnapshot):
    """An invoice changed other than by a payment (e.g. its owner on a handover); `changed_fields`
    names what."""

    event_type: Literal["sales.invoice.updated"] = "sales.invoice.updated"
