"""sign-in health for Gmail and Outlook (issue 12)

Revision ID: 0017
Revises: 0016

Four new columns on oauth_accounts, so the Gmail and Outlook tabs and the home page can warn
before a sign-in breaks: when a refresh last failed and why, when the account last sent, and
when Google ends the sign-in (an app in Testing). Existing accounts start healthy: nothing
failed, nothing known to end.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """oauth_accounts.refresh_failed_at, refresh_error, last_sent_at, refresh_expires_at."""
    with op.batch_alter_table('oauth_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_failed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('refresh_error', sa.String(length=300), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('last_sent_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('refresh_expires_at', sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop the sign-in health columns."""
    with op.batch_alter_table('oauth_accounts', schema=None) as batch_op:
        batch_op.drop_column('refresh_expires_at')
        batch_op.drop_column('last_sent_at')
        batch_op.drop_column('refresh_error')
        batch_op.drop_column('refresh_failed_at')
