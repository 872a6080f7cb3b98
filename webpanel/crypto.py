"""Secrets at rest: Fernet encryption with keys kept in the instance folder, and key rotation."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (damaged, or encrypted under a lost key)."""


class SecretBox:
    """Encrypts and decrypts secrets with the keys in one key file (newest first)."""

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        if not key_file.exists():
            write_keys(key_file, [Fernet.generate_key()])
        self._load()

    def _load(self) -> None:
        keys = [line.strip() for line in self.key_file.read_text().splitlines() if line.strip()]
        self._fernet = MultiFernet([Fernet(key) for key in keys])
        self.key_count = len(keys)

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a secret under the newest key."""
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a secret, or raise SecretUnreadable."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError, TypeError) as exc:
            raise SecretUnreadable("stored secret cannot be decrypted") from exc

    def rotate_token(self, token: str) -> str:
        """Re-encrypt a stored token under the newest key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise SecretUnreadable("stored secret cannot be decrypted") from exc

    def begin_rotation(self) -> None:
        """Put a new key first in the key file; old ones still decrypt until `finish_rotation`."""
        keys = self.key_file.read_text().split()
        write_keys(self.key_file, [Fernet.generate_key(), *[k.encode() for k in keys]])
        self._load()

    def finish_rotation(self) -> None:
        """Keep only the newest key once every secret is encrypted under it."""
        newest = self.key_file.read_text().split()[0]
        write_keys(self.key_file, [newest.encode()])
        self._load()


def secret_box() -> SecretBox:
    """The application's secret box (its key file lives in the instance folder)."""
    return current_app.extensions["webpanel.secrets"]


def write_keys(path: Path, keys: Iterable[bytes]) -> None:
    """Atomically write the key file with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"".join(key + b"\n" for key in keys))
    os.replace(temp, path)
