"""whether a retry can help a failed message (issue 12)

Revision ID: 0016
Revises: 0015

A failure's kind is its step (messages.error_step, kept since 0002). New: `retry_helps`,
False for a refusal that sending the same bytes again cannot change (a recipient the server
does not know, a message too large). Existing rows keep being offered Retry, as before.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add messages.retry_helps (plain ADD COLUMN: recreating `messages` would cascade)."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_helps', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    """Drop messages.retry_helps."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('retry_helps')
