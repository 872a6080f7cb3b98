"""Each person's Email tab, every screen of it: General, SMTP with its Sent folder copy section,
Gmail, Outlook, Send Test and the notes of an administrator's changes.

It reads and writes the stores below it (``webpanel.settings``, the outbox's list for the API
tabs, ``webpanel.oauth``); nothing imports it but ``create_app``.
"""
