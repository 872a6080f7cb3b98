"""payment reminders: the office's plan, each invoice's reminders (issue 21)

Revision ID: 0026
Revises: 0025

New tables: reminder_levels (the plan an administrator sets; empty, so nothing is sent until
one is set) and reminders (each level of each invoice, unique per invoice and level, linked to
its message). company gets reminder_hour (8), documents reminders_on (true: on by default),
contacts no_reminders (false).
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0026'
down_revision: str | Sequence[str] | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create reminder_levels and reminders; add the three columns."""
    op.create_table('reminder_levels',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('level', name=op.f('pk_reminder_levels'))
    )
    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_reminders_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_reminders_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('document_id', 'level', name='uq_reminders_document_id_level')
    )
    op.create_index(op.f('ix_reminders_message_id'), 'reminders', ['message_id'], unique=False)
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_hour', sa.Integer(), nullable=False,
                                      server_default='8'))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_on', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_reminders', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    """Drop the columns and both tables."""
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('no_reminders')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_column('reminders_on')
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('reminder_hour')
    op.drop_index(op.f('ix_reminders_message_id'), table_name='reminders')
    op.drop_table('reminders')
    op.drop_table('reminder_levels')
