"""users' names, deactivated accounts, each person's time zone (issue 11)

Revision ID: 0013
Revises: 0012

Every existing account keeps signing in (active), gets an empty name (the Users page can
fill it in) and no time zone yet (its browser's zone is taken on the next visit).
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add users.name, users.active and users.time_zone.

    Plain ADD COLUMN with constant defaults: recreating `users` would cascade-delete every
    row that refers to it (settings, messages) under SQLite's foreign keys.
    """
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=120), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    """Drop the three columns with ALTER TABLE DROP COLUMN (SQLite 3.35+), for the same
    reason: a batch copy of `users` would take the rows that refer to it with it."""
    for column in ('time_zone', 'active', 'name'):
        op.drop_column('users', column)
