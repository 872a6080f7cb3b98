"""mail batches: Email selected on the documents list (issue 21)

Revision ID: 0028
Revises: 0027

Two new tables: mail_batches (one per press of Send in the Email selected dialog, its key
unique per person) and mail_batch_items (each chosen document: the message it was queued as,
or why it was not). Nothing existing changes.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0028'
down_revision: str | Sequence[str] | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create mail_batches and mail_batch_items."""
    op.create_table('mail_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_batches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_batches')),
    sa.UniqueConstraint('user_id', 'key', name='uq_mail_batches_user_id_key')
    )
    op.create_table('mail_batch_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('document_label', sa.String(length=120), nullable=False),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['mail_batches.id'], name=op.f('fk_mail_batch_items_batch_id_mail_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_mail_batch_items_message_id_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_batch_items')),
    sa.UniqueConstraint('batch_id', 'document_id', name='uq_mail_batch_items_batch_document')
    )
    op.create_index('ix_mail_batch_items_batch_id_position', 'mail_batch_items', ['batch_id', 'position'], unique=False)


def downgrade() -> None:
    """Drop mail_batch_items and mail_batches."""
    op.drop_index('ix_mail_batch_items_batch_id_position', table_name='mail_batch_items')
    op.drop_table('mail_batch_items')
    op.drop_table('mail_batches')
