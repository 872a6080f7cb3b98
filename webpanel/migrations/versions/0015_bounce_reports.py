"""bounce reports per recipient (issue 12)

Revision ID: 0015
Revises: 0014

Three new tables, empty at first: bounce_reports (one row per recipient a delivery report
names), bounce_scans (where each person's INBOX was read up to) and message_envelopes (each
message's ENVID, read from its stored bytes on the first check). Nothing existing changes.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create bounce_reports, bounce_scans and message_envelopes."""
    op.create_table('bounce_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('diagnostic', sa.String(length=300), nullable=False),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_bounce_reports_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bounce_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bounce_reports')),
    sa.UniqueConstraint('message_id', 'recipient', 'action', name='uq_bounce_reports_message_recipient_action')
    )
    op.create_index('ix_bounce_reports_user_id_id', 'bounce_reports', ['user_id', 'id'], unique=False)
    op.create_table('bounce_scans',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('mailbox', sa.String(length=400), nullable=False),
    sa.Column('uidvalidity', sa.Integer(), nullable=False),
    sa.Column('last_uid', sa.Integer(), nullable=False),
    sa.Column('checked_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_bounce_scans_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_bounce_scans'))
    )
    op.create_table('message_envelopes',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('envid', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_envelopes_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_envelopes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_message_envelopes'))
    )
    op.create_index('ix_message_envelopes_user_id_envid', 'message_envelopes', ['user_id', 'envid'], unique=False)


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_index('ix_message_envelopes_user_id_envid', table_name='message_envelopes')
    op.drop_table('message_envelopes')
    op.drop_table('bounce_scans')
    op.drop_index('ix_bounce_reports_user_id_id', table_name='bounce_reports')
    op.drop_table('bounce_reports')
