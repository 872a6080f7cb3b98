"""Secrets at rest: Fernet encryption with keys kept in the instance folder, and key rotation
that running workers follow without a restart."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (damaged, or encrypted under a lost key)."""


class SecretBox:
    """Encrypts and decrypts secrets with the keys in one key file (newest first).

    Every use checks the key file (one ``stat``) and reloads it when it changed, so running
    workers pick up a rotated key without a restart: they encrypt under the newest key and
    decrypt under any key still in the file.
    """

    def __init__(self, key_file: Path) -> None:
        self.key_file = key_file
        self._lock = threading.Lock()
        if not key_file.exists():
            write_keys(key_file, [Fernet.generate_key()])
        self._keys = self._read()

    def _read(self) -> _Keys:
        with self.key_file.open("rb") as handle:
            stamp = _stamp(os.fstat(handle.fileno()))
            keys = [line.strip() for line in handle.read().splitlines() if line.strip()]
        return _Keys(stamp, keys, MultiFernet([Fernet(key) for key in keys]), Fernet(keys[0]))

    def _current(self) -> _Keys:
        """The keys as the file holds them now (reloaded when it changed)."""
        keys = self._keys
        try:
            if _stamp(os.stat(self.key_file)) != keys.stamp:
                with self._lock:
                    self._keys = keys = self._read()
        except OSError:  # the file is gone or unreadable for a moment: keep what was loaded
            return keys
        return keys

    @property
    def key_count(self) -> int:
        """How many keys the file holds (the newest encrypts, all of them decrypt)."""
        return len(self._current().keys)

    def encrypt(self, plaintext: str) -> str:
        """Encrypt a secret under the newest key."""
        return self._current().multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a secret, or raise SecretUnreadable."""
        try:
            return self._current().multi.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError, TypeError) as exc:
            raise SecretUnreadable("stored secret cannot be decrypted") from exc

    def is_current(self, token: str) -> bool:
        """Whether the token is encrypted under the newest key."""
        try:
            self._current().newest.decrypt(token.encode())
        except (InvalidToken, ValueError, TypeError):
            return False
        return True

    def rotate_token(self, token: str) -> str:
        """Re-encrypt a stored token under the newest key."""
        try:
            return self._current().multi.rotate(token.encode()).decode()
        except (InvalidToken, ValueError, TypeError) as exc:
            raise SecretUnreadable("stored secret cannot be decrypted") from exc

    def begin_rotation(self) -> None:
        """Put a new key first in the key file; the old ones stay, for reading only."""
        write_keys(self.key_file, [Fernet.generate_key(), *self._current().keys])

    def newest_key_age(self) -> float:
        """Seconds since the key file was last written (a rotation's start, or its finish)."""
        return time.time() - os.stat(self.key_file).st_mtime

    def finish_rotation(self) -> None:
        """Keep only the newest key once every secret is encrypted under it."""
        write_keys(self.key_file, self._current().keys[:1])


@dataclass(frozen=True)
class _Keys:
    stamp: tuple[int, int, int, int]
    keys: list[bytes]
    multi: MultiFernet
    newest: Fernet


def _stamp(stat: os.stat_result) -> tuple[int, int, int, int]:
    """What changes whenever the key file is replaced or rewritten."""
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size


def secret_box() -> SecretBox:
    """The application's secret box (its key file lives in the instance folder)."""
    return current_app.extensions["webpanel.secrets"]


def write_keys(path: Path, keys: Iterable[bytes]) -> None:
    """Atomically and durably write the key file with mode 0600 (on disk before any secret
    is stored under a new key)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(b"".join(key + b"\n" for key in keys))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
