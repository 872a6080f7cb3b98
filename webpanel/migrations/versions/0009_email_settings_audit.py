"""Email tab: who changed a colleague's settings (issue 7, secrets bound)

Revision ID: 0009
Revises: 0008

A table of administrators' changes to someone else's Email tab (field names only, never
values), shown to that person until they dismiss it. Stored SMTP passwords need no schema
change: a value saved before this counts as bound to the settings saved with it.
"""
from typing import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create email_settings_changes."""
    op.create_table('email_settings_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_email', sa.String(length=254), nullable=False),
    sa.Column('fields', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('dismissed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_email_settings_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_settings_changes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_settings_changes'))
    )
    with op.batch_alter_table('email_settings_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_settings_changes_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    """Drop email_settings_changes."""
    with op.batch_alter_table('email_settings_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_settings_changes_user_id'))
    op.drop_table('email_settings_changes')
