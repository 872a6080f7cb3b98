"""whether a retry can help a failed message (issue 12)

Revision ID: 0016
Revises: 0015

A failure's kind is its step (messages.error_step, kept since 0002). New: `retry_helps`,
False for a refusal that sending the same bytes again cannot change (a recipient the server
does not know, a message too large), and `error_fix_tab`, the Email sub-tab whose button
fixes it (Microsoft's "passwords are off": the Outlook tab). Existing rows keep Retry.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add messages.retry_helps and error_fix_tab (plain ADD COLUMN: recreating `messages`
    would cascade)."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_helps', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
        batch_op.add_column(sa.Column('error_fix_tab', sa.String(length=16), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    """Drop messages.retry_helps and error_fix_tab."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('error_fix_tab')
        batch_op.drop_column('retry_helps')
