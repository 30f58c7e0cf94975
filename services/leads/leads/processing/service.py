"""Processing a submission into a lead: normalize, dedupe or merge, score, route, record the interaction."""

from collections.abc import Callable
from datetime import datetime
from uuid import uuid4

from sqlalchemy import func, or_, select

from crm_shared.events.base import utcnow
from crm_shared.events.interactions import InteractionRecordedV1
from crm_shared.events.leads import SubmissionReceivedV1
from crm_shared.messaging.uow import UnitOfWork
from leads.customers import service as customers
from leads.customers.submissions import record_on_customer
from leads.forms.models import Submission
from leads.models import Lead, LeadInteraction
from leads.processing import normalize
from leads.processing.router import route_lead
from leads.processing.scorer import rescore
from leads.snapshots import captured, updated

MERGEABLE = ("email", "phone", "company", "company_domain", "website", "title", "region", "industry")


# column sizes of the lead table: a value past them is cut, never a poison event
LIMITS = {
    "name": 200,
    "email": 320,
    "phone": 40,
    "company": 200,
    "website": 300,
    "company_domain": 253,
    "title": 200,
    "region": 100,
    "industry": 100,
}


def normalized(fields: dict[str, str], region: str) -> dict[str, str | None]:
    """The posted lead fields, normalized and cut to the lead's column sizes."""
    email = normalize.email(fields.get("email"))
    if email and len(email) > normalize.LIMITS["email"]:
        email = None  # not an address we could ever write to
    phone = normalize.phone(fields.get("phone"), region)
    values = {
        "name": normalize.display_name(fields, email, phone),
        "email": email,
        "phone": phone,
        "company": normalize.name(fields.get("company")),
        "website": (fields.get("website") or "").strip() or None,
        "company_domain": normalize.company_domain(fields.get("website"), email),
        "title": normalize.name(fields.get("title")),
        "region": normalize.name(fields.get("region")),
        "industry": normalize.name(fields.get("industry")),
    }
    return normalize.clip(values)


async def find_duplicate(uow: UnitOfWork, values: dict) -> tuple[Lead | None, str | None]:
    """An existing lead with the same email, else phone, else company domain and name; and which matched."""
    alive = Lead.merged_into_id.is_(None)
    checks = []
    if values.get("email"):
        checks.append(("email", Lead.email == values["email"]))
    if values.get("phone"):
        checks.append(("phone", Lead.phone == values["phone"]))
    if values.get("company_domain"):
        checks.append(
            (
                "company domain and name",
                (Lead.company_domain == values["company_domain"])
                & (func.lower(Lead.name) == values["name"].lower()),
            )
        )
    if not checks:
        return None, None
    query = select(Lead).where(alive, or_(*(condition for _, condition in checks)))
    found = list((await uow.session.execute(query.order_by(Lead.created_at, Lead.id).limit(50))).scalars())
    for label, _ in checks:  # email first, then phone, then domain and name; the oldest lead wins
        for lead in found:
            if _matches(label, lead, values):
                return lead, label
    return None, None


def _matches(label: str, lead: Lead, values: dict) -> bool:
    if label == "email":
        return lead.email == values["email"]
    if label == "phone":
        return lead.phone == values["phone"]
    return lead.company_domain == values["company_domain"] and lead.name.lower() == values["name"].lower()


async def process_submission(
    *,
    uow: UnitOfWork,
    event: SubmissionReceivedV1,
    region: str,
    first_contact_minutes: int,
) -> Lead | None:
    """Turn an accepted (or released) submission into a new lead, or merge it into its duplicate."""
    if event.quarantine_reason:
        return None
    submission = await uow.session.get(Submission, event.aggregate_id)
    if submission is None or submission.status not in ("accepted", "released"):
        return None
    values = normalized(event.fields, region)
    now = utcnow()
    # a known person first (sales contact, then lead), then a known company (sales account)
    customer = await customers.find_contact(uow=uow, email=values["email"], phone=values["phone"])
    lead, matched = (None, None) if customer else await find_duplicate(uow, values)
    if customer is None and lead is None:
        customer = await customers.find_account(
            uow=uow, domain=values["company_domain"], company=values["company"]
        )
    if customer is not None:
        await record_on_customer(
            uow=uow, submission=submission, event=event, values=values, match=customer, now=now
        )
        return None
    submission.status, submission.processed_at = "processed", now
    if lead is None:
        lead = await new_lead(
            uow=uow,
            values=values,
            source=event.source,
            campaign=event.campaign,
            custom_fields=event.custom_fields,
            visitor_id=event.visitor_id,
            default_team_id=event.default_team_id,
            first_contact_minutes=first_contact_minutes,
            now=now,
            before_scoring=lambda created: setattr(submission, "lead_id", created.id),
        )
    else:
        submission.lead_id = lead.id
        _merge_fields(uow, lead, values, event, now)
        await rescore(uow=uow, lead=lead, trigger="submission")
    summary = _summary(event, matched)
    uow.session.add(
        LeadInteraction(
            id=str(uuid4()),
            lead_id=lead.id,
            channel="web",
            kind="form_submission",
            summary=summary,
            submission_id=submission.id,
            occurred_at=event.occurred_at,
            data={"utm": event.utm, "page_url": event.page_url, "referrer": event.referrer},
        )
    )
    uow.emit(
        InteractionRecordedV1(
            aggregate_id=str(uuid4()),
            occurred_at=event.occurred_at,
            channel="web",
            kind="form_submission",
            lead_id=lead.id,
            contact_id=lead.contact_id,
            account_id=lead.account_id,
            email=lead.email,
            phone=lead.phone,
            summary=summary,
            source_service="leads",
            record_id=submission.id,
            correlation_id=event.event_id,
        )
    )
    return lead


async def new_lead(
    *,
    uow: UnitOfWork,
    values: dict,
    source: str,
    campaign: str | None,
    custom_fields: dict[str, str],
    visitor_id: str | None,
    default_team_id: str | None,
    first_contact_minutes: int,
    now: datetime,
    before_scoring: Callable[[Lead], None] = lambda lead: None,
) -> Lead:
    """A new lead from normalized values: stored, scored, routed, and `leads.lead.captured` emitted."""
    lead = Lead(
        id=str(uuid4()),
        status="new",
        source=source,
        campaign=campaign[:100] if campaign else None,
        custom_fields=dict(custom_fields),
        visitor_id=visitor_id,
        score=0,
        score_breakdown=[],
        locked=False,
        created_at=now,
        updated_at=now,
        **values,
    )
    before_scoring(lead)  # scored and routed before it is added: one INSERT, no UPDATE after it
    await rescore(uow=uow, lead=lead, trigger="captured", always=True, new=True)
    await route_lead(
        uow=uow, lead=lead, default_team_id=default_team_id, default_minutes=first_contact_minutes
    )
    uow.session.add(lead)
    uow.emit(captured(lead))
    return lead


def _merge_fields(uow: UnitOfWork, lead: Lead, values: dict, event: SubmissionReceivedV1, now) -> list[str]:
    if lead.locked:
        return []
    changed = [f for f in MERGEABLE if values.get(f) and not getattr(lead, f)]
    for field in changed:
        setattr(lead, field, values[field])
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
    text = f"Web form {event.form_id} submitted"
    if matched:
        text += f" (merged into an existing lead by {matched})"
    message = event.fields.get("message")
    return f"{text}: {message[:300]}" if message else text
