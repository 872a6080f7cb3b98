"""sign-in health for Gmail and Outlook (issue 12; placeholder)

Revision ID: 0017
Revises: 0016
"""
from typing import Sequence


revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
