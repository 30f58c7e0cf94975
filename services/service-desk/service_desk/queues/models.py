"""Queues (with their team, manager, skills and dispatch strategy), their members and agent profiles."""

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from service_desk.models import Base


class Queue(Base):
    """A queue of tickets: the team that works it, its manager (escalations) and how it dispatches."""

    __tablename__ = "queue"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    team_id: Mapped[str | None] = mapped_column(String(36), index=True)
    manager_id: Mapped[str | None] = mapped_column(String(36))
    skills: Mapped[list] = mapped_column(JSON, default=list)
    strategy: Mapped[str] = mapped_column(String(20), default="manual")
    last_assignee_id: Mapped[str | None] = mapped_column(String(36))  # the round-robin cursor


class QueueMember(Base):
    """An agent who works a queue (and so sees its tickets)."""

    __tablename__ = "queue_member"

    queue_id: Mapped[str] = mapped_column(ForeignKey("queue.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class AgentProfile(Base):
    """The desk's own facts about an agent: availability and skills (capacity comes from sales)."""

    __tablename__ = "agent_profile"

    agent_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[list] = mapped_column(JSON, default=list)
