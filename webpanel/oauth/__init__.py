"""Signing in with Google and Microsoft: accounts, encrypted tokens, refresh, revoking.

This package only signs in and keeps tokens: it imports neither the Email tab
(webpanel.emailtab, where the Gmail and Outlook tab screens and De-Authorize live) nor the
outbox. Its routes are in `views.py`, on the blueprint of `blueprint.py`.
"""
