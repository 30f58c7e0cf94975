"""Lifecycle use cases: status changes, edits, reassignment, conversion and merging of leads."""

from datetime import datetime

from sqlalchemy import update

from crm_shared.auth import Principal, Role
from crm_shared.events.leads import (
    ConvertedAccount,
    ConvertedContact,
    LeadAssignedV1,
    LeadConvertedV1,
    LeadDisqualifiedV1,
    LeadMergedV1,
    LeadStatusChangedV1,
)
from crm_shared.events.sales import LeadConversionAppliedV1
from crm_shared.http.problems import ConflictError, InvalidError
from crm_shared.messaging.uow import UnitOfWork
from leads.directory.models import DirectoryUser
from leads.forms.models import Submission
from leads.lifecycle.domain import check_transition, check_unlocked
from leads.lifecycle.models import Activity, Task
from leads.lifecycle.schemas import Assignment, ConvertRequest, LeadUpdate, StatusChange
from leads.models import Lead, LeadInteraction
from leads.processing import normalize
from leads.processing.scorer import rescore
from leads.service import get_lead
from leads.snapshots import snapshot, updated

MERGED_FIELDS = ("email", "phone", "company", "company_domain", "website", "title", "region", "industry")


async def change_status(
    *, uow: UnitOfWork, lead_id: str, data: StatusChange, principal: Principal, now: datetime
) -> Lead:
    """Move the lead along its lifecycle; emits status-changed (and disqualified with the reason)."""
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    check_unlocked(lead.locked, lead.id)
    check_transition(lead.status, data.status, data.reason)
    set_status(uow, lead, data.status, principal.user_id, now, reason=data.reason)
    await uow.commit()
    return lead


def set_status(
    uow: UnitOfWork, lead: Lead, status: str, by: str | None, now: datetime, reason: str | None = None
):
    """Apply a (checked) status change and emit its events."""
    previous, lead.status, lead.updated_at = lead.status, status, now
    if status == "contacted" and lead.first_contacted_at is None:
        lead.first_contacted_at = now
    if status == "disqualified":
        lead.disqualify_reason = (reason or "").strip()
        uow.emit(
            LeadDisqualifiedV1(
                aggregate_id=lead.id,
                occurred_at=now,
                reason=lead.disqualify_reason,
                changed_by=by,
                **snapshot(lead),
            )
        )
    uow.emit(
        LeadStatusChangedV1(
            aggregate_id=lead.id,
            occurred_at=now,
            previous_status=previous,
            changed_by=by,
            changed_fields=["status"],
            **snapshot(lead),
        )
    )


async def update_lead(
    *, uow: UnitOfWork, lead_id: str, data: LeadUpdate, principal: Principal, region: str, now: datetime
) -> Lead:
    """Change the fields sent (normalized); emits updated with what changed, and rescores."""
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    check_unlocked(lead.locked, lead.id)
    changes = data.model_dump(exclude_unset=True)
    if "phone" in changes and changes["phone"]:
        changes["phone"] = normalize.phone(changes["phone"], region)
        if changes["phone"] is None:
            raise InvalidError("not a valid phone number", field="phone")
    if "email" in changes:
        changes["email"] = normalize.email(changes["email"])
    if "website" in changes or "email" in changes:
        changes["company_domain"] = normalize.company_domain(
            changes.get("website", lead.website), changes.get("email", lead.email)
        )
    changed = [field for field, value in changes.items() if getattr(lead, field) != value]
    if not changed:
        return lead
    for field in changed:
        setattr(lead, field, changes[field])
    lead.updated_at = now
    uow.emit(updated(lead, changed))
    await rescore(uow=uow, lead=lead, trigger="update")
    await uow.commit()
    return lead


async def reassign(*, uow: UnitOfWork, lead_id: str, data: Assignment, principal: Principal) -> Lead:
    """A manager hands the lead to an active rep (of their own team unless admin)."""
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    check_unlocked(lead.locked, lead.id)
    user = await uow.session.get(DirectoryUser, data.owner_id)
    if user is None or not user.active:
        raise InvalidError(f"user {data.owner_id} is not an active user of the directory", field="owner_id")
    team_id = data.team_id or user.team_id
    if principal.role is not Role.ADMIN and team_id != principal.team_id:
        raise InvalidError("a manager assigns within their own team", field="owner_id")
    previous = lead.owner_id
    lead.owner_id, lead.team_id = user.id, team_id
    uow.emit(
        LeadAssignedV1(
            aggregate_id=lead.id,
            owner_id=user.id,
            team_id=team_id,
            previous_owner_id=previous,
            strategy="manual",
            assigned_by=principal.user_id,
            reason=f"reassigned by {principal.name or principal.user_id}",
        )
    )
    await uow.commit()
    return lead


async def convert(
    *, uow: UnitOfWork, lead_id: str, data: ConvertRequest, principal: Principal, now: datetime
) -> Lead:
    """Convert a qualified lead: lock it and emit `leads.lead.converted` for sales to act on."""
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    check_unlocked(lead.locked, lead.id)
    if lead.status != "qualified":
        raise ConflictError(
            f"only a qualified lead can be converted; this one is {lead.status}", field="status"
        )
    account = data.account or ConvertedAccount(
        name=lead.company or lead.name, domain=lead.company_domain, industry=lead.industry, region=lead.region
    )
    if account.existing_account_id is None and not account.name:
        account = account.model_copy(update={"name": lead.company or lead.name})
    contact = data.contact or ConvertedContact(
        name=lead.name, email=lead.email, phone=lead.phone, title=lead.title
    )
    if contact.existing_contact_id is None and not contact.name:
        contact = contact.model_copy(update={"name": lead.name})
    lead.locked, lead.converted_at = True, now
    uow.emit(
        LeadConvertedV1(
            aggregate_id=lead.id,
            occurred_at=now,
            account=account,
            contact=contact,
            opportunity=data.opportunity,
            owner_id=lead.owner_id,
            team_id=lead.team_id,
            source=lead.source,
            campaign=lead.campaign,
        )
    )
    set_status(uow, lead, "converted", principal.user_id, now)
    await uow.commit()
    return lead


async def store_back_links(*, uow: UnitOfWork, event: LeadConversionAppliedV1) -> None:
    """Keep the account, contact and opportunity sales made or linked for a converted lead; a
    redelivery or an older conversion changes nothing (`leads.lead.updated` only on a change)."""
    lead = await uow.session.get(Lead, event.lead_id)
    if lead is None:
        return  # not one of ours (or erased)
    links = {"account_id": event.account_id, "contact_id": event.contact_id}
    links["opportunity_id"] = event.opportunity_id or lead.opportunity_id  # a link-only re-apply keeps it
    changed = [field for field, value in links.items() if value and getattr(lead, field) != value]
    if not changed:
        return
    for field in changed:
        setattr(lead, field, links[field])
    lead.updated_at = event.occurred_at
    uow.emit(updated(lead, changed))


async def merge(*, uow: UnitOfWork, lead_id: str, other_id: str, principal: Principal, now: datetime) -> Lead:
    """Merge `other_id` into `lead_id`: interactions, activities, tasks and submissions move; it closes."""
    if lead_id == other_id:
        raise InvalidError("a lead cannot be merged into itself", field="other_lead_id")
    lead = await get_lead(uow=uow, lead_id=lead_id, principal=principal)
    other = await get_lead(uow=uow, lead_id=other_id, principal=principal)
    for record in (lead, other):
        check_unlocked(record.locked, record.id)
        if record.merged_into_id:
            raise ConflictError(f"lead {record.id} was already merged into {record.merged_into_id}")
    for table in (LeadInteraction, Activity, Task, Submission):
        await uow.session.execute(update(table).where(table.lead_id == other.id).values(lead_id=lead.id))
    changed = [field for field in MERGED_FIELDS if getattr(other, field) and not getattr(lead, field)]
    for field in changed:
        setattr(lead, field, getattr(other, field))
    lead.custom_fields = {**(other.custom_fields or {}), **(lead.custom_fields or {})}
    lead.visitor_id = lead.visitor_id or other.visitor_id
    other.merged_into_id, other.updated_at, lead.updated_at = lead.id, now, now
    uow.emit(
        LeadMergedV1(
            aggregate_id=lead.id, occurred_at=now, merged_lead_id=other.id, merged_by=principal.user_id
        )
    )
    uow.emit(updated(lead, [*changed, "interactions"]))
    await uow.session.flush()
    await rescore(uow=uow, lead=lead, trigger="merge")
    await uow.commit()
    return lead
