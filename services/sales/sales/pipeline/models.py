"""Pipeline tables: pipelines and their ordered stages, opportunities, contact roles, product lines and
stage history."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from sales.models import Base

Money = Numeric(18, 2)


class Pipeline(Base):
    """A sales process: ordered stages; one is the default for new opportunities."""

    __tablename__ = "pipeline"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Stage(Base):
    """One step of a pipeline: its probability, forecast category, type and rotting days."""

    __tablename__ = "stage"
    __table_args__ = (UniqueConstraint("pipeline_id", "name", name="uq_stage_pipeline_id_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipeline.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    forecast_category: Mapped[str] = mapped_column(String(20))
    type: Mapped[str] = mapped_column(String(10))  # open | won | lost
    rotting_days: Mapped[int | None] = mapped_column(Integer)


class Opportunity(Base):
    """A deal: account, owner, amount, expected close, the current stage with the probability frozen
    when it was entered, and when it rots if it does not move."""

    __tablename__ = "opportunity"
    __table_args__ = (
        Index("ix_opportunity_source", "source_type", "source_id"),
        Index("ix_opportunity_created_at_id", "created_at", "id"),
        Index("ix_opportunity_status_rots_at", "status", "rots_at"),
        # the list's visibility filter, then its keyset order: a rep's or a team's page reads only its rows
        Index("ix_opportunity_owner_page", "owner_id", "created_at", "id"),
        Index("ix_opportunity_team_page", "team_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.id"), index=True)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipeline.id"), index=True)
    stage_id: Mapped[str] = mapped_column(ForeignKey("stage.id"), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(36), index=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    expected_close_date: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # open | won | lost
    probability: Mapped[int] = mapped_column(Integer)
    forecast_category: Mapped[str] = mapped_column(String(20), index=True)
    stage_entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    rots_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(500))
    competitor: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    source_type: Mapped[str | None] = mapped_column(String(30))
    source_id: Mapped[str | None] = mapped_column(String(64))
    custom_fields: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class OpportunityContact(Base):
    """A contact's role on an opportunity: decision_maker, influencer or user."""

    __tablename__ = "opportunity_contact"

    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunity.id"), primary_key=True)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contact.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))


class OpportunityLineItem(Base):
    """One product line of an opportunity."""

    __tablename__ = "opportunity_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunity.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class StageVisit(Base):
    """One stay of an opportunity in a stage: entered, left, how long, and the probability on entry."""

    __tablename__ = "stage_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    opportunity_id: Mapped[str] = mapped_column(ForeignKey("opportunity.id"), index=True)
    stage_id: Mapped[str] = mapped_column(ForeignKey("stage.id"), index=True)
    stage_name: Mapped[str] = mapped_column(String(100))
    probability: Mapped[int] = mapped_column(Integer)
    forecast_category: Mapped[str] = mapped_column(String(20))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duration_seconds: Mapped[float | None] = mapped_column(Float)
