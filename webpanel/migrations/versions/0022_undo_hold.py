"""the office may hold each email a few seconds for Undo (issue 19)

Revision ID: 0022
Revises: 0021

company gets undo_seconds: how long the background worker waits before sending an email from
the Email dialog, during which Undo cancels it; 0 (the default) sends at once.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0022'
down_revision: str | Sequence[str] | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """company.undo_seconds, 0 for every existing office."""
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undo_seconds', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    """Drop company.undo_seconds."""
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('undo_seconds')
