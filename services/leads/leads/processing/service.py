"""Making leads: normalized values, the duplicate a lead would be, and a new lead scored and routed
(submissions are processed in runs by `leads.processing.batch`)."""

from collections.abc import Callable
from datetime import datetime

from crm_shared.ids import new_id
from crm_shared.messaging.uow import UnitOfWork
from leads.models import Lead
from leads.processing import normalize
from leads.processing.batch_reads import LeadIndex
from leads.processing.router import TeamBook, route_lead
from leads.processing.scorer import rescore
from leads.processing.scoring import Facts
from leads.snapshots import captured

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
    """An existing lead with the same email, else phone, else company domain and name; and which matched
    (the oldest lead wins)."""
    return (await LeadIndex.load(uow, [values])).find(values)


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
    facts: Callable[[Lead], Facts] | None = None,
    teams: TeamBook | None = None,
    store: Callable[[Lead], None] | None = None,
) -> Lead:
    """A new lead from normalized values: stored, scored, routed, and `leads.lead.captured` emitted.

    A batch passes what it read for all its leads (`facts`, `teams`) and stores them all at once."""
    lead = Lead(
        id=new_id(),
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
    known = facts(lead) if facts else None
    await rescore(uow=uow, lead=lead, trigger="captured", always=True, new=True, facts=known)
    await route_lead(
        uow=uow,
        lead=lead,
        default_team_id=default_team_id,
        default_minutes=first_contact_minutes,
        teams=teams,
    )
    (store or uow.session.add)(lead)
    uow.emit(captured(lead))
    return lead
