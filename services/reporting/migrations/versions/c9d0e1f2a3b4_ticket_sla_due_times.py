"""ticket SLA due times: a clock counts as met only when the ticket had an SLA for it

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-05 01:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c9d0e1f2a3b4"
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Facts stored before this are marked `sla_unknown`: whether their ticket had an SLA is not known, so
    they count as under one, as before, and the figures do not change on upgrade; a rebuild
    (`python -m reporting.rebuild`) stores them again with their due times. The ticket counters are
    derived again under the new rule (the same figures for those tickets)."""
    op.add_column("ticket_fact", sa.Column("first_response_due_at", sa.DateTime(), nullable=True))
    op.add_column("ticket_fact", sa.Column("resolution_due_at", sa.DateTime(), nullable=True))
    op.add_column("ticket_fact", sa.Column("sla_unknown", sa.Boolean(), nullable=True))
    facts = sa.table("ticket_fact", sa.column("sla_unknown", sa.Boolean()))
    bind = op.get_bind()
    bind.execute(facts.update().values(sla_unknown=True))
    from reporting.counter_backfill import fill
    from reporting.service.counters import SPEC

    for table in (SPEC.delta, SPEC.total, SPEC.day):
        bind.execute(sa.delete(sa.table(table.name)))
    fill(bind, SPEC)


def downgrade() -> None:
    with op.batch_alter_table("ticket_fact", schema=None) as batch_op:
        batch_op.drop_column("sla_unknown")
        batch_op.drop_column("resolution_due_at")
        batch_op.drop_column("first_response_due_at")
