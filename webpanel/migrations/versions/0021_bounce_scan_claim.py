"""one reader per inbox at a time (issue 19)

Revision ID: 0021
Revises: 0020

bounce_scans gets claim_owner and claimed_until: a worker (or `flask mail check-bounces`)
takes a person's row with a compare-and-set before it reads their INBOX, so two never read
the same inbox at once; a reader that died leaves a claim that expires.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0021'
down_revision: str | Sequence[str] | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """bounce_scans.claim_owner and claimed_until."""
    with op.batch_alter_table('bounce_scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_owner', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop the claim."""
    with op.batch_alter_table('bounce_scans', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('claim_owner')
