"""order opportunity: the deal each order came from (revenue by the lead source and campaign of its deal)

Revision ID: b8c9d0e1f2a3
Revises: a1b2c3d4e5f6
Create Date: 2026-12-04 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b8c9d0e1f2a3"
down_revision = "a1b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("order_fact", sa.Column("opportunity_id", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_order_fact_opportunity_id"), "order_fact", ["opportunity_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_order_fact_opportunity_id"), table_name="order_fact")
    with op.batch_alter_table("order_fact", schema=None) as batch_op:
        batch_op.drop_column("opportunity_id")
