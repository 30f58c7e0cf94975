"""local contacts link to the sales contact that takes them over

Revision ID: d7a1c3e5f902
Revises: c60f425ca324
Create Date: 2026-11-23 14:50:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'd7a1c3e5f902'
down_revision: Union[str, Sequence[str], None] = 'c60f425ca324'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('linked_to', sa.String(length=36), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('linked_to')
