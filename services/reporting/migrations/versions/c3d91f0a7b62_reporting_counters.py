"""reporting counters: lead funnel, sales (deals and orders) and service counters

Revision ID: c3d91f0a7b62
Revises: b7e3c1d2a4f5
Create Date: 2026-11-23 17:55:00.000000

Fills the new tables from the lead cards, stage facts, opportunity, order and ticket facts already
projected, with the same code the projections use (reporting.leads.counters, reporting.counter_store with
the opportunity, order and ticket specs), so an existing database answers the same after the upgrade.
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c3d91f0a7b62'
down_revision: Union[str, Sequence[str], None] = 'b7e3c1d2a4f5'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_LEAD_DIMENSIONS = (
    ('source', 50), ('campaign', 200), ('owner_id', 64), ('team_id', 64), ('region', 100), ('industry', 100),
)


def _lead_dimensions() -> list[sa.Column]:
    return [sa.Column(name, sa.String(length=size), nullable=True) for name, size in _LEAD_DIMENSIONS]


def _sale_key_and_sums() -> list[sa.Column]:
    return [sa.Column('measure', sa.String(length=20), nullable=False),
            sa.Column('stage_id', sa.String(length=64), nullable=True),
            sa.Column('label', sa.String(length=500), nullable=True),
            sa.Column('value', sa.Float(), nullable=True),
            sa.Column('n', sa.Integer(), nullable=False),
            sa.Column('cents', sa.BigInteger(), nullable=False),
            sa.Column('micros', sa.BigInteger(), nullable=False)]


def _sale_groups() -> list[sa.Column]:
    return [sa.Column('owner_id', sa.String(length=64), nullable=True),
            sa.Column('team_id', sa.String(length=64), nullable=True)]


def _ticket_key_and_sums() -> list[sa.Column]:
    return [sa.Column('measure', sa.String(length=30), nullable=False),
            sa.Column('value', sa.Float(), nullable=True),
            sa.Column('n', sa.Integer(), nullable=False)]


def _ticket_groups() -> list[sa.Column]:
    return [sa.Column('assignee_id', sa.String(length=64), nullable=True),
            sa.Column('queue_id', sa.String(length=64), nullable=True),
            sa.Column('channel', sa.String(length=20), nullable=False),
            sa.Column('priority', sa.String(length=10), nullable=False)]


def _delta_table(name: str, groups: list[sa.Column], key_and_sums: list[sa.Column]) -> sa.Table:
    table = op.create_table(name,
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('record_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    *groups, *key_and_sums,
    sa.PrimaryKeyConstraint('kind', 'record_id', 'seq', name=op.f(f'pk_{name}'))
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_at'), ['at'], unique=False)
    return table


def _sums_table(name: str, columns: list[sa.Column], day: bool = False) -> sa.Table:
    table = op.create_table(name,
    sa.Column('bucket', sa.String(length=64), nullable=False),
    *([sa.Column('day', sa.Date(), nullable=False)] if day else []),
    *columns,
    sa.PrimaryKeyConstraint('bucket', name=op.f(f'pk_{name}'))
    )
    if day:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{name}_day'), ['day'], unique=False)
    return table


def upgrade() -> None:
    """Upgrade schema."""
    delta = op.create_table('lead_funnel_delta',
    sa.Column('lead_id', sa.String(length=64), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=3), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('captured_at', sa.DateTime(), nullable=False),
    sa.Column('capture_month', sa.String(length=7), nullable=False),
    *_lead_dimensions(),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('lead_id', 'stage', 'kind', name=op.f('pk_lead_funnel_delta'))
    )
    with op.batch_alter_table('lead_funnel_delta', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_funnel_delta_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lead_funnel_delta_captured_at'), ['captured_at'], unique=False)
    total = op.create_table('lead_funnel_total',
    sa.Column('bucket', sa.String(length=64), nullable=False),
    sa.Column('capture_month', sa.String(length=7), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    *_lead_dimensions(),
    sa.Column('hours', sa.Float(), nullable=True),
    sa.Column('leads', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('bucket', name=op.f('pk_lead_funnel_total'))
    )
    with op.batch_alter_table('lead_funnel_total', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_funnel_total_capture_month'), ['capture_month'], unique=False)
    _fill_leads(delta, total)

    _delta_table('sale_delta', _sale_groups(), _sale_key_and_sums())
    _sums_table('sale_total', [*_sale_groups(), *_sale_key_and_sums()])
    _sums_table('sale_day', [*_sale_groups(), *_sale_key_and_sums()], day=True)
    _delta_table('ticket_delta', _ticket_groups(), _ticket_key_and_sums())
    _sums_table('ticket_total', [*_ticket_groups(), *_ticket_key_and_sums()])
    _sums_table('ticket_day', [*_ticket_groups(), *_ticket_key_and_sums()], day=True)
    from reporting.counter_backfill import fill
    from reporting.opportunities.counters import SPEC as OPPORTUNITIES
    from reporting.revenue.order_counters import SPEC as ORDERS
    from reporting.service.counters import SPEC as TICKETS

    for spec in (OPPORTUNITIES, ORDERS, TICKETS):  # into the tables just created (the specs name them)
        fill(op.get_bind(), spec)


def _fill_leads(delta, total) -> None:
    """Derive the lead counters of the leads already projected (none in a fresh database)."""
    from reporting.leads.counters import DIMENSIONS, contributions, totals
    from reporting.models import LeadCard, LeadStageFact

    bind = op.get_bind()  # typed selects: SQLite hands datetimes back as text otherwise
    stages: dict[str, dict] = {}
    for lead_id, stage, reached_at in bind.execute(sa.select(
            LeadStageFact.lead_id, LeadStageFact.stage, LeadStageFact.reached_at)):
        stages.setdefault(lead_id, {})[stage] = reached_at
    if not stages:
        return
    rows = []
    columns = [LeadCard.__table__.c[name] for name in ('lead_id', *DIMENSIONS)]
    for card in bind.execute(sa.select(*columns)).mappings():
        rows.extend(contributions(dict(card), stages.get(card['lead_id'], {})))
    if rows:
        op.bulk_insert(delta, rows)
        op.bulk_insert(total, totals(rows))


def downgrade() -> None:
    """Downgrade schema."""
    for name in ('ticket_day', 'sale_day'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_day'))
    for name in ('ticket_delta', 'sale_delta', 'lead_funnel_delta'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_at'))
    with op.batch_alter_table('lead_funnel_delta', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_funnel_delta_captured_at'))
    with op.batch_alter_table('lead_funnel_total', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_funnel_total_capture_month'))
    for name in ('ticket_day', 'ticket_total', 'ticket_delta', 'sale_day', 'sale_total', 'sale_delta',
                 'lead_funnel_total', 'lead_funnel_delta'):
        op.drop_table(name)
