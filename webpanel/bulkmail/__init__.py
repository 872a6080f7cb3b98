"""Emailing many documents at once: the documents list's "Email selected", one message each
through the outbox, with their progress in one place."""
