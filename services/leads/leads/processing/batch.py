"""Processing a run of submissions at once: each lookup is one query for the whole run, what the run
creates is kept in memory (a later submission dedupes against a lead made earlier in the run, routing
sees the loads and cursors the earlier leads left), and the changes are written in one go at the end.
The events and their order are those of processing the submissions one by one."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select

from crm_shared.events.base import utcnow
from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.customers.service import KnownCustomers
from leads.customers.submissions import form_label, record_on_customer, web_form_interaction
from leads.forms.models import Submission
from leads.models import Lead, LeadInteraction
from leads.processing.batch_reads import Behaviour, LeadIndex
from leads.processing.router import TeamBook
from leads.processing.scorer import rescore
from leads.processing.service import new_lead, normalized
from leads.snapshots import updated

PROCESSABLE = ("accepted", "released")
MERGEABLE = ("email", "phone", "company", "company_domain", "website", "title", "region", "industry")


@dataclass
class Run:
    """What a run of submissions read, and what it will write at the end."""

    submissions: dict[str, Submission]
    customers: KnownCustomers
    leads: LeadIndex
    behaviour: Behaviour
    teams: TeamBook
    values: dict[str, dict]  # the normalized fields, by event id
    created: list[Lead] = field(default_factory=list)
    interactions: list[dict] = field(default_factory=list)


async def process_submissions(
    *, uow: UnitOfWork, events: list[SubmissionReceivedV1], region: str, first_contact_minutes: int
) -> list[Lead | None]:
    """Turn accepted (or released) submissions into new leads or merge them into their duplicates,
    in order; the lead each became (None for one skipped or recorded on a known customer)."""
    await uow.session.flush()  # what this transaction changed before the run, visible to its reads
    with uow.session.no_autoflush:
        run = await _read(uow, events, region)
        leads = [await _process(uow, run, event, first_contact_minutes) for event in events]
        if run.created:
            columns = [c.key for c in Lead.__table__.columns]
            rows = [{c: getattr(lead, c) for c in columns} for lead in run.created]
            await uow.session.execute(insert(Lead.__table__), rows)
        if run.interactions:
            await uow.session.execute(insert(LeadInteraction.__table__), run.interactions)
        await uow.session.flush()
    return leads


async def _read(uow: UnitOfWork, events: list[SubmissionReceivedV1], region: str) -> Run:
    wanted = sorted({e.aggregate_id for e in events if not e.quarantine_reason})
    submissions = {}
    if wanted:
        rows = await uow.session.execute(select(Submission).where(Submission.id.in_(wanted)))
        submissions = {s.id: s for s in rows.scalars()}
    values = {
        e.id_text: normalized(e.fields, region)
        for e in events
        if e.aggregate_id in submissions and submissions[e.aggregate_id].status in PROCESSABLE
    }
    index = await LeadIndex.load(uow, list(values.values()))
    return Run(
        submissions=submissions,
        customers=await KnownCustomers.load(uow=uow, values=list(values.values())),
        leads=index,
        behaviour=await Behaviour.load(uow, list(submissions.values()), index.stored()),
        teams=TeamBook(uow),
        values=values,
    )


async def _process(
    uow: UnitOfWork, run: Run, event: SubmissionReceivedV1, first_contact_minutes: int
) -> Lead | None:
    if event.quarantine_reason:
        return None
    submission = run.submissions.get(event.aggregate_id)
    if submission is None or submission.status not in PROCESSABLE:
        return None
    values = run.values[event.id_text]
    now = utcnow()
    # a known person first (sales contact, then lead), then a known company (sales account)
    customer = run.customers.contact(email=values["email"], phone=values["phone"])
    lead, matched = (None, None) if customer else run.leads.find(values)
    if customer is None and lead is None:
        customer = run.customers.account(domain=values["company_domain"], company=values["company"])
    if customer is not None:
        await record_on_customer(
            uow=uow, submission=submission, event=event, values=values, match=customer, now=now
        )
        return None
    submission.status, submission.processed_at = "processed", now
    if lead is None:
        lead = await _new_lead(uow, run, event, submission, values, first_contact_minutes, now)
    else:
        submission.lead_id = lead.id
        run.behaviour.attach(lead.id, submission.visitor_id)
        _merge_fields(uow, lead, values, event, now)
        run.leads.add(lead)  # a merge may have filled in an email, phone or company domain
        await rescore(uow=uow, lead=lead, trigger="submission", facts=run.behaviour.facts(lead))
    _interaction(uow, run, event, submission, lead, matched)
    return lead


async def _new_lead(
    uow: UnitOfWork,
    run: Run,
    event: SubmissionReceivedV1,
    submission: Submission,
    values: dict,
    minutes: int,
    now: datetime,
) -> Lead:
    def link(created: Lead) -> None:
        submission.lead_id = created.id
        run.behaviour.attach(created.id, submission.visitor_id)

    lead = await new_lead(
        uow=uow,
        values=values,
        source=event.source,
        campaign=event.campaign,
        custom_fields=event.custom_fields,
        visitor_id=event.visitor_id,
        default_team_id=event.default_team_id,
        first_contact_minutes=minutes,
        now=now,
        before_scoring=link,
        facts=lambda created: run.behaviour.facts(created, new=True),
        teams=run.teams,
        store=run.created.append,
    )
    run.leads.add(lead)
    return lead


def _interaction(
    uow: UnitOfWork,
    run: Run,
    event: SubmissionReceivedV1,
    submission: Submission,
    lead: Lead,
    matched: str | None,
) -> None:
    summary = _summary(event, matched)
    run.interactions.append(
        {
            "id": new_id(),
            "lead_id": lead.id,
            "channel": "web",
            "kind": "form_submission",
            "summary": summary,
            "submission_id": submission.id,
            "occurred_at": event.occurred_at,
            "data": {"utm": event.utm, "page_url": event.page_url, "referrer": event.referrer},
        }
    )
    uow.emit(
        web_form_interaction(
            event,
            submission.id,
            summary,
            lead_id=lead.id,
            contact_id=lead.contact_id,
            account_id=lead.account_id,
            email=lead.email,
            phone=lead.phone,
        )
    )


def _merge_fields(
    uow: UnitOfWork, lead: Lead, values: dict, event: SubmissionReceivedV1, now: datetime
) -> list[str]:
    if lead.locked:
        return []
    changed = [f for f in MERGEABLE if values.get(f) and not getattr(lead, f)]
    for name in changed:
        setattr(lead, name, values[name])
    new_custom = {k: v for k, v in event.custom_fields.items() if k not in (lead.custom_fields or {})}
    if new_custom:
        lead.custom_fields = {**(lead.custom_fields or {}), **new_custom}
        changed.append("custom_fields")
    if event.visitor_id and not lead.visitor_id:
        lead.visitor_id = event.visitor_id
    lead.updated_at = now
    changed.append("interactions")
    uow.emit(updated(lead, changed))
    return changed


def _summary(event: SubmissionReceivedV1, matched: str | None) -> str:
    text = f"Web form {form_label(event)} submitted"
    if matched:
        text += f" (merged into an existing lead by {matched})"
    message = event.fields.get("message")
    return f"{text}: {message[:300]}" if message else text
