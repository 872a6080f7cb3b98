"""company logo, legal, bank and locale settings; document currency, terms and dates

Revision ID: 0008
Revises: 0007

Existing companies keep printing US dollars in en_US; existing invoices stay due on receipt
(due on their date) and existing proposals valid for 30 days, as their PDFs said.
"""
import datetime
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPANY_TEXT = [('tax_id', 50), ('registration_number', 100), ('bank_holder', 200),
                ('bank_account', 50), ('bank_code', 50), ('bank_name', 200), ('footer', 300)]


def upgrade() -> None:
    """Add the columns; fill terms and dates of existing documents."""
    with op.batch_alter_table('company', schema=None) as batch_op:
        for name, length in COMPANY_TEXT:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False, server_default='USD'))
        batch_op.add_column(sa.Column('locale', sa.String(length=20), nullable=False, server_default='en_US'))
        batch_op.add_column(sa.Column('proposal_valid_days', sa.Integer(), nullable=False, server_default='30'))
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=20), nullable=False, server_default=''))
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('currency', sa.String(length=3), nullable=False, server_default='USD'))
        batch_op.add_column(sa.Column('payment_terms', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('delivery_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('delivery_address', sa.Text(), nullable=False, server_default=''))
    _fill_existing_documents()


def _fill_existing_documents() -> None:
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('kind', sa.String),
                         sa.column('date', sa.Date), sa.column('payment_terms', sa.String),
                         sa.column('due_date', sa.Date), sa.column('valid_until', sa.Date))
    bind = op.get_bind()
    bind.execute(documents.update().where(documents.c.kind == 'invoice')
                 .values(payment_terms='receipt', due_date=documents.c.date))
    rows = bind.execute(sa.select(documents.c.id, documents.c.date)
                        .where(documents.c.kind == 'proposal')).all()
    for row in rows:
        bind.execute(documents.update().where(documents.c.id == row.id)
                     .values(valid_until=row.date + datetime.timedelta(days=30)))


def downgrade() -> None:
    """Drop the columns."""
    with op.batch_alter_table('documents', schema=None) as batch_op:
        for name in ('delivery_address', 'delivery_date', 'valid_until', 'due_date',
                     'payment_terms', 'currency'):
            batch_op.drop_column(name)
    with op.batch_alter_table('company', schema=None) as batch_op:
        for name in ('logo_type', 'logo', 'proposal_valid_days', 'locale', 'currency'):
            batch_op.drop_column(name)
        for name, _length in reversed(COMPANY_TEXT):
            batch_op.drop_column(name)
