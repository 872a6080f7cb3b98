"""recurring documents (issue 21)

Revision ID: 0027
Revises: 0026

Two new tables: recurring_schedules (a document that repeats: how often, until when, whether
each run is emailed or left as a draft, and the date of its next run, which workers claim with
a compare-and-set) and recurring_runs (each run and the document it made, unique per schedule
and day, so one run never makes two documents). Nothing existing changes.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0027'
down_revision: str | Sequence[str] | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create recurring_schedules and recurring_runs."""
    op.create_table('recurring_schedules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=10), nullable=False),
    sa.Column('every', sa.Integer(), nullable=False),
    sa.Column('day_of_month', sa.Integer(), nullable=False),
    sa.Column('first_run', sa.Date(), nullable=False),
    sa.Column('next_run', sa.Date(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('times', sa.Integer(), nullable=True),
    sa.Column('runs_made', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('to_addrs', sa.Text(), nullable=False),
    sa.Column('cc_addrs', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_recurring_schedules_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_recurring_schedules_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_schedules'))
    )
    with op.batch_alter_table('recurring_schedules', schema=None) as batch_op:
        batch_op.create_index('ix_recurring_schedules_document_id', ['document_id'], unique=False)
        batch_op.create_index('ix_recurring_schedules_status_next_run', ['status', 'next_run'], unique=False)

    op.create_table('recurring_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('schedule_id', sa.Integer(), nullable=False),
    sa.Column('run_on', sa.Date(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_recurring_runs_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_recurring_runs_message_id_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['schedule_id'], ['recurring_schedules.id'], name=op.f('fk_recurring_runs_schedule_id_recurring_schedules'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_runs')),
    sa.UniqueConstraint('schedule_id', 'run_on', name='uq_recurring_runs_run')
    )
    with op.batch_alter_table('recurring_runs', schema=None) as batch_op:
        batch_op.create_index('ix_recurring_runs_outcome', ['outcome'], unique=False)



def downgrade() -> None:
    """Drop both tables."""
    with op.batch_alter_table('recurring_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_recurring_runs_outcome')

    op.drop_table('recurring_runs')
    with op.batch_alter_table('recurring_schedules', schema=None) as batch_op:
        batch_op.drop_index('ix_recurring_schedules_status_next_run')
        batch_op.drop_index('ix_recurring_schedules_document_id')

    op.drop_table('recurring_schedules')
