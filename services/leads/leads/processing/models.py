"""Scoring and routing rules, the round-robin cursor, and tracked page visits."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from leads.db import Base


class ScoringRule(Base):
    """A configured scoring rule: kind, parameters and points (negative points are allowed)."""

    __tablename__ = "scoring_rule"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    points: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRule(Base):
    """An ordered routing rule: conditions to a team and how to pick the rep there."""

    __tablename__ = "routing_rule"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    team_id: Mapped[str] = mapped_column(String(36))
    strategy: Mapped[str] = mapped_column(String(20), default="round_robin")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingCursor(Base):
    """Who got the team's last round-robin lead."""

    __tablename__ = "routing_cursor"

    team_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_user_id: Mapped[str | None] = mapped_column(String(36))


class PageVisit(Base):
    """A page view reported by `POST /track` for a visitor id."""

    __tablename__ = "page_visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visitor_id: Mapped[str] = mapped_column(String(100), index=True)
    page_url: Mapped[str] = mapped_column(String(2000))
    seconds: Mapped[int] = mapped_column(Integer, default=0)
    visited_at: Mapped[datetime] = mapped_column(UtcDateTime())
