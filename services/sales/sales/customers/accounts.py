"""Account use cases: create, change, delete, read, list and search, each change with its event."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from crm_shared.auth import Principal, can_see
from crm_shared.events.sales import AccountCreatedV1, AccountDeletedV1, AccountUpdatedV1
from crm_shared.http.problems import ConflictError, InvalidError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.contactinfo import name_key, unique
from sales.customers.models import Account, Contact, ContactPoint
from sales.customers.points import holders, set_points
from sales.customers.schemas import AccountCreate, AccountRead, AccountUpdate
from sales.customfields.service import checked_values
from sales.ownership import get_visible, resolve_owner, visible
from sales.paging import Page, keyset, page_of

ACCOUNT_FIELDS = (
    "name",
    "domain",
    "industry",
    "size",
    "region",
    "tier",
    "status",
    "owner_id",
    "team_id",
    "parent_account_id",
    "phones",
    "source_type",
    "source_id",
    "custom_fields",
)


@dataclass(frozen=True)
class AccountFilter:
    """List filters; `q` searches name, domain and phone."""

    q: str | None = None
    status: str | None = None
    tier: str | None = None
    industry: str | None = None
    region: str | None = None
    owner_id: str | None = None
    team_id: str | None = None
    parent_account_id: str | None = None


def account_snapshot(account: Account) -> dict:
    """The account's fields as the events carry them."""
    return {
        **{field: getattr(account, field) for field in ACCOUNT_FIELDS},
        "custom_fields": account.custom_fields or {},
    }


async def add_account(
    *,
    uow: UnitOfWork,
    principal: Principal | None,
    data: AccountCreate,
    now: datetime,
    owner_id: str | None = None,
) -> Account:
    """Add an account and its `sales.account.created` event to the transaction (no commit)."""
    owner, team = await resolve_owner(uow, principal, data.owner_id or owner_id)
    if data.parent_account_id:
        await _check_parent(uow, principal, None, data.parent_account_id)
    fields = data.model_dump(exclude={"owner_id"})
    fields["phones"] = unique(fields["phones"])
    fields["custom_fields"] = await checked_values(
        uow, "account", {}, data.custom_fields, enforce_required=principal is not None
    )
    account = Account(
        id=new_id(),
        name_key=name_key(data.name),
        owner_id=owner,
        team_id=team,
        created_at=now,
        updated_at=now,
        **fields,
    )
    uow.session.add(account)
    await uow.session.flush()
    await set_points(uow, account_id=account.id, phones=account.phones)
    uow.emit(AccountCreatedV1(aggregate_id=account.id, occurred_at=now, **account_snapshot(account)))
    return account


async def create_account(
    *, uow: UnitOfWork, principal: Principal, data: AccountCreate, now: datetime
) -> Account:
    """Create an account and emit `sales.account.created` in the same transaction."""
    account = await add_account(uow=uow, principal=principal, data=data, now=now)
    await uow.commit()
    return account


async def update_account(
    *,
    uow: UnitOfWork,
    principal: Principal | None,
    account_id: str,
    data: AccountUpdate,
    now: datetime,
    commit: bool = True,
) -> Account:
    """Change the fields sent; emit `sales.account.updated` naming what changed (nothing if nothing did).
    Without a principal (a consumer applying an event) the account is not checked for visibility."""
    account = (
        await get_account(uow=uow, principal=principal, account_id=account_id)
        if principal
        else await uow.session.get(Account, account_id)
    )
    changes = data.changes()
    if "phones" in changes:
        changes["phones"] = unique(changes["phones"])
    if changes.get("custom_fields") is not None:
        changes["custom_fields"] = await checked_values(
            uow, "account", account.custom_fields, changes["custom_fields"], enforce_required=bool(principal)
        )
    if "owner_id" in changes and changes["owner_id"] != account.owner_id:
        changes["owner_id"], changes["team_id"] = await resolve_owner(uow, principal, changes["owner_id"])
    if changes.get("parent_account_id") and changes["parent_account_id"] != account.parent_account_id:
        await _check_parent(uow, principal, account.id, changes["parent_account_id"])
    changed = [f for f in ACCOUNT_FIELDS if f in changes and changes[f] != getattr(account, f)]
    if not changed:
        return account
    for field in changed:
        setattr(account, field, changes[field])
    account.name_key, account.updated_at = name_key(account.name), now
    if "phones" in changed:
        await set_points(uow, account_id=account.id, phones=account.phones)
    uow.emit(
        AccountUpdatedV1(
            aggregate_id=account.id, occurred_at=now, changed_fields=changed, **account_snapshot(account)
        )
    )
    if commit:
        await uow.commit()
    return account


async def delete_account(*, uow: UnitOfWork, principal: Principal, account_id: str, now: datetime) -> None:
    """Delete an account without live contacts or children; emit `sales.account.deleted`."""
    account = await get_account(uow=uow, principal=principal, account_id=account_id)
    for model, column, what in (
        (Contact, Contact.account_id, "contacts"),
        (Account, Account.parent_account_id, "child accounts"),
    ):
        found = await uow.session.execute(
            select(model.id).where(column == account.id, model.deleted_at.is_(None)).limit(1)
        )
        if found.first():
            raise ConflictError(f"account {account_id} still has {what}")
    account.deleted_at = account.updated_at = now
    await set_points(uow, account_id=account.id)
    uow.emit(
        AccountDeletedV1(
            aggregate_id=account.id,
            occurred_at=now,
            name=account.name,
            owner_id=account.owner_id,
            team_id=account.team_id,
        )
    )
    await uow.commit()


async def get_account(*, uow: UnitOfWork, principal: Principal, account_id: str) -> Account:
    """One account the caller may see, or not found."""
    return await get_visible(uow, Account, account_id, principal, "account")


async def list_accounts(
    *, uow: UnitOfWork, principal: Principal, filters: AccountFilter, cursor: str | None, limit: int
) -> Page[AccountRead]:
    """The accounts the caller may see, filtered, oldest first, a page at a time."""
    query = visible(Account, principal)
    for field in ("status", "tier", "industry", "region", "owner_id", "team_id", "parent_account_id"):
        value = getattr(filters, field)
        if value is not None:
            query = query.where(getattr(Account, field) == value)
    if filters.q:
        term = filters.q.strip()
        like = f"%{term.casefold()}%"
        query = query.where(
            or_(
                Account.name_key.like(like),
                Account.domain.like(like),
                Account.id.in_(holders("phone", f"%{term.lstrip('+')}%", ContactPoint.account_id)),
            )
        )
    rows = list((await uow.session.execute(keyset(query, Account, cursor, limit))).scalars())
    return page_of(rows, limit, AccountRead.model_validate)


async def _check_parent(
    uow: UnitOfWork, principal: Principal | None, account_id: str | None, parent_id: str
) -> None:
    """The parent must be an account the caller sees, and must not make a cycle."""
    seen = {account_id}
    current: str | None = parent_id
    while current is not None:
        if current in seen:
            raise InvalidError("an account cannot be its own ancestor", field="parent_account_id")
        seen.add(current)
        parent = await uow.session.get(Account, current)
        if (
            parent is None
            or parent.deleted_at is not None
            or (principal is not None and current == parent_id and not _sees(principal, parent))
        ):
            raise InvalidError(f"account {parent_id} does not exist", field="parent_account_id")
        current = parent.parent_account_id


def _sees(principal: Principal, account: Account) -> bool:
    return can_see(principal, account.owner_id, account.team_id)
