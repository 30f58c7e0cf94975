"""campaign ROI: campaign cards and the lead origin of deals

Revision ID: d5e8f1a2b3c4
Revises: c3d91f0a7b62
Create Date: 2026-12-04 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "d5e8f1a2b3c4"
down_revision = "c3d91f0a7b62"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_card",
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=50), nullable=True),
        sa.Column("cost", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaign_card")),
    )
    op.create_index(op.f("ix_campaign_card_name"), "campaign_card", ["name"], unique=False)
    op.create_table(
        "deal_origin",
        sa.Column("opportunity_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("opportunity_id", name=op.f("pk_deal_origin")),
    )
    op.create_index(op.f("ix_deal_origin_lead_id"), "deal_origin", ["lead_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_deal_origin_lead_id"), table_name="deal_origin")
    op.drop_table("deal_origin")
    op.drop_index(op.f("ix_campaign_card_name"), table_name="campaign_card")
    op.drop_table("campaign_card")
