"""What the documents pages show from features above documents (webpanel.slots): each
document's email status in a list, the document's email history, and when it was last emailed.

The outbox fills these from its ``init_app`` (``webpanel.outbox.hooks``); unfilled, a list
shows no status, a document no history and no "already emailed" warning.
"""

from __future__ import annotations

from webpanel.slots import Slot

#: (documents of one list) -> {document id: the list's words for its email status}.
EMAIL_STATUSES = Slot("documents.email_statuses", lambda documents: {})
#: (document, signed-in user id) -> the document's emails, newest first (each with its
#: `status_label`, which the page also shows as the document's status).
EMAIL_HISTORY = Slot("documents.email_history", lambda document, user_id: [])
#: (document) -> when the document last left (sent or handed to an email client), or None.
LAST_EMAILED = Slot("documents.last_emailed", lambda document: None)
#: (document) -> the document's schedule that has not ended (webpanel.recurring), or None.
RECURRENCE = Slot("documents.recurrence", lambda document: None)
#: (documents of one list, their email words by id) -> {invoice id: its payment status in
#: words}, which replaces the email words in lists (webpanel.payments).
PAYMENT_STATUSES = Slot("documents.payment_statuses", lambda documents, email_words: {})
#: (document, its email words) -> the Payments section's context, or None (no section).
PAYMENT_PANEL = Slot("documents.payment_panel", lambda document, email_word: None)
#: (document, its EMAIL_HISTORY entries) -> the Reminders section's context for an invoice,
#: or None (webpanel.reminders).
REMINDERS_PANEL = Slot("documents.reminders_panel", lambda document, entries: None)
