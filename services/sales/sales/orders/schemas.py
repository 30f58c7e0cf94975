"""Request and response models of contracts, orders, invoices and payments."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sales.pipeline.schemas import Amount, Currency, LineIn, LineRead
from sales.schemas import Name, UtcDatetime, _Patch

ContractStatus = Literal["draft", "active", "expired", "terminated"]
OrderStatus = Literal["draft", "confirmed", "fulfilled", "cancelled"]
PositiveAmount = Annotated[Amount, Field(gt=0)]


class ContractCreate(BaseModel):
    """A contract from a won opportunity (`opportunity_id`: account, value, currency and owner follow it)
    or direct (`account_id` and `value` required)."""

    model_config = ConfigDict(extra="forbid")

    opportunity_id: str | None = None
    account_id: str | None = None
    name: Name | None = None
    value: Amount | None = None
    currency: Currency | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: ContractStatus = "active"
    auto_renew: bool = False
    owner_id: str | None = None

    @model_validator(mode="after")
    def _source_or_data(self) -> "ContractCreate":
        if self.opportunity_id is None and (self.account_id is None or self.value is None):
            raise ValueError("give opportunity_id, or account_id and value")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class ContractUpdate(_Patch):
    """A change to a contract's term, status or renewal."""

    not_null = ("status", "auto_renew", "name")

    name: Name | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: ContractStatus | None = None
    auto_renew: bool | None = None


class ContractRead(BaseModel):
    """A contract as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    account_id: str
    opportunity_id: str | None
    owner_id: str | None
    team_id: str | None
    value: Decimal
    currency: str
    start_date: date | None
    end_date: date | None
    status: str
    auto_renew: bool
    source_type: str | None
    source_id: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class OrderCreate(BaseModel):
    """An order from a contract, an opportunity (its lines are copied when none are sent) or direct
    (`account_id`); the amount is the sum of the lines unless given."""

    model_config = ConfigDict(extra="forbid")

    contract_id: str | None = None
    opportunity_id: str | None = None
    account_id: str | None = None
    lines: Annotated[list[LineIn], Field(max_length=200)] = []
    amount: Amount | None = None
    currency: Currency | None = None
    status: OrderStatus = "confirmed"

    @model_validator(mode="after")
    def _one_source(self) -> "OrderCreate":
        if sum(x is not None for x in (self.contract_id, self.opportunity_id, self.account_id)) != 1:
            raise ValueError("give exactly one of contract_id, opportunity_id or account_id")
        return self


class OrderUpdate(_Patch):
    """A change to an order's status."""

    not_null = ("status",)

    status: OrderStatus | None = None


class OrderRead(BaseModel):
    """An order as the API shows it."""

    id: str
    account_id: str
    contract_id: str | None
    opportunity_id: str | None
    owner_id: str | None
    team_id: str | None
    amount: Decimal
    currency: str
    status: str
    lines: list[LineRead]
    source_type: str | None
    source_id: str | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class InvoiceCreate(BaseModel):
    """An invoice for (part of) an order; the amount defaults to the order's open remainder."""

    model_config = ConfigDict(extra="forbid")

    amount: PositiveAmount | None = None
    issued_on: date | None = None
    due_on: date


class PaymentCreate(BaseModel):
    """Money received against an invoice."""

    model_config = ConfigDict(extra="forbid")

    amount: PositiveAmount
    paid_on: date | None = None
    method: Annotated[str, Field(max_length=30)] | None = None


class InvoiceRead(BaseModel):
    """An invoice as the API shows it; `overdue` when unpaid after its due date."""

    id: str
    order_id: str
    account_id: str
    owner_id: str | None
    team_id: str | None
    amount: Decimal
    paid_amount: Decimal
    currency: str
    issued_on: date
    due_on: date
    status: str
    overdue: bool
    days_overdue: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ChainRead(BaseModel):
    """The lead -> opportunity -> contract -> order chain a record belongs to, walked from any link."""

    lead_id: str | None
    opportunity_ids: list[str]
    contract_ids: list[str]
    order_ids: list[str]
