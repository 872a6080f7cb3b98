"""Run every benchmark and print one table; `python -m bench lists pages` runs only those."""

from __future__ import annotations

import logging
import sys

from bench import (
    drip_sends,
    first_pdf,
    lists,
    pages,
    pdf_cache,
    pdf_scripts,
    reminders,
    send_test,
    slow_token,
    tab_switch,
    throughput,
    worker_sends,
    write_lock,
)
from bench.harness import print_table

SUITES = [tab_switch, send_test, pdf_cache, pdf_scripts, lists, pages, first_pdf, drip_sends,
          write_lock, slow_token, throughput, worker_sends, reminders]


def chosen(names: list[str]) -> list:
    """The suites named (by module name), or every suite when none is."""
    by_name = {suite.__name__.rsplit(".", 1)[-1]: suite for suite in SUITES}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise SystemExit(f"No suite {', '.join(unknown)}; the suites: {', '.join(by_name)}")
    return [by_name[name] for name in names] if names else SUITES


def main() -> None:
    """Run the suites in order and print their rows."""
    logging.disable(logging.WARNING)
    rows = [row for suite in chosen(sys.argv[1:]) for row in suite.run()]
    print_table(rows)


if __name__ == "__main__":
    main()
