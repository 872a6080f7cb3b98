"""bounce reports per recipient (issue 12; placeholder)

Revision ID: 0015
Revises: 0014
"""
from typing import Sequence


revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
