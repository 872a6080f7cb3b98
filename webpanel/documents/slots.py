"""What the documents pages show from features above documents (webpanel.slots): each
document's email status in a list, the document's email history, and when it was last emailed.

The outbox fills these from its ``init_app`` (``webpanel.outbox.hooks``); unfilled, a list
shows no status, a document no history and no "already emailed" warning.
"""

from __future__ import annotations

from webpanel.slots import Slot

#: (documents of one list) -> {document id: the list's words for its email status}.
EMAIL_STATUSES = Slot("documents.email_statuses", lambda documents: {})
#: (document, signed-in user id) -> the document's emails, newest first.
EMAIL_HISTORY = Slot("documents.email_history", lambda document, user_id: [])
#: (document) -> when the document last left (sent or handed to an email client), or None.
LAST_EMAILED = Slot("documents.last_emailed", lambda document: None)
#: (document) -> the document's schedule that has not ended (webpanel.recurring), or None.
RECURRENCE = Slot("documents.recurrence", lambda document: None)
