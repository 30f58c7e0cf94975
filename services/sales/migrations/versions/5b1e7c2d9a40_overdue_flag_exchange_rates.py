"""invoice overdue flag, exchange rates

Revision ID: 5b1e7c2d9a40
Revises: 9986d0074023
Create Date: 2026-11-23 15:20:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '5b1e7c2d9a40'
down_revision: Union[str, Sequence[str], None] = '9986d0074023'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('exchange_rate',
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('rate', sa.Numeric(precision=18, scale=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('currency', name=op.f('pk_exchange_rate'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('exchange_rate')
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('overdue_at')
