"""Bounces: delivery reports read from each person's INBOX (read-only) and shown per recipient
in Sent mail, a document's history and after Send Test. Routes are in ``views``."""
