"""customer and target projections: account cards, quotas, sale lines, lead region and industry,
expected close dates, service cost

Revision ID: b7e3c1d2a4f5
Revises: 1cd6a0fd8914
Create Date: 2026-11-23 14:50:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'b7e3c1d2a4f5'
down_revision: Union[str, Sequence[str], None] = '1cd6a0fd8914'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('account_card',
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('owner_id', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('industry', sa.String(length=100), nullable=True),
    sa.Column('size', sa.String(length=50), nullable=True),
    sa.Column('region', sa.String(length=100), nullable=True),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('version', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_card'))
    )
    with op.batch_alter_table('account_card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_card_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_card_team_id'), ['team_id'], unique=False)
    op.create_table('quota_target',
    sa.Column('quota_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.String(length=64), nullable=True),
    sa.Column('team_id', sa.String(length=64), nullable=True),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('version', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('quota_id', name=op.f('pk_quota_target'))
    )
    with op.batch_alter_table('quota_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quota_target_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_target_user_id'), ['user_id'], unique=False)
    op.create_table('sale_line_fact',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('product', sa.String(length=200), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.PrimaryKeyConstraint('event_id', 'line_no', name=op.f('pk_sale_line_fact'))
    )
    with op.batch_alter_table('sale_line_fact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_line_fact_record_id'), ['record_id'], unique=False)
    with op.batch_alter_table('lead_card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('industry', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('profile_version', sa.String(length=80), server_default='', nullable=False))
    with op.batch_alter_table('opportunity_fact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected_close_date', sa.Date(), nullable=True))
    with op.batch_alter_table('ticket_fact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('service_cost', sa.Numeric(precision=18, scale=2), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('ticket_fact', schema=None) as batch_op:
        batch_op.drop_column('service_cost')
    with op.batch_alter_table('opportunity_fact', schema=None) as batch_op:
        batch_op.drop_column('expected_close_date')
    with op.batch_alter_table('lead_card', schema=None) as batch_op:
        batch_op.drop_column('profile_version')
        batch_op.drop_column('industry')
        batch_op.drop_column('region')
    with op.batch_alter_table('sale_line_fact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_line_fact_record_id'))
    op.drop_table('sale_line_fact')
    with op.batch_alter_table('quota_target', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quota_target_user_id'))
        batch_op.drop_index(batch_op.f('ix_quota_target_team_id'))
    op.drop_table('quota_target')
    with op.batch_alter_table('account_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_card_team_id'))
        batch_op.drop_index(batch_op.f('ix_account_card_owner_id'))
    op.drop_table('account_card')
