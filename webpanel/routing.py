"""URL converters: ids of any size in an address answer 404, never a 500."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

#: The largest id a database integer column holds (signed 64 bits).
#: The largest row id: PostgreSQL's INTEGER, which every table's id is (SQLite's would go further);
#: a larger one in an address or a form is "not found", never a database error.
MAX_ID = 2**31 - 1
MAX_DIGITS = len(str(MAX_ID))


class IdConverter(BaseConverter):
    """`<id:name>`: a row id, 1 to MAX_ID in plain ASCII digits; anything else is 404."""

    regex = r"[0-9]+"
    minimum = 1

    def to_python(self, value: str) -> int:
        """The id; out of range is 404 at once (a ValidationError would let werkzeug answer 405
        when another rule has the same path with other methods)."""
        if len(value.lstrip("0")) > MAX_DIGITS:
            raise NotFound()
        number = int(value)
        if not self.minimum <= number <= MAX_ID:
            raise NotFound()
        return number

    def to_url(self, value: object) -> str:
        """The id as digits."""
        return str(int(value))  # type: ignore[call-overload]


class IndexConverter(IdConverter):
    """`<index:name>`: a position in a list, 0 to 2**63-1."""

    minimum = 0


def init_app(app: Flask) -> None:
    """Register the converters (before any blueprint adds its routes)."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["index"] = IndexConverter
