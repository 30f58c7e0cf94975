"""The leads database's declarative base and its messaging tables (outbox, inbox)."""

from sqlalchemy.orm import DeclarativeBase

from crm_shared.db import new_metadata
from crm_shared.messaging.tables import define_messaging_tables


class Base(DeclarativeBase):
    """Declarative base of the leads database."""

    metadata = new_metadata()


messaging = define_messaging_tables(Base.metadata)
