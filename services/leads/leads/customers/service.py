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
    known = await KnownCustomers.load(uow=uow, values=[{"email": email, "phone": phone}])
    return known.contact(email=email, phone=phone)


async def find_account(*, uow: UnitOfWork, domain: str | None, company: str | None) -> CustomerMatch | None:
    """The known account with this company domain and name."""
    known = await KnownCustomers.load(uow=uow, values=[{"company_domain": domain, "company": company}])
    return known.account(domain=domain, company=company)


@dataclass
class KnownCustomers:
    """The contacts and accounts a run of submissions could belong to, read in three queries at most;
    `contact()` and `account()` then answer as `find_contact` and `find_account` would."""

    contacts: dict[tuple[str, str], CustomerMatch]
    accounts: dict[tuple[str, str], CustomerMatch]

    @classmethod
    async def load(cls, *, uow: UnitOfWork, values: list[dict]) -> "KnownCustomers":
        """Read the customers matching any of these normalized submissions' emails, phones and companies."""
        return cls(await _contacts_by_key(uow, values), await _accounts_by_company(uow, values))

    def contact(self, *, email: str | None, phone: str | None) -> CustomerMatch | None:
        """The known contact with this email, else this phone (the oldest id on a tie)."""
        found = (email and self.contacts.get(("email", email))) or (
            phone and self.contacts.get(("phone", phone))
        )
        return found or None

    def account(self, *, domain: str | None, company: str | None) -> CustomerMatch | None:
        """The known account with this company domain and name."""
        key = name_key(company)
        return self.accounts.get((domain, key)) if domain and key else None


async def _contacts_by_key(uow: UnitOfWork, values: list[dict]) -> dict[tuple[str, str], CustomerMatch]:
    emails = sorted({v["email"] for v in values if v.get("email")})
    phones = sorted({v["phone"] for v in values if v.get("phone")})
    wanted = [(k, keys) for k, keys in (("email", emails), ("phone", phones)) if keys]
    if not wanted:
        return {}
    query = (
        select(CustomerContactKey.kind, CustomerContactKey.value, CustomerContact)
        .join(CustomerContact, CustomerContact.id == CustomerContactKey.contact_id)
        .where(
            or_(*((CustomerContactKey.kind == k) & CustomerContactKey.value.in_(keys) for k, keys in wanted))
        )
    )
    oldest: dict[tuple[str, str], CustomerContact] = {}
    for kind, value, contact in (await uow.session.execute(query)).all():
        if (kind, value) not in oldest or contact.id < oldest[(kind, value)].id:
            oldest[(kind, value)] = contact
    follow = {c.account_id for c in oldest.values() if c.owner_id is None and c.account_id}
    accounts = {}
    if follow:  # an unowned contact follows its account's owner
        rows = await uow.session.execute(select(CustomerAccount).where(CustomerAccount.id.in_(follow)))
        accounts = {a.id: a for a in rows.scalars()}
    return {key: _match_of(contact, accounts, f"contact {key[0]}") for key, contact in oldest.items()}


def _match_of(contact: CustomerContact, accounts: dict, matched_by: str) -> CustomerMatch:
    owner_id, team_id = contact.owner_id, contact.team_id
    account = accounts.get(contact.account_id) if owner_id is None else None
    if account is not None:
        owner_id, team_id = account.owner_id, account.team_id
    return CustomerMatch(matched_by, contact.id, contact.account_id, owner_id, team_id)


async def _accounts_by_company(uow: UnitOfWork, values: list[dict]) -> dict[tuple[str, str], CustomerMatch]:
    pairs = {
        (v["company_domain"], key)
        for v in values
        if v.get("company_domain") and (key := name_key(v.get("company")))
    }
    if not pairs:
        return {}
    query = select(CustomerAccount).where(
        CustomerAccount.domain.in_(sorted({d for d, _ in pairs})),
        CustomerAccount.name_key.in_(sorted({k for _, k in pairs})),
    )
    found: dict[tuple[str, str], CustomerAccount] = {}
    for account in (await uow.session.execute(query.order_by(CustomerAccount.id))).scalars():
        found.setdefault((account.domain, account.name_key), account)
    return {
        pair: CustomerMatch("account domain and name", None, a.id, a.owner_id, a.team_id)
        for pair, a in found.items()
        if pair in pairs
    }
