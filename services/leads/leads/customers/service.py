"""Use cases of the customer replica: upserts and drops of sales' snapshots, and matching a submission."""

from dataclasses import dataclass

from sqlalchemy import delete, or_, select

from crm_shared.db import dialect_insert
from crm_shared.events.sales import AccountDeletedV1, AccountSnapshot, ContactDeletedV1, ContactSnapshot
from crm_shared.messaging.uow import UnitOfWork
from leads.customers.models import CustomerAccount, CustomerContact, CustomerContactKey
from leads.processing import normalize


@dataclass(frozen=True)
class CustomerMatch:
    """A known customer a submission belongs to, how it was recognised, and who owns it."""

    matched_by: str
    contact_id: str | None
    account_id: str | None
    owner_id: str | None
    team_id: str | None


def name_key(value: str | None) -> str | None:
    """A company name as dedupe compares it: whitespace collapsed, case folded."""
    cleaned = normalize.name(value)
    return cleaned.casefold()[:200] if cleaned else None


async def upsert_account(*, uow: UnitOfWork, event: AccountSnapshot) -> None:
    """Store the account's latest snapshot."""
    domain = (event.domain or "").strip().lower().removeprefix("www.") or None
    values = {
        "name": event.name[:200],
        "name_key": name_key(event.name) or "",
        "domain": domain[:253] if domain else None,
        "owner_id": event.owner_id,
        "team_id": event.team_id,
    }
    insert = dialect_insert(uow.session)(CustomerAccount).values(id=event.aggregate_id, **values)
    await uow.session.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))


async def upsert_contact(*, uow: UnitOfWork, event: ContactSnapshot, region: str) -> None:
    """Store the contact's latest snapshot and replace its email and phone keys."""
    emails = sorted({e for e in map(normalize.email, event.emails) if e and len(e) <= 320})
    phones = sorted({p for p in (normalize.phone(p, region) for p in event.phones) if p})
    values = {
        "account_id": event.account_id,
        "name": event.name[:200],
        "emails": emails,
        "phones": phones,
        "owner_id": event.owner_id,
        "team_id": event.team_id,
    }
    insert = dialect_insert(uow.session)(CustomerContact).values(id=event.aggregate_id, **values)
    await uow.session.execute(insert.on_conflict_do_update(index_elements=["id"], set_=values))
    await uow.session.execute(
        delete(CustomerContactKey).where(CustomerContactKey.contact_id == event.aggregate_id)
    )
    keys = [{"kind": "email", "value": e} for e in emails] + [{"kind": "phone", "value": p} for p in phones]
    if keys:
        rows = [{**key, "contact_id": event.aggregate_id} for key in keys]
        await uow.session.execute(dialect_insert(uow.session)(CustomerContactKey).values(rows))


async def drop_account(*, uow: UnitOfWork, event: AccountDeletedV1) -> None:
    """Forget a deleted account."""
    await uow.session.execute(delete(CustomerAccount).where(CustomerAccount.id == event.aggregate_id))


async def drop_contact(*, uow: UnitOfWork, event: ContactDeletedV1) -> None:
    """Forget a deleted contact and its keys."""
    await uow.session.execute(
        delete(CustomerContactKey).where(CustomerContactKey.contact_id == event.aggregate_id)
    )
    await uow.session.execute(delete(CustomerContact).where(CustomerContact.id == event.aggregate_id))


async def find_contact(*, uow: UnitOfWork, email: str | None, phone: str | None) -> CustomerMatch | None:
    """The known contact with this email, else this phone (the oldest id on a tie)."""
    keys = [("email", email)] if email else []
    keys += [("phone", phone)] if phone else []
    if not keys:
        return None
    # one equality per key, OR-ed: each is a search of the key table's primary key (a row-value IN
    # made SQLite scan every contact); the few rows found are ordered here
    query = (
        select(CustomerContactKey.kind, CustomerContact)
        .join(CustomerContact, CustomerContact.id == CustomerContactKey.contact_id)
        .where(or_(*((CustomerContactKey.kind == k) & (CustomerContactKey.value == v) for k, v in keys)))
    )
    found = sorted((await uow.session.execute(query)).all(), key=lambda row: row[1].id)
    for kind, _ in keys:  # email first, then phone
        contact = next((c for k, c in found if k == kind), None)
        if contact is not None:
            return await _contact_match(uow, contact, f"contact {kind}")
    return None


async def find_account(*, uow: UnitOfWork, domain: str | None, company: str | None) -> CustomerMatch | None:
    """The known account with this company domain and name."""
    key = name_key(company)
    if not domain or not key:
        return None
    query = (
        select(CustomerAccount)
        .where(CustomerAccount.domain == domain, CustomerAccount.name_key == key)
        .order_by(CustomerAccount.id)
        .limit(1)
    )
    account = (await uow.session.execute(query)).scalar()
    if account is None:
        return None
    return CustomerMatch("account domain and name", None, account.id, account.owner_id, account.team_id)


async def _contact_match(uow: UnitOfWork, contact: CustomerContact, matched_by: str) -> CustomerMatch:
    owner_id, team_id = contact.owner_id, contact.team_id
    if owner_id is None and contact.account_id:  # an unowned contact follows its account's owner
        account = await uow.session.get(CustomerAccount, contact.account_id)
        if account is not None:
            owner_id, team_id = account.owner_id, account.team_id
    return CustomerMatch(matched_by, contact.id, contact.account_id, owner_id, team_id)
