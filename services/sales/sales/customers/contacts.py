"""Contact use cases: several per account, phones in E.164, emails, title, key-person flag."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_

from crm_shared.auth import Principal
from crm_shared.events.sales import ContactCreatedV1, ContactDeletedV1, ContactUpdatedV1
from crm_shared.http.problems import InvalidError, NotFoundError
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from sales.contactinfo import unique
from sales.customers.accounts import get_account
from sales.customers.models import Contact, ContactPoint
from sales.customers.points import holders, set_points
from sales.customers.schemas import ContactCreate, ContactRead, ContactUpdate
from sales.customfields.service import checked_values
from sales.ownership import get_visible, resolve_owner, visible
from sales.paging import Page, keyset, page_of
from sales.relations.service import record_position

CONTACT_FIELDS = (
    "account_id",
    "name",
    "title",
    "emails",
    "phones",
    "key_person",
    "owner_id",
    "team_id",
    "source_type",
    "source_id",
    "custom_fields",
)


@dataclass(frozen=True)
class ContactFilter:
    """List filters; `q` searches name, email and phone."""

    q: str | None = None
    account_id: str | None = None
    key_person: bool | None = None
    owner_id: str | None = None
    team_id: str | None = None


def contact_snapshot(contact: Contact) -> dict:
    """The contact's fields as the events carry them."""
    return {
        **{field: getattr(contact, field) for field in CONTACT_FIELDS},
        "custom_fields": contact.custom_fields or {},
    }


async def add_contact(
    *,
    uow: UnitOfWork,
    principal: Principal | None,
    data: ContactCreate,
    now: datetime,
    owner_id: str | None = None,
) -> Contact:
    """Add a contact and its `sales.contact.created` event to the transaction (no commit)."""
    if data.account_id and principal is not None:
        await _check_account(uow, principal, data.account_id)
    owner, team = await resolve_owner(uow, principal, data.owner_id or owner_id)
    fields = data.model_dump(exclude={"owner_id"})
    fields["emails"], fields["phones"] = unique(fields["emails"]), unique(fields["phones"])
    fields["custom_fields"] = await checked_values(
        uow, "contact", {}, fields.get("custom_fields"), enforce_required=principal is not None
    )
    contact = Contact(id=new_id(), owner_id=owner, team_id=team, created_at=now, updated_at=now, **fields)
    uow.session.add(contact)
    await uow.session.flush()
    await set_points(uow, contact_id=contact.id, phones=contact.phones, emails=contact.emails)
    await record_position(uow, contact, now)
    uow.emit(ContactCreatedV1(aggregate_id=contact.id, occurred_at=now, **contact_snapshot(contact)))
    return contact


async def create_contact(
    *, uow: UnitOfWork, principal: Principal, data: ContactCreate, now: datetime
) -> Contact:
    """Create a contact and emit `sales.contact.created` in the same transaction."""
    contact = await add_contact(uow=uow, principal=principal, data=data, now=now)
    await uow.commit()
    return contact


async def update_contact(
    *, uow: UnitOfWork, principal: Principal, contact_id: str, data: ContactUpdate, now: datetime
) -> Contact:
    """Change the fields sent; emit `sales.contact.updated` naming what changed (nothing if nothing did)."""
    contact = await get_contact(uow=uow, principal=principal, contact_id=contact_id)
    changes = data.changes()
    for field in ("emails", "phones"):
        if field in changes:
            changes[field] = unique(changes[field])
    if changes.get("custom_fields") is not None:
        changes["custom_fields"] = await checked_values(
            uow, "contact", contact.custom_fields, changes["custom_fields"]
        )
    if changes.get("account_id") and changes["account_id"] != contact.account_id:
        await _check_account(uow, principal, changes["account_id"])
    if "owner_id" in changes and changes["owner_id"] != contact.owner_id:
        changes["owner_id"], changes["team_id"] = await resolve_owner(uow, principal, changes["owner_id"])
    changed = [f for f in CONTACT_FIELDS if f in changes and changes[f] != getattr(contact, f)]
    if not changed:
        return contact
    for field in changed:
        setattr(contact, field, changes[field])
    contact.updated_at = now
    if {"account_id", "title"} & set(changed):
        await record_position(uow, contact, now)
    if {"emails", "phones"} & set(changed):
        await set_points(uow, contact_id=contact.id, phones=contact.phones, emails=contact.emails)
    uow.emit(
        ContactUpdatedV1(
            aggregate_id=contact.id, occurred_at=now, changed_fields=changed, **contact_snapshot(contact)
        )
    )
    await uow.commit()
    return contact


async def delete_contact(*, uow: UnitOfWork, principal: Principal, contact_id: str, now: datetime) -> None:
    """Delete a contact (soft) and emit `sales.contact.deleted`."""
    contact = await get_contact(uow=uow, principal=principal, contact_id=contact_id)
    contact.deleted_at = contact.updated_at = now
    await set_points(uow, contact_id=contact.id)
    uow.emit(
        ContactDeletedV1(
            aggregate_id=contact.id,
            occurred_at=now,
            account_id=contact.account_id,
            owner_id=contact.owner_id,
            team_id=contact.team_id,
        )
    )
    await uow.commit()


async def get_contact(*, uow: UnitOfWork, principal: Principal, contact_id: str) -> Contact:
    """One contact the caller may see, or not found."""
    return await get_visible(uow, Contact, contact_id, principal, "contact")


async def list_contacts(
    *, uow: UnitOfWork, principal: Principal, filters: ContactFilter, cursor: str | None, limit: int
) -> Page[ContactRead]:
    """The contacts the caller may see, filtered, oldest first, a page at a time."""
    query = visible(Contact, principal)
    for field in ("account_id", "key_person", "owner_id", "team_id"):
        value = getattr(filters, field)
        if value is not None:
            query = query.where(getattr(Contact, field) == value)
    if filters.q:
        term = filters.q.strip()
        query = query.where(
            or_(
                func.lower(Contact.name).like(f"%{term.casefold()}%"),
                Contact.id.in_(holders("email", f"%{term.casefold()}%", ContactPoint.contact_id)),
                Contact.id.in_(holders("phone", f"%{term.lstrip('+')}%", ContactPoint.contact_id)),
            )
        )
    rows = list((await uow.session.execute(keyset(query, Contact, cursor, limit))).scalars())
    return page_of(rows, limit, ContactRead.model_validate)


async def _check_account(uow: UnitOfWork, principal: Principal, account_id: str) -> None:
    try:
        await get_account(uow=uow, principal=principal, account_id=account_id)
    except NotFoundError as error:
        raise InvalidError(f"account {account_id} does not exist", field="account_id") from error
