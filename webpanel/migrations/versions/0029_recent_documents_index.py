"""An index for the home page's recent documents (newest change first).

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0029'
down_revision: str | Sequence[str] | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Recent documents are read from the index, not sorted from the whole table."""
    op.create_index("ix_documents_updated_at_id", "documents", ["updated_at", "id"])


def downgrade() -> None:
    """Drop the index."""
    op.drop_index("ix_documents_updated_at_id", table_name="documents")
