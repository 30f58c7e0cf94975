"""sparse submission indexes: a post's insert skips the indexes of the columns it leaves empty

Revision ID: e4a7c9d1f2b3
Revises: b3f1d2c4e5a6
Create Date: 2026-12-05 00:50:00

"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "e4a7c9d1f2b3"
down_revision: Union[str, Sequence[str], None] = "b3f1d2c4e5a6"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SPARSE = ("visitor_id", "lead_id", "contact_id", "account_id", "customer_owner_id")
QUARANTINED = "status = 'quarantined'"


def _where(condition: str) -> dict:
    return {"sqlite_where": sa.text(condition), "postgresql_where": sa.text(condition)}


def upgrade() -> None:
    """Each index of a column a post leaves empty (its lead and customer match until processing, the
    visitor cookie of an API post) holds only the rows with a value; the status index becomes the
    quarantine list's (the only query by status), which accepted and processed posts never enter."""
    for name in SPARSE:
        op.drop_index(f"ix_submission_{name}", table_name="submission")
        op.create_index(f"ix_submission_{name}", "submission", [name], **_where(f"{name} IS NOT NULL"))
    op.drop_index("ix_submission_status", table_name="submission")
    op.create_index(
        "ix_submission_quarantined", "submission", ["form_id", "received_at"], **_where(QUARANTINED)
    )


def downgrade() -> None:
    op.drop_index("ix_submission_quarantined", table_name="submission")
    op.create_index("ix_submission_status", "submission", ["status"])
    for name in SPARSE:
        op.drop_index(f"ix_submission_{name}", table_name="submission")
        op.create_index(f"ix_submission_{name}", "submission", [name])
