"""HTTP routes of the customer 360 card."""

from fastapi import APIRouter

from crm_shared.auth import PrincipalDep
from crm_shared.service import UowDep
from sales.card.service import AccountCard, ContactCard, account_card, contact_card
from sales.clock import ClockDep

router = APIRouter(tags=["customer 360"])
routers = [router]


@router.get("/accounts/{account_id}/card")
async def read_account_card(
    account_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> AccountCard:
    """The account's 360 view: data, contacts, open and past deals, orders, invoices, tickets, activities."""
    async with uow:
        return await account_card(uow=uow, principal=principal, account_id=account_id, now=clock.now())


@router.get("/contacts/{contact_id}/card")
async def read_contact_card(
    contact_id: str, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> ContactCard:
    """The contact's 360 view: data, its deals and activities, and its account's card."""
    async with uow:
        return await contact_card(uow=uow, principal=principal, contact_id=contact_id, now=clock.now())
