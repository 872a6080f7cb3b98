"""where the owner allowed their SMTP password for IMAP (issue 17)

Revision ID: 0018
Revises: 0017

Two new columns on imap_settings: smtp_grant_enc, the IMAP endpoint (server, port, security,
certificate check, user name) at which the owner allowed "the same user name and password as
SMTP", sealed like a password; and smtp_grant_legacy, set on the rows that used the SMTP
password before this upgrade. A migration cannot seal (the key is the app's), so those rows
keep working by the old rule on the standard IMAP port for their security only, until someone
saves the section; a row on another port waits for its owner to save it.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0018'
down_revision: str | Sequence[str] | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """imap_settings.smtp_grant_enc and smtp_grant_legacy (on for same-as-SMTP rows)."""
    with op.batch_alter_table('imap_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('smtp_grant_enc', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('smtp_grant_legacy', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    settings = sa.table('imap_settings', sa.column('same_as_smtp', sa.Boolean()),
                        sa.column('smtp_grant_legacy', sa.Boolean()))
    op.execute(settings.update().where(settings.c.same_as_smtp.is_(True))
               .values(smtp_grant_legacy=True))


def downgrade() -> None:
    """Drop the grant columns."""
    with op.batch_alter_table('imap_settings', schema=None) as batch_op:
        batch_op.drop_column('smtp_grant_legacy')
        batch_op.drop_column('smtp_grant_enc')
