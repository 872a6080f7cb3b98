"""IMAP settings and Sent-folder copies (issue 12; placeholder)

Revision ID: 0014
Revises: 0013
"""
from typing import Sequence


revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing yet."""


def downgrade() -> None:
    """Nothing yet."""
