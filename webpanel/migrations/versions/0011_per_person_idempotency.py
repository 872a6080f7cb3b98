"""idempotency keys unique per person; sign-in session expiry (issue 7)

Revision ID: 0011
Revises: 0010

A compose dialog's key was unique across the office, so posting a colleague's key failed;
now it is unique per person. Sign-in sessions remember whether "Remember me" was ticked,
which decides when they end on the server; sessions from before count as remembered (they
still end SIGN_IN_LIFETIME after sign-in).

On SQLite, changing a constraint rebuilds `messages`; dropping the old table would cascade to
`message_bodies` (foreign keys are on), so the bodies are kept aside and put back.
"""
from contextlib import contextmanager
from typing import Iterator, Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _bodies_kept() -> Iterator[None]:
    """Keep every message body across a rebuild of `messages` (SQLite only)."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('CREATE TEMP TABLE _kept_message_bodies AS SELECT * FROM message_bodies')
    yield
    if sqlite:
        op.execute('INSERT OR IGNORE INTO message_bodies (message_id, mime) '
                   'SELECT message_id, mime FROM _kept_message_bodies')
        op.execute('DROP TABLE _kept_message_bodies')


def upgrade() -> None:
    """Unique (user_id, idempotency_key); login_sessions.remember."""
    with _bodies_kept(), op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_messages_idempotency_key', type_='unique')
        batch_op.create_unique_constraint('uq_messages_user_id_idempotency_key',
                                          ['user_id', 'idempotency_key'])
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remember', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))


def downgrade() -> None:
    """Back to one key per office: a key two people share is made distinct first."""
    with op.batch_alter_table('login_sessions', schema=None) as batch_op:
        batch_op.drop_column('remember')
    op.execute(
        "UPDATE messages SET idempotency_key = substr(idempotency_key, 1, 40) || '-' || id "
        "WHERE id NOT IN (SELECT min(id) FROM messages GROUP BY idempotency_key)")
    with _bodies_kept(), op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_messages_user_id_idempotency_key', type_='unique')
        batch_op.create_unique_constraint('uq_messages_idempotency_key', ['idempotency_key'])
