"""replica backfill marker: the customer replica is filled from the start of the sales topics once

Revision ID: b3f1d2c4e5a6
Revises: 9542f0be8883
Create Date: 2026-11-23 18:00:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "b3f1d2c4e5a6"
down_revision: Union[str, Sequence[str], None] = "9542f0be8883"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """The marker table, with the customer replica pending (an upgraded install has customers that
    sales announced before leads kept a replica; a fresh one replays near-empty topics)."""
    table = op.create_table(
        "replica_backfill",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_replica_backfill")),
    )
    op.bulk_insert(table, [{"name": "customers", "done_at": None}])


def downgrade() -> None:
    """Drop the marker table."""
    op.drop_table("replica_backfill")
