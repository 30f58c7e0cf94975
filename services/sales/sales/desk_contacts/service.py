"""Take on a contact the service desk captured: create it with source "service-desk", or link the
existing contact with the same email or phone (its new numbers and addresses added). Either way the
`sales.contact.created`/`updated` event carries source type "service-desk" and the desk's contact id,
which is how the desk links its local record. Add a number an agent linked to a contact (beside the
ones it has). Safe to apply twice."""

import logging
from datetime import datetime

from pydantic_core import PydanticCustomError
from sqlalchemy import case, func, or_, select, true

from crm_shared.events.sales import ContactUpdatedV1
from crm_shared.events.service_desk import ContactCapturedV1, ContactPhoneLinkedV1
from crm_shared.messaging.uow import UnitOfWork
from sales.contactinfo import to_e164, unique
from sales.customers.contacts import add_contact, contact_snapshot
from sales.customers.models import Account, Contact, ContactPoint
from sales.customers.points import set_points
from sales.customers.schemas import ContactCreate
from sales.models import AppUser

DESK = "service-desk"
MAX_PHONES = 10  # as `sales.customers.schemas.Phones`
log = logging.getLogger(__name__)


async def take_on_desk_contact(*, uow: UnitOfWork, event: ContactCapturedV1, now: datetime) -> Contact:
    """Create or link the captured contact (no commit: the consumer commits it with its inbox row)."""
    if (done := await _made_from(uow, event.aggregate_id)) is not None:
        return done
    account = await _account(uow, event.account_id)
    emails = unique([e.strip().lower() for e in event.emails if e.strip()])
    phones = unique([p for p in map(_phone, event.phones) if p])
    existing = await _same_person(uow, event.name, emails, phones, account.id if account else None)
    if existing is not None:
        return await _link(uow, existing, event.aggregate_id, emails, phones, now)
    data = ContactCreate.model_construct(
        name=event.name[:200],
        account_id=account.id if account else None,
        title=event.title[:200] if event.title else None,
        emails=emails,
        phones=phones,
        key_person=False,
        owner_id=None,
        source_type=DESK,
        source_id=event.aggregate_id,
        custom_fields={},
    )
    owner_id = await _active(uow, account.owner_id) if account else None
    return await add_contact(uow=uow, principal=None, data=data, now=now, owner_id=owner_id)


async def add_linked_phone(*, uow: UnitOfWork, event: ContactPhoneLinkedV1, now: datetime) -> Contact | None:
    """Add the number the desk linked to the contact's phones (the others kept) and emit
    `sales.contact.updated`; a number it has, an unreadable one or a deleted contact change nothing."""
    contact = await uow.session.get(Contact, event.aggregate_id) or await _made_from(uow, event.aggregate_id)
    phone = _phone(event.phone)
    if contact is None or contact.deleted_at is not None or phone is None or phone in contact.phones:
        return contact
    if len(contact.phones) >= MAX_PHONES:  # the contact forms' cap: keep the ones sales has
        log.warning("contact %s has %d phones already; not adding %s", contact.id, MAX_PHONES, phone)
        return contact
    contact.phones, contact.updated_at = unique([*contact.phones, phone]), now
    await set_points(uow, contact_id=contact.id, phones=contact.phones, emails=contact.emails)
    uow.emit(
        ContactUpdatedV1(
            aggregate_id=contact.id, occurred_at=now, changed_fields=["phones"], **contact_snapshot(contact)
        )
    )
    return contact


async def _link(
    uow: UnitOfWork, contact: Contact, desk_id: str, emails: list[str], phones: list[str], now: datetime
) -> Contact:
    """Add what the desk learned (numbers, addresses) and announce the link with the desk as source."""
    changed = []
    for field, learned in (("emails", emails), ("phones", phones)):
        merged = unique([*getattr(contact, field), *learned])
        if merged != getattr(contact, field):
            setattr(contact, field, merged)
            changed.append(field)
    if changed:
        contact.updated_at = now
        await set_points(uow, contact_id=contact.id, phones=contact.phones, emails=contact.emails)
    snapshot = contact_snapshot(contact) | {"source_type": DESK, "source_id": desk_id}
    uow.emit(ContactUpdatedV1(aggregate_id=contact.id, occurred_at=now, changed_fields=changed, **snapshot))
    return contact


async def _same_person(
    uow: UnitOfWork, name: str, emails: list[str], phones: list[str], account_id: str | None
) -> Contact | None:
    """A live contact with one of these emails, else phones; one at the given account first.

    A phone is shared (a switchboard, an office line), so it names the same person only at the same
    account or under the same name."""
    same_place = func.lower(Contact.name) == name.strip().lower()
    if account_id:
        same_place = or_(same_place, Contact.account_id == account_id)
    for kind, values in (("email", emails), ("phone", phones)):
        if not values:
            continue
        found = await uow.session.execute(
            select(Contact)
            .join(ContactPoint, ContactPoint.contact_id == Contact.id)
            .where(ContactPoint.kind == kind, ContactPoint.value.in_(values), Contact.deleted_at.is_(None))
            .where(same_place if kind == "phone" else true())
            .order_by(case((Contact.account_id == account_id, 0), else_=1), Contact.created_at)
            .limit(1)
        )
        if contact := found.scalars().first():
            return contact
    return None


async def _made_from(uow: UnitOfWork, desk_id: str) -> Contact | None:
    found = await uow.session.execute(
        select(Contact).where(Contact.source_type == DESK, Contact.source_id == desk_id).limit(1)
    )
    return found.scalars().first()


async def _account(uow: UnitOfWork, account_id: str | None) -> Account | None:
    """The account the agent named, if sales still has it (else the contact stays without one)."""
    account = await uow.session.get(Account, account_id) if account_id else None
    return account if account is not None and account.deleted_at is None else None


async def _active(uow: UnitOfWork, user_id: str | None) -> str | None:
    user = await uow.session.get(AppUser, user_id) if user_id else None
    return user.id if user is not None and user.active else None


def _phone(raw: str) -> str | None:
    try:
        return to_e164(raw)
    except PydanticCustomError:
        return None
