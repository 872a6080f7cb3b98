"""Email templates per document kind: subject and body rendered in a sandbox, office-wide Bcc,
Reply-To and fixed files. One path for every way of sending (SMTP, client, Gmail, Outlook)."""
