"""exchange rates: the rate history from sales, and the facts' currency indexed (revenue in the base currency)

Revision ID: a1b2c3d4e5f6
Revises: f7a8b9c0d1e2
Create Date: 2026-12-04 06:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "f7a8b9c0d1e2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_rate_fact",
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("effective_at", sa.DateTime(), nullable=False),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=18, scale=8), nullable=False),
        sa.PrimaryKeyConstraint("currency", "event_id", name=op.f("pk_exchange_rate_fact")),
    )
    op.create_index(op.f("ix_exchange_rate_fact_effective_at"), "exchange_rate_fact", ["effective_at"],
                    unique=False)
    op.create_index(op.f("ix_order_fact_currency"), "order_fact", ["currency"], unique=False)
    op.create_index(op.f("ix_opportunity_fact_currency"), "opportunity_fact", ["currency"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_opportunity_fact_currency"), table_name="opportunity_fact")
    op.drop_index(op.f("ix_order_fact_currency"), table_name="order_fact")
    op.drop_index(op.f("ix_exchange_rate_fact_effective_at"), table_name="exchange_rate_fact")
    op.drop_table("exchange_rate_fact")
