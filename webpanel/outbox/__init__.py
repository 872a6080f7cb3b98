"""Compose, send and record email: the Email dialog on documents, Retry, Sent mail, and the
copy of each SMTP send in the person's Sent folder with its Retry copy (``copying``)."""
