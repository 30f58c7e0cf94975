"""The outbox and inbox tables, added to each service's own metadata."""

from dataclasses import dataclass

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, MetaData, String, Table, Text

from crm_shared.db import UtcDateTime


@dataclass(frozen=True)
class MessagingTables:
    """The outbox (events waiting to be published) and the inbox (events already applied)."""

    outbox: Table
    inbox: Table


def define_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Add `outbox` and `inbox` to `metadata` (debezium's outbox columns plus delivery state)."""
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("aggregate_type", String(50), nullable=False),
        Column("aggregate_id", String(100), nullable=False),
        Column("event_type", String(100), nullable=False),
        Column("payload", Text, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("sent_at", UtcDateTime(), nullable=True),
        Index("ix_outbox_unsent", "sent_at", "id"),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("consumer", String(100), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    return MessagingTables(outbox=outbox, inbox=inbox)
