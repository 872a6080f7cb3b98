"""The plain words for a failure nobody planned for (a bug, damaged data, a library's
surprise): the record is kept as failed with Retry, and the details go to the log."""

from __future__ import annotations

from webpanel.mailbase import MailError

LOG_NOTE = "If it happens again, tell your administrator: the details are in the panel's log."


def unexpected_error(step: str, may_have_left: bool) -> MailError:
    """A MailError for an unexpected exception at `step`; `may_have_left` when the server or
    API may already have taken the message (then Retry could send it twice)."""
    if may_have_left:
        return MailError(step, "Something unexpected went wrong while the message was being "
                         "handed over, so the panel cannot tell whether it was sent.",
                         "Ask the recipient (or look in your mailbox's Sent folder) whether it "
                         "arrived before you press Retry, so it does not arrive twice. "
                         f"{LOG_NOTE}")
    return MailError(step, "Something unexpected went wrong in the panel at this step; "
                     "nothing was sent.", f"Press Retry. {LOG_NOTE}")
