"""Calls from the CTI, web-form submissions (the idempotency and spam record) and the signed webhook
posts already received (the replay guard)."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from service_desk.models import Base


class Call(Base):
    """A phone call: who called, which agent took it, and its life (ringing, answered, ended)."""

    __tablename__ = "call"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    caller: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    agent_id: Mapped[str] = mapped_column(String(36), index=True)
    contact_id: Mapped[str | None] = mapped_column(String(36), index=True)
    account_id: Mapped[str | None] = mapped_column(String(36))
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(10))  # ringing | answered | ended
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class WebSubmission(Base):
    """A post of the public ticket form: its idempotency key and what became of it."""

    __tablename__ = "web_submission"

    idempotency_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(10))  # ticket | spam
    ticket_id: Mapped[str | None] = mapped_column(String(36))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class WebhookDelivery(Base):
    """A signed inbound post already received (the replay guard): kept until its timestamp is stale."""

    __tablename__ = "webhook_delivery"

    signature: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex HMAC-SHA256
    channel: Mapped[str] = mapped_column(String(10))  # email | chat
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
