"""A clock the tests move: the TEST_CLOCK_FILE of an app and of the `flask worker` processes
started on the same instance folder (webpanel.clock reads it at every call).

Load as a plugin (tests/conftest.py) for the `test_clock` fixture.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest


class TestClock:
    """`move(days=3)` moves every reader of `path` forward; moves add up."""

    __test__ = False  # not a test class

    def __init__(self, path: Path) -> None:
        self.path, self.moved = path, timedelta(0)
        path.write_text("0")

    def move(self, **delta: float) -> None:
        """Move the clock forward by `delta` (timedelta's arguments: days=, hours=, …)."""
        self.moved += timedelta(**delta)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(str(self.moved.total_seconds()))
        temporary.replace(self.path)  # a reader sees the old number or the new, never half


@pytest.fixture
def test_clock(tmp_path) -> TestClock:
    """A clock file at zero; give its `path` as TEST_CLOCK_FILE (app and worker config)."""
    return TestClock(tmp_path / "clock")
