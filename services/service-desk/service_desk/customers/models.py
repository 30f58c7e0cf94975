"""The replica of sales' accounts and contacts, with phone and email indexes for caller lookup."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from service_desk.models import Base


class Account(Base):
    """An account as sales last published it; `updated_at` is that event's time."""

    __tablename__ = "account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    tier: Mapped[str | None] = mapped_column(String(20))
    owner_id: Mapped[str | None] = mapped_column(String(36))
    team_id: Mapped[str | None] = mapped_column(String(36))
    phones: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Contact(Base):
    """A contact as sales last published it, or one the desk created for an unknown caller (`local`)."""

    __tablename__ = "contact"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(300))
    title: Mapped[str | None] = mapped_column(String(200))
    emails: Mapped[list] = mapped_column(JSON, default=list)
    phones: Mapped[list] = mapped_column(JSON, default=list)
    owner_id: Mapped[str | None] = mapped_column(String(36))
    local: Mapped[bool] = mapped_column(Boolean, default=False)
    # a local contact that sales has taken on: the sales contact that stands for it now
    linked_to: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CustomerPhone(Base):
    """One E.164 number of a contact or an account: the screen-pop index."""

    __tablename__ = "customer_phone"
    __table_args__ = (Index("ix_customer_phone_phone", "phone"),)

    party_type: Mapped[str] = mapped_column(String(10), primary_key=True)  # contact | account
    party_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), primary_key=True)


class ContactEmail(Base):
    """One lower-cased email address of a contact: how inbound mail finds its sender."""

    __tablename__ = "contact_email"
    __table_args__ = (Index("ix_contact_email_email", "email"),)

    contact_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
