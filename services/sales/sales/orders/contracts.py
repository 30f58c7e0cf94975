"""Contract use cases: from a won opportunity or direct; term, status and renewal changes."""

from dataclasses import dataclass
from datetime import datetime

from crm_shared.auth import Principal
from crm_shared.events.sales import ContractCreatedV1, ContractUpdatedV1
from crm_shared.http.problems import ConflictError, InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.customers.accounts import get_account
from sales.orders.models import Contract
from sales.orders.schemas import ContractCreate, ContractRead, ContractUpdate
from sales.ownership import get_visible, resolve_owner, visible
from sales.paging import Page, keyset, page_of
from sales.pipeline.opportunities import get_opportunity

CONTRACT_FIELDS = (
    "account_id",
    "opportunity_id",
    "name",
    "owner_id",
    "team_id",
    "value",
    "currency",
    "start_date",
    "end_date",
    "status",
    "auto_renew",
    "source_type",
    "source_id",
)


@dataclass(frozen=True)
class ContractFilter:
    """List filters."""

    account_id: str | None = None
    opportunity_id: str | None = None
    status: str | None = None
    owner_id: str | None = None


def contract_snapshot(contract: Contract) -> dict:
    """The contract's fields as the events carry them."""
    return {field: getattr(contract, field) for field in CONTRACT_FIELDS}


async def create_contract(
    *, uow: UnitOfWork, principal: Principal, data: ContractCreate, now: datetime
) -> Contract:
    """Create a contract (from a won opportunity, or direct); emit `sales.contract.created`."""
    fields = data.model_dump(exclude={"owner_id"}, exclude_none=True)
    if data.opportunity_id:
        opportunity = await referenced(
            get_opportunity(uow=uow, principal=principal, opportunity_id=data.opportunity_id),
            "opportunity_id",
        )
        if opportunity.status != "won":
            raise ConflictError(f"opportunity {opportunity.id} is {opportunity.status}, not won")
        fields = {
            "account_id": opportunity.account_id,
            "name": opportunity.name,
            "value": opportunity.amount,
            "currency": opportunity.currency,
            **fields,
            "source_type": "opportunity",
            "source_id": opportunity.id,
        }
        owner_id = data.owner_id or opportunity.owner_id
    else:
        account = await referenced(
            get_account(uow=uow, principal=principal, account_id=data.account_id), "account_id"
        )
        fields = {"name": account.name, "currency": "CNY", **fields, "source_type": "direct"}
        owner_id = data.owner_id
    owner, team = await resolve_owner(uow, principal, owner_id)
    contract = Contract(id=new_id(), owner_id=owner, team_id=team, created_at=now, updated_at=now, **fields)
    uow.session.add(contract)
    uow.emit(ContractCreatedV1(aggregate_id=contract.id, occurred_at=now, **contract_snapshot(contract)))
    await uow.commit()
    return contract


async def update_contract(
    *, uow: UnitOfWork, principal: Principal, contract_id: str, data: ContractUpdate, now: datetime
) -> Contract:
    """Change the term, status or renewal; emit `sales.contract.updated` naming what changed."""
    contract = await get_contract(uow=uow, principal=principal, contract_id=contract_id)
    changes = data.changes()
    changed = [f for f in CONTRACT_FIELDS if f in changes and changes[f] != _json(getattr(contract, f))]
    if not changed:
        return contract
    for field in changed:
        setattr(contract, field, data.model_dump(exclude_unset=True)[field])
    if contract.start_date and contract.end_date and contract.end_date < contract.start_date:
        raise InvalidError("end_date is before start_date", field="end_date")
    contract.updated_at = now
    uow.emit(
        ContractUpdatedV1(
            aggregate_id=contract.id, occurred_at=now, changed_fields=changed, **contract_snapshot(contract)
        )
    )
    await uow.commit()
    return contract


async def get_contract(*, uow: UnitOfWork, principal: Principal, contract_id: str) -> Contract:
    """One contract the caller may see, or not found."""
    return await get_visible(uow, Contract, contract_id, principal, "contract")


async def list_contracts(
    *, uow: UnitOfWork, principal: Principal, filters: ContractFilter, cursor: str | None, limit: int
) -> Page[ContractRead]:
    """The contracts the caller may see, filtered, oldest first, a page at a time."""
    query = visible(Contract, principal)
    for field in ("account_id", "opportunity_id", "status", "owner_id"):
        if (value := getattr(filters, field)) is not None:
            query = query.where(getattr(Contract, field) == value)
    rows = list((await uow.session.execute(keyset(query, Contract, cursor, limit))).scalars())
    return page_of(rows, limit, ContractRead.model_validate)


async def referenced(lookup, field: str):
    """Await a lookup of a referenced record; one that is not there (or not the caller's) is a 422."""
    try:
        return await lookup
    except NotFoundError as error:
        raise InvalidError(str(error), field=field) from error


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
