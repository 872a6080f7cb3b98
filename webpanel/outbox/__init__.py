"""Compose, send and record email: the Email dialog on documents, Retry, and Sent mail."""
