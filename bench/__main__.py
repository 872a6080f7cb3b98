"""Run every benchmark and print one table."""

from __future__ import annotations

import logging

from bench import (
    drip_sends,
    pdf_cache,
    pdf_scripts,
    reminders,
    send_test,
    sent_mail,
    slow_token,
    tab_switch,
    throughput,
    worker_sends,
    write_lock,
)
from bench.harness import print_table

SUITES = [tab_switch, send_test, pdf_cache, pdf_scripts, sent_mail, drip_sends, write_lock,
          slow_token, throughput, worker_sends, reminders]


def main() -> None:
    """Run the suites in order and print their rows."""
    logging.disable(logging.WARNING)
    rows = [row for suite in SUITES for row in suite.run()]
    print_table(rows)


if __name__ == "__main__":
    main()
