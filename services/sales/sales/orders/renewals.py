"""Contract renewal: a renewed contract is a new contract for the next term, linked to the one it renews
(source type "contract" and its id; the old one's status becomes "renewed"). Auto-renew contracts are
renewed by the periodic checker once their end date has passed; the others show in "my day" as renewals
due in the 30 days before their end date."""

from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import select, update

from crm_shared.auth import Principal
from crm_shared.events.sales import ContractCreatedV1, ContractUpdatedV1
from crm_shared.http.problems import ConflictError, InvalidError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.orders.contracts import contract_snapshot, get_contract
from sales.orders.models import Contract
from sales.orders.schemas import PositiveAmount

RENEWABLE = ("active", "expired")
RENEWALS_DUE_DAYS = 30


class ContractRenew(BaseModel):
    """The next term; by default it starts the day after the old end and lasts as long, at the same value."""

    model_config = ConfigDict(extra="forbid")

    start_date: date | None = None
    end_date: date | None = None
    value: PositiveAmount | None = None
    auto_renew: bool | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "ContractRenew":
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


async def renew_contract(
    *, uow: UnitOfWork, principal: Principal, contract_id: str, data: ContractRenew, now: datetime
) -> Contract:
    """Renew a contract the caller sees; emits `sales.contract.created` (the new one, from the old) and
    `sales.contract.updated` (the old one, now renewed)."""
    old = await get_contract(uow=uow, principal=principal, contract_id=contract_id)
    renewed = await _renew(uow, old, data, now)
    if renewed is None:
        raise ConflictError(f"contract {contract_id} was renewed meanwhile")
    await uow.commit()
    return renewed


async def renew_due_contracts(*, uow: UnitOfWork, now: datetime) -> int:
    """Renew every active auto-renew contract whose end date has passed (no commit); how many."""
    due = await uow.session.execute(
        select(Contract)
        .where(Contract.status == "active", Contract.auto_renew.is_(True), Contract.end_date < now.date())
        .order_by(Contract.end_date, Contract.id)
    )
    count = 0
    for contract in list(due.scalars()):
        if await _renew(uow, contract, ContractRenew(), now) is not None:
            count += 1  # None: another replica or a manual renewal took it first
    return count


def renewals_due_query(owner_id: str, today: date):
    """The owner's active contracts without auto-renew ending in the next 30 days (or ended already)."""
    return (
        select(Contract)
        .where(
            Contract.owner_id == owner_id,
            Contract.status == "active",
            Contract.auto_renew.is_(False),
            Contract.end_date <= today + timedelta(days=RENEWALS_DUE_DAYS),
        )
        .order_by(Contract.end_date, Contract.id)
    )


def next_term_end(old_start: date, old_end: date, start: date) -> date:
    """The end of a term starting on `start` as long as the old one: whole months stay whole months
    (Q1 renews to Q2, a year to a year), anything else keeps its length in days."""
    months = (old_end.year - old_start.year) * 12 + old_end.month - old_start.month + 1
    if months > 0 and _add_months(old_start, months) == old_end + timedelta(days=1):
        return _add_months(start, months) - timedelta(days=1)
    return start + (old_end - old_start)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


async def _renew(uow: UnitOfWork, old: Contract, data: ContractRenew, now: datetime) -> Contract | None:
    """The next term of `old`, or None when a concurrent renewal claimed `old` first."""
    if old.status not in RENEWABLE:
        raise ConflictError(f"contract {old.id} is {old.status}; only active or expired ones renew")
    start = data.start_date or (old.end_date + timedelta(days=1) if old.end_date else None)
    if start is None:
        raise InvalidError(f"contract {old.id} has no end date: give the new start_date", field="start_date")
    end = data.end_date
    if end is None and old.start_date and old.end_date:
        end = next_term_end(old.start_date, old.end_date, start)
    if end is not None and end < start:
        raise InvalidError("end_date is before start_date", field="end_date")
    claimed = await uow.session.execute(  # one renewal per contract, whoever runs at the same time
        update(Contract)
        .where(Contract.id == old.id, Contract.status.in_(RENEWABLE))
        .values(status="renewed", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return None
    renewed = Contract(
        id=new_id(),
        name=old.name,
        account_id=old.account_id,
        opportunity_id=old.opportunity_id,
        owner_id=old.owner_id,
        team_id=old.team_id,
        value=data.value if data.value is not None else old.value,
        currency=old.currency,
        start_date=start,
        end_date=end,
        status="active",
        auto_renew=old.auto_renew if data.auto_renew is None else data.auto_renew,
        source_type="contract",
        source_id=old.id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(renewed)
    old.status, old.updated_at = "renewed", now
    uow.emit(
        ContractUpdatedV1(
            aggregate_id=old.id, occurred_at=now, changed_fields=["status"], **contract_snapshot(old)
        )
    )
    uow.emit(ContractCreatedV1(aggregate_id=renewed.id, occurred_at=now, **contract_snapshot(renewed)))
    return renewed
