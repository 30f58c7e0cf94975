"""Contacts the desk captures for unknown callers: announced to sales (which owns contacts), and linked
to the sales contact once sales has created or matched it; numbers agents link to a contact, told to
sales too."""

from datetime import datetime

from sqlalchemy import delete

from crm_shared.events.sales import ContactSnapshot
from crm_shared.events.service_desk import ContactCapturedV1, ContactPhoneLinkedV1
from crm_shared.messaging.uow import UnitOfWork
from service_desk.customers.models import Account, Contact, ContactEmail, CustomerPhone
from service_desk.customers.service import create_local_contact
from service_desk.tickets.relink import move_contact

DESK_SOURCE = "service-desk"


async def capture_contact(
    *,
    uow: UnitOfWork,
    name: str,
    phone: str | None,
    email: str | None,
    account_id: str | None,
    captured_by: str | None,
    now: datetime,
) -> Contact:
    """Create a desk-local contact and emit `service-desk.contact.captured` for sales, in one transaction."""
    contact = await create_local_contact(
        uow=uow, name=name, phone=phone, email=email, account_id=account_id, now=now
    )
    account = await uow.session.get(Account, account_id) if account_id else None
    uow.emit(
        ContactCapturedV1(
            aggregate_id=contact.id,
            occurred_at=now,
            name=contact.name,
            account_id=contact.account_id,
            company=account.name if account else None,
            title=contact.title,
            emails=list(contact.emails),
            phones=list(contact.phones),
            captured_by=captured_by,
        )
    )
    return contact


def announce_linked_phone(
    *,
    uow: UnitOfWork,
    contact: Contact,
    phone: str,
    linked_by: str | None,
    call_id: str | None,
    now: datetime,
) -> None:
    """Tell sales a number now reaches its contact (`service-desk.contact.phone-linked`, same transaction).

    A captured contact sales has not taken on yet waits: `adopt_sales_contact` tells sales then about
    the numbers it does not have (the capture event carried the first one)."""
    if contact.local:
        return
    uow.emit(
        ContactPhoneLinkedV1(
            aggregate_id=contact.id, occurred_at=now, phone=phone, linked_by=linked_by, call_id=call_id
        )
    )


async def adopt_sales_contact(*, uow: UnitOfWork, contact: ContactSnapshot, now: datetime) -> list[str]:
    """Sales created or matched the contact the desk captured: the local record now stands for it.

    The local row stays as an alias (`linked_to`), leaves the phone and email indexes (the sales
    contact carries them), and its tickets and calls move to the sales contact. Numbers agents linked
    to the local record after its capture, which sales does not have, are told to sales (the first time
    only: later updates name the same source, and sales may have dropped a number since). Returns the
    ids of the moved tickets; a second delivery finds nothing left to move.
    """
    if contact.source_type != DESK_SOURCE or not contact.source_id:
        return []
    local = await uow.session.get(Contact, contact.source_id)
    if local is None or not local.local or local.id == contact.aggregate_id:
        return []
    first_time = local.linked_to != contact.aggregate_id  # later updates name the same source
    local.linked_to = contact.aggregate_id
    await uow.session.execute(
        delete(CustomerPhone).where(CustomerPhone.party_type == "contact", CustomerPhone.party_id == local.id)
    )
    await uow.session.execute(delete(ContactEmail).where(ContactEmail.contact_id == local.id))
    for phone in local.phones if first_time else []:  # numbers linked after the capture
        if phone not in contact.phones:
            uow.emit(ContactPhoneLinkedV1(aggregate_id=contact.aggregate_id, occurred_at=now, phone=phone))
    return await move_contact(
        uow=uow, from_id=local.id, to_id=contact.aggregate_id, account_id=contact.account_id, now=now
    )
