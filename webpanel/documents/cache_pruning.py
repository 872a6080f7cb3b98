"""Keeping the PDF cache folder within bounds: by age, then by total size, oldest first."""

from __future__ import annotations

import os
import time
from pathlib import Path

#: Seconds between the cache's own prunes (after a new PDF is written); also how old a
#: leftover temporary file must be before it is removed.
PRUNE_EVERY = 3600


def cached_files(directory: Path) -> list[tuple[Path, float, int]]:
    """(path, modified, size) of each cached PDF, and of temporary files left over an hour."""
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    found = []
    for entry in entries:
        try:
            info = entry.stat()
        except FileNotFoundError:  # another worker removed it meanwhile
            continue
        leftover = entry.name.startswith(".tmp-") and time.time() - info.st_mtime > PRUNE_EVERY
        if entry.name.endswith(".pdf") and (leftover or not entry.name.startswith(".")):
            found.append((Path(entry.path), info.st_mtime, info.st_size))
    return found


def prune_folder(directory: Path, max_age: float | None, max_bytes: int | None,
                 keep: Path | None = None) -> tuple[int, int]:
    """Remove PDFs rendered more than `max_age` seconds ago, then the oldest until the folder
    holds at most `max_bytes` (`keep`, the file just written, stays); returns (files, bytes)
    removed. A removed PDF is simply rendered again when it is next needed."""
    files = sorted(cached_files(directory), key=lambda item: item[1])
    now, total = time.time(), sum(size for _path, _mtime, size in files)
    removed = freed = 0
    for path, mtime, size in files:
        too_old = max_age is not None and now - mtime > max_age
        if path == keep or not too_old and (max_bytes is None or total <= max_bytes):
            continue
        path.unlink(missing_ok=True)
        removed, freed, total = removed + 1, freed + size, total - size
    return removed, freed
