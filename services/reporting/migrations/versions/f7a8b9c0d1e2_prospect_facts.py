"""prospect facts: prospects imported and verified into leads (the lead funnel's prospects block)

Revision ID: f7a8b9c0d1e2
Revises: e6f7a8b9c0d1
Create Date: 2026-12-04 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "f7a8b9c0d1e2"
down_revision = "e6f7a8b9c0d1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prospect_fact",
        sa.Column("prospect_id", sa.String(length=64), nullable=False),
        sa.Column("list_name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("campaign", sa.String(length=200), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=True),
        sa.Column("verified_at", sa.DateTime(), nullable=True),
        sa.Column("lead_id", sa.String(length=64), nullable=True),
        sa.Column("new_lead", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("prospect_id", name=op.f("pk_prospect_fact")),
    )
    op.create_index(op.f("ix_prospect_fact_imported_at"), "prospect_fact", ["imported_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_prospect_fact_imported_at"), table_name="prospect_fact")
    op.drop_table("prospect_fact")
