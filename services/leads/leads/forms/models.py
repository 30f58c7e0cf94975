"""Web forms and their submissions."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from leads.db import Base


class WebForm(Base):
    """A form on a company website that posts leads to us, as an admin configured it."""

    __tablename__ = "web_form"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    allowed_origins: Mapped[list] = mapped_column(JSON, default=list)
    field_mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    required_fields: Mapped[list] = mapped_column(JSON, default=list)
    honeypot_field: Mapped[str | None] = mapped_column(String(100))
    min_fill_seconds: Mapped[int] = mapped_column(Integer, default=0)
    thank_you_url: Mapped[str | None] = mapped_column(String(2000))
    error_url: Mapped[str | None] = mapped_column(String(2000))
    source: Mapped[str] = mapped_column(String(50), default="web_form")
    campaign: Mapped[str | None] = mapped_column(String(100))
    default_team_id: Mapped[str | None] = mapped_column(String(36))
    rate_limit: Mapped[str | None] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# columns a post leaves empty until later (its lead, a customer match) or often (the visitor cookie): their
# indexes hold only the rows that have a value, so storing a post skips them
SPARSE = ("visitor_id", "lead_id", "contact_id", "account_id", "customer_owner_id")
QUARANTINED = "status = 'quarantined'"


def _where(condition: str) -> dict:
    return {"sqlite_where": text(condition), "postgresql_where": text(condition)}


class Submission(Base):
    """One accepted post of a form, stored before it is answered; processed into a lead later."""

    __tablename__ = "submission"
    __table_args__ = (
        *(Index(f"ix_submission_{name}", name, **_where(f"{name} IS NOT NULL")) for name in SPARSE),
        # the quarantine list (a form's, newest first); accepted and processed posts are never in it
        Index("ix_submission_quarantined", "form_id", "received_at", **_where(QUARANTINED)),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    form_id: Mapped[str] = mapped_column(String(36), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))  # accepted|quarantined|released|processed
    quarantine_reason: Mapped[str | None] = mapped_column(Text)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    custom_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    utm: Mapped[dict] = mapped_column(JSON, default=dict)
    referrer: Mapped[str | None] = mapped_column(String(2000))
    page_url: Mapped[str | None] = mapped_column(String(2000))
    visitor_id: Mapped[str | None] = mapped_column(String(100))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    lead_id: Mapped[str | None] = mapped_column(String(36))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    released_by: Mapped[str | None] = mapped_column(String(36))
    # a submission from a known customer (no lead made): the customer it was recorded on, and why
    matched_by: Mapped[str | None] = mapped_column(String(40))
    contact_id: Mapped[str | None] = mapped_column(String(36))
    account_id: Mapped[str | None] = mapped_column(String(36))
    customer_owner_id: Mapped[str | None] = mapped_column(String(36))
    customer_team_id: Mapped[str | None] = mapped_column(String(36))
