"""payments against invoices, and the office's time zone (issue 21)

Revision ID: 0025
Revises: 0024

A new table, payments: each amount paid against an invoice, on a day, with who recorded it
(Undo deletes the row). company gets time_zone: the office's day, which says when an invoice
is overdue and when payment reminders go ("" means UTC, as before).
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0025'
down_revision: str | Sequence[str] | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create payments; add company.time_zone, empty (UTC) for an existing office."""
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_payments_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_payments_recorded_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    op.create_index('ix_payments_document_id', 'payments', ['document_id'], unique=False)
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    """Drop company.time_zone and payments."""
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    op.drop_index('ix_payments_document_id', table_name='payments')
    op.drop_table('payments')
