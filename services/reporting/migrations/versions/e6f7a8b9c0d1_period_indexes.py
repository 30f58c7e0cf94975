"""period indexes: tickets by when they were opened (the service answer's period)

Revision ID: e6f7a8b9c0d1
Revises: d5e8f1a2b3c4
Create Date: 2026-12-04 05:40:00
"""

from alembic import op

revision = "e6f7a8b9c0d1"
down_revision = "d5e8f1a2b3c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_ticket_fact_opened_at"), "ticket_fact", ["opened_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_fact_opened_at"), table_name="ticket_fact")
