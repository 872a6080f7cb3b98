"""Key rotation: every encrypted column, re-encrypted under a new key in one transaction."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from webpanel.crypto import SecretBox, SecretUnreadable
from webpanel.extensions import db
from webpanel.integrations.models import IntegrationSettings
from webpanel.oauth.models import OAuthAccount
from webpanel.settings.models import EmailSettings


def encrypted_columns():
    """Every column that holds a secret; a new secret column must be listed here."""
    return [EmailSettings.smtp_password_enc, OAuthAccount.access_token_enc,
            OAuthAccount.refresh_token_enc, IntegrationSettings.google_client_secret_enc,
            IntegrationSettings.microsoft_client_secret_enc]


def rotate_all(app: Flask) -> tuple[int, int]:
    """Put a new key first, re-encrypt every secret, commit, then drop the old keys.

    Returns (re-encrypted, unreadable). A crash at any point leaves a key file that still
    decrypts everything stored. Secrets that were already unreadable stay as they are: their
    owners see "enter the password again".
    """
    box: SecretBox = app.extensions["webpanel.secrets"]
    box.begin_rotation()
    done = unreadable = 0
    for column in encrypted_columns():
        for row in db.session.scalars(select(column.class_).where(column.is_not(None))):
            try:
                setattr(row, column.key, box.rotate_token(getattr(row, column.key)))
                done += 1
            except SecretUnreadable:
                unreadable += 1
    db.session.commit()
    box.finish_rotation()
    return done, unreadable
