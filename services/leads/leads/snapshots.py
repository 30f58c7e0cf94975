"""A lead as its events carry it."""

from crm_shared.events.leads import LeadCapturedV1, LeadUpdatedV1
from leads.models import Lead

SNAPSHOT_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "company_domain",
    "title",
    "region",
    "industry",
    "source",
    "campaign",
    "status",
    "score",
    "owner_id",
    "team_id",
    "custom_fields",
    "account_id",
    "contact_id",
    "opportunity_id",
)


def snapshot(lead: Lead) -> dict:
    """The lead's fields as `LeadSnapshot` events carry them."""
    return {field: getattr(lead, field) for field in SNAPSHOT_FIELDS}


def captured(lead: Lead) -> LeadCapturedV1:
    """The `leads.lead.captured` event of a new lead."""
    return LeadCapturedV1(
        aggregate_id=lead.id,
        occurred_at=lead.created_at,
        name=lead.name,
        email=lead.email,
        phone=lead.phone,
        company=lead.company,
        source=lead.source,
        campaign=lead.campaign,
        owner_id=lead.owner_id,
        team_id=lead.team_id,
        status=lead.status,
    )


def updated(lead: Lead, changed: list[str]) -> LeadUpdatedV1:
    """The `leads.lead.updated` event naming what changed."""
    return LeadUpdatedV1(
        aggregate_id=lead.id, occurred_at=lead.updated_at, changed_fields=changed, **snapshot(lead)
    )
