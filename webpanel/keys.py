"""Key rotation while the panel serves: a new key first, every secret re-encrypted under it,
and the old key kept for reading until `finish` retires it.

Running workers check the key file on each use (see `SecretBox`), so they encrypt under the
new key as soon as it is written. A worker that encrypted under the old key just before that
may still commit afterwards: re-encryption therefore repeats until a pass finds nothing left
under an old key, each row is updated only if it still holds the value that was read (a
password saved meanwhile is never overwritten), and the old key stays in the file until
`finish`, which refuses to run before every request that began under the old key is over.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import and_, inspect, select, update

from webpanel.crypto import SecretBox, SecretUnreadable
from webpanel.extensions import db
from webpanel.integrations.models import IntegrationSettings
from webpanel.oauth.models import OAuthAccount
from webpanel.sending import SIGN_INS
from webpanel.settings.models import EmailSettings, ImapSettings

MAX_PASSES = 20


class RotationTooSoon(Exception):
    """`finish` ran while requests that began under the old key may still be saving."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"wait {wait:.0f} more seconds")
        self.wait = wait


def encrypted_columns():
    """Every column that holds a secret; a new secret column must be listed here."""
    client_secrets = [getattr(IntegrationSettings, f"{provider.name}_client_secret_enc")
                      for provider in SIGN_INS.values()]
    return [EmailSettings.smtp_password_enc, OAuthAccount.access_token_enc,
            OAuthAccount.refresh_token_enc, *client_secrets, ImapSettings.password_enc,
            ImapSettings.smtp_grant_enc]


def rotate_all(app: Flask) -> tuple[int, int]:
    """Put a new key first, then re-encrypt every secret under it; the old key stays for
    reading until `finish`. Returns (re-encrypted, unreadable).

    A crash at any point leaves a key file that decrypts everything stored. Secrets that
    were already unreadable stay as they are: their owners see "enter the password again".
    """
    box = _box(app)
    box.begin_rotation()
    return re_encrypt(box)


def finish(app: Flask) -> tuple[int, int]:
    """Re-encrypt anything still under an old key, then remove the old keys from the file.

    Raises RotationTooSoon while the newest key is younger than WORKER_TIMEOUT: a request
    that started under the old key could still be saving a secret with it.
    """
    box = _box(app)
    grace = float(app.config["WORKER_TIMEOUT"])
    if (age := box.newest_key_age()) < grace:
        raise RotationTooSoon(grace - age)
    result = re_encrypt(box)
    box.finish_rotation()
    return result


def re_encrypt(box: SecretBox) -> tuple[int, int]:
    """Passes over every secret until one finds nothing left under an old key."""
    done = 0
    for _ in range(MAX_PASSES):
        changed, unreadable = _one_pass(box)
        done += changed
        if not changed:
            return done, unreadable
    return done, unreadable


def _one_pass(box: SecretBox) -> tuple[int, int]:
    """Re-encrypt what is not under the newest key, in one short transaction."""
    changed = unreadable = 0
    for column in encrypted_columns():
        model = column.class_
        keys = inspect(model).primary_key
        rows = db.session.execute(select(*keys, column).where(column.is_not(None))).all()
        for *ids, token in rows:
            if box.is_current(token):
                continue
            try:
                fresh = box.rotate_token(token)
            except SecretUnreadable:
                unreadable += 1
                continue
            same_row = and_(*(key == value for key, value in zip(keys, ids, strict=True)))
            result = db.session.execute(
                update(model).where(same_row, column == token).values({column.key: fresh})
                .execution_options(synchronize_session=False))
            changed += result.rowcount
    db.session.commit()
    return changed, unreadable


def _box(app: Flask) -> SecretBox:
    return app.extensions["webpanel.secrets"]
