"""An index for the customers and vendors lists' order (name whatever its case, then id).

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0031'
down_revision: str | Sequence[str] | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """A list page is read from the index (kind, lower(name), id), never sorted; it also serves
    every lookup the index on (kind, name) served, which goes."""
    op.create_index("ix_contacts_kind_lower_name_id", "contacts",
                    ["kind", sa.text("lower(name)"), "id"])
    op.drop_index("ix_contacts_kind_name", table_name="contacts")


def downgrade() -> None:
    """Back to the index on (kind, name)."""
    op.create_index("ix_contacts_kind_name", "contacts", ["kind", "name"])
    op.drop_index("ix_contacts_kind_lower_name_id", table_name="contacts")
