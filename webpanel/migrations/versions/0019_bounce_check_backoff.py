"""bounce checks keep their progress and back off (issue 17)

Revision ID: 0019
Revises: 0018

bounce_scans gets read_at (the last reading that did not fail), remaining (reports left for
the next one), failures (failed readings in a row) and retry_at (no reading before it, unless
forced). uidvalidity and last_uid become 64-bit: IMAP numbers go up to 2**32 - 1, beyond
PostgreSQL's integer. A person whose last check worked keeps it as their last reading.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0019'
down_revision: str | Sequence[str] | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """bounce_scans.read_at, remaining, failures, retry_at; 64-bit UIDVALIDITY and UID."""
    with op.batch_alter_table('bounce_scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('read_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('remaining', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('failures', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))
        batch_op.alter_column('uidvalidity', existing_type=sa.Integer(),
                              type_=sa.BigInteger(), existing_nullable=False)
        batch_op.alter_column('last_uid', existing_type=sa.Integer(),
                              type_=sa.BigInteger(), existing_nullable=False)
    op.execute("UPDATE bounce_scans SET read_at = checked_at WHERE error = ''")


def downgrade() -> None:
    """Drop the new columns; UIDVALIDITY and UID back to integers."""
    with op.batch_alter_table('bounce_scans', schema=None) as batch_op:
        batch_op.alter_column('last_uid', existing_type=sa.BigInteger(),
                              type_=sa.Integer(), existing_nullable=False)
        batch_op.alter_column('uidvalidity', existing_type=sa.BigInteger(),
                              type_=sa.Integer(), existing_nullable=False)
        batch_op.drop_column('retry_at')
        batch_op.drop_column('failures')
        batch_op.drop_column('remaining')
        batch_op.drop_column('read_at')
