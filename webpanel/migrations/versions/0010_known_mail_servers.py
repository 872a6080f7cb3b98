"""mail servers that worked for each person (issue 7, probing limit)

Revision ID: 0010
Revises: 0009

Starts empty: each person's first send through a server after the upgrade records it (and
counts once against the new-server limit, which never bothers a normal send).
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create known_mail_servers."""
    op.create_table('known_mail_servers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=253), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('first_worked_at', sa.DateTime(), nullable=False),
    sa.Column('last_worked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_known_mail_servers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_known_mail_servers')),
    sa.UniqueConstraint('user_id', 'host', 'port', name='uq_known_mail_servers_user_host_port')
    )


def downgrade() -> None:
    """Drop known_mail_servers."""
    op.drop_table('known_mail_servers')
