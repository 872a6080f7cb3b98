"""failure kind and whether a retry can help (issue 12; placeholder)

Revision ID: 0016
Revises: 0015
"""
from typing import Sequence


revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
