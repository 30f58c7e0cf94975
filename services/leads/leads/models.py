"""Leads tables: leads and what hangs off them; the feature packages add theirs (imported below)."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from leads.db import Base, messaging

OPEN_STATUSES = ("new", "contacted", "qualified")


class Lead(Base):
    """An unverified sales message: who, from where, how good, owned by whom, how far along."""

    __tablename__ = "lead"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(40), index=True)
    company: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(50), index=True)
    campaign: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="new")
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    company_domain: Mapped[str | None] = mapped_column(String(253), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    custom_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    visitor_id: Mapped[str | None] = mapped_column(String(100), index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    score_breakdown: Mapped[list] = mapped_column(JSON, default=list)
    disqualify_reason: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[str | None] = mapped_column(String(36))
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    account_id: Mapped[str | None] = mapped_column(String(36))
    contact_id: Mapped[str | None] = mapped_column(String(36))
    opportunity_id: Mapped[str | None] = mapped_column(String(36))
    first_contacted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_contact_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    first_contact_warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_contact_breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# dedupe by company domain and (case-insensitive) name without scanning every lead of a big company
Index("ix_lead_company_domain_lower_name", Lead.company_domain, func.lower(Lead.name))


class LeadInteraction(Base):
    """Something the lead did or that happened with them (a form post, a merged duplicate)."""

    __tablename__ = "lead_interaction"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    lead_id: Mapped[str] = mapped_column(ForeignKey("lead.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text, default="")
    submission_id: Mapped[str | None] = mapped_column(String(36))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())


from leads.customers import models as _customers  # noqa: E402,F401
from leads.directory import models as _directory  # noqa: E402,F401 - registers the tables
from leads.forms import models as _forms  # noqa: E402,F401
from leads.lifecycle import models as _lifecycle  # noqa: E402,F401
from leads.processing import models as _processing  # noqa: E402,F401
from leads.prospects import models as _prospects  # noqa: E402,F401

__all__ = ["Base", "Lead", "LeadInteraction", "OPEN_STATUSES", "messaging"]
