"""Signing in with Google and Microsoft: accounts, encrypted tokens, the flow, De-Authorize.

The blueprint lives in `views.py` (not here) because the Email tab imports this package's
services, and the views import the Email tab's helpers.
"""
