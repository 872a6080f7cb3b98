"""token refresh lease per account (issue 8)

Revision ID: 0012
Revises: 0011

One worker at a time refreshes an account's tokens: it claims the lease (owner, until when)
with a conditional UPDATE, refreshes outside any transaction, and stores the new tokens and
clears the lease in one short transaction. Existing accounts start with no lease.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """oauth_accounts.refresh_lease_owner and refresh_lease_until."""
    with op.batch_alter_table('oauth_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_lease_owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('refresh_lease_until', sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop the lease columns."""
    with op.batch_alter_table('oauth_accounts', schema=None) as batch_op:
        batch_op.drop_column('refresh_lease_until')
        batch_op.drop_column('refresh_lease_owner')
