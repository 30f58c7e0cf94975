"""Customer routes: a contact's card and a lookup by phone (the screen-pop without a call)."""

from fastapi import APIRouter, Request

from service_desk.access import DeskPrincipal, UowDep
from service_desk.customers.card import CustomerCard, card_for_contact, card_for_phone
from service_desk.customers.service import get_contact, normalize_phone

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("/lookup")
async def lookup(phone: str, request: Request, uow: UowDep, principal: DeskPrincipal) -> CustomerCard:
    """The card of whoever has this phone number."""
    async with uow:
        number = normalize_phone(phone, request.app.state.settings.phone_region, field="phone")
        return await card_for_phone(uow=uow, principal=principal, phone=number)


@router.get("/contacts/{contact_id}/card")
async def contact_card(contact_id: str, uow: UowDep, principal: DeskPrincipal) -> CustomerCard:
    """A contact's card: company, tier, owner rep, open tickets, last interactions."""
    async with uow:
        contact = await get_contact(uow=uow, contact_id=contact_id)
        return await card_for_contact(uow=uow, principal=principal, contact=contact)
