"""email templates per kind, contact default Cc/Bcc, Reply-To per person, history index

Revision ID: 0007
Revises: 0004

"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0007'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the template tables and the new columns; existing rows keep every value."""
    op.create_table('mail_templates',
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('bcc', sa.Text(), nullable=False),
    sa.Column('reply_to', sa.String(length=254), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_mail_templates'))
    )
    op.create_table('mail_template_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_template_files'))
    )
    op.create_index('ix_mail_template_files_kind', 'mail_template_files', ['kind'])
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.add_column(sa.Column('default_cc', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('default_bcc', sa.Text(), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('email_settings') as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('messages') as batch_op:
        batch_op.create_index('ix_messages_document_id_id', ['document_id', 'id'])


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table('messages') as batch_op:
        batch_op.drop_index('ix_messages_document_id_id')
    with op.batch_alter_table('email_settings') as batch_op:
        batch_op.drop_column('reply_to')
    with op.batch_alter_table('contacts') as batch_op:
        batch_op.drop_column('default_bcc')
        batch_op.drop_column('default_cc')
    op.drop_index('ix_mail_template_files_kind', table_name='mail_template_files')
    op.drop_table('mail_template_files')
    op.drop_table('mail_templates')
