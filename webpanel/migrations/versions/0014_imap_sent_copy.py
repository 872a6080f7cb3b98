"""IMAP settings and Sent-folder copies (issue 12)

Revision ID: 0014
Revises: 0013

Two new tables; nothing existing changes. Everyone starts with IMAP off, and messages sent
before the upgrade have no copy state (nothing is shown for them).
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create imap_settings and sent_copies."""
    op.create_table('imap_settings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('host', sa.String(length=253), nullable=False),
    sa.Column('port', sa.Integer(), nullable=True),
    sa.Column('security', sa.String(length=8), nullable=False),
    sa.Column('allow_self_signed', sa.Boolean(), nullable=False),
    sa.Column('same_as_smtp', sa.Boolean(), nullable=False),
    sa.Column('username', sa.String(length=254), nullable=False),
    sa.Column('password_enc', sa.Text(), nullable=True),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_imap_settings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_imap_settings'))
    )
    op.create_table('sent_copies',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('hint', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_sent_copies_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sent_copies_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_sent_copies'))
    )
    with op.batch_alter_table('sent_copies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_copies_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    """Drop sent_copies and imap_settings."""
    with op.batch_alter_table('sent_copies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_copies_user_id'))
    op.drop_table('sent_copies')
    op.drop_table('imap_settings')
