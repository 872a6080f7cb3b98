"""Count the SQL statements a page costs, by the table each SELECT reads first."""

from __future__ import annotations

import re
from collections import Counter

from sqlalchemy import event

FIRST_TABLE = re.compile(r"\bFROM\s+\"?(\w+)")
#: A column such as "whether a bounce report exists" reads its table inside the row's SELECT.
EXISTS_COLUMN = re.compile(r"\bEXISTS\s*\(SELECT[^()]*\)", re.IGNORECASE)


def selects_by_table(app, client, url: str, headers: dict | None = None) -> Counter:
    """GET `url` (it must answer 200) and count its SELECTs by the first table each reads
    (not counting an EXISTS among its columns)."""
    seen: Counter = Counter()

    def count(_conn, _cursor, statement, *_args):
        found = FIRST_TABLE.search(EXISTS_COLUMN.sub("", statement))
        if statement.lstrip().upper().startswith("SELECT") and found:
            seen[found.group(1)] += 1

    engine = app.extensions["webpanel.engine"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        page = client.get(url, headers=headers or {})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert page.status_code == 200, (url, page.status_code)
    return seen
