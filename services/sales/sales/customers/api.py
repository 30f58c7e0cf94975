"""HTTP routes of accounts and contacts."""

from typing import Annotated

from fastapi import APIRouter, Depends

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from sales.clock import ClockDep
from sales.customers import accounts, contacts
from sales.customers.schemas import (
    AccountCreate,
    AccountRead,
    AccountUpdate,
    ContactCreate,
    ContactRead,
    ContactUpdate,
)
from sales.health.service import AccountHealth, account_health
from sales.paging import CursorQuery, LimitQuery, Page

accounts_router = APIRouter(prefix="/accounts", tags=["accounts"])
contacts_router = APIRouter(prefix="/contacts", tags=["contacts"])
routers = [accounts_router, contacts_router]

AccountFilterDep = Annotated[accounts.AccountFilter, Depends(accounts.AccountFilter)]
ContactFilterDep = Annotated[contacts.ContactFilter, Depends(contacts.ContactFilter)]


@accounts_router.post("", status_code=201)
async def create_account(
    data: AccountCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> AccountRead:
    """Create an account (owner: the caller unless given)."""
    async with uow:
        account = await accounts.create_account(uow=uow, principal=principal, data=data, now=clock.now())
        return AccountRead.model_validate(account)


@accounts_router.get("")
async def list_accounts(
    uow: UowDep,
    principal: PrincipalDep,
    filters: AccountFilterDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[AccountRead]:
    """The accounts the caller may see; `q` searches name, domain and phone."""
    async with uow:
        return await accounts.list_accounts(
            uow=uow, principal=principal, filters=filters, cursor=cursor, limit=limit
        )


@accounts_router.get("/{account_id}")
async def read_account(account_id: str, uow: UowDep, principal: PrincipalDep) -> AccountRead:
    """One account the caller may see."""
    async with uow:
        account = await accounts.get_account(uow=uow, principal=principal, account_id=account_id)
        return AccountRead.model_validate(account)


@accounts_router.patch("/{account_id}")
async def update_account(
    account_id: str, data: AccountUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> AccountRead:
    """Change an account's fields."""
    async with uow:
        account = await accounts.update_account(
            uow=uow, principal=principal, account_id=account_id, data=data, now=clock.now()
        )
        return AccountRead.model_validate(account)


@accounts_router.delete("/{account_id}", status_code=204)
async def delete_account(account_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> None:
    """Delete an account that has no contacts or child accounts left."""
    async with uow:
        await accounts.delete_account(uow=uow, principal=principal, account_id=account_id, now=clock.now())


@contacts_router.post("", status_code=201)
async def create_contact(
    data: ContactCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ContactRead:
    """Create a contact (phones without a country code are read as Chinese numbers)."""
    async with uow:
        contact = await contacts.create_contact(uow=uow, principal=principal, data=data, now=clock.now())
        return ContactRead.model_validate(contact)


@contacts_router.get("")
async def list_contacts(
    uow: UowDep,
    principal: PrincipalDep,
    filters: ContactFilterDep,
    cursor: CursorQuery = None,
    limit: LimitQuery = 50,
) -> Page[ContactRead]:
    """The contacts the caller may see; `q` searches name, email and phone."""
    async with uow:
        return await contacts.list_contacts(
            uow=uow, principal=principal, filters=filters, cursor=cursor, limit=limit
        )


@contacts_router.get("/{contact_id}")
async def read_contact(contact_id: str, uow: UowDep, principal: PrincipalDep) -> ContactRead:
    """One contact the caller may see."""
    async with uow:
        contact = await contacts.get_contact(uow=uow, principal=principal, contact_id=contact_id)
        return ContactRead.model_validate(contact)


@contacts_router.patch("/{contact_id}")
async def update_contact(
    contact_id: str, data: ContactUpdate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ContactRead:
    """Change a contact's fields."""
    async with uow:
        contact = await contacts.update_contact(
            uow=uow, principal=principal, contact_id=contact_id, data=data, now=clock.now()
        )
        return ContactRead.model_validate(contact)


@contacts_router.delete("/{contact_id}", status_code=204)
async def delete_contact(contact_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep) -> None:
    """Delete a contact."""
    async with uow:
        await contacts.delete_contact(uow=uow, principal=principal, contact_id=contact_id, now=clock.now())


@accounts_router.get("/{account_id}/health")
async def read_account_health(
    account_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> AccountHealth:
    """The account's service health from the service desk: open tickets, SLA breaches, satisfaction."""
    async with uow:
        return await account_health(uow=uow, principal=principal, account_id=account_id, now=clock.now())
