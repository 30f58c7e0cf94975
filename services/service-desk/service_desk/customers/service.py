"""Customer replica use cases: upsert sales' accounts and contacts, find a customer by phone or email."""

from datetime import datetime

import phonenumbers
from sqlalchemy import delete, select

from crm_shared.events.sales import AccountSnapshot, ContactSnapshot
from crm_shared.http.problems import InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from service_desk.clock import as_utc
from service_desk.customers.models import Account, Contact, ContactEmail, CustomerPhone


def normalize_phone(raw: str, region: str | None, field: str = "caller") -> str:
    """The number in E.164, or a 422 on `field`."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidError(f"not a phone number: {error}", field=field) from error
    if not phonenumbers.is_possible_number(number):
        raise InvalidError("not a possible phone number", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _stale(row, occurred_at: datetime) -> bool:
    return row is not None and occurred_at < as_utc(row.updated_at)


async def _index_phones(uow: UnitOfWork, party_type: str, party_id: str, phones: list[str]) -> None:
    await uow.session.execute(
        delete(CustomerPhone).where(
            CustomerPhone.party_type == party_type, CustomerPhone.party_id == party_id
        )
    )
    for phone in dict.fromkeys(phones):
        uow.session.add(CustomerPhone(party_type=party_type, party_id=party_id, phone=phone))


async def upsert_account(*, uow: UnitOfWork, account: AccountSnapshot) -> bool:
    """Store the snapshot and index its phones, unless a newer one is here; True if the tier changed."""
    row = await uow.session.get(Account, account.aggregate_id)
    if _stale(row, account.occurred_at):
        return False
    tier_changed = row is not None and row.tier != account.tier
    if row is None:
        row = Account(id=account.aggregate_id)
        uow.session.add(row)
    row.name, row.tier, row.owner_id, row.team_id = (
        account.name,
        account.tier,
        account.owner_id,
        account.team_id,
    )
    row.phones, row.updated_at = list(account.phones), account.occurred_at
    await _index_phones(uow, "account", row.id, account.phones)
    return tier_changed


async def upsert_contact(*, uow: UnitOfWork, contact: ContactSnapshot) -> None:
    """Store the contact's snapshot and index its phones and emails, unless a newer one is already here."""
    row = await uow.session.get(Contact, contact.aggregate_id)
    if _stale(row, contact.occurred_at):
        return
    if row is None:
        row = Contact(id=contact.aggregate_id, local=False)
        uow.session.add(row)
    row.account_id, row.name, row.title = contact.account_id, contact.name, contact.title
    row.emails, row.phones, row.owner_id = list(contact.emails), list(contact.phones), contact.owner_id
    row.updated_at = contact.occurred_at
    await _index_phones(uow, "contact", row.id, contact.phones)
    await _index_emails(uow, row.id, contact.emails)


async def _index_emails(uow: UnitOfWork, contact_id: str, emails: list[str]) -> None:
    await uow.session.execute(delete(ContactEmail).where(ContactEmail.contact_id == contact_id))
    for email in dict.fromkeys(e.lower() for e in emails):
        uow.session.add(ContactEmail(contact_id=contact_id, email=email))


async def contact_by_email(*, uow: UnitOfWork, email: str) -> Contact | None:
    """The contact with this email address, if any."""
    rows = await uow.session.execute(
        select(Contact)
        .join(ContactEmail, ContactEmail.contact_id == Contact.id)
        .where(ContactEmail.email == email.lower())
        .order_by(Contact.updated_at.desc())
        .limit(1)
    )
    return rows.scalars().first()


async def get_contact(*, uow: UnitOfWork, contact_id: str, field: str | None = None) -> Contact:
    """A replica contact (a linked local one: its sales contact); unknown: 422 on `field`, else 404."""
    contact = await uow.session.get(Contact, contact_id)
    if contact is not None and contact.linked_to:  # a captured contact sales has taken on
        contact = await uow.session.get(Contact, contact.linked_to) or contact
    if contact is None:
        if field:
            raise InvalidError(f"contact {contact_id} not found", field=field)
        raise NotFoundError(f"contact {contact_id} not found")
    return contact


async def create_local_contact(
    *, uow: UnitOfWork, name: str, phone: str | None, email: str | None, account_id: str | None, now: datetime
) -> Contact:
    """A contact the desk creates for an unknown caller (sales does not know it yet)."""
    if account_id and await uow.session.get(Account, account_id) is None:
        raise InvalidError(f"account {account_id} not found", field="account_id")
    contact = Contact(
        id=new_id(),
        account_id=account_id,
        name=name,
        title=None,
        emails=[email.lower()] if email else [],
        phones=[phone] if phone else [],
        owner_id=None,
        local=True,
        updated_at=now,
    )
    uow.session.add(contact)
    await _index_phones(uow, "contact", contact.id, contact.phones)
    await _index_emails(uow, contact.id, contact.emails)
    return contact


async def link_phone(*, uow: UnitOfWork, contact: Contact, phone: str) -> bool:
    """Remember that this number reaches the contact (the next call pops their card); True if it is new."""
    if phone in contact.phones:
        return False
    uow.session.add(CustomerPhone(party_type="contact", party_id=contact.id, phone=phone))
    contact.phones = [*contact.phones, phone]
    return True


async def forget(*, uow: UnitOfWork, party_type: str, party_id: str, occurred_at: datetime) -> None:
    """Sales deleted the contact or account: its numbers and addresses no longer pop it (tickets keep it)."""
    model = Contact if party_type == "contact" else Account
    row = await uow.session.get(model, party_id)
    if _stale(row, occurred_at):
        return
    await _index_phones(uow, party_type, party_id, [])
    if party_type == "contact":
        await _index_emails(uow, party_id, [])
    if row is not None:
        row.updated_at = occurred_at
