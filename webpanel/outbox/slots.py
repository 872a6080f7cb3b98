"""What the outbox's pages show from features above the outbox (webpanel.slots): the bounce
reports of Sent mail's rows, of a document's history and of a previewed message, and where
the reading of bounce reports stands.

Bounces fills it from its ``init_app`` (``webpanel.bounces.hooks``); unfilled, no message
shows a bounce.
"""

from __future__ import annotations

from webpanel.slots import Slot

#: (message ids of one list) -> {message id: its bounce outcome}, one query for the list;
#: messages without reports are absent.
BOUNCE_OUTCOMES = Slot("outbox.bounce_outcomes", lambda message_ids: {})
#: (the messages' id column) -> an SQL condition true for a message with bounce reports, read
#: with a list's rows so that a page none of whose messages bounced needs no BOUNCE_OUTCOMES
#: look-up; None (unfilled): every message may have some.
BOUNCED = Slot("outbox.bounced", lambda message_id: None)
#: (user id) -> where the reading of the person's bounce reports stands, shown on Sent mail
#: with its Check now; None when nothing reads their inbox (no IMAP, or no bounces feature).
BOUNCE_READING = Slot("outbox.bounce_reading", lambda user_id: None)
#: (message ids of one list) -> {message id: what the message was, e.g. "Reminder 2"}, for
#: messages a feature above sent on its own (webpanel.reminders); others are absent.
MESSAGE_TAGS = Slot("outbox.message_tags", lambda message_ids: {})
