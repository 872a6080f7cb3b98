"""the office's mail server, and whether each person's saved SMTP settings work (issue 20)

Revision ID: 0024
Revises: 0023

office_mail (one row): the SMTP server, port and security, and the IMAP server, port and
security for the Sent-folder copy, that an administrator sets on the Company page and a
colleague's Email tab starts from. email_settings gets smtp_check ("" not tried, "ok",
"failed"), smtp_checked_at and smtp_check_note: Save tries the settings and sending keeps the
record current, so the home page can tell "set up and working" from "saved, not yet working".
Existing settings start as "not tried".
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0024'
down_revision: str | Sequence[str] | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create office_mail; email_settings.smtp_check, smtp_checked_at, smtp_check_note."""
    op.create_table('office_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('smtp_server', sa.String(length=253), nullable=False),
    sa.Column('smtp_port', sa.Integer(), nullable=True),
    sa.Column('smtp_security', sa.String(length=8), nullable=False),
    sa.Column('imap_host', sa.String(length=253), nullable=False),
    sa.Column('imap_port', sa.Integer(), nullable=True),
    sa.Column('imap_security', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_mail'))
    )
    with op.batch_alter_table('email_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('smtp_check', sa.String(length=8), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('smtp_checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('smtp_check_note', sa.Text(), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    """Drop the check columns and office_mail."""
    with op.batch_alter_table('email_settings', schema=None) as batch_op:
        batch_op.drop_column('smtp_check_note')
        batch_op.drop_column('smtp_checked_at')
        batch_op.drop_column('smtp_check')
    op.drop_table('office_mail')
