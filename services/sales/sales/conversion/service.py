"""Lead conversion: create or link the account and contact, open the opportunity when asked; every new
record keeps source type "lead" and the lead's id; every application emits `sales.lead.conversion-applied`
naming the records the lead now stands behind (also when it only linked existing ones).
Safe to apply twice."""

from datetime import datetime

from pydantic_core import PydanticCustomError
from sqlalchemy import select

from crm_shared.events.leads import LeadConvertedV1
from crm_shared.events.sales import LeadConversionAppliedV1
from crm_shared.messaging.uow import UnitOfWork
from sales.contactinfo import name_key, normalize_domain, to_e164
from sales.customers.accounts import add_account, update_account
from sales.customers.contacts import add_contact
from sales.customers.models import Account, Contact, ContactPoint
from sales.customers.schemas import AccountCreate, AccountUpdate, ContactCreate
from sales.models import AppUser
from sales.pipeline.models import Opportunity, Pipeline
from sales.pipeline.opportunities import add_opportunity
from sales.pipeline.schemas import OpportunityCreate

LEAD = "lead"


async def convert_lead(*, uow: UnitOfWork, event: LeadConvertedV1, now: datetime) -> None:
    """Apply a converted lead (no commit: the consumer commits it with its inbox row)."""
    owner_id = await _known_user(uow, event.owner_id)
    account, account_created = await _account(uow, event, owner_id, now)
    contact, contact_created = await _contact(uow, event, account, owner_id, now)
    opportunity_id = await _opened_already(uow, event.aggregate_id)
    if event.opportunity is not None and opportunity_id is None:
        wanted = event.opportunity
        pipeline_id = (
            wanted.pipeline_id
            if wanted.pipeline_id and await uow.session.get(Pipeline, wanted.pipeline_id)
            else None
        )
        data = OpportunityCreate(
            name=wanted.name,
            account_id=account.id,
            pipeline_id=pipeline_id,
            amount=wanted.amount,
            currency=wanted.currency,
            expected_close_date=wanted.expected_close_date,
            contact_roles=[{"contact_id": contact.id, "role": "decision_maker"}]
            if contact.key_person
            else [],
            source_type=LEAD,
            source_id=event.aggregate_id,
        )
        opportunity = await add_opportunity(
            uow=uow, principal=None, data=data, now=now, owner_id=owner_id or account.owner_id
        )
        opportunity_id = opportunity.id
    uow.emit(
        LeadConversionAppliedV1(
            aggregate_id=account.id,
            occurred_at=now,
            causation_id=event.event_id,
            correlation_id=event.correlation_id,
            lead_id=event.aggregate_id,
            account_id=account.id,
            contact_id=contact.id,
            opportunity_id=opportunity_id,
            account_created=account_created,
            contact_created=contact_created,
        )
    )


async def _account(
    uow: UnitOfWork, event: LeadConvertedV1, owner_id: str | None, now: datetime
) -> tuple[Account, bool]:
    """The account to link (given, same domain, or same name), or a new prospect; whether it is new."""
    spec = event.account
    if spec.existing_account_id:
        account = await uow.session.get(Account, spec.existing_account_id)
        if account is not None and account.deleted_at is None:
            return account, False
    domain = _domain(spec.domain)
    name = spec.name or domain or event.contact.name or f"Lead {event.aggregate_id}"
    for column, value in ((Account.domain, domain), (Account.name_key, name_key(name))):
        if value:
            found = await uow.session.execute(
                select(Account)
                .where(column == value, Account.deleted_at.is_(None))
                .order_by(Account.created_at)
                .limit(1)
            )
            if account := found.scalar_one_or_none():
                if domain and not account.domain:  # learn the domain, so later leads match on it
                    await update_account(
                        uow=uow,
                        principal=None,
                        account_id=account.id,
                        data=AccountUpdate(domain=domain),
                        now=now,
                        commit=False,
                    )
                return account, False
    data = AccountCreate(
        name=name,
        domain=domain,
        industry=spec.industry,
        size=spec.size,
        region=spec.region,
        status="prospect",
        source_type=LEAD,
        source_id=event.aggregate_id,
    )
    return await add_account(uow=uow, principal=None, data=data, now=now, owner_id=owner_id), True


async def _contact(
    uow: UnitOfWork, event: LeadConvertedV1, account: Account, owner_id: str | None, now: datetime
) -> tuple[Contact, bool]:
    """The contact to link (given, or same email or phone at the account), or a new one; whether it is new."""
    spec = event.contact
    if spec.existing_contact_id:
        contact = await uow.session.get(Contact, spec.existing_contact_id)
        if contact is not None and contact.deleted_at is None:
            return contact, False
    email = spec.email.strip().lower() if spec.email else None
    phone = _phone(spec.phone)
    for kind, value in (("email", email), ("phone", phone)):
        if value:
            found = await uow.session.execute(
                select(Contact)
                .join(ContactPoint, ContactPoint.contact_id == Contact.id)
                .where(
                    ContactPoint.kind == kind,
                    ContactPoint.value == value,
                    Contact.account_id == account.id,
                    Contact.deleted_at.is_(None),
                )
                .limit(1)
            )
            if contact := found.scalar_one_or_none():
                return contact, False
    data = ContactCreate.model_construct(
        name=spec.name or email or phone or account.name,
        account_id=account.id,
        title=spec.title,
        emails=[email] if email else [],
        phones=[phone] if phone else [],
        key_person=False,
        owner_id=None,
        source_type=LEAD,
        source_id=event.aggregate_id,
    )
    contact = await add_contact(
        uow=uow, principal=None, data=data, now=now, owner_id=owner_id or account.owner_id
    )
    return contact, True


async def _opened_already(uow: UnitOfWork, lead_id: str) -> str | None:
    """The opportunity an earlier conversion of this lead opened, if any."""
    found = await uow.session.execute(
        select(Opportunity.id)
        .where(Opportunity.source_type == LEAD, Opportunity.source_id == lead_id)
        .order_by(Opportunity.created_at)
        .limit(1)
    )
    return found.scalar_one_or_none()


async def _known_user(uow: UnitOfWork, user_id: str | None) -> str | None:
    """The owner the lead names if the directory knows them (the account stays unowned otherwise)."""
    if user_id and (user := await uow.session.get(AppUser, user_id)) is not None and user.active:
        return user.id
    return None


def _domain(raw: str | None) -> str | None:
    try:
        return normalize_domain(raw) if raw else None
    except PydanticCustomError:
        return None


def _phone(raw: str | None) -> str | None:
    try:
        return to_e164(raw) if raw else None
    except PydanticCustomError:
        return None
