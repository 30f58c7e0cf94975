"""A replica of sales' customers (accounts and contacts), built from `sales.account.*`/`sales.contact.*`,
so a submission from a known customer is recognised instead of becoming a duplicate lead."""

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_shared.db import UtcDateTime
from leads.db import Base


class CustomerAccount(Base):
    """An account as sales last described it: what dedupe matches on and who owns it."""

    __tablename__ = "customer_account"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))  # the name as dedupe compares it
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(36))
    team_id: Mapped[str | None] = mapped_column(String(36))


class CustomerContact(Base):
    """A contact as sales last described it."""

    __tablename__ = "customer_contact"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str | None] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(200))
    emails: Mapped[list] = mapped_column(JSON, default=list)
    phones: Mapped[list] = mapped_column(JSON, default=list)
    owner_id: Mapped[str | None] = mapped_column(String(36))
    team_id: Mapped[str | None] = mapped_column(String(36))


class CustomerContactKey(Base):
    """One email or phone of a contact (indexed: a contact has several, dedupe looks them up)."""

    __tablename__ = "customer_contact_key"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # email | phone
    value: Mapped[str] = mapped_column(String(320), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)


class ReplicaBackfill(Base):
    """A replica that must be filled from the start of its topics once (see `customers.backfill`)."""

    __tablename__ = "replica_backfill"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
