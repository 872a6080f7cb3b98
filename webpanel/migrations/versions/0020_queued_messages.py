"""messages wait for the background worker (issue 19)

Revision ID: 0020
Revises: 0019

messages gets due_at: when a "queued" message (sent from the Email dialog, retried, or
waiting for an automatic retry) or a "scheduled" one (Send later) may go; NULL means now.
An index on (status, due_at) lets the sweeper find the due ones without reading the rest.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0020'
down_revision: str | Sequence[str] | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """messages.due_at and ix_messages_status_due_at."""
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_messages_status_due_at', ['status', 'due_at'], unique=False)


def downgrade() -> None:
    """Drop the index and the column (waiting messages become failed with Retry)."""
    op.execute("UPDATE messages SET status = 'failed', error_step = 'settings', "
               "error_reason = 'The panel was downgraded before this message went.' "
               "WHERE status IN ('queued', 'scheduled')")
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_status_due_at')
        batch_op.drop_column('due_at')
